"""Evaluate alert rules and deliver at most one email per (rule, story), never losing one.

This module runs the loop; the parts live beside it: ``search`` (step 2), ``stories`` (3),
``state`` (checkpoints and the records of 4-6), ``mail`` (composing and sending).

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
   ``create`` as ``pending`` BEFORE any email leaves; a re-run gets 409 and never records a
   story twice.
5. Claim: the run claims the records it is about to send (each rule's pending stories, up to
   ``max_articles``, unless a digest period or throttle holds the rule back): one bulk of
   conditional updates (``if_seq_no``/``if_primary_term`` of the version it read) setting
   ``status: sending``, ``claimed_by`` (this run's id) and ``lease_until``. Elasticsearch
   applies only one of several concurrent updates of the same version, so of any number of
   runners exactly one holds a given record; the others see 409 and skip it. Records found
   ``sending`` under a live lease belong to another runner and are skipped too.
6. Send one email per rule with the records it holds, then mark them ``sent`` (conditional on
   its claim) and advance the checkpoint. SMTP failure: the records go back to ``pending``
   (attempts, last_error) and are retried next run. Before each email the lease is checked:
   with less than half of it left, the queued "sent" marks are written and the lease of every
   record still held is renewed (conditionally: a record taken over meanwhile is dropped).

All rules' searches go in one ``_msearch``, all records in one bulk ``create``, all claims in
one bulk update; "sent" marks are written in bulk every MARK_EVERY emails and at the end of the
run. Records still held when a run ends without sending them (a rule failed, or the run is
interrupted by an exception) are released to ``pending`` at once, best effort.

Crash window: if the process dies after the SMTP server accepted a message and before its
records are marked ``sent`` (at most MARK_EVERY emails), those records stay ``sending`` until
their lease runs out; the first run after that claims and sends them again (at-least-once, the
same window as before claims existed). A process that dies holding records it never sent
delays them by at most the lease. Nothing is ever lost: every story is recorded before any
send, and an expired lease makes a record claimable again. Any number of runners may share a
prefix (``watch``, the Airflow DAG and a manual ``alerts run`` at once): each (rule, story) is
emailed once, provided a runner's claim-to-mark time stays under the lease (it renews at half
of it, so one email must take less than half the lease) and the runners' clocks agree to
within a few seconds. Concurrent runners may split one rule's stories over two emails, and a
digest or throttle is checked against the state each runner read at its start.

Settings (``alerts:`` in newsmon.yaml): ``lookback_hours`` (first run of a rule, default 24),
``overlap_seconds`` (default 120), ``lease_seconds`` (how long a claim holds, default 300),
``search_timeout_seconds`` (each alert search, default 10: a timed-out rule reports an error).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
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
from pipeline.alerts.rules import rules_path as rules_file
from pipeline.alerts.search import SEARCH_TIMEOUT, Plan, check_rules, find_all, find_matches, iso, plan_search
from pipeline.alerts.state import (
    AlertRecord,
    AlertStatus,
    Version,
    claim,
    claimable,
    conditional_update,
    create_records,
    load_states,
    mark,
    parse_time,
    pending_ids,
    renew,
    save_states,
)
from pipeline.alerts.stories import Story, StoryKeys, group_stories, story_keys
from pipeline.config import ConfigError, Settings
from pipeline.store.elastic import Indices, ensure_monthly_index, ensure_templates

log = logging.getLogger(__name__)
MARK_EVERY = 20  # sent emails whose records are marked "sent" in one bulk (crash window)
RELEASED = {"status": AlertStatus.PENDING.value, "claimed_by": None, "lease_until": None}


def runner_id() -> str:
    """This run's id in ``claimed_by``: host, process and a random part (unique per run)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class AlertOptions:
    """Tunables from the ``alerts`` section of newsmon.yaml."""

    lookback_hours: float = 24.0
    overlap_seconds: float = 120.0
    lease_seconds: float = 300.0
    search_timeout_seconds: float = SEARCH_TIMEOUT

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertOptions:
        section = (settings.extra or {}).get("alerts") or {}
        if not isinstance(section, dict):
            raise ConfigError("newsmon.yaml", "alerts", "must be a mapping")
        values = {}
        for key, least, strict in (
            ("lookback_hours", 0, False),
            ("overlap_seconds", 0, False),
            ("lease_seconds", 0, True),
            ("search_timeout_seconds", 0, True),
        ):
            if key in section:
                value = section[key]
                if (
                    not isinstance(value, int | float)
                    or isinstance(value, bool)
                    or not math.isfinite(value)
                    or value < least
                    or (strict and value == least)
                ):
                    bound = f"> {least}" if strict else f">= {least}"
                    raise ConfigError("newsmon.yaml", f"alerts.{key}", f"must be a number {bound}")
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
    elsewhere: int = 0
    held: bool = False
    error: str | None = None


