"""The demo: a whole planning year on the embedded default, end to end."""
