-- Undo 0001.accounts-core. The citext extension stays: other objects may use it.

DROP TABLE addresses;
DROP TABLE users;
DROP FUNCTION set_updated_at();
