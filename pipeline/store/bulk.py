"""Bulk writes to Elasticsearch with deterministic ids, so any re-run is a no-op.

Articles are written with ``op_type=create``: a document that already exists answers 409,
which we count as "already indexed", not as an error. Claims, events and feed states are
overwritten by id (same content, same id). Per-document errors are returned, never raised;
a document that the mapping rejects is written again in a minimal form that records why.
:func:`is_transient` tells the errors worth a retry (blocks, overload, unavailable shards)
from the permanent ones (the document is refused).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from pipeline.records import ExtractionStatus
from pipeline.store.elastic import Indices, ensure_monthly_index

log = logging.getLogger(__name__)


@dataclass
class BulkResult:
    """Counts and errors of one bulk write."""

    written: int = 0
    existing: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: BulkResult) -> None:
        self.written += other.written
        self.existing += other.existing
        self.errors.extend(other.errors)


def bulk_write(es: Elasticsearch, actions: Sequence[dict[str, Any]]) -> BulkResult:
    """Send actions with retries on 429 (the helper backs off), collecting per-document errors."""
    result = BulkResult()
    if not actions:
        return result
    for ok, item in helpers.streaming_bulk(
        es,
        actions,
        chunk_size=500,
        max_retries=5,
        initial_backoff=1,
        max_backoff=30,
        raise_on_error=False,
        raise_on_exception=False,
    ):
        op, info = next(iter(item.items()))
        if ok:
            result.written += 1
        elif info.get("status") == 409 and op == "create":
            result.existing += 1
        else:
            error = info.get("error")
            result.errors.append(
                {
                    "id": info.get("_id"),
                    "index": info.get("_index"),
                    "status": info.get("status"),
                    "error": error if isinstance(error, str) else (error or {}).get("reason", str(error)),
                    "type": None if isinstance(error, str) else (error or {}).get("type"),
                }
            )
    return result


def is_transient(error: dict[str, Any]) -> bool:
    """Whether a per-document error may pass on a retry (a write block, overload, a node down).

    Only a 400 (the mapping or the document itself is refused) is permanent: retrying the same
    document cannot help, so it is recorded instead of held back.
    """
    return error.get("status") != 400


def existing_ids(es: Elasticsearch, index: str, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are already in ``index`` (an alias over monthly indices)."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        response = es.options(ignore_status=404).search(
            index=index,
            query={"ids": {"values": chunk}},
            size=len(chunk),
            source=False,
            track_total_hits=False,
        )
        found.update(hit["_id"] for hit in response.get("hits", {}).get("hits", []))
    return found


def article_actions(docs: Iterable[dict[str, Any]], indices: Indices) -> list[dict[str, Any]]:
    """Create-only actions for article documents, in the month they were indexed."""
    actions = []
    for doc in docs:
        when = datetime.fromisoformat(doc["indexed_at"])
        actions.append(
            {
                "_op_type": "create",
                "_index": indices.write_index("articles", when),
                "_id": doc["article_id"],
                "_source": doc,
            }
        )
    return actions


def upsert_actions(
    kind: str, docs: Iterable[tuple[str, dict[str, Any]]], indices: Indices, when: datetime | None = None
) -> list[dict[str, Any]]:
    """Overwrite-by-id actions (claims, events, feed states)."""
    return [
        {"_op_type": "index", "_index": indices.write_index(kind, when), "_id": doc_id, "_source": doc}
        for doc_id, doc in docs
    ]


def minimal_article(doc: dict[str, Any], error: str) -> dict[str, Any]:
    """A reduced article that still records the item and why the full one was refused."""
    keep = (
        "article_id",
        "url",
        "canonical_url",
        "feed_id",
        "feed_name",
        "feed_url",
        "domain",
        "source",
        "indexed_at",
        "published_at",
        "@timestamp",
        "tags",
        "language",
    )
    slim = {k: doc[k] for k in keep if k in doc}
    slim["title"] = str(doc.get("title") or "")[:1000]
    slim["extraction_status"] = str(ExtractionStatus.INDEX_ERROR)
    slim["extraction_error"] = error[:2000]
    return slim


def index_articles(es: Elasticsearch, docs: Sequence[dict[str, Any]], indices: Indices) -> BulkResult:
    """Write articles; documents refused by the mapping are retried in minimal form."""
    for index in {a["_index"] for a in article_actions(docs, indices)}:
        ensure_monthly_index(es, index)
    result = bulk_write(es, article_actions(docs, indices))
    refused = {e["id"]: e for e in result.errors if e.get("status") == 400}
    if refused:
        by_id = {d["article_id"]: d for d in docs}
        retry = bulk_write(
            es,
            article_actions(
                [minimal_article(by_id[i], f"{e['type']}: {e['error']}") for i, e in refused.items()],
                indices,
            ),
        )
        result.errors = [e for e in result.errors if e["id"] not in refused] + retry.errors
        result.written += retry.written
        result.existing += retry.existing
    return result


def index_kind(
    es: Elasticsearch, kind: str, docs: Sequence[tuple[str, dict[str, Any]]], indices: Indices
) -> BulkResult:
    """Write claims or events (monthly, overwrite by id) or feed states."""
    now = datetime.now(UTC)
    actions = upsert_actions(kind, docs, indices, now)
    for index in {a["_index"] for a in actions}:
        ensure_monthly_index(es, index)
    return bulk_write(es, actions)
