"""Kibana saved objects: import the ones in config/kibana/ (``kibana import --url URL``).

Each ``*.ndjson`` file is POSTed to Kibana's saved objects import API
(``/api/saved_objects/_import?overwrite=true``) with the ``kbn-xsrf`` header.

Index prefix: the files are written for the default prefix ``newsmon``. At import every
``newsmon-...`` id, reference and data view title (and the ``newsmon ...`` display names) is
rewritten to the configured prefix, nested JSON strings (``panelsJSON``, ``searchSourceJSON``)
included: the articles data view of prefix ``p`` is ``p-articles`` (id and title), which is the
id the alert emails' Discover links use (``Indices.articles``), and two prefixes can share one
Kibana space. With the default prefix the objects are sent unchanged.

Credentials: the URL's userinfo (``http://user:pw@host:5601``, percent-decoded) or else
``KIBANA_USERNAME``/``KIBANA_PASSWORD``, sent as basic auth; never from the repository. The
userinfo is removed from the URL before it is used, and every message (progress, errors,
``KibanaError``) shows the URL with its userinfo masked (``http://***@host:5601``) and the
password redacted, whatever Kibana or the network layer said. ``KIBANA_SPACE`` imports into a
space other than the default one (read by the CLI, pipeline.cli.kibana, which also prints the
progress lines).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx

from pipeline.config import config_dir

IMPORT_PATH = "/api/saved_objects/_import"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_PREFIX = "newsmon"  # the prefix config/kibana/*.ndjson are written for
# "newsmon-articles", "newsmon-search-ceasefire", "newsmon overview": the prefix as a name part.
OWN_NAME = re.compile(rf"(?<![\w.-]){DEFAULT_PREFIX}(?=[- ])")
USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://).*@", re.DOTALL)  # to the last "@"
MIN_SECRET = 4  # shorter passwords are not searched for in messages (they would garble them)


class KibanaError(RuntimeError):
    """Kibana refused the import or could not be reached (message free of credentials)."""


def mask_url(url: str) -> str:
    """``url`` with any userinfo replaced by ``***`` (for messages), malformed URLs included.

    Everything up to the last ``@`` is masked, so a password with an unescaped ``/`` or ``#``
    (which ends the authority for a parser) is masked too."""
    return USERINFO.sub(r"\1***@", url.strip())


@dataclass(frozen=True)
class KibanaTarget:
    """Where to import: the base URL without userinfo, and the basic-auth credentials."""

    base_url: str
    auth: tuple[str, str] | None = field(default=None, repr=False)

    def secrets(self) -> list[str]:
        """What must never appear in a message: the password, raw and percent-encoded."""
        if not self.auth or len(self.auth[1]) < MIN_SECRET:
            return []
        password = self.auth[1]
        return sorted({password, quote(password, safe=""), quote(password)}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with URLs' userinfo masked and the password replaced by ``***``."""
        text = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s]*@", r"\1***@", text)
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text


def target_from_url(url: str, env: Mapping[str, str] | None = None) -> KibanaTarget:
    """Split ``url`` into a credential-free base URL and credentials (userinfo, else env).

    Raises KibanaError (with the URL masked) for anything but an http(s) URL with a host."""
    env = os.environ if env is None else env
    shown = mask_url(url)
    try:
        parts = urlsplit(url.strip())
        host, _port = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:  # its message may quote part of the userinfo: not shown
        raise KibanaError(f"{shown}: not a valid URL (bad host or port)") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise KibanaError(f"{shown}: not an http(s) URL with a host")
    netloc = parts.netloc.rpartition("@")[2]
    base = urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))
    auth: tuple[str, str] | None = None
    if parts.username is not None and (parts.username or parts.password):
        auth = (unquote(parts.username), unquote(parts.password or ""))
    elif env.get("KIBANA_USERNAME"):
        auth = (env["KIBANA_USERNAME"], env.get("KIBANA_PASSWORD", ""))
    return KibanaTarget(base, auth)


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


def _rewrite(value: Any, prefix: str) -> Any:
    """``value`` with the default prefix's names renamed, JSON nested in strings included."""
    if isinstance(value, dict):
        return {key: _rewrite(item, prefix) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite(item, prefix) for item in value]
    if isinstance(value, str):
        if value[:1] in ("{", "["):
            try:
                nested = json.loads(value)
            except ValueError:
                nested = None
            if isinstance(nested, dict | list):
                return json.dumps(_rewrite(nested, prefix))
        return OWN_NAME.sub(lambda _match: prefix, value)
    return value


def prefixed_objects(text: str, prefix: str = DEFAULT_PREFIX) -> list[dict[str, Any]]:
    """The saved objects of one NDJSON text, renamed for ``prefix``."""
    objects = [json.loads(line) for line in text.splitlines() if line.strip()]
    if prefix == DEFAULT_PREFIX:
        return objects
    return [_rewrite(item, prefix) for item in objects]


def render_file(path: Path, prefix: str = DEFAULT_PREFIX) -> bytes:
    """The bytes uploaded for ``path``: the file itself, or its objects renamed for ``prefix``."""
    raw = path.read_bytes()
    if prefix == DEFAULT_PREFIX:
        return raw
    text = raw.decode("utf-8")
    return "".join(json.dumps(item) + "\n" for item in prefixed_objects(text, prefix)).encode("utf-8")


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


def import_file(
    client: httpx.Client, url: str, path: Path, prefix: str = DEFAULT_PREFIX, authenticated: bool = False
) -> dict[str, Any]:
    """Import one NDJSON file; returns Kibana's answer, raises KibanaError on any refusal.

    ``url`` is the credential-free endpoint (the client carries the auth)."""
    try:
        content = render_file(path, prefix)
    except (OSError, ValueError) as exc:
        raise KibanaError(f"{path.name}: cannot read saved objects: {exc}") from exc
    files = {"file": (path.name, content, "application/ndjson")}
    try:
        response = client.post(url, params={"overwrite": "true"}, files=files)
    except httpx.HTTPError as exc:
        raise KibanaError(f"{mask_url(url)}: cannot reach Kibana: {exc}") from None
    try:
        body: dict[str, Any] = response.json()
    except (json.JSONDecodeError, ValueError):
        body = {"message": response.text[:300]}
    if not isinstance(body, dict):
        body = {"message": str(body)[:300]}
    if response.status_code in (401, 403):
        hint = "" if authenticated else " (set KIBANA_USERNAME and KIBANA_PASSWORD)"
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
    prefix: str = DEFAULT_PREFIX,
    env: Mapping[str, str] | None = None,
) -> int:
    """Import every file, renamed for ``prefix``; returns how many objects Kibana accepted.

    ``base_url`` may carry ``user:password@`` (else KIBANA_USERNAME/KIBANA_PASSWORD from
    ``env``, default the environment). ``on_file(path, count)`` is called after each file is
    imported (the CLI prints it). Every KibanaError message is free of the credentials."""
    target = target_from_url(base_url, env)
    files = list(files) if files is not None else saved_object_files()
    if not files:
        raise KibanaError(f"no *.ndjson files in {Path(config_dir()) / 'kibana'}")
    url = import_url(target.base_url, space)
    total = 0
    try:
        with httpx.Client(
            auth=target.auth,
            headers={"kbn-xsrf": "newsmon"},
            timeout=TIMEOUT,
            transport=transport,
        ) as client:
            for path in files:
                body = import_file(client, url, path, prefix, authenticated=target.auth is not None)
                count = int(body.get("successCount", 0))
                total += count
                if on_file is not None:
                    on_file(path, count)
    except KibanaError as exc:
        raise KibanaError(target.redact(str(exc))) from None
    return total
