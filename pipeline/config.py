"""Load and validate newsmon's YAML configuration.

Contract: every loader returns validated values or raises :class:`ConfigError`, whose text is
ONE line naming the file (or ``environment``) and the field, e.g.
``config/newsmon.yaml: poll_interval_minutes: must be between 1 and 10080, not 0``, so a typo is
fixed in seconds instead of surfacing as a crash or a silent misbehaviour mid-cycle. This covers:

- files that are missing, unreadable, not UTF-8, not YAML (with the line YAML reports) or not a
  mapping at the top: :func:`load_yaml`, used for newsmon.yaml, feeds.yaml and alerts.yaml;
- unknown keys (usually typos), wrong types, and numbers outside their range or not finite:
  every numeric setting has a (kind, min, max) row in :data:`SETTINGS` or :data:`BLOCKS`; bools
  are not numbers (``retries: true`` is an error), ``.nan`` and ``.inf`` are refused, an
  integral float (``5.0e+6``) is accepted for an integer key;
- environment overrides (:data:`ENV_OVERRIDES`, :data:`ENV_CHECKED`), parsed from their text and
  checked by the same rows, reported as ``environment: VARIABLE: ...``.

A compact table rather than a schema library (pydantic is installed, through Airflow): the
fetch defaults must keep living in ``FetchPolicy`` only, the keys are flat and few, and the
table gives these exact one-line messages without translating another library's error list.

Secrets never live here: credentials come from the environment (or Airflow connections).
"""

from __future__ import annotations

import codecs
import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from pipeline.fetch.result import FetchPolicy

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = REPO_ROOT / "config"
ENVIRONMENT = "environment"  # the "file" named by errors in environment variables


class ConfigError(ValueError):
    """A configuration file is missing, unparsable, or has a bad field (always one line)."""

    def __init__(self, path: Path | str, field_name: str | None, message: str) -> None:
        where = f"{path}: {field_name}" if field_name else str(path)
        super().__init__(" ".join(f"{where}: {message}".splitlines()))
        self.path = str(path)
        self.field = field_name


def config_dir() -> Path:
    """The config folder: ``NEWSMON_CONFIG_DIR`` or the repository's ``config/``."""
    return Path(os.environ.get("NEWSMON_CONFIG_DIR", DEFAULT_CONFIG_DIR))


def describe(value: Any) -> str:
    """A value as YAML users think of it, short and on one line (for error messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        shown = repr(value)
        return f"a string ({shown if len(shown) <= 60 else shown[:57] + '...'})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _number(value: float) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML file whose top level is a mapping (an empty file is ``{}``).

    I/O errors, bytes that are not UTF-8, YAML syntax errors and a top level that is not a
    mapping all raise a one-line :class:`ConfigError` naming the file (and the line when known).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            path, None, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line} (save it as UTF-8)"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise ConfigError(path, None, f"invalid YAML{at}: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigError(
            path, None, f"invalid YAML at line {line}: unacceptable character #x{exc.character:04x}"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ConfigError(path, None, "invalid YAML: nested too deeply") from None
    except (ValueError, OverflowError) as exc:  # a timestamp like 2024-13-01 fails in datetime()
        raise ConfigError(path, None, f"invalid YAML value: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(path, None, f"must be a mapping of key: value at the top, not {describe(data)}")
    return data


def check_url(path: Path | str, field_name: str, value: Any) -> str:
    """Accept only absolute http(s) URLs with a host."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, field_name, "must be a non-empty URL string")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(path, field_name, f"not an http(s) URL: {value!r}")
    return value.strip()


# --------------------------------------------------------------------------- value checks


