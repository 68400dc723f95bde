"""Airflow connections -> newsmon objects, for the DAG files in this folder.

``elasticsearch_default`` and ``smtp_default`` are read through the Task SDK (so they can be
set in the UI, a secrets backend, or ``AIRFLOW_CONN_*`` variables as URIs or JSON).

- Not defined anywhere: newsmon's own environment variables apply (``ELASTICSEARCH_URL``,
  ``ELASTICSEARCH_USERNAME``/``PASSWORD``/``API_KEY``, ``NEWSMON_SMTP_*``, ``NEWSMON_OUTBOX``).
- Defined but unusable (invalid JSON such as ``True`` for ``true`` or a ``"`` inside a
  password, a malformed URI or port, an ``extra`` that is not a JSON object, no host, a flag
  that is not true/false): the task fails at once with ``BadConnection`` (no retries, no
  fallback) and a one-line message naming the connection, never its secrets.
- Any other lookup failure (another secrets backend raising, access denied):
  ``ConnectionUnavailable``, an ordinary error that Airflow retries; never a fallback either.
  (The SDK's Execution API backend turns its own errors into "not found"; newsmon then falls
  back, and with no ``NEWSMON_SMTP_*``/``NEWSMON_OUTBOX`` the alerts stay pending: never lost.)

The Task SDK cannot tell the first two apart by itself: ``BaseHook.get_connection`` swallows a
secrets backend's parse error (logged at DEBUG, ``airflow.sdk.execution_time.context.
_get_connection``) and then raises ``AirflowNotFoundException`` "isn't defined", exactly as
for a connection that does not exist. So on "not found" every configured secrets backend is
asked again here, without swallowing its errors; only when all of them answer "nothing" is the
connection taken as not defined. Everything here runs inside tasks only: importing this module
does no I/O. Nothing secret lives in DAG files.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowFailException

log = logging.getLogger(__name__)

# Emitted by news_ingest when new articles were indexed; news_alerts is scheduled on it.
ARTICLES_ASSET = Asset(name="newsmon_articles", uri="newsmon://articles", group="newsmon")
OWNER = "newsmon"


def default_args(
    retries: int, retry_delay: timedelta, max_retry_delay: timedelta, timeout: timedelta
) -> dict[str, Any]:
    """The DAGs' shared task defaults: owner, retries with exponential backoff, a timeout."""
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": retry_delay,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": max_retry_delay,
        "execution_timeout": timeout,
    }


ES_CONN_ID = os.environ.get("NEWSMON_ES_CONN_ID", "elasticsearch_default")
SMTP_CONN_ID = os.environ.get("NEWSMON_SMTP_CONN_ID", "smtp_default")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}
USERINFO = re.compile(r"//[^/@\s]*@")


class BadConnection(AirflowFailException):
    """A connection that is defined but cannot be used: the task fails now, without retries
    (retrying cannot fix a definition) and without falling back to the environment."""


class ConnectionUnavailable(RuntimeError):
    """The connection could not be looked up (backend down, access denied): Airflow retries."""


def _reason(exc: BaseException, secret: str | None = None) -> str:
    """``Type: message`` on one line, with the raw value and any URI credentials hidden."""
    text = " ".join(str(exc).split())
    if secret and secret.strip():
        text = text.replace(secret.strip(), "<value>")
    return f"{type(exc).__name__}: {USERINFO.sub('//***@', text)}"[:300]


