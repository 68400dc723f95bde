"""The Kibana saved objects in config/kibana/ fit our index templates (as written, and renamed
for another index prefix), and the import command talks to Kibana's API correctly: a real local
HTTP server stands in for Kibana's saved-objects endpoint (Kibana itself cannot run here), the
command runs as a real subprocess, and it never prints the credentials it was given."""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from pipeline.cli.kibana import kibana_command
from pipeline.store import kibana
from pipeline.store.elastic import KINDS, template_body
from tests.support.httpserver import LoggedRequest, Responder, TestServer
from tests.support.paths import ROOT
from tests.support.smtp import SmtpServer

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


PREFIXES = ("newsmon", "ops-2")  # the prefix the files are written for, and another one


@pytest.fixture(params=PREFIXES)
def prefix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def objects(prefix: str = "newsmon") -> list[dict[str, Any]]:
    """The saved objects as imported for ``prefix``."""
    return [item for path in FILES for item in kibana.prefixed_objects(path.read_text(), prefix)]


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


FIELDS = {kind: flatten(template_body(kind)["mappings"]["properties"]) for kind in KINDS}


def views(prefix: str) -> dict[str, str]:
    """Data view id -> index name (alias) it reads."""
    return {o["id"]: o["attributes"]["title"] for o in objects(prefix) if o["type"] == "index-pattern"}


def field_type(prefix: str, view_id: str, field: str) -> str:
    index = views(prefix)[view_id]
    mappings = {f"{prefix}-{kind}": fields for kind, fields in FIELDS.items()}
    assert index in mappings, f"data view {view_id} reads {index}, not one of our indices"
    assert field in mappings[index], f"{view_id}: field {field!r} not in the {index} template"
    return mappings[index][field]


def test_ndjson_parses_with_unique_ids(prefix: str) -> None:
    assert FILES, "no saved objects in config/kibana/"
    items = objects(prefix)
    keys = [(o["type"], o["id"]) for o in items]
    assert len(keys) == len(set(keys))
    assert len({o["id"] for o in items}) == len(items)
    for item in items:
        assert item["attributes"]["title"]
        assert isinstance(item.get("references", []), list)


def test_data_views_cover_every_kind_with_date_time_fields(prefix: str) -> None:
    expected = {
        f"{prefix}-articles": "@timestamp",
        f"{prefix}-claims": "@timestamp",
        f"{prefix}-events": "@timestamp",
        f"{prefix}-alerts": "created_at",
        f"{prefix}-feeds": "last_polled_at",
    }
    found = {
        o["attributes"]["title"]: o["attributes"]["timeFieldName"]
        for o in objects(prefix)
        if o["type"] == "index-pattern"
    }
    assert found == expected
    assert set(views(prefix)) == set(expected)  # each data view's id is the alias it reads
    for view_id in views(prefix):
        time_field = next(o for o in objects(prefix) if o["id"] == view_id)["attributes"]["timeFieldName"]
        assert field_type(prefix, view_id, time_field) == "date"


def test_references_resolve(prefix: str) -> None:
    ids = {(o["type"], o["id"]) for o in objects(prefix)}
    for item in objects(prefix):
        for ref in item.get("references", []):
            assert (ref["type"], ref["id"]) in ids, f"{item['id']}: dangling {ref}"


def test_another_prefix_leaves_no_default_name_behind() -> None:
    text = json.dumps(objects("ops-2"))
    assert "newsmon-" not in text and "newsmon " not in text
    assert all(o["id"].startswith("ops-2-") for o in objects("ops-2"))
    # the rename touches names only: same objects, same structure, same fields and queries
    same = json.loads(
        json.dumps(objects("newsmon")).replace("newsmon-", "ops-2-").replace("newsmon ", "ops-2 ")
    )
    assert [_decoded(o) for o in objects("ops-2")] == [_decoded(o) for o in same]


def _decoded(value: Any) -> Any:
    """Nested JSON strings parsed, so formatting differences do not count."""
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return _decoded(json.loads(value))
        except ValueError:
            return value
    return value


