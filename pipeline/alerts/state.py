"""Alert state in Elasticsearch: per-rule checkpoints and the (rule, story) alert records.

``<prefix>-alert-state``: one document per rule (id = hash of the rule name) with its
``checkpoint`` (the end of the last window fully handled), ``last_sent_at`` and
``last_run_at``. ``<prefix>-alerts``: one ``AlertRecord`` per (rule, story), id = hash(rule,
story), written with ``create`` as ``pending`` BEFORE any email leaves, so a re-run gets 409 and
never alerts twice; marked ``sent`` after delivery, or given ``attempts``/``last_error`` when
delivery failed (it stays ``pending`` and is retried next run).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.alerts.rules import DeliveryMode
from pipeline.alerts.search import MAX_IDS, iso, search_hits
from pipeline.store.elastic import Indices


class AlertStatus(StrEnum):
    """``status`` of an alert record (the stored values)."""

    PENDING = "pending"
    SENT = "sent"


@dataclass
class AlertRecord:
    """One (rule, story) alert: what the email shows about the story, and its delivery state.

    ``to_doc`` gives the stored document (``timestamp`` is stored as ``@timestamp``; the
    delivery fields ``sent_at``, ``last_error`` and ``last_attempt_at`` only once set)."""

    alert_id: str
    rule: str
    story_id: str
    article_id: str
    article_ids: list[str]
    url: str | None
    title: str | None
    source: str | None
    other_sources: list[str]
    other_urls: list[str]
    other_outlets: list[str]
    matched_terms: list[str]
    status: AlertStatus
    recipients: list[str]
    created_at: str
    attempts: int
    mode: DeliveryMode
    timestamp: str
    published_at: str | None
    indexed_at: str | None
    snippets: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    sent_at: str | None = None
    last_error: str | None = None
    last_attempt_at: str | None = None

    def to_doc(self) -> dict[str, Any]:
        """The document as stored in ``<prefix>-alerts`` (and as the mailer reads it)."""
        doc: dict[str, Any] = {
            "alert_id": self.alert_id,
            "rule": self.rule,
            "story_id": self.story_id,
            "article_id": self.article_id,
            "article_ids": list(self.article_ids),
            "url": self.url,
            "title": self.title,
            "source": self.source,
            "other_sources": list(self.other_sources),
            "other_urls": list(self.other_urls),
            "other_outlets": list(self.other_outlets),
            "matched_terms": list(self.matched_terms),
            "status": self.status.value,
            "recipients": list(self.recipients),
            "created_at": self.created_at,
            "attempts": self.attempts,
            "mode": self.mode.value,
            "@timestamp": self.timestamp,
            "published_at": self.published_at,
            "indexed_at": self.indexed_at,
            "snippets": list(self.snippets),
            "matched": list(self.matched),
        }
        for key in ("sent_at", "last_error", "last_attempt_at"):
            if getattr(self, key) is not None:
                doc[key] = getattr(self, key)
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> AlertRecord:
        """A record from its stored document (unknown fields are ignored)."""
        return cls(
            alert_id=str(doc["alert_id"]),
            rule=str(doc["rule"]),
            story_id=str(doc["story_id"]),
            article_id=str(doc["article_id"]),
            article_ids=list(doc.get("article_ids") or []),
            url=doc.get("url"),
            title=doc.get("title"),
            source=doc.get("source"),
            other_sources=list(doc.get("other_sources") or []),
            other_urls=list(doc.get("other_urls") or []),
            other_outlets=list(doc.get("other_outlets") or []),
            matched_terms=list(doc.get("matched_terms") or []),
            status=AlertStatus(doc["status"]),
            recipients=list(doc.get("recipients") or []),
            created_at=str(doc.get("created_at")),
            attempts=int(doc.get("attempts") or 0),
            mode=DeliveryMode(doc.get("mode") or DeliveryMode.IMMEDIATE),
            timestamp=str(doc.get("@timestamp")),
            published_at=doc.get("published_at"),
            indexed_at=doc.get("indexed_at"),
            snippets=list(doc.get("snippets") or []),
            matched=list(doc.get("matched") or []),
            sent_at=doc.get("sent_at"),
            last_error=doc.get("last_error"),
            last_attempt_at=doc.get("last_attempt_at"),
        )

    def order(self) -> tuple[str, str]:
        """Sort key of pending records: oldest record first, then oldest article."""
        return str(self.created_at), str(self.indexed_at)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:40]


def alert_id(rule: str, story: str) -> str:
    """History document id: one per (rule, story), so ``create`` de-duplicates."""
    return _hash("alert", rule, story)


def state_id(rule: str) -> str:
    return _hash("state", rule)


def parse_time(value: Any) -> datetime | None:
    """A stored ISO 8601 time (naive means UTC); None when empty."""
    if not value:
        return None
    when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- checkpoints


def load_states(
    es: Elasticsearch,
    indices: Indices,
    names: Iterable[str],
) -> dict[str, dict[str, Any]]:
    """Checkpoint documents by rule name (realtime get)."""
    names = list(names)
    if not names:
        return {}
    docs = es.mget(index=indices.alert_state, ids=[state_id(n) for n in names])["docs"]
    return {n: d.get("_source", {}) for n, d in zip(names, docs, strict=True) if d.get("found")}


def save_states(es: Elasticsearch, indices: Indices, states: Mapping[str, Mapping[str, Any]]) -> None:
    """Upsert several rules' checkpoint fields in one bulk."""
    if not states:
        return
    stamp = iso(datetime.now(UTC))
    operations: list[dict[str, Any]] = []
    for rule, values in states.items():
        operations += [
            {"update": {"_index": indices.alert_state, "_id": state_id(rule)}},
            {"doc": {"rule": rule, **values, "updated_at": stamp}, "doc_as_upsert": True},
        ]
    es.bulk(operations=operations)


