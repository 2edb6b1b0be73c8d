"""Commands: cmd_definition (placeholder until implemented)."""
