"""Housekeeping functions behind news_maintenance (and the batching behind news_ingest),
against the real Elasticsearch node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch

from pipeline.config import FeedSpec
from pipeline.ingest.batches import feed_batches, ingest_batch, merge_summaries, specs_from_batch
from pipeline.ingest.health import failing_feeds, health_report_message, health_report_text
from pipeline.store.elastic import Indices
from pipeline.store.retention import drop_expired_indices as drop
from pipeline.store.retention import expired_indices, monthly_indices, roll_indices

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def test_expired_indices_keeps_retention_window() -> None:
    names = {f"n-articles-{y}.{m:02d}": (y, m) for y in (2024, 2025, 2026) for m in range(1, 13)}
    gone = expired_indices(names, 12, NOW)
    assert "n-articles-2025.10" in gone and "n-articles-2024.01" in gone
    assert "n-articles-2025.11" not in gone and "n-articles-2026.11" not in gone
    assert "n-articles-2026.12" not in gone
    assert len(gone) == 12 + 10  # all of 2024, 2025.01 .. 2025.10
    assert expired_indices(names, 1, NOW)[-1] == "n-articles-2026.09"


def test_roll_and_drop_monthly_indices(es: Elasticsearch, indices: Indices) -> None:
    for name in ("articles-2019.01", "claims-2019.02", "events-2025.10", "articles-2026.10"):
        es.indices.create(index=f"{indices.prefix}-{name}")
    # a look-alike that is not a monthly index of ours must survive
    es.indices.create(index=f"{indices.prefix}-articles-archive")
    created = roll_indices(es, indices, NOW)
    assert f"{indices.prefix}-articles-2026.11" in created
    assert f"{indices.prefix}-events-2026.12" in created
    assert es.indices.exists(index=f"{indices.prefix}-claims-2026.12")
    # the alias covers the new indices (created from the template)
    newest = f"{indices.prefix}-articles-2026.12"
    assert es.indices.exists_alias(name=indices.articles, index=newest)

    preview = drop(es, indices, 12, NOW, dry_run=True)
    assert es.indices.exists(index=f"{indices.prefix}-articles-2019.01")
    dropped = drop(es, indices, 12, NOW)
    assert dropped == preview
    assert sorted(dropped) == sorted(
        f"{indices.prefix}-{n}" for n in ("articles-2019.01", "claims-2019.02", "events-2025.10")
    )
    for name in dropped:
        assert not es.indices.exists(index=name)
    assert es.indices.exists(index=f"{indices.prefix}-articles-2026.10")
    assert es.indices.exists(index=f"{indices.prefix}-articles-archive")
    assert f"{indices.prefix}-articles-archive" not in monthly_indices(es, indices, "articles")


def _feed(
    es: Elasticsearch,
    indices: Indices,
    fid: str,
    failures: int,
    last_success: datetime | None,
    error: str = "HTTP 500",
) -> None:
    doc = {
        "feed_id": fid,
        "url": f"https://example.org/{fid}.xml",
        "name": f"Feed {fid}",
        "consecutive_failures": failures,
        "last_error": error,
        "last_error_kind": "http_status",
        "last_failure_at": NOW.isoformat(),
    }
    if last_success is not None:
        doc["last_success_at"] = last_success.isoformat()
    es.index(index=indices.feeds, id=fid, document=doc)


def test_failing_feeds_and_report(es: Elasticsearch, indices: Indices) -> None:
    _feed(es, indices, "old", 30, NOW - timedelta(days=3))
    _feed(es, indices, "never", 5, None, "not a feed:\nHTML page")
    _feed(es, indices, "recent", 2, NOW - timedelta(hours=3))  # failing, but not for a day
    _feed(es, indices, "fine", 0, NOW - timedelta(days=5))  # last poll succeeded
    es.indices.refresh(index=indices.feeds)
    feeds = failing_feeds(es, indices, NOW)
    assert [f.url for f in feeds] == ["https://example.org/old.xml", "https://example.org/never.xml"]
    text = health_report_text(feeds, NOW)
    assert "2 feed(s) failing" in text and "last success: never" in text
    assert "not a feed: HTML page" in text  # newlines folded
    message = health_report_message(feeds, ["admin@example.org"], "newsmon@example.org", NOW)
    assert message["To"] == "admin@example.org"
    assert "2 feed(s)" in message["Subject"]
    assert "no feed failing" in health_report_text([], NOW)


def test_health_report_shows_hostile_feed_text_as_plain_lines() -> None:
    """A feed name or server error with bidi overrides or control characters (a server chooses
    its error text) cannot reorder or forge lines of the report."""
    from pipeline.ingest.health import FeedHealth

    evil = FeedHealth(
        url="https://example.org/\u202efeed.xml",
        name="Feed \u202eevil\u2066 name\r\n- Feed ok",
        consecutive_failures=9,
        last_success_at=None,
        last_failure_at=NOW.isoformat(),
        last_error_kind="http_status",
        last_error="HTTP 500 \u200f\x1b[31mred\x00\nlast success: yesterday",
    )
    text = health_report_text([evil], NOW)
    assert not any(ch in text for ch in "\u202e\u2066\u200f\x1b\x00\r")
    assert "- Feed evil name - Feed ok" in text  # the forged line stays in the name's line
    assert "last success: never" in text
    assert not any(line.lstrip().startswith("last success: yesterday") for line in text.splitlines())
    assert "error: http_status: HTTP 500 [31mred last success: yesterday" in text
    body = health_report_message([evil], ["admin@example.org"], "n@example.org", NOW).get_content()
    assert "\u202e" not in body


def test_feed_batches_round_trip() -> None:
    specs = [
        FeedSpec(f"https://example.org/{i}.xml", f"F{i}", ("a",), "en", 5 if i else None) for i in range(7)
    ]
    batches = feed_batches(3, specs)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [s for b in batches for s in specs_from_batch(b)] == specs
    total = merge_summaries(
        [
            {"indexed": 2, "failed": 1, "extraction": {"ok": 2}, "failures": [{"feed": "x"}]},
            {},
            {"indexed": 1, "extraction": {"ok": 1, "fetch_failed": 1}},
        ]
    )
    assert (total["indexed"], total["failed"], total["batches"]) == (3, 1, 2)
    assert total["extraction"] == {"ok": 3, "fetch_failed": 1}
    assert total["failures"] == [{"feed": "x"}]


def test_ingest_batch_summary(es, indices, settings, seed_site) -> None:  # type: ignore[no-untyped-def]
    batch = [
        {
            "url": seed_site.url("feed.xml"),
            "name": "Seed",
            "tags": [],
            "language": "en",
            "interval_minutes": None,
        },
        {"url": seed_site.url("nope.xml"), "name": "Gone"},
    ]
    first = ingest_batch(es, indices, batch, settings, use_default_analyzer=False)
    assert first["feeds"] == 2 and first["failed"] == 1 and first["indexed"] == 4
    assert first["failures"][0]["feed"].endswith("/nope.xml")
    again = ingest_batch(es, indices, batch, settings, use_default_analyzer=False)
    assert again["indexed"] == 0
