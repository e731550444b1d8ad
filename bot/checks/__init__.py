"""Feature checks and alerts: finding an outage before a person does (issue 24)."""
