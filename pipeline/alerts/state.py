"""Alert state in Elasticsearch: per-rule checkpoints and the (rule, story) alert records.

``<prefix>-alert-state``: one document per rule (id = hash of the rule name) with its
``checkpoint`` (the end of the last window fully handled), ``last_sent_at`` and
``last_run_at``. ``<prefix>-alerts``: one ``AlertRecord`` per (rule, story), id = hash(rule,
story), written with ``create`` as ``pending`` BEFORE any email leaves, so a re-run gets 409 and
never records a story twice.

A record's ``status`` moves ``pending`` -> ``sending`` -> ``sent``:

- claim: a runner that means to send a record updates it to ``sending`` with its
  ``claimed_by`` (runner id), ``claimed_at`` and ``lease_until``, conditional on the
  ``_seq_no``/``_primary_term`` it last read (from its own ``create`` or a realtime ``mget``).
  Elasticsearch applies at most one of several concurrent conditional updates of the same
  version: the others get 409 and leave the record alone. A record is claimable when it is
  ``pending``, or ``sending`` with ``lease_until`` in the past (its runner died).
- renew: the holder pushes ``lease_until`` forward, conditional on its claim's version.
- mark ``sent`` after delivery (conditional: a 409 means the lease had expired and another
  runner took the record over; logged), or release back to ``pending`` with
  ``attempts``/``last_error`` when delivery failed (retried next run).

Every conditional write returns the records' new versions, so a holder always knows the exact
version it may write next.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.alerts.rules import DeliveryMode
from pipeline.alerts.search import MAX_IDS, iso, search_hits
from pipeline.store.elastic import Indices

log = logging.getLogger(__name__)

Version = tuple[int, int]
"""A record's ``(_seq_no, _primary_term)``: what a conditional write must still find."""


