"""Notifications: message templates, e-mail building and delivery (SMTP or .eml files)."""
