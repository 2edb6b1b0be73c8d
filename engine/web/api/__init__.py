"""The JSON API (``/api/v1``): routes in :mod:`govpath.web.api.v1`, callers in ``caller``."""
