"""Alert rules: load and validate ``config/alerts.yaml`` into ``Rule`` records.

Keywords are kept as typed (``Term``); pipeline.alerts.query turns them into safe Elasticsearch
queries with spelling variants. A bad rule is reported as one line naming the file, the rule
and the field; the other rules still load. This module checks what can be checked without
Elasticsearch; ``pipeline.alerts.search.check_rules`` then dry-runs every rule's searches against
the real indices (a rule Elasticsearch would refuse, or one too large for its clause limit, is
reported the same way and skipped).

Rule file format::

    defaults: {recipients: [desk@example.org], mode: immediate}
    rules:
      - name: ceasefire
        recipients: [analyst@example.org]
        query:
          keywords: {any: [ceasefire, truce], all: [], phrases: ["prisoner exchange"],
                     exclude: [football], fields: [title, text]}
          event_type: ceasefire        # structured filters (string or list)
          event_status: negated
          speaker: Medvedev
          source: [bbc.co.uk]
          raw: {match: {title: "..."}}  # escape hatch (a query over the articles index)
        mode: digest                     # immediate (default) | digest
        period: daily                    # digest period: hourly | daily | 30m | 2h
        throttle: 10m                    # immediate mode: at least this long between emails
        max_articles: 50                 # stories per email; the rest stay pending for next run
        enabled: false                   # skip the rule without deleting it
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

from pipeline.config import ConfigError, config_dir, load_yaml

RULE_FIELDS = {
    "name",
    "recipients",
    "query",
    "mode",
    "period",
    "throttle",
    "enabled",
    "description",
    "max_articles",
}
QUERY_FIELDS = {
    "keywords",
    "event_type",
    "event_status",
    "actor",
    "location",
    "country",
    "speaker",
    "source",
    "feed",
    "language",
    "raw",
}
KEYWORD_FIELDS = {"any", "all", "phrases", "exclude", "fields"}
# Structured filters: rule field -> field of the event / claim / article document
EVENT_FILTERS = {
    "event_type": "type",
    "event_status": "status",
    "actor": "actors",
    "location": "location",
    "country": "country",
}
CLAIM_FILTERS = {"speaker": "speaker"}
ARTICLE_FILTERS = {"source": "source", "feed": "feed", "language": "language"}
SEARCH_FIELDS = ("title", "text", "claims", "events")
DEFAULT_FIELDS = ("title", "text")
PERIODS = {"hourly": 60, "daily": 24 * 60, "weekly": 7 * 24 * 60}
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")


Fail = Callable[[str, str], NoReturn]


class DeliveryMode(StrEnum):
    """When a rule's stories are emailed: at once (optionally throttled) or as a periodic digest."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"


class RuleError(ConfigError):
    """One rule is invalid; the message names the file, the rule and the field."""


@dataclass(frozen=True)
class Term:
    """One keyword or phrase; ``exact`` (quoted) terms get no spelling variants."""

    text: str
    exact: bool = False

    @property
    def label(self) -> str:
        return f'"{self.text}"' if self.exact else self.text


@dataclass(frozen=True)
class Keywords:
    """Keyword part of a rule: any-of, all-of, exclusions, over chosen fields."""

    any: tuple[Term, ...] = ()
    all: tuple[Term, ...] = ()
    exclude: tuple[Term, ...] = ()
    fields: tuple[str, ...] = DEFAULT_FIELDS

    @property
    def positive(self) -> tuple[Term, ...]:
        return self.any + self.all

    def labels(self) -> list[str]:
        return [t.label for t in self.positive]


