"""govpath: a workflow engine for a council's governance pathway."""

__version__ = "0.1.0"
