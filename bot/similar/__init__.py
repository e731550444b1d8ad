"""Similar past incidents: posted when an incident is declared and when a feature goes down."""
