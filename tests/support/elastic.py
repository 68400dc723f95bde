"""Elasticsearch clean-up for tests and benchmarks: drop everything under a test prefix."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from pipeline.store.elastic import KINDS, Indices


def drop_prefix(es: Elasticsearch, indices: Indices) -> None:
    """Delete every index and template of a prefix (test and benchmark clean-up)."""
    es.options(ignore_status=404).indices.delete(index=f"{indices.prefix}-*", expand_wildcards="all")
    for kind in KINDS:
        es.options(ignore_status=404).indices.delete_index_template(name=f"{indices.prefix}-{kind}")