def _recheck(conn_id: str) -> Any | None:
    """Called when the SDK says ``conn_id`` is not defined: ask every secrets backend again.

    Returns the connection if a backend has it after all (None: defined nowhere); raises
    BadConnection when a backend holds it but cannot parse it (the error the SDK swallowed)."""
    env_name = f"AIRFLOW_CONN_{conn_id.upper()}"
    raw = os.environ.get(env_name)
    broken = f"connection {conn_id} is defined in {env_name} but does not parse"
    try:
        from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

        backends = list(ensure_secrets_backend_loaded())
    except ImportError:  # the helper moved in a later Airflow: parse the variable as it would
        from airflow.sdk import Connection

        value = (raw or "").strip()
        try:
            if value.startswith("{"):
                return Connection.from_json(value, conn_id=conn_id)
            return Connection.from_uri(value, conn_id=conn_id) if value else None
        except Exception as exc:  # noqa: BLE001 - the parse the environment backend does
            raise BadConnection(f"{broken}: {_reason(exc, raw)}") from None
    for backend in backends:
        name = type(backend).__name__
        try:
            found = backend.get_connection(conn_id=conn_id)
        except PermissionError as exc:  # AirflowSecretsBackendAccessDenied: authoritative
            raise ConnectionUnavailable(f"connection {conn_id}: {name}: {_reason(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - any backend error here is one the SDK swallowed
            if name == "EnvironmentVariablesBackend":
                raise BadConnection(f"{broken}: {_reason(exc, raw)}") from None
            # another backend (Vault, AWS...): a bad value or an outage, which retrying may cure
            raise ConnectionUnavailable(
                f"connection {conn_id} could not be read from the secrets backend {name}: {_reason(exc)}"
            ) from None
        if found is not None:
            return found
    return None


def _connection(conn_id: str) -> Any | None:
    """The Airflow connection, or None when it is defined nowhere (the environment applies).

    Raises BadConnection when it is defined but does not parse (see the module docstring)."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    conn: Any
    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        conn = _recheck(conn_id)
        if conn is None:
            log.info("connection %s is not defined; using newsmon's environment variables", conn_id)
            return None
    except Exception as exc:  # noqa: BLE001 - any other lookup failure must not fall back silently
        raise ConnectionUnavailable(f"connection {conn_id} could not be looked up: {_reason(exc)}") from exc
    if conn.extra:
        try:
            extra = json.loads(conn.extra)
        except ValueError as exc:
            raise BadConnection(f"connection {conn_id}: extra is not valid JSON: {_reason(exc)}") from None
        if not isinstance(extra, dict):
            kind = type(extra).__name__
            raise BadConnection(f"connection {conn_id}: extra must be a JSON object, not {kind}")
    return conn


def _flag(value: Any, conn_id: str = "", key: str = "") -> bool:
    """true/false from a connection extra: a bool, or 1/0, true/false, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise BadConnection(f"connection {conn_id}: extra {key} must be true or false, not {str(value)[:40]!r}")


def _require_host(conn: Any) -> None:
    if not conn.host:
        raise BadConnection(f"connection {conn.conn_id} is defined but has no host")


def es_options(conn: Any | None) -> tuple[str | None, dict[str, Any]]:
    """(url, client kwargs) from an Elasticsearch connection; (None, {}) without one.

    ``elasticsearch://user:pass@host:9200?scheme=https`` or ``http://host:9200`` style URIs;
    extras ``scheme``, ``api_key``, ``verify_certs``, ``ca_certs`` are understood. A
    connection without a host raises BadConnection.
    """
    if conn is None:
        return None, {}
    _require_host(conn)
    extra = conn.extra_dejson or {}
    host = str(conn.host)
    if "://" in host:
        url = host.rstrip("/")
    else:
        scheme = (
            extra.get("scheme")
            or (conn.conn_type if conn.conn_type in ("http", "https") else None)
            or (conn.schema if conn.schema in ("http", "https") else "http")
        )
        url = f"{scheme}://{host}"
    if conn.port and url.count(":") < 2:
        url = f"{url}:{conn.port}"
    kwargs: dict[str, Any] = {}
    if extra.get("api_key"):
        kwargs["api_key"] = extra["api_key"]
    elif conn.login:
        kwargs["basic_auth"] = (conn.login, conn.password or "")
    if "verify_certs" in extra:
        kwargs["verify_certs"] = _flag(extra["verify_certs"], conn.conn_id, "verify_certs")
    if extra.get("ca_certs"):
        kwargs["ca_certs"] = extra["ca_certs"]
    return url, kwargs


@dataclass(frozen=True)
class Context:
    """What a task needs: settings, a client, and the index names."""

    settings: Any
    es: Any
    indices: Any


def newsmon_context() -> Context:
    """Settings from config (``NEWSMON_*`` env), Elasticsearch from the connection or env."""
    from pipeline.config import load_settings
    from pipeline.store.elastic import Indices, make_client, wait_for_cluster

    settings = load_settings()
    url, kwargs = es_options(_connection(ES_CONN_ID))
    if url:
        settings = dataclasses.replace(settings, elasticsearch_url=url)
        if any(k in os.environ for k in ("ELASTICSEARCH_API_KEY", "ELASTICSEARCH_USERNAME")):
            kwargs.pop("api_key", None)  # the environment wins; avoid passing auth twice
            kwargs.pop("basic_auth", None)
    es = make_client(settings.elasticsearch_url, **kwargs)
    wait_for_cluster(es, timeout=60)
    return Context(settings, es, Indices(settings.index_prefix))


def smtp_transport(settings: Any = None) -> Any:
    """The mail transport: ``smtp_default`` when defined, else newsmon's own choice
    (``NEWSMON_OUTBOX`` folder, ``NEWSMON_SMTP_*``, or none: then sends fail and the alerts
    stay pending). A defined but unusable connection raises BadConnection.

    Provider-style extras ``disable_ssl``/``disable_tls`` and newsmon's ``ssl``/``starttls``
    are understood; without them, port 465 means implicit TLS and 587 means STARTTLS.
    """
    from pipeline.alerts.mail import SmtpTransport, transport_from_settings

    conn = _connection(SMTP_CONN_ID)
    if conn is None:
        return transport_from_settings(settings)
    _require_host(conn)
    extra = conn.extra_dejson or {}
    port = int(conn.port or 25)
    if "ssl" in extra:
        use_ssl = _flag(extra["ssl"], conn.conn_id, "ssl")
    elif "disable_ssl" in extra:
        use_ssl = not _flag(extra["disable_ssl"], conn.conn_id, "disable_ssl")
    else:
        use_ssl = port == 465
    if "starttls" in extra:
        starttls = _flag(extra["starttls"], conn.conn_id, "starttls")
    elif "disable_tls" in extra:
        starttls = not use_ssl and not _flag(extra["disable_tls"], conn.conn_id, "disable_tls")
    else:
        starttls = port == 587
    try:
        timeout = float(extra.get("timeout", 30))
    except (TypeError, ValueError):
        raise BadConnection(f"connection {conn.conn_id}: extra timeout must be a number of seconds") from None
    return SmtpTransport(
        host=str(conn.host),
        port=port,
        user=conn.login or None,
        password=conn.password or None,
        starttls=starttls,
        use_ssl=use_ssl,
        timeout=timeout,
    )


def mail_sender(settings: Any = None) -> str:
    """``From`` for newsmon's own emails: ``smtp_default``'s ``from_email`` extra or
    ``NEWSMON_MAIL_FROM``."""
    from pipeline.alerts.mail import mail_from

    conn = _connection(SMTP_CONN_ID)
    extra = (conn.extra_dejson or {}) if conn is not None else {}
    return str(extra.get("from_email") or mail_from(settings))
