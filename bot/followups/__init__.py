"""Follow-ups: the action items of an incident, tracked until done, reminded, exported."""
