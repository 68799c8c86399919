-- Undo 0010.email-confirmations.

DROP TABLE email_confirmations;
