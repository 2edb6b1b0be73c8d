"""Where the meetings' store functions used to live: they are in :mod:`govpath.store.meetings`."""

from __future__ import annotations

from govpath.store.meetings import find_meeting, load_meetings, upsert_meetings

__all__ = ["find_meeting", "load_meetings", "upsert_meetings"]