@dataclass(frozen=True)
class Range:
    """A numeric setting: ``int`` (whole numbers) or ``float`` (any finite number) in
    [``low``, ``high``]; ``above=True`` excludes ``low`` (a timeout must be > 0)."""

    kind: type[int] | type[float]
    low: float
    high: float
    above: bool = False

    def bounds(self) -> str:
        low, high = _number(self.low), _number(self.high)
        return f"greater than {low} and at most {high}" if self.above else f"between {low} and {high}"

    def check(self, path: Path | str, name: str, value: Any) -> int | float:
        """The value as ``kind``, or a ConfigError naming ``path`` and ``name``."""
        what = "an integer" if self.kind is int else "a number"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(path, name, f"must be {what} {self.bounds()}, not {describe(value)}")
        if not math.isfinite(value):
            raise ConfigError(path, name, f"must be a finite number {self.bounds()}, not {value}")
        if self.kind is int and isinstance(value, float) and not value.is_integer():
            raise ConfigError(path, name, f"must be {what} {self.bounds()}, not {value}")
        number = int(value) if self.kind is int else float(value)
        if number < self.low or number > self.high or (self.above and number <= self.low):
            raise ConfigError(path, name, f"must be {self.bounds()}, not {_number(number)}")
        return number

    def parse(self, path: Path | str, name: str, text: str) -> int | float:
        """An environment variable's text, parsed then checked like a YAML value."""
        try:
            value: float = int(text.strip()) if self.kind is int else float(text.strip())
        except ValueError:
            what = "an integer" if self.kind is int else "a number"
            raise ConfigError(path, name, f"must be {what} {self.bounds()}, not {text!r}") from None
        return self.check(path, name, value)


def env_number(name: str, default: int, low: int, high: int) -> int:
    """An integer from the environment (unset or empty: ``default``), range-checked.

    For the scheduler's knobs read when the DAG files load (``NEWSMON_FEEDS_PER_TASK`` ...):
    a bad value is one ConfigError line naming the variable, shown as the DAG's import error.
    """
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    return int(Range(int, low, high).parse(ENVIRONMENT, name, text))


@dataclass(frozen=True)
class Kind:
    """A non-numeric setting: its type, how to name it, and an optional further check."""

    kind: type
    what: str
    then: Callable[[Path | str, str, Any], Any] | None = None

    def check(self, path: Path | str, name: str, value: Any) -> Any:
        """The (possibly normalised) value, or a ConfigError naming ``path`` and ``name``."""
        if not isinstance(value, self.kind) or isinstance(value, bool) and self.kind is not bool:
            raise ConfigError(path, name, f"must be {self.what}, not {describe(value)}")
        return self.then(path, name, value) if self.then else value

    def parse(self, path: Path | str, name: str, text: str) -> Any:
        """An environment variable's text (a list is comma-separated), then :meth:`check`."""
        if self.kind is list:
            return self.check(path, name, [v.strip() for v in text.split(",") if v.strip()])
        return self.check(path, name, text.strip())


def _index_prefix(path: Path | str, name: str, prefix: str) -> str:
    if not prefix or prefix != prefix.lower() or any(c in prefix for c in ' "*\\<|,>/?#:'):
        raise ConfigError(path, name, f"not a valid lower-case index prefix: {prefix!r}")
    if prefix[0] in "-_+" or len(prefix) > 200:
        raise ConfigError(path, name, f"not a valid lower-case index prefix: {prefix!r}")
    return prefix


def _entities(path: Path | str, name: str, value: str) -> str:
    if value not in ("head", "spacy"):
        raise ConfigError(path, name, f"must be head or spacy, not {value!r}")
    return value


HOST_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?")


def _allow_private(path: Path | str, name: str, entries: list[Any]) -> tuple[str, ...]:
    """Each entry a CIDR, an IP address or a host name (a mistyped CIDR is not a host name)."""
    checked: list[str] = []
    for i, item in enumerate(entries):
        where = f"{name}[{i}]"
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(path, where, f"must be a CIDR or a host name, not {describe(item)}")
        entry = item.strip()
        bare = entry.strip("[]")
        if "/" in bare or ":" in bare or all(c.isdigit() or c == "." for c in bare):
            try:
                ipaddress.ip_network(bare, strict=False)
            except ValueError:
                raise ConfigError(path, where, f"not a valid IP address or CIDR: {entry!r}") from None
        elif not HOST_NAME.fullmatch(entry):
            raise ConfigError(path, where, f"not a valid host name: {entry!r}")
        checked.append(entry)
    return tuple(checked)


