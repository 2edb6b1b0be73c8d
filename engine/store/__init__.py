"""Persistence: all of govpath's SQL, the schema, the engine and its migrations, per backend."""
