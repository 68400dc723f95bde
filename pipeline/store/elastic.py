"""The Elasticsearch edge: client, index names, and the project's composable templates.

Templates live as JSON in ``config/elasticsearch/`` (versioned). Time-based kinds
(articles, claims, events) are written to monthly indices ``<prefix>-<kind>-YYYY.MM`` that a
template alias ``<prefix>-<kind>`` unites for reading, so retention is a plain index delete.
Only core Elasticsearch features are used: the test build has no ILM, painless or ingest.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from pipeline.config import config_dir

log = logging.getLogger(__name__)
KINDS = ("articles", "claims", "events", "feeds", "alerts", "alert-state")


def make_client(url: str | None = None, **kwargs: Any) -> Elasticsearch:
    """A client for ``url`` (or ELASTICSEARCH_URL); credentials only from the environment."""
    url = url or os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
    auth: dict[str, Any] = {}
    if os.environ.get("ELASTICSEARCH_API_KEY"):
        auth["api_key"] = os.environ["ELASTICSEARCH_API_KEY"]
    elif os.environ.get("ELASTICSEARCH_USERNAME"):
        auth["basic_auth"] = (
            os.environ["ELASTICSEARCH_USERNAME"],
            os.environ.get("ELASTICSEARCH_PASSWORD", ""),
        )
    kwargs.setdefault("request_timeout", 30)
    kwargs.setdefault("retry_on_timeout", True)
    kwargs.setdefault("max_retries", 3)
    return Elasticsearch(url, **auth, **kwargs)


def wait_for_cluster(es: Elasticsearch, timeout: float = 60.0) -> None:
    """Block until the cluster is yellow; ``GET /`` is absent on the test build, so no ping()."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            es.cluster.health(wait_for_status="yellow", timeout="5s")
            return
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            last = exc
            time.sleep(1)
    raise TimeoutError(f"Elasticsearch not healthy after {timeout:.0f}s: {last}")


@cache
def template_body(kind: str) -> dict[str, Any]:
    """The versioned template definition for one kind, read from config/elasticsearch/."""
    path = Path(config_dir()) / "elasticsearch" / f"{kind}.json"
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return body


@dataclass(frozen=True)
class Indices:
    """Index and alias names for one prefix (tests use their own prefix)."""

    prefix: str = "newsmon"

    def alias(self, kind: str) -> str:
        """Name to read (and, for non-monthly kinds, write) one kind of document."""
        return f"{self.prefix}-{kind}"

    def monthly(self, kind: str, when: datetime | None = None) -> str:
        """Concrete monthly index for ``when`` (default now, UTC)."""
        when = when or datetime.now(UTC)
        return f"{self.prefix}-{kind}-{when:%Y.%m}"

    def write_index(self, kind: str, when: datetime | None = None) -> str:
        """Where a new document of ``kind`` goes."""
        return self.monthly(kind, when) if template_body(kind)["monthly"] else self.alias(kind)

    @property
    def articles(self) -> str:
        return self.alias("articles")

    @property
    def claims(self) -> str:
        return self.alias("claims")

    @property
    def events(self) -> str:
        return self.alias("events")

    @property
    def feeds(self) -> str:
        return self.alias("feeds")

    @property
    def alerts(self) -> str:
        return self.alias("alerts")

    @property
    def alert_state(self) -> str:
        return self.alias("alert-state")


def ensure_templates(es: Elasticsearch, indices: Indices) -> list[str]:
    """Create or update every composable template; create the non-monthly indices.

    Idempotent: a template is rewritten only when its version differs. Returns what changed.
    """
    changed: list[str] = []
    for kind in KINDS:
        body = template_body(kind)
        name = f"{indices.prefix}-{kind}"
        pattern = f"{name}-*" if body["monthly"] else name
        try:
            current = es.indices.get_index_template(name=name)["index_templates"][0]
            if current["index_template"].get("version") == body["version"]:
                continue
        except Exception:  # noqa: BLE001 - missing template
            pass
        template: dict[str, Any] = {"settings": body["settings"], "mappings": body["mappings"]}
        if body["monthly"]:
            template["aliases"] = {name: {}}
        es.indices.put_index_template(
            name=name,
            index_patterns=[pattern],
            template=template,
            version=body["version"],
            priority=200,
            meta={"managed_by": "newsmon", "description": body["description"]},
        )
        # Existing indices (this month's, the feeds index) get the new fields too: new fields
        # are additive, so the mapping update is accepted; a changed field type would be
        # refused and is logged, never silently dropped (it needs a new index).
        response = es.options(ignore_status=[400, 404]).indices.put_mapping(
            index=pattern, body=body["mappings"], allow_no_indices=True
        )
        if response.meta.status == 400:
            log.error("existing %s indices keep their old mapping: %s", pattern, response.body)
        changed.append(name)
    for kind in KINDS:
        if not template_body(kind)["monthly"]:
            name = indices.alias(kind)
            if not es.indices.exists(index=name):
                es.options(ignore_status=400).indices.create(index=name)
    return changed


def ensure_monthly_index(es: Elasticsearch, index: str) -> None:
    """Create a monthly index (so its alias exists) before the first search reaches it."""
    if not es.indices.exists(index=index):
        es.options(ignore_status=400).indices.create(index=index)
