"""Load and validate newsmon's YAML configuration.

Every problem is reported as one line naming the file and the field, so a typo in
``config/feeds.yaml`` is fixed in seconds instead of surfacing as a crash mid-cycle.
Secrets never live here: credentials come from the environment (or Airflow connections).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from pipeline.fetch.result import FetchPolicy

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = REPO_ROOT / "config"


class ConfigError(ValueError):
    """A configuration file is missing, unparsable, or has a bad field."""

    def __init__(self, path: Path | str, field_name: str | None, message: str) -> None:
        where = f"{path}: {field_name}" if field_name else str(path)
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.field = field_name


def config_dir() -> Path:
    """The config folder: ``NEWSMON_CONFIG_DIR`` or the repository's ``config/``."""
    return Path(os.environ.get("NEWSMON_CONFIG_DIR", DEFAULT_CONFIG_DIR))


def load_yaml(path: Path) -> Any:
    """Parse one YAML file, turning I/O and syntax errors into a one-line ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(path, None, f"invalid YAML{line}: {problem}") from None


def check_url(path: Path | str, field_name: str, value: Any) -> str:
    """Accept only absolute http(s) URLs with a host."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, field_name, "must be a non-empty URL string")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(path, field_name, f"not an http(s) URL: {value!r}")
    return value.strip()


