"""Commands: cmd_scheduler (placeholder until implemented)."""
