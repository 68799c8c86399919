DROP TABLE IF EXISTS ledger_postings;
DROP TABLE IF EXISTS journal_entries;
DROP TABLE IF EXISTS ledger_accounts;
DROP FUNCTION IF EXISTS ledger_append_only();
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
DROP TABLE IF EXISTS order_items;
DROP TABLE IF EXISTS orders;
