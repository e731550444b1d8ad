"""Correcting recorded facts (issue 26): service (checks, writes, audit), flows, audit trail."""
