"""Links in e-mails to the page where the person acts: a plan's page, or the dashboard.

A link names a page and nothing else: no token, no e-mail address, no secret. A signed-out
reader who follows it signs in first and then lands on the page.

>>> plan_link("https://govpath.kent.example/", 3)
'https://govpath.kent.example/plans/3'
>>> dashboard_link("https://govpath.kent.example/council")
'https://govpath.kent.example/council/'
"""

from __future__ import annotations


def plan_link(base_url: str, plan_id: int) -> str:
    """The plan's page under BASE_URL."""
    return f"{base_url.rstrip('/')}/plans/{int(plan_id)}"


def dashboard_link(base_url: str) -> str:
    """The signed-in person's tasks (the dashboard) under BASE_URL."""
    return f"{base_url.rstrip('/')}/"
