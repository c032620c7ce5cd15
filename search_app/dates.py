"""Dates and times as a person reads them, wherever tracuu shows one: dd/mm/yyyy (and hh:mm).

Stored and sent over the API they stay ISO 8601; the pages, the staff log and the command line
all show them through these two functions.
"""

from __future__ import annotations

from datetime import date, datetime


def shown_date(iso: str | None) -> str | None:
    """ "2017-03-21" -> "21/03/2017"; anything that is not an ISO date is given back as it is."""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def shown_time(iso: str) -> str:
    """ "2026-01-05T10:22:33" or "2026-01-05 10:22:33" -> "05/01/2026 10:22"; anything else as it is."""
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso
    return f"{moment.day:02d}/{moment.month:02d}/{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}"
