"""``alerts run`` (evaluate and send) and ``alerts test RULE`` (show only): the printing side.

pipeline.alerts.run does the work and returns data (a run summary, a rule preview); this module
turns it into the lines a user sees and the exit status.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from elasticsearch import Elasticsearch

from pipeline.alerts.query import HL_POST, HL_PRE
from pipeline.alerts.run import RunSummary, load_checked_rules, preview_rule, run_alerts_once
from pipeline.alerts.search import iso
from pipeline.config import Settings
from pipeline.store.elastic import Indices, ensure_templates


def show_rule(
    es: Elasticsearch,
    indices: Indices,
    settings: Settings,
    name: str,
    rules_path: Path | str | None = None,
    out: TextIO | None = None,
) -> int:
    """Print what ``name`` matches now: no record, no send, no checkpoint change."""
    out = out or sys.stdout
    rules, errors = load_checked_rules(es, indices, rules_path)
    rule = next((r for r in rules if r.name == name), None)
    if rule is None:
        mine = [e for e in errors if f"rule {name!r}" in e]
        print(
            mine[0] if mine else f"no rule named {name!r} (have: {', '.join(r.name for r in rules)})",
            file=sys.stderr,
        )
        return 2
    preview = preview_rule(es, indices, settings, rule)
    print(f"rule {name}: {', '.join(rule.describe())}", file=out)
    print(f"window: {iso(preview.since)} .. {iso(preview.until)}; {len(preview.stories)} stories", file=out)
    for status, record in preview.stories:
        print(f"- [{status}] {record.title} ({record.source}) {record.url}", file=out)
        for snippet in record.snippets:
            print(f"    > {snippet.replace(HL_PRE, '[').replace(HL_POST, ']')}", file=out)
        for item in record.matched:
            print(f"    * {item}", file=out)
        if record.other_sources:
            print(f"    also: {', '.join(record.other_sources)}", file=out)
    return 0


def print_summary(summary: RunSummary) -> int:
    """Rule errors and failures on stderr, one summary line on stdout; the exit status."""
    for error in summary["rule_errors"]:
        print(f"rule error: {error}", file=sys.stderr)
    for rule, error in summary["failed"].items():
        print(f"rule {rule}: {error}", file=sys.stderr)
    print(
        f"alerts: {summary['rules']} rules, {summary['matches']} matches, "
        f"{summary['new_alerts']} new alerts, {summary['emails']} emails "
        f"({summary['sent']} stories sent), {summary['pending']} pending, "
        f"{summary['seconds']:.2f}s"
    )
    return 1 if summary["rule_errors"] or summary["failed"] else 0


def alerts_command(args: argparse.Namespace, settings: Settings, es: Elasticsearch, indices: Indices) -> int:
    """``alerts run`` (evaluate and send) and ``alerts test RULE`` (show only)."""
    rules_path = getattr(args, "rules", None)
    if args.alerts_command == "test":
        ensure_templates(es, indices, settings.elasticsearch_replicas)
        return show_rule(es, indices, settings, args.rule, rules_path)
    return print_summary(run_alerts_once(es, indices, settings, rules_path))
