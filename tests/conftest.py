"""Shared fixtures: a real Elasticsearch node (started by scripts/elasticsearch or given by
ELASTICSEARCH_URL) with a unique index prefix per test, cleaned up afterwards; the seed site
over HTTP; a real SMTP inbox; one spaCy analyzer per session.

Markers: every test that uses the ``es`` fixture (directly or through ``indices``) is marked
``es``, so ``pytest -m "not es"`` runs the unit tests with no Elasticsearch reachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from elasticsearch import Elasticsearch

from pipeline.config import Settings
from pipeline.fetch.client import FetchPolicy
from pipeline.store.elastic import Indices, ensure_templates, make_client, wait_for_cluster
from tests.support.elastic import drop_prefix
from tests.support.httpserver import TestServer
from tests.support.paths import SEEDS
from tests.support.smtp import SmtpServer

if TYPE_CHECKING:
    from pipeline.nlp.analyzer import Analyzer


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``es`` every test whose fixtures include the Elasticsearch node."""
    for item in items:
        if "es" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.es)


@pytest.fixture(scope="session")
def es() -> Iterator[Elasticsearch]:
    """The real node; the suite fails loudly (not skips) when none is running."""
    client = make_client(os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200"))
    try:
        wait_for_cluster(client, timeout=30)
    except TimeoutError as exc:
        pytest.fail(f"{exc}. Start one with: scripts/elasticsearch start")
    yield client
    client.close()


@pytest.fixture
def indices(es: Elasticsearch) -> Iterator[Indices]:
    """A fresh index prefix with the project's templates; everything under it is dropped after."""
    ix = Indices(f"test-{uuid.uuid4().hex[:10]}")
    ensure_templates(es, ix)
    yield ix
    drop_prefix(es, ix)


@pytest.fixture
def settings() -> Settings:
    """Settings for tests: local servers allowed, short timeouts, no politeness delay."""
    fetch = FetchPolicy(
        allow_private=("127.0.0.0/8",),
        per_host_delay=0.0,
        connect_timeout=2.0,
        total_timeout=5.0,
        retries=1,
        concurrency=16,
        per_host_concurrency=8,
    )
    return Settings(fetch=fetch, analyze=False)


@pytest.fixture
def seed_site() -> Iterator[TestServer]:
    """seeds/ served on 127.0.0.1 (feed links point back at the same server)."""
    with TestServer(SEEDS) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on a free port of 127.0.0.1; ``smtp.inbox`` holds what it accepted."""
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The claim and event extractor with the default model (loaded once: ~1 s and 100 MB)."""
    from pipeline.nlp.analyzer import Analyzer  # spaCy: imported only by tests that need it

    return Analyzer()
