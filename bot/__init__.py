"""outagebot: a Slack incident bot. The tree by concern is mapped in docs/ARCHITECTURE.md; the
composition root is `bot.services`, the ways in are `bot.cli` and `bot.serve`."""
