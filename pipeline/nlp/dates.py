"""Normalise date expressions ("June 2", "on Tuesday", "yesterday") to ISO dates.

Relative expressions are resolved against the publication date; without one only
absolute dates that carry a year can be resolved.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_MD = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)
_DM = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _safe(year: int, month: int, day: int) -> dt.date | None:
    """A date, or None when the numbers do not form one."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _infer_year(month: int, day: int, published: dt.date) -> dt.date | None:
    """Pick the year that puts the date nearest to publication (news reports the recent past)."""
    best = None
    for year in (published.year - 1, published.year, published.year + 1):
        cand = _safe(year, month, day)
        if cand and (best is None or abs((cand - published).days) < abs((best - published).days)):
            best = cand
    return best


def normalize_date(text: str | None, published: dt.date | None) -> str | None:
    """ISO date for a date expression, or None when it cannot be pinned to a day."""
    if not text:
        return None
    low = text.lower().strip()
    m = _ISO.search(low)
    if m:
        d = _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return d.isoformat() if d else None
    for rx, mi, di in ((_MD, 1, 2), (_DM, 2, 1)):
        m = rx.search(low)
        if m:
            month, day = MONTHS[m.group(mi).lower()], int(m.group(di))
            if m.group(3):
                d = _safe(int(m.group(3)), month, day)
            elif published:
                d = _infer_year(month, day, published)
            else:
                d = None
            return d.isoformat() if d else None
    if published is None:
        return None
    if re.search(r"\btoday\b|\btonight\b|\bthis (morning|afternoon|evening)\b", low):
        return published.isoformat()
    if re.search(r"\byesterday\b|\blast night\b", low):
        return (published - dt.timedelta(days=1)).isoformat()
    if re.search(r"\btomorrow\b", low):
        return (published + dt.timedelta(days=1)).isoformat()
    for name, wd in WEEKDAYS.items():
        if re.search(rf"\b{name}\b", low):
            delta = (published.weekday() - wd) % 7
            if re.search(r"\bnext\b", low):
                return (published + dt.timedelta(days=(wd - published.weekday()) % 7 or 7)).isoformat()
            if re.search(r"\blast\b", low) and delta == 0:
                delta = 7
            return (published - dt.timedelta(days=delta)).isoformat()
    if re.search(r"\blast week\b", low):
        start = published - dt.timedelta(days=published.weekday() + 7)
        return start.isoformat()
    return None


def parse_published(value: object) -> dt.date | None:
    """Accept a date, datetime or ISO string (with or without time); else None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
        if m:
            return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None
