"""Kibana saved objects: import the ones in config/kibana/ (``kibana import --url URL``).

Each ``*.ndjson`` file is POSTed to Kibana's saved objects import API
(``/api/saved_objects/_import?overwrite=true``) with the ``kbn-xsrf`` header. Basic auth
comes from ``KIBANA_USERNAME``/``KIBANA_PASSWORD`` when set (never from the repository);
``KIBANA_SPACE`` imports into a space other than the default one (read by the CLI,
pipeline.cli.kibana, which also prints the progress lines).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from pipeline.config import config_dir

IMPORT_PATH = "/api/saved_objects/_import"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class KibanaError(RuntimeError):
    """Kibana refused the import or could not be reached."""


def saved_object_files(folder: Path | None = None) -> list[Path]:
    """The NDJSON files to import, in name order."""
    folder = folder or Path(config_dir()) / "kibana"
    return sorted(folder.glob("*.ndjson"))


def import_url(base_url: str, space: str | None = None) -> str:
    """The import endpoint for ``base_url`` (and an optional space)."""
    base = base_url.rstrip("/")
    if space and space != "default":
        base = f"{base}/s/{space}"
    return f"{base}{IMPORT_PATH}"


def _auth() -> tuple[str, str] | None:
    user = os.environ.get("KIBANA_USERNAME")
    return (user, os.environ.get("KIBANA_PASSWORD", "")) if user else None


def _describe_errors(errors: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for error in errors:
        detail = error.get("error") or {}
        reason = detail.get("type", "error")
        if detail.get("references"):
            missing = ", ".join(f"{r.get('type')}:{r.get('id')}" for r in detail["references"])
            reason += f" (missing {missing})"
        elif detail.get("message"):
            reason += f": {detail['message']}"
        lines.append(f"{error.get('type')}:{error.get('id')} ({error.get('title', '')}): {reason}")
    return lines


def import_file(client: httpx.Client, url: str, path: Path) -> dict[str, Any]:
    """Import one NDJSON file; returns Kibana's answer, raises KibanaError on any refusal."""
    with path.open("rb") as handle:
        files = {"file": (path.name, handle, "application/ndjson")}
        try:
            response = client.post(url, params={"overwrite": "true"}, files=files)
        except httpx.HTTPError as exc:
            raise KibanaError(f"{url}: cannot reach Kibana: {exc}") from exc
    try:
        body: dict[str, Any] = response.json()
    except (json.JSONDecodeError, ValueError):
        body = {"message": response.text[:300]}
    if response.status_code in (401, 403):
        hint = "" if _auth() else " (set KIBANA_USERNAME and KIBANA_PASSWORD)"
        raise KibanaError(
            f"{path.name}: HTTP {response.status_code}: {body.get('message', 'not authorised')}{hint}"
        )
    if response.status_code >= 400:
        raise KibanaError(f"{path.name}: HTTP {response.status_code}: {body.get('message') or body}")
    if not body.get("success", False):
        details = "; ".join(_describe_errors(body.get("errors") or [])) or str(body)
        raise KibanaError(f"{path.name}: {body.get('successCount', 0)} imported, errors: {details}")
    return body


def import_saved_objects(
    base_url: str,
    files: Sequence[Path] | None = None,
    space: str | None = None,
    transport: httpx.BaseTransport | None = None,
    on_file: Callable[[Path, int], None] | None = None,
) -> int:
    """Import every file; returns how many objects Kibana accepted.

    ``on_file(path, count)`` is called after each file is imported (the CLI prints it)."""
    files = list(files) if files is not None else saved_object_files()
    if not files:
        raise KibanaError(f"no *.ndjson files in {Path(config_dir()) / 'kibana'}")
    url = import_url(base_url, space)
    total = 0
    with httpx.Client(
        auth=_auth(), headers={"kbn-xsrf": "newsmon"}, timeout=TIMEOUT, transport=transport
    ) as client:
        for path in files:
            body = import_file(client, url, path)
            count = int(body.get("successCount", 0))
            total += count
            if on_file is not None:
                on_file(path, count)
    return total
