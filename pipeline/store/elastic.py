"""The Elasticsearch edge: client, index names, and the project's composable templates.

Templates live as JSON in ``config/elasticsearch/`` (versioned). Time-based kinds
(articles, claims, events) are written to monthly indices ``<prefix>-<kind>-YYYY.MM`` that a
template alias ``<prefix>-<kind>`` unites for reading, so retention is a plain index delete.
Only core Elasticsearch features are used: the test build has no ILM, painless or ingest.

``number_of_replicas`` is not in the JSON files: every template gets the
``elasticsearch_replicas`` setting (0 by default, for one node; 1 on a cluster; env
``NEWSMON_ES_REPLICAS``), so moving to a cluster needs no code or template change.
:func:`ensure_templates` rewrites a template whose stored replica count differs from the
setting and applies the new count to the existing indices of that kind (a dynamic setting:
Elasticsearch then copies or drops replicas in the background).

Writes and replicas: a bulk or index request is acknowledged only once the primary and every
in-sync replica have it (``wait_for_active_shards`` stays at its default of 1, which only gates
the start of a write), so an acknowledged write survives the loss of one node when replicas >= 1.
A new index is created with ``wait_for_active_shards=all`` (:func:`create_index`), so its
replicas are in sync before the first write. After a node is lost, Elasticsearch re-creates
the missing replicas on the other nodes after ``index.unassigned.node_left.delayed_timeout``
(1 minute by default); until then those shards have one copy. A search may not see an
acknowledged write before the next refresh (``refresh_interval`` 1 s, or the cycle's final
refresh); nothing durable depends on that.
"""

from __future__ import annotations

import copy
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

from pipeline.config import config_dir, load_settings

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


def template_settings(kind: str, replicas: int) -> dict[str, Any]:
    """The index settings of one kind's template, with ``number_of_replicas`` = ``replicas``."""
    settings: dict[str, Any] = copy.deepcopy(template_body(kind)["settings"])
    settings.setdefault("index", {})["number_of_replicas"] = replicas
    return settings


def configured_replicas() -> int:
    """The ``elasticsearch_replicas`` setting (newsmon.yaml, NEWSMON_SETTINGS, NEWSMON_ES_REPLICAS)."""
    return load_settings().elasticsearch_replicas


def _stored_replicas(template: dict[str, Any]) -> int | None:
    """``number_of_replicas`` of a stored index template (Elasticsearch returns it as text)."""
    settings = template.get("template", {}).get("settings", {})
    value = settings.get("index", {}).get("number_of_replicas", settings.get("index.number_of_replicas"))
    return None if value is None else int(value)


def ensure_templates(es: Elasticsearch, indices: Indices, replicas: int | None = None) -> list[str]:
    """Create or update every composable template; create the non-monthly indices.

    ``replicas`` is every index's ``number_of_replicas`` (default: :func:`configured_replicas`).
    Idempotent: a template is rewritten only when its version or replica count differs, and
    then the kind's existing indices get its new fields and replica count. Returns what changed.
    """
    if replicas is None:
        replicas = configured_replicas()
    changed: list[str] = []
    for kind in KINDS:
        body = template_body(kind)
        name = f"{indices.prefix}-{kind}"
        pattern = f"{name}-*" if body["monthly"] else name
        try:
            current = es.indices.get_index_template(name=name)["index_templates"][0]["index_template"]
            if current.get("version") == body["version"] and _stored_replicas(current) == replicas:
                continue
        except Exception:  # noqa: BLE001 - missing template
            pass
        template: dict[str, Any] = {
            "settings": template_settings(kind, replicas),
            "mappings": body["mappings"],
        }
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
        # ... and the replica count (dynamic; 404: the single index does not exist yet).
        response = es.options(ignore_status=[400, 404]).indices.put_settings(
            index=pattern, settings={"index": {"number_of_replicas": replicas}}, allow_no_indices=True
        )
        if response.meta.status == 400:
            log.error("existing %s indices keep their replica count: %s", pattern, response.body)
        changed.append(name)
    for kind in KINDS:
        if not template_body(kind)["monthly"]:
            name = indices.alias(kind)
            if not es.indices.exists(index=name):
                create_index(es, name)
    return changed


def create_index(es: Elasticsearch, index: str, timeout: str = "30s") -> None:
    """Create ``index`` (from its template) and return once every copy of its shard is started.

    With replicas, a write is acknowledged by the primary and the replicas *in sync*; a replica
    that is still starting is not, so the first writes to a brand-new index could live on one
    node only and a crash of that node would lose them (and leave the index red until it comes
    back). Waiting for all copies (``wait_for_active_shards=all``) closes that window. If they
    do not start within ``timeout`` (more replicas than nodes can hold), the index is used
    anyway and a warning says why. An index created meanwhile by another process is fine (400).
    """
    response = es.options(ignore_status=400).indices.create(
        index=index, wait_for_active_shards="all", timeout=timeout
    )
    if response.meta.status == 200 and not response.body.get("shards_acknowledged", True):
        log.warning(
            "%s: not every shard copy started within %s; is elasticsearch_replicas more than the "
            "cluster's data nodes minus one?",
            index,
            timeout,
        )


def ensure_monthly_index(es: Elasticsearch, index: str) -> None:
    """Create a monthly index (so its alias exists) before the first search reaches it."""
    if not es.indices.exists(index=index):
        create_index(es, index)