@dataclass(frozen=True)
class Rule:
    """A validated alert rule."""

    name: str
    recipients: tuple[str, ...]
    keywords: Keywords | None = None
    event: dict[str, tuple[str, ...]] = field(default_factory=dict)
    claim: dict[str, tuple[str, ...]] = field(default_factory=dict)
    article: dict[str, tuple[str, ...]] = field(default_factory=dict)
    raw: dict[str, Any] | None = None
    mode: DeliveryMode = DeliveryMode.IMMEDIATE
    period_minutes: int | None = None
    throttle_minutes: int | None = None
    max_articles: int = 50

    @property
    def structured(self) -> bool:
        return bool(self.event or self.claim)

    def describe(self) -> list[str]:
        """Human-readable criteria for emails and ``alerts test``."""
        parts = self.keywords.labels() if self.keywords else []
        for name, values in {**self.event, **self.claim, **self.article}.items():
            parts.append(f"{name}={'|'.join(values)}")
        if self.raw is not None:
            parts.append("raw query")
        return parts


# --------------------------------------------------------------------------- loading


def _strings(value: Any, where: str, fail: Fail) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        fail(where, "must be a string or a list of strings")
    items = tuple(str(v).strip() for v in value if str(v).strip())
    return items


def _term(raw: str, where: str, fail: Fail) -> Term:
    if raw.count('"') % 2:
        fail(where, f"unbalanced quotes in {raw!r}")
    text = raw.strip()
    exact = len(text) >= 2 and text.startswith('"') and text.endswith('"')
    text = text.strip('"').replace('"', " ").strip()
    if not re.search(r"\w", text):
        fail(where, f"keyword {raw!r} has no letters or digits")
    return Term(text, exact)


def _keywords(data: Any, fail: Fail) -> Keywords:
    where = "query.keywords"
    if isinstance(data, str | list):
        data = {"any": data}
    if not isinstance(data, dict):
        fail(where, "must be a mapping {any, all, phrases, exclude, fields} or a list")
    unknown = set(data) - KEYWORD_FIELDS
    if unknown:
        fail(f"{where}.{sorted(unknown)[0]}", f"unknown field (allowed: {sorted(KEYWORD_FIELDS)})")
    terms: dict[str, tuple[Term, ...]] = {}
    for key in ("any", "all", "phrases", "exclude"):
        raw = _strings(data.get(key) or [], f"{where}.{key}", fail)
        found = tuple(_term(r, f"{where}.{key}", fail) for r in raw)
        if key == "phrases":
            found = tuple(Term(t.text, True) for t in found)
        terms[key] = found
    if not (terms["any"] or terms["all"] or terms["phrases"]):
        fail(where, "empty: give at least one of any, all or phrases")
    fields = _strings(data.get("fields") or list(DEFAULT_FIELDS), f"{where}.fields", fail)
    bad = [f for f in fields if f not in SEARCH_FIELDS]
    if bad:
        fail(f"{where}.fields", f"unknown field {bad[0]!r} (allowed: {list(SEARCH_FIELDS)})")
    return Keywords(terms["any"] + terms["phrases"], terms["all"], terms["exclude"], fields)


