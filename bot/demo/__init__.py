"""Try the bot without Slack: replayable scenarios, `outagebot demo` and `outagebot console`."""
