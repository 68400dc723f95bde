"""Template upgrades reach existing indices: a new field added in a template version is mapped
on this month's index and the feeds index too, not only on indices created later."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from pipeline.store.elastic import ensure_monthly_index, ensure_templates, template_body


def _field_mapped(es, index: str, field: str) -> bool:
    mapping = es.indices.get_mapping(index=index)
    return any(field in m["mappings"].get("properties", {}) for m in mapping.body.values())


def test_new_template_fields_reach_existing_indices(es, indices) -> None:
    for kind, field in (("articles", "foreign_canonical_url"), ("feeds", "entries_truncated")):
        body = template_body(kind)
        old = copy.deepcopy(body["mappings"])
        old["properties"].pop(field)
        name = f"{indices.prefix}-{kind}"
        pattern = f"{name}-*" if body["monthly"] else name
        es.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)
        es.indices.put_index_template(
            name=name,
            index_patterns=[pattern],
            template={"settings": body["settings"], "mappings": old, "aliases": {name: {}}}
            if body["monthly"]
            else {"settings": body["settings"], "mappings": old},
            version=body["version"] - 1,
            priority=200,
        )
        index = indices.write_index(kind, datetime.now(UTC)) if body["monthly"] else indices.alias(kind)
        ensure_monthly_index(es, index)
        assert not _field_mapped(es, index, field)
        assert name in ensure_templates(es, indices)
        assert _field_mapped(es, index, field), f"{field} not mapped on the existing {index}"
        assert name not in ensure_templates(es, indices)  # idempotent once upgraded
