"""news_alerts: evaluate the alert rules (``config/alerts.yaml``) and send the emails.

Runs when ``news_ingest`` reports new articles (the ``newsmon://articles`` asset) and also on
a fallback cron, ``NEWSMON_ALERTS_CRON`` (default hourly), so ``digest`` rules go out even
when nothing new arrives. Each rule's checkpoint lives in Elasticsearch and advances only
after a successful delivery, so a failed run loses nothing: the next run sends what is due.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from _newsmon_conn import ARTICLES_ASSET, default_args
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task

ALERTS_CRON = os.environ.get("NEWSMON_ALERTS_CRON", "0 * * * *")

DEFAULT_ARGS = default_args(3, timedelta(seconds=30), timedelta(minutes=10), timedelta(minutes=15))


@dag(
    dag_id="news_alerts",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(ALERTS_CRON, timezone="UTC"), assets=ARTICLES_ASSET
    ),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsmon", "alerts"],
    doc_md=__doc__,
)
def news_alerts() -> None:
    @task
    def evaluate_rules() -> dict[str, Any]:
        """Run every rule once: query what is new since its checkpoint, email, record."""
        from _newsmon_conn import mail_sender, newsmon_context, smtp_transport
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.alerts.run import run_alerts_once
        from pipeline.config import ConfigError

        ctx = newsmon_context()
        transport = smtp_transport(ctx.settings)
        try:
            result = run_alerts_once(
                ctx.es, ctx.indices, ctx.settings, transport=transport, sender=mail_sender(ctx.settings)
            )
        except ConfigError as exc:  # unreadable alerts.yaml: retrying cannot help
            raise AirflowFailException(str(exc)) from None
        print(f"news_alerts result: {result}")
        return result

    evaluate_rules()


news_alerts()
