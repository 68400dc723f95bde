"""Alert helpers for tests and benchmarks: set a rule's state directly, count mail unsent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.alerts.state import state_id
from pipeline.store.elastic import Indices


def save_state(es: Elasticsearch, indices: Indices, rule: str, values: dict[str, Any]) -> None:
    """Upsert ``values`` into a rule's state document (checkpoint, last_sent_at, ...)."""
    es.update(
        index=indices.alert_state,
        id=state_id(rule),
        doc={"rule": rule, **values, "updated_at": datetime.now(UTC).isoformat()},
        doc_as_upsert=True,
    )


@dataclass
class CountingTransport:
    """Counts messages without delivering (benchmarks); keeps them for inspection."""

    messages: list[EmailMessage] = field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        self.messages.append(message)