def parse_duration(value: Any, where: str, fail: Fail) -> int:
    """Minutes from ``hourly``/``daily``/``weekly``, an int (minutes) or ``30m``/``2h``/``1d``."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        if value in PERIODS:
            return PERIODS[value]
        match = DURATION.match(value)
        if match and int(match.group(1)) > 0:
            unit = {"s": 1 / 60, "m": 1, "": 1, "h": 60, "d": 1440}[match.group(2)]
            return max(1, round(int(match.group(1)) * unit))
    fail(where, f"must be hourly, daily, weekly or a duration like 30m/2h, got {value!r}")


def _raw_query(value: Any, fail: Fail) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            fail("query.raw", f"not valid JSON: {exc.msg}")
    if not isinstance(value, dict) or len(value) != 1:
        fail("query.raw", "must be one Elasticsearch query object, e.g. {match: {title: x}}")
    if "query" in value and isinstance(value["query"], dict):
        value = value["query"]
    query: dict[str, Any] = value
    return query


def parse_rule(data: Any, index: int, path: Path | str, defaults: dict[str, Any]) -> Rule:
    """Validate one rule mapping; raises RuleError naming the file, rule and field."""
    label = f"rules[{index}]"
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        label = f"rule {data['name']!r}"

    def fail(where: str, message: str) -> NoReturn:
        raise RuleError(path, f"{label}: {where}" if where else label, message)

    if not isinstance(data, dict):
        fail("", "must be a mapping with name, recipients and query")
    data = {**defaults, **data}
    unknown = set(data) - RULE_FIELDS
    if unknown:
        fail(sorted(unknown)[0], f"unknown field (allowed: {sorted(RULE_FIELDS)})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        fail("name", "missing required field")
    recipients = _strings(data.get("recipients") or [], "recipients", fail)
    if not recipients:
        fail("recipients", "missing required field (a list of email addresses)")
    for address in recipients:
        if not EMAIL.match(address):
            fail("recipients", f"not an email address: {address!r}")
    query = data.get("query")
    if not isinstance(query, dict) or not query:
        fail("query", "missing: give keywords, structured filters or raw")
    unknown = set(query) - QUERY_FIELDS
    if unknown:
        fail(f"query.{sorted(unknown)[0]}", f"unknown field (allowed: {sorted(QUERY_FIELDS)})")
    keywords = _keywords(query["keywords"], fail) if "keywords" in query else None

    def pick(keys: dict[str, str]) -> dict[str, tuple[str, ...]]:
        out = {}
        for key, stored in keys.items():
            if key in query:
                values = _strings(query[key], f"query.{key}", fail)
                if not values:
                    fail(f"query.{key}", "empty")
                out[stored] = values
        return out

    event = pick(EVENT_FILTERS)
    claim = pick(CLAIM_FILTERS)
    article = pick(ARTICLE_FILTERS)
    raw = _raw_query(query["raw"], fail) if "raw" in query else None
    given = data.get("mode", "immediate")
    if given not in tuple(DeliveryMode):
        fail("mode", f"must be immediate or digest, got {given!r}")
    mode = DeliveryMode(given)
    period = data.get("period")
    if mode is DeliveryMode.DIGEST and period is None:
        period = "daily"
    period_minutes = parse_duration(period, "period", fail) if period is not None else None
    throttle = data.get("throttle")
    throttle_minutes = parse_duration(throttle, "throttle", fail) if throttle else None
    max_articles = data.get("max_articles", 50)
    if not isinstance(max_articles, int) or isinstance(max_articles, bool) or max_articles < 1:
        fail("max_articles", "must be a positive integer")
    return Rule(
        name.strip(),
        recipients,
        keywords,
        event,
        claim,
        article,
        raw,
        mode,
        period_minutes if mode is DeliveryMode.DIGEST else None,
        throttle_minutes,
        max_articles,
    )


def rules_path(path: Path | str | None = None) -> Path:
    """``--rules`` or ``NEWSMON_ALERTS`` or ``config/alerts.yaml``."""
    if path:
        return Path(path)
    env = os.environ.get("NEWSMON_ALERTS")
    return Path(env) if env is not None else config_dir() / "alerts.yaml"


def parse_rules(data: Any, path: Path | str = "alerts.yaml") -> tuple[list[Rule], list[str]]:
    """Every valid rule plus one error line per invalid one (file-level errors raise)."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ConfigError(path, "rules", "missing top-level 'rules' list")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(path, "defaults", "must be a mapping of rule fields")
    rules: list[Rule] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(data["rules"]):
        if isinstance(item, dict) and item.get("enabled", True) is False:
            continue
        try:
            rule = parse_rule(
                {k: v for k, v in (item or {}).items() if k != "enabled"} if isinstance(item, dict) else item,
                index,
                path,
                defaults,
            )
        except RuleError as exc:
            errors.append(str(exc))
            continue
        if rule.name in seen:
            errors.append(str(RuleError(path, f"rule {rule.name!r}", "duplicate rule name")))
            continue
        seen.add(rule.name)
        rules.append(rule)
    return rules, errors


def load_rules(path: Path | str | None = None) -> tuple[list[Rule], list[str]]:
    """Load and validate the rules file (no Elasticsearch): every valid rule plus one error
    line per invalid one. ``pipeline.alerts.search.check_rules`` then dry-runs them."""
    file = rules_path(path)
    return parse_rules(load_yaml(file), file)
