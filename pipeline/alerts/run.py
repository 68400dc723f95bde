"""Evaluate alert rules and deliver at most one email per (rule, story), never losing one.

This module runs the loop; the parts live beside it: ``search`` (step 2), ``stories`` (3),
``state`` (checkpoints and the records of 4-5), ``mail`` (composing and sending).

Per rule and run:

1. Window: articles with ``indexed_at`` in (checkpoint - overlap, now]. The checkpoint lives in
   the alert-state index and moves only after the rule's email was accepted (or when there was
   nothing to send). The small overlap catches articles that became searchable late (refresh);
   the history index makes the overlap harmless.
2. Match: keyword query (+ article filters, raw query); structured filters query the claims and
   events indices for the candidates' ids; highlights give the snippets.
3. Story: same canonical URL, or near-identical text (SimHash bands as candidates, then
   Hamming distance); the story key is the canonical URL of its earliest article, so a copy
   that arrives later maps to the story already alerted.
4. Record: one history document per (rule, story), id = hash(rule, story), written with
   ``create`` as ``pending`` BEFORE any email leaves; a re-run gets 409 and never alerts twice.
5. Send one email with every pending story of the rule (a digest period or throttle may hold
   them back, still pending), then mark them ``sent`` and advance the checkpoint. SMTP
   failure: they stay ``pending`` (attempts, last_error) and are retried next run.

All rules' searches go in one ``_msearch`` and all records in one bulk ``create``; "sent"
marks are written in bulk every MARK_EVERY emails and at the end of the run.

Crash window: if the process dies after the SMTP server accepted a message and before its
records are marked ``sent`` (at most MARK_EVERY emails), the next run sends those stories
again (at-least-once). Nothing is ever lost: every story is recorded before any send. One
alert runner per prefix is assumed (the watch loop or the Airflow DAG, not both at once).

Settings (``alerts:`` in newsmon.yaml): ``lookback_hours`` (first run of a rule, default 24),
``overlap_seconds`` (default 120).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

from elasticsearch import Elasticsearch

from pipeline.alerts.mail import (
    DeliveryError,
    Transport,
    compose,
    kibana_link,
    mail_from,
    transport_from_settings,
)
from pipeline.alerts.rules import DeliveryMode, Rule, load_rules
from pipeline.alerts.search import Plan, find_all, find_matches, iso, plan_search
from pipeline.alerts.state import (
    AlertRecord,
    AlertStatus,
    confirmed_pending,
    create_records,
    load_states,
    mark,
    parse_time,
    pending_ids,
    save_states,
)
from pipeline.alerts.stories import Story, StoryKeys, group_stories, story_keys
from pipeline.config import ConfigError, Settings
from pipeline.store.elastic import Indices, ensure_monthly_index, ensure_templates

log = logging.getLogger(__name__)
MARK_EVERY = 20  # sent emails whose records are marked "sent" in one bulk (crash window)


@dataclass(frozen=True)
class AlertOptions:
    """Tunables from the ``alerts`` section of newsmon.yaml."""

    lookback_hours: float = 24.0
    overlap_seconds: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertOptions:
        section = (settings.extra or {}).get("alerts") or {}
        if not isinstance(section, dict):
            raise ConfigError("newsmon.yaml", "alerts", "must be a mapping")
        values = {}
        for key in ("lookback_hours", "overlap_seconds"):
            if key in section:
                value = section[key]
                if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                    raise ConfigError("newsmon.yaml", f"alerts.{key}", "must be a number >= 0")
                values[key] = float(value)
        return cls(**values)


@dataclass
class RuleResult:
    """What one rule did in one run."""

    rule: str
    matches: int = 0
    stories: int = 0
    new: int = 0
    sent: int = 0
    emails: int = 0
    pending: int = 0
    held: bool = False
    error: str | None = None


class RunSummary(TypedDict):
    """What ``run_alerts_once`` returns (a plain dict: the DAG hands it to XCom)."""

    rules: int
    rule_errors: list[str]
    matches: int
    stories: int
    new_alerts: int
    sent: int
    emails: int
    pending: int
    held: list[str]
    failed: dict[str, str]
    seconds: float


@dataclass
class RunContext:
    """Everything a run needs, plus the writes it batches."""

    es: Elasticsearch
    indices: Indices
    settings: Settings
    transport: Transport | None
    options: AlertOptions
    now: datetime
    story_cache: StoryKeys = field(default_factory=dict)
    sender: str | None = None
    sent: list[tuple[list[AlertRecord], str]] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)

    def save(self, rule: str, **values: Any) -> None:
        """Queue a checkpoint update (written by flush, after the records it depends on)."""
        self.states.setdefault(rule, {}).update(values, last_run_at=iso(self.now))

    def flush(self) -> None:
        """Mark queued sends as sent (one bulk), then write the queued checkpoints."""
        sent_at = {r.alert_id: {"sent_at": stamp} for records, stamp in self.sent for r in records}
        mark(
            self.es,
            self.indices,
            [r for records, _ in self.sent for r in records],
            {"status": AlertStatus.SENT.value, "last_error": None},
            per_record=sent_at,
        )
        self.sent.clear()
        if self.states:
            save_states(self.es, self.indices, self.states)
            self.states.clear()


def window(rule: Rule, state: dict[str, Any], ctx: RunContext) -> tuple[datetime, datetime]:
    """(since, until): from the checkpoint minus the overlap, or the first-run lookback."""
    checkpoint = parse_time(state.get("checkpoint"))
    if checkpoint is None:
        return ctx.now - timedelta(hours=ctx.options.lookback_hours), ctx.now
    return checkpoint - timedelta(seconds=ctx.options.overlap_seconds), ctx.now


def held_back(rule: Rule, state: dict[str, Any], now: datetime) -> bool:
    """Digest period or throttle not yet over since the last email."""
    minutes = rule.period_minutes if rule.mode is DeliveryMode.DIGEST else rule.throttle_minutes
    last = parse_time(state.get("last_sent_at"))
    return bool(minutes and last and now - last < timedelta(minutes=minutes))


def evaluate(rule: Rule, state: dict[str, Any], ctx: RunContext) -> tuple[list[Story], datetime]:
    """Stories matching now (no writes)."""
    since, until = window(rule, state, ctx)
    matches = find_matches(ctx.es, ctx.indices, rule, since, until)
    story_keys(ctx.es, ctx.indices, [m.doc for m in matches], ctx.story_cache)
    return group_stories(matches, ctx.story_cache), until


def deliver(rule: Rule, records: list[AlertRecord], ctx: RunContext) -> None:
    """Compose and send one email for ``records``; raises DeliveryError."""
    if ctx.transport is None:
        raise DeliveryError("no mail transport configured")
    ids = [a for r in records for a in (r.article_ids or [r.article_id])]
    link = kibana_link(ctx.settings.kibana_url, ctx.indices.articles, ids)
    message = compose(
        rule.name,
        rule.describe(),
        rule.recipients,
        [r.to_doc() for r in records],
        ctx.sender or mail_from(ctx.settings),
        link,
        digest=rule.mode is DeliveryMode.DIGEST,
    )
    ctx.transport.send(message)


def send_rule(
    rule: Rule,
    state: dict[str, Any],
    until: datetime,
    pending: list[AlertRecord],
    complete: bool,
    ctx: RunContext,
    result: RuleResult,
) -> None:
    """Send the rule's pending stories (all already recorded) and queue its checkpoint.

    ``complete`` is False when some of this run's stories could not be recorded: the
    checkpoint then stays, so they are found again next run.
    """
    result.pending = len(pending)
    if not pending:
        if complete:
            ctx.save(rule.name, checkpoint=iso(until))
        return
    if held_back(rule, state, ctx.now):
        result.held = True
        ctx.save(rule.name)
        return
    batch = pending[: rule.max_articles]
    try:
        deliver(rule, batch, ctx)
    except DeliveryError as exc:
        result.error = str(exc)
        mark(ctx.es, ctx.indices, batch, {"last_error": str(exc)[:1000], "last_attempt_at": iso(ctx.now)})
        ctx.save(rule.name)
        return
    sent_at = iso(datetime.now(UTC))
    ctx.sent.append((batch, sent_at))
    values = {"last_sent_at": sent_at}
    if complete:
        values["checkpoint"] = iso(until)
    ctx.save(rule.name, **values)
    result.sent, result.emails, result.pending = len(batch), 1, len(pending) - len(batch)
    if len(ctx.sent) >= MARK_EVERY:
        ctx.flush()


def load_checked_rules(
    es: Elasticsearch,
    indices: Indices,
    rules_path: Path | str | None = None,
) -> tuple[list[Rule], list[str]]:
    """Rules with raw queries dry-run against the articles index (created if still absent)."""
    ensure_monthly_index(es, indices.write_index("articles"))
    return load_rules(rules_path, es=es, index=indices.articles)


def _plans(
    rules: list[Rule], states: dict[str, dict[str, Any]], ctx: RunContext, results: dict[str, RuleResult]
) -> tuple[list[Plan], dict[str, datetime]]:
    plans: list[Plan] = []
    untils: dict[str, datetime] = {}
    for rule in rules:
        since, untils[rule.name] = window(rule, states.get(rule.name, {}), ctx)
        try:
            plans.append(plan_search(ctx.es, ctx.indices, rule, since, untils[rule.name]))
        except Exception as exc:  # noqa: BLE001 - one rule's failure must not stop the rest
            log.exception("alert rule %s failed", rule.name)
            results[rule.name].error = f"{type(exc).__name__}: {exc}"
    return plans, untils


def run_alerts_once(
    es: Elasticsearch,
    indices: Indices,
    settings: Settings,
    rules_path: Path | str | None = None,
    transport: Transport | None = None,
    rules: list[Rule] | None = None,
    sender: str | None = None,
) -> RunSummary:
    """Evaluate every rule once and send; one bad rule or failed send never stops the others.

    ``transport`` defaults to SMTP from NEWSMON_SMTP_* or the file outbox; ``sender`` (the
    From address) to NEWSMON_MAIL_FROM; ``rules`` (already loaded) skips the rules file.

    Searches of all rules go in one _msearch, all new history records in one bulk ``create``
    (so every story is recorded as pending before any email leaves), then one email per rule.
    """
    started = time.perf_counter()
    ensure_templates(es, indices)
    errors: list[str] = []
    if rules is None:
        rules, errors = load_checked_rules(es, indices, rules_path)
    for error in errors:
        log.error("alert rule skipped: %s", error)
    ctx = RunContext(
        es,
        indices,
        settings,
        transport or transport_from_settings(settings),
        AlertOptions.from_settings(settings),
        datetime.now(UTC),
        sender=sender,
    )
    states = load_states(es, indices, [r.name for r in rules])
    earlier = pending_ids(es, indices)
    results = {r.name: RuleResult(r.name) for r in rules}
    plans, untils = _plans(rules, states, ctx, results)
    found = find_all(es, indices, plans)
    story_keys(
        es, indices, [m.doc for v in found.values() if isinstance(v, list) for m in v], ctx.story_cache
    )
    records: dict[str, list[AlertRecord]] = {}
    for rule in rules:
        value = found.get(rule.name)
        if isinstance(value, Exception):
            results[rule.name].error = f"{type(value).__name__}: {value}"
        elif value is not None:
            stories = group_stories(value, ctx.story_cache)
            results[rule.name].matches = len(value)
            results[rule.name].stories = len(stories)
            records[rule.name] = [s.record(rule, ctx.now) for s in stories]
    created, existing, failed = create_records(es, indices, [r for items in records.values() for r in items])
    new = set(created)
    waiting = confirmed_pending(
        es, indices, existing + [i for name in records for i in earlier.get(name, []) if i not in new]
    )
    for rule in rules:
        if rule.name not in records:
            continue
        result = results[rule.name]
        mine = [r for r in records[rule.name] if r.alert_id in new]
        result.new = len(mine)
        pending = sorted(mine + [r for r in waiting if r.rule == rule.name], key=AlertRecord.order)
        lost = [failed[r.alert_id] for r in records[rule.name] if r.alert_id in failed]
        if lost:
            result.error = f"could not record {len(lost)} alerts: {lost[0]}"
        try:
            send_rule(rule, states.get(rule.name, {}), untils[rule.name], pending, not lost, ctx, result)
        except Exception as exc:  # noqa: BLE001 - one rule's failure must not stop the rest
            log.exception("alert rule %s failed", rule.name)
            result.error = f"{type(exc).__name__}: {exc}"
    ctx.flush()
    done = list(results.values())
    return {
        "rules": len(rules),
        "rule_errors": errors,
        "matches": sum(r.matches for r in done),
        "stories": sum(r.stories for r in done),
        "new_alerts": sum(r.new for r in done),
        "sent": sum(r.sent for r in done),
        "emails": sum(r.emails for r in done),
        "pending": sum(r.pending for r in done),
        "held": [r.rule for r in done if r.held],
        "failed": {r.rule: r.error for r in done if r.error},
        "seconds": round(time.perf_counter() - started, 3),
    }


@dataclass
class RulePreview:
    """What a rule matches now (``alerts test``): its window and each story's alert record
    with the stored status of that record, or ``"new"`` when it has none yet."""

    rule: Rule
    since: datetime
    until: datetime
    stories: list[tuple[str, AlertRecord]]


def preview_rule(
    es: Elasticsearch,
    indices: Indices,
    settings: Settings,
    rule: Rule,
) -> RulePreview:
    """Evaluate ``rule`` now: no record, no send, no checkpoint change."""
    ctx = RunContext(es, indices, settings, None, AlertOptions.from_settings(settings), datetime.now(UTC))
    state = load_states(es, indices, [rule.name]).get(rule.name, {})
    stories, _until = evaluate(rule, state, ctx)
    records = [s.record(rule, ctx.now) for s in stories]
    ids = [r.alert_id for r in records]
    known = {
        d["_id"]: d.get("_source", {}).get("status")
        for d in (es.mget(index=indices.alerts, ids=ids)["docs"] if ids else [])
        if d.get("found")
    }
    since, until = window(rule, state, ctx)
    return RulePreview(rule, since, until, [(str(known.get(r.alert_id, "new")), r) for r in records])
