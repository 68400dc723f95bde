"""Airflow connections -> newsmon objects, for the DAG files in this folder.

``elasticsearch_default`` and ``smtp_default`` are read through the Task SDK (so they can be
set in the UI, a secrets backend, or ``AIRFLOW_CONN_*`` variables as URIs or JSON); when a
connection is not defined, newsmon's own environment variables apply (``ELASTICSEARCH_URL``,
``ELASTICSEARCH_USERNAME``/``PASSWORD``/``API_KEY``, ``NEWSMON_SMTP_*``). Everything here runs
inside tasks only: importing this module does no I/O. Nothing secret lives in DAG files.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset

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


def _connection(conn_id: str) -> Any | None:
    """The Airflow connection, or None when it is not defined (or not reachable here)."""
    try:
        from airflow.sdk import BaseHook

        return BaseHook.get_connection(conn_id)
    except Exception as exc:  # noqa: BLE001 - missing connection: fall back to the environment
        log.info("connection %s not available (%s); using environment variables", conn_id, exc)
        return None


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in TRUE


def es_options(conn: Any | None) -> tuple[str | None, dict[str, Any]]:
    """(url, client kwargs) from an Elasticsearch connection; (None, {}) without one.

    ``elasticsearch://user:pass@host:9200?scheme=https`` or ``http://host:9200`` style URIs;
    extras ``scheme``, ``api_key``, ``verify_certs``, ``ca_certs`` are understood.
    """
    if conn is None or not conn.host:
        return None, {}
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
        kwargs["verify_certs"] = _flag(extra["verify_certs"])
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
    (``NEWSMON_SMTP_*`` environment, or the file outbox ``NEWSMON_OUTBOX``).

    Provider-style extras ``disable_ssl``/``disable_tls`` and newsmon's ``ssl``/``starttls``
    are understood; without them, port 465 means implicit TLS and 587 means STARTTLS.
    """
    from pipeline.alerts.mail import SmtpTransport, transport_from_settings

    conn = _connection(SMTP_CONN_ID)
    if conn is None or not conn.host:
        return transport_from_settings(settings)
    extra = conn.extra_dejson or {}
    port = int(conn.port or 25)
    if "ssl" in extra:
        use_ssl = _flag(extra["ssl"])
    elif "disable_ssl" in extra:
        use_ssl = not _flag(extra["disable_ssl"])
    else:
        use_ssl = port == 465
    if "starttls" in extra:
        starttls = _flag(extra["starttls"])
    elif "disable_tls" in extra:
        starttls = not use_ssl and not _flag(extra["disable_tls"])
    else:
        starttls = port == 587
    return SmtpTransport(
        host=str(conn.host),
        port=port,
        user=conn.login or None,
        password=conn.password or None,
        starttls=starttls,
        use_ssl=use_ssl,
        timeout=float(extra.get("timeout", 30)),
    )


def mail_sender(settings: Any = None) -> str:
    """``From`` for newsmon's own emails: ``smtp_default``'s ``from_email`` extra or
    ``NEWSMON_MAIL_FROM``."""
    from pipeline.alerts.mail import mail_from

    conn = _connection(SMTP_CONN_ID)
    extra = (conn.extra_dejson or {}) if conn is not None else {}
    return str(extra.get("from_email") or mail_from(settings))
