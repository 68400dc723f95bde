"""The Kibana saved objects in config/kibana/ fit our index templates, and the import command
talks to Kibana's API correctly. (Kibana itself cannot run here.)"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

import httpx
import pytest

from pipeline.cli.kibana import kibana_command
from pipeline.store import kibana
from pipeline.store.elastic import KINDS, template_body
from tests.support.paths import ROOT

FILES = sorted((ROOT / "config" / "kibana").glob("*.ndjson"))
AGGREGATABLE = {
    "keyword",
    "date",
    "integer",
    "long",
    "float",
    "double",
    "short",
    "byte",
    "boolean",
    "scaled_float",
    "half_float",
}
NUMERIC = AGGREGATABLE - {"keyword", "date", "boolean"}
# operation -> field types it accepts
OPERATIONS = {
    "date_histogram": {"date"},
    "terms": AGGREGATABLE,
    "sum": NUMERIC,
    "average": NUMERIC,
    "median": NUMERIC,
    "max": NUMERIC | {"date"},
    "min": NUMERIC | {"date"},
    "unique_count": AGGREGATABLE,
}
KQL_FIELD = re.compile(r"(?:^|[\s(])([A-Za-z_@][\w.@]*)\s*(?::|[<>]=?)")


def objects() -> list[dict[str, Any]]:
    return [json.loads(line) for path in FILES for line in path.read_text().splitlines() if line.strip()]


def flatten(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Field path -> type, sub-fields (``title.keyword``) and objects included."""
    fields: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            fields.update(flatten(spec["properties"], f"{path}."))
            continue
        fields[path] = spec.get("type", "object")
        for sub, sub_spec in (spec.get("fields") or {}).items():
            fields[f"{path}.{sub}"] = sub_spec["type"]
    return fields


MAPPINGS = {f"newsmon-{kind}": flatten(template_body(kind)["mappings"]["properties"]) for kind in KINDS}


def views() -> dict[str, str]:
    """Data view id -> index name (alias) it reads."""
    return {o["id"]: o["attributes"]["title"] for o in objects() if o["type"] == "index-pattern"}


def field_type(view_id: str, field: str) -> str:
    index = views()[view_id]
    assert index in MAPPINGS, f"data view {view_id} reads {index}, not one of our indices"
    assert field in MAPPINGS[index], f"{view_id}: field {field!r} not in the {index} template"
    return MAPPINGS[index][field]


def test_ndjson_parses_with_unique_ids() -> None:
    assert FILES, "no saved objects in config/kibana/"
    items = objects()
    keys = [(o["type"], o["id"]) for o in items]
    assert len(keys) == len(set(keys))
    assert len({o["id"] for o in items}) == len(items)
    for item in items:
        assert item["attributes"]["title"]
        assert isinstance(item.get("references", []), list)


def test_data_views_cover_every_kind_with_date_time_fields() -> None:
    expected = {
        "newsmon-articles": "@timestamp",
        "newsmon-claims": "@timestamp",
        "newsmon-events": "@timestamp",
        "newsmon-alerts": "created_at",
        "newsmon-feeds": "last_polled_at",
    }
    found = {
        o["attributes"]["title"]: o["attributes"]["timeFieldName"]
        for o in objects()
        if o["type"] == "index-pattern"
    }
    assert found == expected
    for view_id in views():
        time_field = next(o for o in objects() if o["id"] == view_id)["attributes"]["timeFieldName"]
        assert field_type(view_id, time_field) == "date"


def test_references_resolve() -> None:
    ids = {(o["type"], o["id"]) for o in objects()}
    for item in objects():
        for ref in item.get("references", []):
            assert (ref["type"], ref["id"]) in ids, f"{item['id']}: dangling {ref}"


