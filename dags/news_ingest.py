"""news_ingest: poll the feeds, fetch and extract new articles, find claims and events, index.

Every ``NEWSMON_INGEST_EVERY_MINUTES`` minutes (default 15). Feeds from ``config/feeds.yaml``
are split into batches of ``NEWSMON_FEEDS_PER_TASK`` (default 25); each batch is one mapped
task instance (``poll_and_ingest``). A feed or page that fails is recorded in the feeds index
and counted in the summary; it does not fail the run. Problems that affect a whole batch
(Elasticsearch unreachable, ...) and articles that could not be durably written fail the task,
which is retried with exponential backoff: the feeds concerned kept their validators, so the
retry fetches and writes what is missing, and ids from content make it duplicate nothing.

``publish`` emits the ``newsmon://articles`` asset (which triggers ``news_alerts``) only when
something new was indexed; otherwise it is skipped and no asset event is recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from _newsmon_conn import ARTICLES_ASSET, default_args
from airflow.sdk import dag, get_current_context, task

from pipeline.config import env_number

EVERY_MINUTES = env_number("NEWSMON_INGEST_EVERY_MINUTES", 15, 1, 10_080)
FEEDS_PER_TASK = env_number("NEWSMON_FEEDS_PER_TASK", 25, 1, 10_000)
PARALLEL_BATCHES = env_number("NEWSMON_PARALLEL_BATCHES", 4, 1, 256)

DEFAULT_ARGS = default_args(3, timedelta(seconds=30), timedelta(minutes=10), timedelta(minutes=30))


@dag(
    dag_id="news_ingest",
    schedule=timedelta(minutes=EVERY_MINUTES),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsmon", "ingest"],
    doc_md=__doc__,
)
def news_ingest() -> None:
    @task
    def plan_batches() -> list[list[dict[str, Any]]]:
        """Create templates/indices if missing; split the feed list into batches."""
        from _newsmon_conn import newsmon_context
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.config import ConfigError
        from pipeline.ingest.batches import feed_batches
        from pipeline.store.elastic import ensure_templates

        try:
            batches = feed_batches(FEEDS_PER_TASK)
        except ConfigError as exc:  # a typo in feeds.yaml: retrying cannot help
            raise AirflowFailException(str(exc)) from None
        ctx = newsmon_context()
        ensure_templates(ctx.es, ctx.indices, ctx.settings.elasticsearch_replicas)
        return batches

    @task(max_active_tis_per_dagrun=PARALLEL_BATCHES)
    def poll_and_ingest(batch: list[dict[str, Any]]) -> dict[str, Any]:
        """Poll one batch of feeds and ingest what is new (per-feed errors are recorded)."""
        from _newsmon_conn import newsmon_context

        from pipeline.ingest.batches import ingest_batch

        ctx = newsmon_context()
        return ingest_batch(ctx.es, ctx.indices, batch, ctx.settings)

    @task(outlets=[ARTICLES_ASSET])
    def publish(summaries: list[dict[str, Any]]) -> dict[str, Any]:
        """Sum up the batches; emit the asset event only when something new was indexed."""
        from airflow.sdk.exceptions import AirflowSkipException

        from pipeline.ingest.batches import merge_summaries

        # index by length: iterating the lazy XCom sequence probes one past the end
        total = merge_summaries([summaries[i] for i in range(len(summaries))])
        print(f"news_ingest summary: {total}")
        if not total["indexed"]:
            raise AirflowSkipException(f"nothing new indexed ({total['failed']} feeds failed)")
        outlet = get_current_context()["outlet_events"][ARTICLES_ASSET]
        outlet.extra = {k: total[k] for k in ("indexed", "claims", "events", "failed")}
        return total

    publish(poll_and_ingest.expand(batch=plan_batches()))


news_ingest()
