"""Persistence: the schema, the database engine and its migrations."""
