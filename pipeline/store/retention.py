"""Monthly indices: roll the next month's in, drop those past retention.

Time-based kinds (articles, claims, events) live in monthly indices
``<prefix>-<kind>-YYYY.MM`` behind an alias, so retention is a plain index delete (no
``_delete_by_query``, which the core build lacks). Plain functions, no Airflow: the
``news_maintenance`` DAG and the tests call them directly.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from pipeline.store.elastic import KINDS, Indices, ensure_monthly_index, template_body


def monthly_kinds() -> list[str]:
    """The kinds written to monthly indices (articles, claims, events)."""
    return [kind for kind in KINDS if template_body(kind)["monthly"]]


def _month_number(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def _month_start(number: int) -> datetime:
    return datetime(number // 12, number % 12 + 1, 1, tzinfo=UTC)


def monthly_indices(es: Elasticsearch, indices: Indices, kind: str) -> dict[str, tuple[int, int]]:
    """Concrete monthly indices of one kind by name -> (year, month); other names are ignored."""
    pattern = re.compile(rf"^{re.escape(indices.prefix)}-{re.escape(kind)}-(\d{{4}})\.(\d{{2}})$")
    response = es.options(ignore_status=404).indices.get(
        index=f"{indices.prefix}-{kind}-*",
        expand_wildcards="open,closed",
        allow_no_indices=True,
    )
    found: dict[str, tuple[int, int]] = {}
    for name in dict(response.body if hasattr(response, "body") else response):
        match = pattern.match(name)
        if match and 1 <= int(match.group(2)) <= 12:
            found[name] = (int(match.group(1)), int(match.group(2)))
    return found


def expired_indices(
    names: dict[str, tuple[int, int]], retention_months: int, now: datetime | None = None
) -> list[str]:
    """Monthly indices whose whole month ended more than ``retention_months`` months ago.

    With 12 months in November 2026, ``2025.11`` is kept and ``2025.10`` goes. The current
    month is always kept, whatever the setting.
    """
    if retention_months < 1:
        raise ValueError("retention_months must be at least 1")
    now = now or datetime.now(UTC)
    oldest_kept = _month_number(now.year, now.month) - retention_months
    return sorted(name for name, (y, m) in names.items() if _month_number(y, m) < oldest_kept)


def drop_expired_indices(
    es: Elasticsearch,
    indices: Indices,
    retention_months: int,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Delete the expired monthly indices of every monthly kind; returns what was (or would be)
    deleted."""
    dropped: list[str] = []
    for kind in monthly_kinds():
        expired = expired_indices(monthly_indices(es, indices, kind), retention_months, now)
        for name in expired:
            if not dry_run:
                es.options(ignore_status=404).indices.delete(index=name)
            dropped.append(name)
    return dropped


def roll_indices(es: Elasticsearch, indices: Indices, now: datetime | None = None) -> list[str]:
    """Make sure this month's and next month's indices exist (so the alias always has them)."""
    now = now or datetime.now(UTC)
    this_month = _month_number(now.year, now.month)
    names = []
    for kind in monthly_kinds():
        for number in (this_month, this_month + 1):
            name = indices.monthly(kind, _month_start(number))
            ensure_monthly_index(es, name)
            names.append(name)
    return names
