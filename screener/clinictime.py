"""The clinic's wall clock: times shown to staff and written in records, in the clinic's zone.

Stored times are UTC; a nurse reading "18:35" must know whose 18:35 it is, so every time
shown carries its zone's abbreviation. The zone is the clinic file's ``timezone`` (IANA name,
default UTC), checked once at start-up by ``clinic.check_clinic``.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def valid_zone(name: str) -> bool:
    """True when ``name`` is an IANA time zone this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def in_zone(moment: datetime.datetime, zone: str) -> datetime.datetime:
    """``moment`` (naive means UTC, as the store keeps it) on the clinic's clock."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(ZoneInfo(zone))


def clinic_time(moment: datetime.datetime, zone: str) -> str:
    """"2026-12-04 18:35 CET": the date, the time and the zone that gives them meaning."""
    local = in_zone(moment, zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
