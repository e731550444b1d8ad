"""The team's record over time: `outagebot report` and App Home's summary."""
