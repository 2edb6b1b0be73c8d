"""Packaged message templates (Jinja2): reminder, escalation, papers_due and digest."""
