"""Page modules, one per audience; each has a ``router`` that app.py includes."""