def _search_view(item: dict[str, Any]) -> str:
    source = json.loads(item["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    name = source["indexRefName"]
    return next(r["id"] for r in item["references"] if r["name"] == name)


def test_saved_searches_use_existing_fields() -> None:
    searches = {o["attributes"]["title"]: o for o in objects() if o["type"] == "search"}
    wanted = {"ceasefire", "claims by speaker", "negated ceasefires", "failing feeds"}
    assert wanted <= set(searches)
    for title, item in searches.items():
        view = _search_view(item)
        for column in item["attributes"]["columns"]:
            field_type(view, column)
        for field, _direction in item["attributes"]["sort"]:
            assert field_type(view, field) in AGGREGATABLE, f"{title}: cannot sort on {field}"
        source = json.loads(item["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        query = re.sub(r'"[^"]*"', '""', source["query"]["query"])
        fields = KQL_FIELD.findall(query)
        assert fields, f"{title}: no field in the query {query!r}"
        for field in fields:
            field_type(view, field)


def lens_panels() -> list[dict[str, Any]]:
    dashboards = [o for o in objects() if o["type"] == "dashboard"]
    assert dashboards
    panels = []
    for dashboard in dashboards:
        panels += [p for p in json.loads(dashboard["attributes"]["panelsJSON"]) if p["type"] == "lens"]
    return panels


def test_dashboard_has_the_documented_panels() -> None:
    titles = {p["embeddableConfig"]["attributes"]["title"] for p in lens_panels()}
    assert {
        "Articles over time by source",
        "Top event types",
        "Top speakers",
        "Events by country",
        "Alert history",
    } <= titles


def test_lens_columns_fit_field_types() -> None:
    for panel in lens_panels():
        attributes = panel["embeddableConfig"]["attributes"]
        refs = {r["name"]: r["id"] for r in attributes["references"]}
        layers = attributes["state"]["datasourceStates"]["formBased"]["layers"]
        for layer_id, layer in layers.items():
            view = refs[f"indexpattern-datasource-layer-{layer_id}"]
            assert set(layer["columnOrder"]) == set(layer["columns"])
            for column in layer["columns"].values():
                field = column.get("sourceField")
                if field in (None, "___records___"):
                    continue
                kind = field_type(view, field)
                allowed = OPERATIONS[column["operationType"]]
                assert kind in allowed, (
                    f"{attributes['title']}: {column['operationType']} on {field} ({kind})"
                )


def test_dashboard_references_cover_panel_references() -> None:
    dashboard = next(o for o in objects() if o["type"] == "dashboard")
    top = {r["name"] for r in dashboard["references"]}
    for panel in json.loads(dashboard["attributes"]["panelsJSON"]):
        if panel["type"] == "lens":
            for ref in panel["embeddableConfig"]["attributes"]["references"]:
                assert f"{panel['panelIndex']}:{ref['name']}" in top
        else:
            assert panel["panelRefName"] in top


# --------------------------------------------------------------------------- import command


def test_import_posts_each_file_with_xsrf_and_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def kibana_api(request: httpx.Request) -> httpx.Response:
        """Like Kibana: accepts the objects of the one file uploaded, and says how many."""
        seen.append(request)
        (sent,) = [path for path in FILES if path.read_bytes() in request.content]
        accepted = sum(1 for line in sent.read_text().splitlines() if line.strip())
        return httpx.Response(200, json={"success": True, "successCount": accepted})

    monkeypatch.setenv("KIBANA_USERNAME", "elastic")
    monkeypatch.setenv("KIBANA_PASSWORD", "s3cret")
    count = kibana.import_saved_objects(
        "http://kibana.test:5601/", FILES, transport=httpx.MockTransport(kibana_api)
    )
    assert len(seen) == len(FILES) >= 1  # one upload per file, every file sent whole
    assert count == len(objects())  # the sum of what each upload reported
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/api/saved_objects/_import"
    assert request.url.params["overwrite"] == "true"
    assert request.headers["kbn-xsrf"]
    assert request.headers["authorization"].startswith("Basic ")
    assert b"newsmon-overview" in request.content  # the file is sent as multipart
    assert kibana.import_url("http://k:5601", "ops") == "http://k:5601/s/ops/api/saved_objects/_import"


def test_import_reports_kibana_errors_clearly() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "success": False,
                "successCount": 9,
                "errors": [
                    {
                        "id": "newsmon-overview",
                        "type": "dashboard",
                        "title": "newsmon overview",
                        "error": {
                            "type": "missing_references",
                            "references": [{"type": "index-pattern", "id": "nope"}],
                        },
                    }
                ],
            },
        )

    with pytest.raises(kibana.KibanaError, match=r"missing index-pattern:nope"):
        kibana.import_saved_objects("http://kibana.test", FILES, transport=httpx.MockTransport(refuse))

    def unauthorised(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "unauthorized"})

    with pytest.raises(kibana.KibanaError, match="HTTP 401"):
        kibana.import_saved_objects("http://kibana.test", FILES, transport=httpx.MockTransport(unauthorised))


def test_cli_unreachable_kibana_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(kibana_command="import", url="http://127.0.0.1:9")
    assert kibana_command(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("kibana import failed:") and "cannot reach Kibana" in err
    assert err.count("\n") == 1
