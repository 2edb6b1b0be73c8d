"""Commands: cmd_plan (placeholder until implemented)."""
