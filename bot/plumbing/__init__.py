"""Plumbing every domain shares and none owns: the retrying HTTP client, retry policy, webhook
signatures, background tasks, database-backed due jobs and logging.
"""
