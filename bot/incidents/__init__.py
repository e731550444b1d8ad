"""Incidents: the record (service), their Slack channel (setup), the live board, nudges."""
