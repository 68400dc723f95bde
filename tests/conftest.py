"""Shared fixtures: a real Elasticsearch node (started by scripts/elasticsearch or given by
ELASTICSEARCH_URL) with a unique index prefix per test, cleaned up afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipeline.config import Settings
from pipeline.devserver import SiteServer
from pipeline.store.elastic import Indices, drop_prefix, ensure_templates, make_client, wait_for_cluster

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent
SEEDS = REPO / "seeds"


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
    return Settings(
        allow_private=("127.0.0.0/8",), per_host_delay=0.0, connect_timeout=2.0,
        total_timeout=5.0, retries=1, fetch_concurrency=16, per_host_concurrency=8,
        analyze=False,
    )


@pytest.fixture
def seed_site() -> Iterator[SiteServer]:
    """seeds/ served on 127.0.0.1 (feed links point back at the same server)."""
    server = SiteServer(SEEDS).start()
    yield server
    server.stop()
