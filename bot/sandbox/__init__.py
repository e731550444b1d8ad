"""A local, stateful Slack for tests, the demo and the console (see `server.SlackSandbox`).

Importing this package starts nothing: servers and clients exist only once created.
"""

from bot.sandbox.driver import DriverError, DriverReply, SlackDriver
from bot.sandbox.faults import error, rate_limit, server_error, slow
from bot.sandbox.server import SlackSandbox

__all__ = [
    "DriverError",
    "DriverReply",
    "SlackDriver",
    "SlackSandbox",
    "error",
    "rate_limit",
    "server_error",
    "slow",
]
