"""Commands: cmd_audit (placeholder until implemented)."""