def _typed(path: Path, where: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(path, where, f"must be {what}, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class FeedSpec:
    """One feed to watch, as written in ``config/feeds.yaml``."""

    url: str
    name: str
    tags: tuple[str, ...] = ()
    language: str | None = None
    interval_minutes: int | None = None


FEED_FIELDS = {"url", "name", "tags", "language", "interval", "interval_minutes"}


def parse_feeds(data: Any, path: Path | str = "feeds.yaml") -> list[FeedSpec]:
    """Validate the feeds document: ``feeds: [{url, name, tags?, language?, interval?}]``."""
    path = Path(path)
    if not isinstance(data, dict) or "feeds" not in data:
        raise ConfigError(path, "feeds", "missing top-level 'feeds' list")
    items = data["feeds"]
    if not isinstance(items, list):
        raise ConfigError(path, "feeds", "must be a list")
    feeds: list[FeedSpec] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = f"feeds[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(path, where, "must be a mapping with url and name")
        unknown = set(item) - FEED_FIELDS
        if unknown:
            raise ConfigError(path, f"{where}.{sorted(unknown)[0]}", "unknown field")
        if "url" not in item:
            raise ConfigError(path, f"{where}.url", "missing required field")
        url = check_url(path, f"{where}.url", item["url"])
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(path, f"{where}.name", "missing required field")
        tags = item.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ConfigError(path, f"{where}.tags", "must be a list of strings")
        language = item.get("language")
        if language is not None and not isinstance(language, str):
            raise ConfigError(path, f"{where}.language", "must be a language code string")
        interval = item.get("interval_minutes", item.get("interval"))
        if interval is not None and (
            not isinstance(interval, int) or isinstance(interval, bool) or interval <= 0
        ):
            raise ConfigError(path, f"{where}.interval", "must be a positive number of minutes")
        if url in seen:
            raise ConfigError(
                path, f"{where}.url", f"duplicate of feeds[{seen[url]}] (polled once is enough)"
            )
        seen[url] = i
        feeds.append(FeedSpec(url, name.strip(), tuple(tags), language, interval))
    return feeds


def load_feeds(path: Path | None = None) -> list[FeedSpec]:
    """Load ``config/feeds.yaml`` (or ``NEWSMON_FEEDS``)."""
    path = path or Path(os.environ.get("NEWSMON_FEEDS", config_dir() / "feeds.yaml"))
    return parse_feeds(load_yaml(path), path)


@dataclass(frozen=True)
class Settings:
    """Runtime settings from ``config/newsmon.yaml``, overridable by environment variables."""

    elasticsearch_url: str = "http://127.0.0.1:9200"
    index_prefix: str = "newsmon"
    poll_interval_minutes: int = 15
    fetch: FetchPolicy = field(default_factory=FetchPolicy)  # from the FETCH_SETTINGS keys
    max_backoff_minutes: int = 24 * 60
    analyze: bool = True
    entities: str = "head"
    kibana_url: str = "http://localhost:5601"
    extra: dict[str, Any] = field(default_factory=dict)


SETTINGS_TYPES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "elasticsearch_url": (str, "a URL"),
    "index_prefix": (str, "a string"),
    "poll_interval_minutes": (int, "an integer"),
    "fetch_concurrency": (int, "an integer"),
    "per_host_concurrency": (int, "an integer"),
    "per_host_delay": ((int, float), "a number of seconds"),
    "connect_timeout": ((int, float), "a number of seconds"),
    "total_timeout": ((int, float), "a number of seconds"),
    "max_bytes": (int, "an integer"),
    "max_redirects": (int, "an integer"),
    "retries": (int, "an integer"),
    "allow_private": (list, "a list of CIDRs or host names"),
    "max_backoff_minutes": (int, "an integer"),
    "analyze": (bool, "true or false"),
    "entities": (str, "head or spacy"),
    "kibana_url": (str, "a URL"),
}

# Flat keys of newsmon.yaml that set a FetchPolicy field (the defaults live in FetchPolicy only).
FETCH_SETTINGS = {
    "fetch_concurrency": "concurrency",
    "per_host_concurrency": "per_host_concurrency",
    "per_host_delay": "per_host_delay",
    "connect_timeout": "connect_timeout",
    "total_timeout": "total_timeout",
    "max_bytes": "max_bytes",
    "max_redirects": "max_redirects",
    "retries": "retries",
    "allow_private": "allow_private",
}

ENV_OVERRIDES = {
    "ELASTICSEARCH_URL": "elasticsearch_url",
    "NEWSMON_INDEX_PREFIX": "index_prefix",
    "NEWSMON_KIBANA_URL": "kibana_url",
}


def parse_settings(data: Any, path: Path | str = "newsmon.yaml") -> Settings:
    """Validate the settings mapping; unknown keys are errors (they are usually typos)."""
    path = Path(path)
    data = data or {}
    if not isinstance(data, dict):
        raise ConfigError(path, None, "must be a mapping of setting: value")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("alerts", "smtp", "retention"):
            extra[key] = value
            continue
        if key not in SETTINGS_TYPES:
            raise ConfigError(path, str(key), "unknown setting")
        kind, what = SETTINGS_TYPES[key]
        values[key] = _typed(path, str(key), value, kind, what)
    if "allow_private" in values:
        values["allow_private"] = tuple(str(v) for v in values["allow_private"])
    for env, key in ENV_OVERRIDES.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    if os.environ.get("NEWSMON_ALLOW_PRIVATE"):
        values["allow_private"] = tuple(
            v.strip() for v in os.environ["NEWSMON_ALLOW_PRIVATE"].split(",") if v.strip()
        )
    fetch = {FETCH_SETTINGS[key]: values.pop(key) for key in list(values) if key in FETCH_SETTINGS}
    values["fetch"] = replace(FetchPolicy(), **fetch)
    check_url(path, "elasticsearch_url", values.get("elasticsearch_url", Settings.elasticsearch_url))
    prefix = values.get("index_prefix", Settings.index_prefix)
    if not prefix or prefix != prefix.lower() or any(c in prefix for c in ' "*\\<|,>/?'):
        raise ConfigError(path, "index_prefix", f"not a valid lower-case index prefix: {prefix!r}")
    if values.get("entities", "head") not in ("head", "spacy"):
        raise ConfigError(path, "entities", f"must be head or spacy, not {values['entities']!r}")
    return Settings(**values, extra=extra)


def load_settings(path: Path | None = None) -> Settings:
    """Load ``config/newsmon.yaml`` (or ``NEWSMON_SETTINGS``); defaults when it is absent."""
    path = path or Path(os.environ.get("NEWSMON_SETTINGS", config_dir() / "newsmon.yaml"))
    if not path.exists():
        return parse_settings({}, path)
    return parse_settings(load_yaml(path), path)
