"""``python -m pipeline status``: the report of pipeline.store.status as short text lines."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from pipeline.store.elastic import Indices
from pipeline.store.status import StatusReport, collect_status


def format_status(report: StatusReport) -> str:
    """A short human-readable report."""
    lines = [
        f"articles: {report.articles}  claims: {report.claims}  "
        f"events: {report.events}  alerts: {report.alerts}",
        f"feeds: {report.feeds} known, {report.failing_feeds} failing",
    ]
    for s in report.failing:
        lines.append(f"  failing: {s['url']} x{s['consecutive_failures']}: {s.get('last_error')}")
    for c in report.latest_claims:
        lines.append(
            f"  claim: {c.get('speaker')} [{c.get('cue')}, {c.get('kind')}]: {(c.get('content') or '')[:100]}"
        )
    for e in report.latest_events:
        lines.append(
            f"  event: {e.get('type')} ({e.get('status')}) '{e.get('trigger')}' "
            f"actors={e.get('actors')} location={e.get('location')} date={e.get('date')}"
        )
    return "\n".join(lines)


def status_report(es: Elasticsearch, indices: Indices, limit: int = 5) -> str:
    """The status report as printed by ``python -m pipeline status``."""
    return format_status(collect_status(es, indices, limit))