# --------------------------------------------------------------------------- alert records


def create_records(
    es: Elasticsearch,
    indices: Indices,
    records: Sequence[AlertRecord],
) -> tuple[list[str], list[str], dict[str, str]]:
    """``create`` each record: (created ids, ids that already existed, failed id -> error)."""
    if not records:
        return [], [], {}
    operations: list[dict[str, Any]] = []
    for record in records:
        operations += [{"create": {"_index": indices.alerts, "_id": record.alert_id}}, record.to_doc()]
    items = es.bulk(operations=operations)["items"]
    created: list[str] = []
    existing: list[str] = []
    failed: dict[str, str] = {}
    for item in items:
        info = item["create"]
        if info.get("status") in (200, 201):
            created.append(info["_id"])
        elif info.get("status") == 409:
            existing.append(info["_id"])
        else:
            failed[info["_id"]] = str(info.get("error"))[:300]
    return created, existing, failed


def pending_ids(es: Elasticsearch, indices: Indices) -> dict[str, list[str]]:
    """Pending history ids by rule (search may lag; callers confirm with a realtime mget)."""
    hits = search_hits(
        es,
        indices.alerts,
        size=MAX_IDS,
        source=["rule"],
        query={"term": {"status": AlertStatus.PENDING.value}},
        sort=[{"created_at": "asc"}],
    )
    out: dict[str, list[str]] = {}
    for hit in hits:
        out.setdefault(hit["_source"].get("rule"), []).append(hit["_id"])
    return out


def confirmed_pending(es: Elasticsearch, indices: Indices, ids: list[str]) -> list[AlertRecord]:
    """The records among ``ids`` that are still pending right now (realtime)."""
    if not ids:
        return []
    docs = es.mget(index=indices.alerts, ids=list(dict.fromkeys(ids)))["docs"]
    found = [d["_source"] for d in docs if d.get("found")]
    return sorted(
        (AlertRecord.from_doc(d) for d in found if d.get("status") == AlertStatus.PENDING),
        key=AlertRecord.order,
    )


def mark(
    es: Elasticsearch,
    indices: Indices,
    records: Sequence[AlertRecord],
    values: dict[str, Any],
    per_record: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Partial update of history records (no scripts: attempts computed here).

    ``per_record`` maps an alert id to fields whose values differ per record."""
    operations: list[dict[str, Any]] = []
    for record in records:
        extra = (per_record or {}).get(record.alert_id, {})
        operations += [
            {"update": {"_index": indices.alerts, "_id": record.alert_id}},
            {"doc": {**values, **extra, "attempts": record.attempts + 1}},
        ]
    if operations:
        response = es.bulk(operations=operations)
        if response.get("errors"):
            raise RuntimeError(f"cannot update alert records: {response['items'][:1]}")
