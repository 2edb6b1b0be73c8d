"""Calendars: meetings, working days and the deadline rules that count from them."""
