"""The durable runtime: plans pinned to pathway versions, advanced one transaction at a time.

Public functions live in :mod:`govpath.runtime.api`; roles in :mod:`govpath.runtime.roles`, guards and
content in :mod:`govpath.runtime.guards`, deadlines and notices in :mod:`govpath.runtime.deadlines`.
"""
