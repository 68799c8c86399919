"""Scheduled jobs (EventBridge schedule rules), one module per job."""
