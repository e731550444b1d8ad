"""Time as the bot keeps it: the one injected clock, time zones, typed times parsed and instants
shown, and the one duration rule every draft uses.
"""
