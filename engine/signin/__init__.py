"""Signing the command line in as a person: sessions, e-mailed one-time codes, OIDC device flow."""