class RunSummary(TypedDict):
    """What ``run_alerts_once`` returns (a plain dict: the DAG hands it to XCom).

    ``elsewhere``: stories left to another runner (it held them, or claimed them first)."""

    rules: int
    rule_errors: list[str]
    matches: int
    stories: int
    new_alerts: int
    sent: int
    emails: int
    pending: int
    elsewhere: int
    held: list[str]
    failed: dict[str, str]
    seconds: float


@dataclass
class RunContext:
    """Everything a run needs, the claims it holds, and the writes it batches.

    ``claims``: alert id -> version of every record this run holds (claimed, not yet marked
    ``sent`` or released); ``lease_until``: when those claims run out."""

    es: Elasticsearch
    indices: Indices
    settings: Settings
    transport: Transport | None
    options: AlertOptions
    now: datetime
    story_cache: StoryKeys = field(default_factory=dict)
    sender: str | None = None
    runner: str = field(default_factory=runner_id)
    claims: dict[str, Version] = field(default_factory=dict)
    lease_until: datetime | None = None
    sent: list[tuple[list[AlertRecord], str]] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.options.lease_seconds)

    def save(self, rule: str, **values: Any) -> None:
        """Queue a checkpoint update (written by flush, after the records it depends on)."""
        self.states.setdefault(rule, {}).update(values, last_run_at=iso(self.now))

    def claim(self, versions: Mapping[str, Version]) -> None:
        """Claim the records at ``versions`` (one bulk); ``claims`` gets those won."""
        if not versions:
            return
        now = datetime.now(UTC)
        self.lease_until = now + self.lease
        self.claims.update(claim(self.es, self.indices, versions, self.runner, now, self.lease_until))

    def keep_lease(self) -> None:
        """Before an email: with less than half the lease left, write the queued "sent" marks
        and renew the lease of every record still held (those taken over are dropped)."""
        now = datetime.now(UTC)
        if not self.claims or self.lease_until is None or self.lease_until - now > self.lease / 2:
            return
        self.flush()
        self.lease_until = now + self.lease
        self.claims = renew(self.es, self.indices, self.claims, self.lease_until)

    def release(self, records: Sequence[AlertRecord], values: dict[str, Any]) -> None:
        """Delivery failed: the records go back to ``pending`` with ``values`` (+1 attempt)."""
        held = [r for r in records if r.alert_id in self.claims]
        taken = mark(self.es, self.indices, held, {**RELEASED, **values}, versions=self.claims)
        for alert in taken:
            log.warning("alert record %s was taken over after our lease expired", alert)
        for record in held:
            self.claims.pop(record.alert_id, None)

    def release_unsent(self) -> None:
        """Best effort, at the end of a run: records still held but never handed to the
        transport go back to ``pending`` now rather than when the lease runs out."""
        queued = {r.alert_id for records, _ in self.sent for r in records}
        unsent = {alert: version for alert, version in self.claims.items() if alert not in queued}
        if not unsent:
            return
        try:
            conditional_update(self.es, self.indices, unsent, dict.fromkeys(unsent, RELEASED))
        except Exception:  # noqa: BLE001 - best effort: an unreleased claim expires with its lease
            log.exception("cannot release %d alert records (they wait for the lease)", len(unsent))
        for alert in unsent:
            self.claims.pop(alert, None)

    def flush(self) -> None:
        """Mark queued sends as sent (one bulk), then write the queued checkpoints."""
        records = [r for records, _ in self.sent for r in records]
        if records:
            sent_at = {r.alert_id: {"sent_at": stamp} for records, stamp in self.sent for r in records}
            taken = mark(
                self.es,
                self.indices,
                records,
                {"status": AlertStatus.SENT.value, "last_error": None, "lease_until": None},
                per_record=sent_at,
                versions=self.claims,
            )
            if taken:
                log.warning(
                    "%d alert records were sent after their lease expired and another runner "
                    "took them over: they may be sent twice (%s)",
                    len(taken),
                    ", ".join(taken[:5]),
                )
            for record in records:
                self.claims.pop(record.alert_id, None)
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
    matches = find_matches(ctx.es, ctx.indices, rule, since, until, ctx.options.search_timeout_seconds)
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


def to_claim(
    rule: Rule, state: dict[str, Any], pending: list[AlertRecord], now: datetime
) -> list[AlertRecord]:
    """The records of ``pending`` the rule would send now: none while it is held back."""
    if not pending or held_back(rule, state, now):
        return []
    return pending[: rule.max_articles]


