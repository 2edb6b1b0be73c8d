"""Commands: cmd_demo (placeholder until implemented)."""
