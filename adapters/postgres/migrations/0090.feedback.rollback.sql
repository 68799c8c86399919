-- Undo 0090.feedback.

DROP TABLE feedback;
DROP TABLE feedback_windows;
