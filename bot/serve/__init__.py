"""The ways in: the Bolt app factory, the HTTP server (Slack events and the inbound webhooks) and
the Socket Mode runner. The only package besides `handlers` that knows Bolt.
"""
