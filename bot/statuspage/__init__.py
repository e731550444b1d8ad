"""The public status page: component states from the live record, updates a person approved,
Statuspage v2 JSON, an Atom feed, and an optional Atlassian Statuspage kept in sync."""
