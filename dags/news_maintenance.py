"""news_maintenance: daily housekeeping of the Elasticsearch side and feed health.

- ``ensure_templates``: create or update the index templates and single indices if missing;
- ``roll_indices``: create this month's and next month's indices (articles, claims, events);
- ``drop_expired``: delete monthly indices older than ``NEWSMON_RETENTION_MONTHS`` (default 12)
  months: a plain index delete, no ``_delete_by_query``;
- ``report_feed_health``: email the feeds failing for more than a day to
  ``NEWSMON_ADMIN_EMAIL`` (comma-separated; no email when unset or when all feeds are fine).

Schedule: ``NEWSMON_MAINTENANCE_CRON`` (default ``30 2 * * *``, daily at 02:30 UTC).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from _newsmon_conn import default_args
from airflow.sdk import CronTriggerTimetable, dag, task

MAINTENANCE_CRON = os.environ.get("NEWSMON_MAINTENANCE_CRON", "30 2 * * *")

DEFAULT_ARGS = default_args(2, timedelta(minutes=1), timedelta(minutes=15), timedelta(minutes=30))


@dag(
    dag_id="news_maintenance",
    schedule=CronTriggerTimetable(MAINTENANCE_CRON, timezone="UTC"),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsmon", "maintenance"],
    doc_md=__doc__,
)
def news_maintenance() -> None:
    @task
    def ensure_templates() -> list[str]:
        from _newsmon_conn import newsmon_context

        from pipeline.store.elastic import ensure_templates as ensure

        ctx = newsmon_context()
        return ensure(ctx.es, ctx.indices, ctx.settings.elasticsearch_replicas)

    @task
    def roll_indices() -> list[str]:
        from _newsmon_conn import newsmon_context

        from pipeline.store.retention import roll_indices as roll

        ctx = newsmon_context()
        return roll(ctx.es, ctx.indices)

    @task
    def drop_expired() -> list[str]:
        from _newsmon_conn import newsmon_context

        from pipeline.store.retention import drop_expired_indices

        ctx = newsmon_context()
        months = ctx.settings.retention_months  # NEWSMON_RETENTION_MONTHS or retention.months, checked
        return drop_expired_indices(ctx.es, ctx.indices, months)

    @task
    def report_feed_health() -> dict[str, Any]:
        from _newsmon_conn import mail_sender, newsmon_context, smtp_transport

        from pipeline.ingest.health import failing_feeds, health_report_message

        ctx = newsmon_context()
        feeds = failing_feeds(ctx.es, ctx.indices)
        recipients = [a.strip() for a in os.environ.get("NEWSMON_ADMIN_EMAIL", "").split(",") if a.strip()]
        if feeds and recipients:
            message = health_report_message(feeds, recipients, mail_sender(ctx.settings))
            smtp_transport(ctx.settings).send(message)
        return {"failing": [f.url for f in feeds], "emailed": bool(feeds and recipients)}

    templates = ensure_templates()
    templates >> [roll_indices(), drop_expired(), report_feed_health()]


news_maintenance()
