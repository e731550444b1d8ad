"""Slack, as the bot's domains see it: the one Web API gateway, `ts` values, mrkdwn text, people.

Nothing here reads a Bolt request; the ways Slack reaches the bot are in `bot.serve`.
"""