class AlertStatus(StrEnum):
    """``status`` of an alert record (the stored values)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"


@dataclass
class AlertRecord:
    """One (rule, story) alert: what the email shows about the story, and its delivery state.

    ``to_doc`` gives the stored document (``timestamp`` is stored as ``@timestamp``; the
    delivery fields ``sent_at``, ``last_error``, ``last_attempt_at`` and the claim fields
    ``claimed_by``, ``claimed_at``, ``lease_until`` only once set)."""

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
    claimed_by: str | None = None
    claimed_at: str | None = None
    lease_until: str | None = None

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
        for key in ("sent_at", "last_error", "last_attempt_at", "claimed_by", "claimed_at", "lease_until"):
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
            claimed_by=doc.get("claimed_by"),
            claimed_at=doc.get("claimed_at"),
            lease_until=doc.get("lease_until"),
        )

    def order(self) -> tuple[str, str]:
        """Sort key of pending records: oldest record first, then oldest article."""
        return str(self.created_at), str(self.indexed_at)

    def claimable(self, now: datetime) -> bool:
        """``pending``, or ``sending`` under a lease that has run out (its runner died)."""
        if self.status is AlertStatus.PENDING:
            return True
        if self.status is not AlertStatus.SENDING:
            return False
        try:
            lease = parse_time(self.lease_until)
        except ValueError:  # a hand-edited record: treat a lease we cannot read as expired
            return True
        return lease is None or lease <= now


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


def _version(info: Mapping[str, Any]) -> Version:
    return int(info["_seq_no"]), int(info["_primary_term"])


def create_records(
    es: Elasticsearch,
    indices: Indices,
    records: Sequence[AlertRecord],
) -> tuple[dict[str, Version], list[str], dict[str, str]]:
    """``create`` each record as it is (``pending``).

    Returns (created id -> its version, ids that already existed, failed id -> error)."""
    if not records:
        return {}, [], {}
    operations: list[dict[str, Any]] = []
    for record in records:
        operations += [{"create": {"_index": indices.alerts, "_id": record.alert_id}}, record.to_doc()]
    items = es.bulk(operations=operations)["items"]
    created: dict[str, Version] = {}
    existing: list[str] = []
    failed: dict[str, str] = {}
    for item in items:
        info = item["create"]
        if info.get("status") in (200, 201):
            created[info["_id"]] = _version(info)
        elif info.get("status") == 409:
            existing.append(info["_id"])
        else:
            failed[info["_id"]] = str(info.get("error"))[:300]
    return created, existing, failed


def pending_ids(es: Elasticsearch, indices: Indices) -> dict[str, list[str]]:
    """Ids of records not yet sent (``pending`` or ``sending``), by rule.

    Search may lag and a ``sending`` record may be under a live lease: callers confirm with
    ``claimable`` (a realtime mget). The lease is checked there, not here, so an index
    created before the claim fields were mapped works the same."""
    hits = search_hits(
        es,
        indices.alerts,
        size=MAX_IDS,
        source=["rule"],
        query={"terms": {"status": [AlertStatus.PENDING.value, AlertStatus.SENDING.value]}},
        sort=[{"created_at": "asc"}],
    )
    out: dict[str, list[str]] = {}
    for hit in hits:
        out.setdefault(hit["_source"].get("rule"), []).append(hit["_id"])
    return out


def claimable(
    es: Elasticsearch, indices: Indices, ids: list[str], now: datetime
) -> tuple[list[AlertRecord], dict[str, Version], list[AlertRecord]]:
    """Realtime state of ``ids``: (claimable records, oldest first; their versions; records
    another runner holds under a live lease)."""
    if not ids:
        return [], {}, []
    docs = es.mget(index=indices.alerts, ids=list(dict.fromkeys(ids)))["docs"]
    records: list[AlertRecord] = []
    versions: dict[str, Version] = {}
    busy: list[AlertRecord] = []
    for doc in docs:
        if not doc.get("found"):
            continue
        try:
            record = AlertRecord.from_doc(doc["_source"])
        except (KeyError, ValueError) as exc:
            log.error("alert record %s unreadable, skipped: %s", doc.get("_id"), exc)
            continue
        if record.claimable(now):
            records.append(record)
            versions[record.alert_id] = _version(doc)
        elif record.status is AlertStatus.SENDING:
            busy.append(record)
    return sorted(records, key=AlertRecord.order), versions, busy


def conditional_update(
    es: Elasticsearch,
    indices: Indices,
    versions: Mapping[str, Version],
    docs: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, Version], list[str], dict[str, str]]:
    """Partial update of each record in ``docs`` only if it is still at ``versions[id]``.

    Returns (updated id -> new version, ids changed meanwhile by someone else (409),
    id -> error for any other refusal). One bulk."""
    operations: list[dict[str, Any]] = []
    for alert, doc in docs.items():
        seq_no, term = versions[alert]
        operations += [
            {
                "update": {
                    "_index": indices.alerts,
                    "_id": alert,
                    "if_seq_no": seq_no,
                    "if_primary_term": term,
                }
            },
            {"doc": dict(doc)},
        ]
    if not operations:
        return {}, [], {}
    updated: dict[str, Version] = {}
    conflicts: list[str] = []
    errors: dict[str, str] = {}
    for item in es.bulk(operations=operations)["items"]:
        info = item["update"]
        if info.get("status") in (200, 201):
            updated[info["_id"]] = _version(info)
        elif info.get("status") == 409:
            conflicts.append(info["_id"])
        else:
            errors[info["_id"]] = str(info.get("error"))[:300]
    return updated, conflicts, errors


def claim(
    es: Elasticsearch,
    indices: Indices,
    versions: Mapping[str, Version],
    runner: str,
    now: datetime,
    lease_until: datetime,
) -> dict[str, Version]:
    """Claim the records at ``versions`` for ``runner`` until ``lease_until``.

    Returns the records this runner now holds, with their new versions; a record another
    runner changed first (409) or Elasticsearch refused is left alone (logged)."""
    doc = {
        "status": AlertStatus.SENDING.value,
        "claimed_by": runner,
        "claimed_at": iso(now),
        "lease_until": iso(lease_until),
    }
    won, lost, errors = conditional_update(es, indices, versions, {alert: doc for alert in versions})
    if lost:
        log.info("%d alert records were claimed by another runner first", len(lost))
    for alert, error in errors.items():
        log.warning("cannot claim alert record %s (left for the next run): %s", alert, error)
    return won


def renew(
    es: Elasticsearch, indices: Indices, versions: Mapping[str, Version], lease_until: datetime
) -> dict[str, Version]:
    """Extend the lease of records this runner holds; returns those it still holds."""
    doc = {"lease_until": iso(lease_until)}
    kept, lost, errors = conditional_update(es, indices, versions, {alert: doc for alert in versions})
    for alert in lost:
        log.warning("lease on alert record %s expired and was taken over: not sending it", alert)
    for alert, error in errors.items():
        log.warning("cannot renew the lease on alert record %s, not sending it: %s", alert, error)
    return kept


def mark(
    es: Elasticsearch,
    indices: Indices,
    records: Sequence[AlertRecord],
    values: dict[str, Any],
    per_record: Mapping[str, Mapping[str, Any]] | None = None,
    versions: Mapping[str, Version] | None = None,
) -> list[str]:
    """Partial update of history records (no scripts: attempts computed here).

    ``per_record`` maps an alert id to fields whose values differ per record. With
    ``versions`` (a claim holder's), each update applies only if the record is still at that
    version (every record must be in it); returns the ids whose update lost to another
    runner (409). Raises RuntimeError on any other refusal."""
    docs = {
        record.alert_id: {
            **values,
            **(per_record or {}).get(record.alert_id, {}),
            "attempts": record.attempts + 1,
        }
        for record in records
    }
    if versions is not None:
        _updated, conflicts, errors = conditional_update(es, indices, versions, docs)
        if errors:
            raise RuntimeError(f"cannot update alert records: {next(iter(errors.values()))}")
        return conflicts
    operations: list[dict[str, Any]] = []
    for alert, doc in docs.items():
        operations += [{"update": {"_index": indices.alerts, "_id": alert}}, {"doc": doc}]
    if operations:
        response = es.bulk(operations=operations)
        if response.get("errors"):
            raise RuntimeError(f"cannot update alert records: {response['items'][:1]}")
    return []
