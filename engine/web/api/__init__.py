"""The JSON API (``/api/v1``): routes in :mod:`engine.web.api.v1`, callers in ``caller``."""