def send_rule(
    rule: Rule,
    state: dict[str, Any],
    until: datetime,
    pending: list[AlertRecord],
    complete: bool,
    ctx: RunContext,
    result: RuleResult,
) -> None:
    """Send the rule's pending stories that this run holds, and queue its checkpoint.

    ``pending``: the rule's recorded, claimable stories, oldest first (the first
    ``max_articles`` were claimed before the loop); ``complete`` is False when some of this
    run's stories could not be recorded: the checkpoint then stays, so they are found again
    next run. Stories another runner claimed are its to send.
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
    ctx.keep_lease()
    wanted = to_claim(rule, state, pending, ctx.now)
    batch = [r for r in wanted if r.alert_id in ctx.claims]
    result.elsewhere += len(wanted) - len(batch)
    result.pending -= len(wanted) - len(batch)
    if not batch:
        if complete:
            ctx.save(rule.name, checkpoint=iso(until))
        return
    try:
        deliver(rule, batch, ctx)
    except DeliveryError as exc:
        result.error = str(exc)
        ctx.release(batch, {"last_error": str(exc)[:1000], "last_attempt_at": iso(ctx.now)})
        ctx.save(rule.name)
        return
    sent_at = iso(datetime.now(UTC))
    ctx.sent.append((batch, sent_at))
    values = {"last_sent_at": sent_at}
    if complete:
        values["checkpoint"] = iso(until)
    ctx.save(rule.name, **values)
    result.sent, result.emails, result.pending = len(batch), 1, result.pending - len(batch)
    if len(ctx.sent) >= MARK_EVERY:
        ctx.flush()


def load_checked_rules(
    es: Elasticsearch,
    indices: Indices,
    rules_path: Path | str | None = None,
    timeout: float = SEARCH_TIMEOUT,
) -> tuple[list[Rule], list[str]]:
    """Rules dry-run against the articles, claims and events indices (created if still absent)."""
    for kind in ("articles", "claims", "events"):
        ensure_monthly_index(es, indices.write_index(kind))
    rules, errors = load_rules(rules_path)
    kept, refused = check_rules(es, indices, rules, rules_file(rules_path), timeout)
    return kept, errors + refused


def _plans(
    rules: list[Rule], states: dict[str, dict[str, Any]], ctx: RunContext, results: dict[str, RuleResult]
) -> tuple[list[Plan], dict[str, datetime]]:
    plans: list[Plan] = []
    untils: dict[str, datetime] = {}
    for rule in rules:
        since, untils[rule.name] = window(rule, states.get(rule.name, {}), ctx)
        try:
            timeout = ctx.options.search_timeout_seconds
            plans.append(plan_search(ctx.es, ctx.indices, rule, since, untils[rule.name], timeout))
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
    runner: str | None = None,
) -> RunSummary:
    """Evaluate every rule once and send; one bad rule or failed send never stops the others.

    ``transport`` defaults to ``mail.transport_from_settings`` (NEWSMON_OUTBOX, else SMTP, else
    none: sends fail and the stories stay pending); ``sender`` (the From address) to
    NEWSMON_MAIL_FROM; ``rules`` (already loaded) skips the rules file; ``runner`` (the
    ``claimed_by`` of this run's claims) to host:pid:random.

    Searches of all rules go in one _msearch, all new history records in one bulk ``create``
    (so every story is recorded as pending before any email leaves), all claims in one bulk
    update, then one email per rule with the records this run holds.
    """
    started = time.perf_counter()
    ensure_templates(es, indices, settings.elasticsearch_replicas)
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
    if runner:
        ctx.runner = runner
    states = load_states(es, indices, [r.name for r in rules])
    earlier = pending_ids(es, indices)
    results = {r.name: RuleResult(r.name) for r in rules}
    plans, untils = _plans(rules, states, ctx, results)
    found = find_all(es, indices, plans, ctx.options.search_timeout_seconds)
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
    waiting, versions, busy = claimable(
        es,
        indices,
        existing + [i for name in records for i in earlier.get(name, []) if i not in created],
        datetime.now(UTC),
    )
    versions.update(created)
    pendings: dict[str, list[AlertRecord]] = {}
    for rule in rules:
        if rule.name not in records:
            continue
        mine = [r for r in records[rule.name] if r.alert_id in created]
        results[rule.name].new = len(mine)
        results[rule.name].elsewhere = sum(1 for r in busy if r.rule == rule.name)
        pendings[rule.name] = sorted(
            mine + [r for r in waiting if r.rule == rule.name], key=AlertRecord.order
        )
    ctx.claim(
        {
            r.alert_id: versions[r.alert_id]
            for rule in rules
            if rule.name in pendings
            for r in to_claim(rule, states.get(rule.name, {}), pendings[rule.name], ctx.now)
        }
    )
    try:
        for rule in rules:
            if rule.name not in records:
                continue
            result = results[rule.name]
            lost = [failed[r.alert_id] for r in records[rule.name] if r.alert_id in failed]
            if lost:
                result.error = f"could not record {len(lost)} alerts: {lost[0]}"
            try:
                send_rule(
                    rule,
                    states.get(rule.name, {}),
                    untils[rule.name],
                    pendings[rule.name],
                    not lost,
                    ctx,
                    result,
                )
            except Exception as exc:  # noqa: BLE001 - one rule's failure must not stop the rest
                log.exception("alert rule %s failed", rule.name)
                result.error = f"{type(exc).__name__}: {exc}"
        ctx.flush()
    finally:
        ctx.release_unsent()
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
        "elsewhere": sum(r.elsewhere for r in done),
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
