"""Commands: cmd_calendar (placeholder until implemented)."""
