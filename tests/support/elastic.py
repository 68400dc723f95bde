"""Elasticsearch clean-up for tests and benchmarks: drop everything under a test prefix."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from pipeline.store.elastic import KINDS, Indices


def drop_prefix(es: Elasticsearch, indices: Indices) -> None:
    """Delete every index and template of a prefix (test and benchmark clean-up)."""
    es.options(ignore_status=404).indices.delete(index=f"{indices.prefix}-*", expand_wildcards="all")
    for kind in KINDS:
        es.options(ignore_status=404).indices.delete_index_template(name=f"{indices.prefix}-{kind}")


# The kinds whose documents the pipeline's runs write, and which exactly-once tests compare.
DOCUMENT_KINDS = ("articles", "claims", "events")


def document_ids(es: Elasticsearch, prefix: str, all_shards: bool = False) -> dict[str, list[str]]:
    """Every document id per kind across the prefix's monthly indices, duplicates included
    (a duplicate is an id seen twice). With `all_shards`, a missing index or a failed shard
    fails the test instead of reading as fewer ids (for clusters that lose nodes)."""
    es.indices.refresh(index=f"{prefix}-*", ignore_unavailable=True)
    found: dict[str, list[str]] = {}
    for kind in DOCUMENT_KINDS:
        index = f"{prefix}-{kind}-*"
        if all_shards:
            response = es.search(index=index, query={"match_all": {}}, size=10_000, source=False)
            assert response["_shards"]["failed"] == 0, response["_shards"]
        else:
            response = es.options(ignore_status=404).search(
                index=index, query={"match_all": {}}, size=10_000, source=False
            )
        found[kind] = sorted(hit["_id"] for hit in response.get("hits", {}).get("hits", []))
    return found