Check = Range | Kind
BOOL = Kind(bool, "true or false")

# Every top-level key of newsmon.yaml, with its type and range (documented in newsmon.yaml).
SETTINGS: dict[str, Check] = {
    "elasticsearch_url": Kind(str, "an http(s) URL", check_url),
    # number_of_replicas of every index newsmon creates: 0 for one node, 1 for a cluster
    "elasticsearch_replicas": Range(int, 0, 16),
    "index_prefix": Kind(str, "a lower-case index prefix", _index_prefix),
    "poll_interval_minutes": Range(int, 1, 10_080),  # 1 minute .. 1 week
    "fetch_concurrency": Range(int, 1, 256),
    "per_host_concurrency": Range(int, 1, 64),
    "per_host_delay": Range(float, 0, 60),  # seconds
    "connect_timeout": Range(float, 0, 300, above=True),  # seconds
    "total_timeout": Range(float, 0, 3_600, above=True),  # seconds
    "max_bytes": Range(int, 1_024, 1_000_000_000),  # 1 KB .. 1 GB
    "max_redirects": Range(int, 0, 20),
    "retries": Range(int, 0, 10),
    "allow_private": Kind(list, "a list of CIDRs or host names", _allow_private),
    "max_backoff_minutes": Range(int, 1, 43_200),  # 1 minute .. 30 days
    "analyze": BOOL,
    "entities": Kind(str, "head or spacy", _entities),
    "kibana_url": Kind(str, "an http(s) URL", check_url),
    "workers": Range(int, 0, 64),  # processes for page text and claims/events; 0 = one per core
    "chunk_size": Range(int, 1, 10_000),  # entries per chunk in flight (memory ~ chunk, not backlog)
    "page_timeout": Range(float, 0, 600, above=True),  # seconds of HTML -> text per page
}

# Sections of newsmon.yaml kept as mappings in ``Settings.extra`` (read by alerts/ and the DAGs).
BLOCKS: dict[str, dict[str, Check]] = {
    "alerts": {
        "lookback_hours": Range(float, 0, 8_760),  # first run of a rule; up to a year
        "overlap_seconds": Range(float, 0, 3_600),
        # a claim on an alert record; > 2x the 10 s SMTP timeout, since it is renewed at half
        "lease_seconds": Range(float, 30, 86_400),
        "search_timeout_seconds": Range(float, 0, 600, above=True),  # each alert search gives up then
    },
    "smtp": {
        "host": Kind(str, "a host name"),
        "port": Range(int, 1, 65_535),
        "starttls": BOOL,
        "ssl": BOOL,
        "from": Kind(str, "an email address"),
    },
    "retention": {
        "months": Range(int, 1, 1_200),
    },
}
SECRET_KEYS = {"user", "username", "password", "api_key", "token"}
DEFAULT_RETENTION_MONTHS = 12

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

# Environment variables overriding a setting ("block.key" for a section's key); empty = unset.
ENV_OVERRIDES = {
    "ELASTICSEARCH_URL": "elasticsearch_url",
    "NEWSMON_INDEX_PREFIX": "index_prefix",
    "NEWSMON_ES_REPLICAS": "elasticsearch_replicas",
    "NEWSMON_KIBANA_URL": "kibana_url",
    "NEWSMON_ALLOW_PRIVATE": "allow_private",  # comma-separated
    "NEWSMON_RETENTION_MONTHS": "retention.months",
}
# Read elsewhere (pipeline.alerts.mail) but checked at load, so a typo fails with one line.
ENV_CHECKED: dict[str, Check] = {
    "NEWSMON_SMTP_PORT": BLOCKS["smtp"]["port"],
}


# --------------------------------------------------------------------------- feeds


@dataclass(frozen=True)
class FeedSpec:
    """One feed to watch, as written in ``config/feeds.yaml``."""

    url: str
    name: str
    tags: tuple[str, ...] = ()
    language: str | None = None
    interval_minutes: int | None = None


