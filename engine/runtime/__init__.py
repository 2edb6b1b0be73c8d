"""The durable runtime: plans pinned to pathway versions, advanced one transaction at a time.

Public functions live in :mod:`engine.runtime.api`; roles in :mod:`engine.runtime.roles`, guards and
content in :mod:`engine.runtime.guards`, deadlines and notices in :mod:`engine.runtime.deadlines`.
"""
