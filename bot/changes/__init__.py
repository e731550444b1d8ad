"""Deploys as change events: where they come from, which one is suspect, rolling one back."""