FEED_FIELDS = {"url", "name", "tags", "language", "interval", "interval_minutes"}
FEED_INTERVAL = Range(int, 1, 10_080)  # minutes, like poll_interval_minutes


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
        unknown = {str(k) for k in item} - FEED_FIELDS
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
        if interval is not None:
            interval = int(FEED_INTERVAL.check(path, f"{where}.interval", interval))
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


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """Runtime settings from ``config/newsmon.yaml``, overridable by environment variables.

    ``extra`` holds the validated ``alerts``, ``smtp`` and ``retention`` sections (only those
    present), each a mapping of the keys in :data:`BLOCKS`.
    """

    elasticsearch_url: str = "http://127.0.0.1:9200"
    elasticsearch_replicas: int = 0  # number_of_replicas of every index (1 on a cluster)
    index_prefix: str = "newsmon"
    poll_interval_minutes: int = 15
    fetch: FetchPolicy = field(default_factory=FetchPolicy)  # from the FETCH_SETTINGS keys
    max_backoff_minutes: int = 24 * 60
    analyze: bool = True
    entities: str = "head"
    kibana_url: str = "http://localhost:5601"
    workers: int = 0  # 0: one worker process per core
    chunk_size: int = 50
    page_timeout: float = 10.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def retention_months(self) -> int:
        """Months of monthly indices kept: ``retention.months`` or ``NEWSMON_RETENTION_MONTHS``."""
        section = self.extra.get("retention") or {}
        return int(section.get("months", DEFAULT_RETENTION_MONTHS))


def _section(path: Path, name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(path, name, f"must be a mapping of setting: value, not {describe(value)}")
    checks = BLOCKS[name]
    section: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{name}.{key}"
        if key not in checks:
            hint = " (secrets come from the environment only)" if str(key).lower() in SECRET_KEYS else ""
            raise ConfigError(path, where, f"unknown setting{hint}")
        section[key] = checks[key].check(path, where, item)
    return section


def parse_settings(
    data: Any, path: Path | str = "newsmon.yaml", environ: Mapping[str, str] | None = None
) -> Settings:
    """Validate the settings mapping, then the environment overrides (``environ``, default
    ``os.environ``) with the same checks; unknown keys are errors (they are usually typos)."""
    path = Path(path)
    env = os.environ if environ is None else environ
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError(path, None, f"must be a mapping of setting: value, not {describe(data)}")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key)
        if name in BLOCKS:
            extra[name] = _section(path, name, value)
        elif name in SETTINGS:
            values[name] = SETTINGS[name].check(path, name, value)
        else:
            raise ConfigError(path, name, "unknown setting")
    for var, key in ENV_OVERRIDES.items():
        text = env.get(var)
        if not text:
            continue
        block, _, sub = key.partition(".")
        if sub:
            value = BLOCKS[block][sub].parse(ENVIRONMENT, var, text)
            extra[block] = {**extra.get(block, {}), sub: value}
        else:
            values[key] = SETTINGS[key].parse(ENVIRONMENT, var, text)
    for var, check in ENV_CHECKED.items():
        if env.get(var):
            check.parse(ENVIRONMENT, var, env[var])
    fetch = {FETCH_SETTINGS[key]: values.pop(key) for key in list(values) if key in FETCH_SETTINGS}
    values["fetch"] = replace(FetchPolicy(), **fetch)
    return Settings(**values, extra=extra)


def load_settings(path: Path | None = None) -> Settings:
    """Load ``path``, else ``NEWSMON_SETTINGS``, else ``config/newsmon.yaml``.

    Only the default file may be absent (then the defaults apply); a file named explicitly
    must exist, so a mistyped ``--settings`` or ``NEWSMON_SETTINGS`` is an error, not defaults.
    """
    named = path or (Path(os.environ["NEWSMON_SETTINGS"]) if os.environ.get("NEWSMON_SETTINGS") else None)
    path = named or config_dir() / "newsmon.yaml"
    if named is None and not path.exists():
        return parse_settings({}, path)
    return parse_settings(load_yaml(path), path)
