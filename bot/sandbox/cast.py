"""The sandbox's default cast: the people, group and channels every seeded workspace holds.

`Workspace.seeded` builds them and tests, the demo and the console address them, so their ids
live here once: a test that types as MARCO in INCIDENTS reaches the records the sandbox made.
"""

from __future__ import annotations

# People: Marco declares and leads by default, Giulia and Luca respond.
MARCO = "U01MARCO"
GIULIA = "U02GIULIA"
LUCA = "U03LUCA"
PEOPLE = (MARCO, GIULIA, LUCA)

# The `@oncall` user group: Marco and Giulia.
ONCALL = "S0ONCALL"
ONCALL_MEMBERS = (MARCO, GIULIA)

# #incidents, where incidents are declared and announced (the bot is a member), and #general.
INCIDENTS = "C0INCIDENTS"
GENERAL = "C0GENERAL"