def _search_view(item: dict[str, Any]) -> str:
    source = json.loads(item["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    name = source["indexRefName"]
    return next(r["id"] for r in item["references"] if r["name"] == name)


def test_saved_searches_use_existing_fields(prefix: str) -> None:
    searches = {o["attributes"]["title"]: o for o in objects(prefix) if o["type"] == "search"}
    wanted = {"ceasefire", "claims by speaker", "negated ceasefires", "failing feeds"}
    assert wanted <= set(searches)
    for title, item in searches.items():
        view = _search_view(item)
        for column in item["attributes"]["columns"]:
            field_type(prefix, view, column)
        for field, _direction in item["attributes"]["sort"]:
            assert field_type(prefix, view, field) in AGGREGATABLE, f"{title}: cannot sort on {field}"
        source = json.loads(item["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        query = re.sub(r'"[^"]*"', '""', source["query"]["query"])
        fields = KQL_FIELD.findall(query)
        assert fields, f"{title}: no field in the query {query!r}"
        for field in fields:
            field_type(prefix, view, field)


def lens_panels(prefix: str = "newsmon") -> list[dict[str, Any]]:
    dashboards = [o for o in objects(prefix) if o["type"] == "dashboard"]
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


def test_lens_columns_fit_field_types(prefix: str) -> None:
    for panel in lens_panels(prefix):
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
                kind = field_type(prefix, view, field)
                allowed = OPERATIONS[column["operationType"]]
                assert kind in allowed, (
                    f"{attributes['title']}: {column['operationType']} on {field} ({kind})"
                )


def test_dashboard_references_cover_panel_references(prefix: str) -> None:
    dashboard = next(o for o in objects(prefix) if o["type"] == "dashboard")
    top = {r["name"] for r in dashboard["references"]}
    for panel in json.loads(dashboard["attributes"]["panelsJSON"]):
        if panel["type"] == "lens":
            for ref in panel["embeddableConfig"]["attributes"]["references"]:
                assert f"{panel['panelIndex']}:{ref['name']}" in top
        else:
            assert panel["panelRefName"] in top


# --------------------------------------------------------------------------- import command

IMPORT = "/api/saved_objects/_import"


class KibanaStandIn:
    """Kibana's saved-objects import endpoint, served by the real local HTTP server.

    Like Kibana: requires ``kbn-xsrf``; with ``credentials`` set, answers 401 to any other
    basic auth; reads the multipart upload, refuses objects whose references resolve to nothing
    in the upload, else answers ``success`` with the count. Keeps what it accepted.
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self.uploads: list[tuple[str, list[dict[str, Any]]]] = []

    def _answer(self, out: Responder, status: int, body: dict[str, Any]) -> None:
        out.send(status, json.dumps(body).encode(), [("Content-Type", "application/json")])

    def __call__(self, req: LoggedRequest, out: Responder) -> None:
        if req.method != "POST" or not req.headers.get("kbn-xsrf"):
            self._answer(out, 400, {"statusCode": 400, "message": "Request must contain a kbn-xsrf header."})
            return
        if self.credentials and req.headers.get("authorization") != basic(*self.credentials):
            self._answer(
                out, 401, {"statusCode": 401, "message": "[security_exception]: unable to authenticate"}
            )
            return
        form = BytesParser(policy=default_policy).parsebytes(
            f"Content-Type: {req.headers['content-type']}\r\n\r\n".encode() + req.body
        )
        (part,) = list(form.iter_parts())
        data = part.get_payload(decode=True)
        items = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
        ids = {(o["type"], o["id"]) for o in items}
        errors = [
            {
                "id": o["id"],
                "type": o["type"],
                "title": o["attributes"].get("title"),
                "error": {"type": "missing_references", "references": missing},
            }
            for o in items
            if (missing := [r for r in o.get("references", []) if (r["type"], r["id"]) not in ids])
        ]
        if errors:
            self._answer(
                out, 200, {"success": False, "successCount": len(items) - len(errors), "errors": errors}
            )
            return
        self.uploads.append((part.get_filename(), items))
        self._answer(out, 200, {"success": True, "successCount": len(items)})

    def received(self) -> list[dict[str, Any]]:
        return [item for _name, items in self.uploads for item in items]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def kibana_server() -> Any:
    with TestServer() as server:
        yield server


def cli(url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline kibana import --url URL`` as a real subprocess (no KIBANA_* inherited)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIBANA_")}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "kibana", "import", "--url", url],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_import_posts_each_file_with_xsrf_and_auth(kibana_server: TestServer) -> None:
    stand_in = KibanaStandIn(("elastic", "s3cret"))
    kibana_server.route(IMPORT, stand_in)
    env = {"KIBANA_USERNAME": "elastic", "KIBANA_PASSWORD": "s3cret"}
    count = kibana.import_saved_objects(kibana_server.base_url + "/", FILES, env=env)
    assert len(stand_in.uploads) == len(FILES) >= 1  # one upload per file, every object sent
    assert count == len(objects()) == len(stand_in.received())
    assert stand_in.received() == objects()  # the default prefix: the files unchanged
    (request,) = kibana_server.requests(IMPORT)
    assert request.method == "POST" and request.query == "overwrite=true"
    assert request.headers["kbn-xsrf"]
    assert request.headers["authorization"] == basic("elastic", "s3cret")
    assert kibana.import_url("http://k:5601", "ops") == "http://k:5601/s/ops/api/saved_objects/_import"


def test_import_reports_kibana_errors_clearly(kibana_server: TestServer, tmp_path: Path) -> None:
    kibana_server.route(IMPORT, KibanaStandIn())
    dangling = tmp_path / "broken.ndjson"
    dashboard = next(o for o in objects() if o["type"] == "dashboard")
    dangling.write_text(json.dumps(dashboard) + "\n")
    with pytest.raises(kibana.KibanaError, match=r"missing_references \(missing index-pattern:newsmon-"):
        kibana.import_saved_objects(kibana_server.base_url, [dangling], env={})

    kibana_server.route(IMPORT, KibanaStandIn(("elastic", "right")))
    with pytest.raises(kibana.KibanaError, match=r"HTTP 401: .*unable to authenticate.*KIBANA_USERNAME"):
        kibana.import_saved_objects(kibana_server.base_url, FILES, env={})


def test_cli_unreachable_kibana_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(kibana_command="import", url="http://127.0.0.1:9")
    assert kibana_command(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("kibana import failed:") and "cannot reach Kibana" in err
    assert err.count("\n") == 1


PASSWORD = "Zq9:x/K@p%w#"  # every character that needs escaping in a URL's userinfo


def assert_no_secret(result: subprocess.CompletedProcess[str], *secrets: str) -> None:
    output = result.stdout + result.stderr
    for secret in secrets:
        assert secret not in output, f"{secret!r} printed: {output!r}"


def test_cli_takes_credentials_from_the_url_and_never_prints_them(kibana_server: TestServer) -> None:
    stand_in = KibanaStandIn(("elastic", PASSWORD))
    kibana_server.route(IMPORT, stand_in)
    host = f"127.0.0.1:{kibana_server.port}"
    secrets = (PASSWORD, quote(PASSWORD, safe=""), "Zq9")

    ok = cli(f"http://elastic:{quote(PASSWORD, safe='')}@{host}")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("saved objects imported") == len(FILES) and ok.stderr == ""
    assert f"into http://{host}\n" in ok.stdout  # the URL is shown without its userinfo
    assert_no_secret(ok, *secrets)
    assert [r.headers["authorization"] for r in kibana_server.requests(IMPORT)] == [
        basic("elastic", PASSWORD)
    ]

    refused = cli(f"http://elastic:{quote(PASSWORD + 'x', safe='')}@{host}")  # wrong password: 401
    assert refused.returncode == 1 and "HTTP 401" in refused.stderr and refused.stderr.count("\n") == 1
    assert_no_secret(refused, *secrets)

    kibana_server.stop()  # nothing listens any more: a connection error
    down = cli(f"http://elastic:{quote(PASSWORD, safe='')}@{host}")
    assert down.returncode == 1 and "cannot reach Kibana" in down.stderr
    assert f"http://{host}/api/saved_objects/_import" in down.stderr
    assert_no_secret(down, *secrets)

    malformed = cli(f"http://elastic:{PASSWORD}@{host}")  # unescaped: the parser sees host "elastic"
    assert malformed.returncode == 1 and malformed.stderr.startswith("kibana import failed: http://***@")
    assert "Traceback" not in malformed.stderr
    assert_no_secret(malformed, *secrets)


def test_cli_takes_credentials_from_the_environment(kibana_server: TestServer) -> None:
    kibana_server.route(IMPORT, KibanaStandIn(("reader", PASSWORD)))
    result = cli(kibana_server.base_url, KIBANA_USERNAME="reader", KIBANA_PASSWORD=PASSWORD)
    assert result.returncode == 0, result.stderr
    assert_no_secret(result, PASSWORD, "Zq9")
    assert {r.headers["authorization"] for r in kibana_server.requests(IMPORT)} == {basic("reader", PASSWORD)}


def test_imported_objects_follow_the_prefix_and_the_email_link_opens_them(
    es: Any,
    indices: Any,
    settings: Any,
    seed_site: TestServer,
    smtp: SmtpServer,
    kibana_server: TestServer,
    tmp_path: Path,
) -> None:
    from pipeline.alerts.mail import SmtpTransport
    from pipeline.alerts.run import run_alerts_once
    from pipeline.config import FeedSpec
    from pipeline.ingest.cycle import run_cycle

    stand_in = KibanaStandIn()
    kibana_server.route(IMPORT, stand_in)
    result = cli(kibana_server.base_url, NEWSMON_INDEX_PREFIX=indices.prefix)
    assert result.returncode == 0, result.stderr
    received = stand_in.received()
    assert len(received) == len(objects())
    assert "newsmon-" not in json.dumps(received)
    assert all(o["id"].startswith(f"{indices.prefix}-") for o in received)
    data_views = {o["attributes"]["title"]: o["id"] for o in received if o["type"] == "index-pattern"}
    assert set(data_views) == {indices.alias(k) for k in ("articles", "claims", "events", "alerts", "feeds")}

    run_cycle(es, indices, [FeedSpec(seed_site.url("feed.xml"), "Seed")], settings, None)
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "rules:\n  - name: ceasefire\n    recipients: [a@example.org]\n"
        "    query: {keywords: {any: [ceasefire]}}\n",
        encoding="utf-8",
    )
    assert (
        run_alerts_once(es, indices, settings, rules, SmtpTransport("127.0.0.1", smtp.port, timeout=5))[
            "emails"
        ]
        == 1
    )
    (message,) = smtp.inbox.messages
    plain = message.get_body(("plain",)).get_content()
    link = unquote(re.search(r"Search in Kibana: (\S+)", plain)[1])
    assert link.startswith(f"{settings.kibana_url}/app/discover#/")
    (view_id,) = re.findall(r"dataViewId:'([^']*)'", link)
    assert view_id == data_views[indices.articles]  # the data view the import created for these indices
