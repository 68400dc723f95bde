"""Command line: ``python -m pipeline <command>``.

run --once        one cycle over all feeds, with a short summary
watch             cycles forever at the configured interval (alerts after each cycle)
extract --jsonl   claims and events for JSON Lines documents on stdin (for score.py)
init              create index templates and indices
status            counts, failing feeds, latest claims and events
feeds import-opml FILE   print feeds.yaml entries for an OPML subscription list
alerts run | alerts test RULE   evaluate alert rules (send, or show without sending)
kibana import --url URL         import the saved objects in config/kibana/
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from elasticsearch import ApiError as ElasticsearchApiError
from elasticsearch import TransportError as ElasticsearchTransportError

from pipeline.cli.progress import CliProgress
from pipeline.config import ConfigError, load_feeds, load_settings


def _progress(message: str) -> None:
    print(f"[newsmon] {message}", file=sys.stderr, flush=True)


def _context(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from pipeline.store.elastic import Indices, make_client, wait_for_cluster

    settings = load_settings(Path(args.settings) if args.settings else None)
    es = make_client(settings.elasticsearch_url)
    wait_for_cluster(es, timeout=60)
    return settings, es, Indices(settings.index_prefix)


def _seconds(text: str) -> float:
    """``--interval``: a finite number of seconds, at least 1 (0 would hammer the feeds)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (1 <= value <= 7 * 24 * 3600):
        raise argparse.ArgumentTypeError(f"must be between 1 and 604800 seconds, not {text}")
    return value


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.ingest.cycle import run_cycle

    settings, es, indices = _context(args)
    specs = load_feeds(Path(args.feeds) if args.feeds else None)
    # No analyzer object: the cycle's worker processes build their own (or one in-process for a
    # small batch), so large cycles use every core.
    settings = replace(settings, analyze=settings.analyze and not args.no_analyze)
    with CliProgress() as progress:  # the bar is closed before the summary, also on Ctrl-C
        summary = run_cycle(es, indices, specs, settings, None, progress, force=args.force)
    print(json.dumps(summary.as_dict()) if args.json else summary.text())
    if args.alerts:
        _run_alerts(settings, es, indices)
    if summary.ingest.incomplete or summary.ingest.errors:
        _progress(
            f"not everything was indexed: {len(summary.ingest.incomplete)} articles left for the next "
            f"cycle, {len(summary.ingest.errors)} write errors"
        )
        return 1
    return 0


def _run_alerts(settings: Any, es: Any, indices: Any) -> None:
    try:
        from pipeline.alerts.run import run_alerts_once
    except ImportError:
        return
    result = run_alerts_once(es, indices, settings)
    _progress(f"alerts: {result}")


def cmd_watch(args: argparse.Namespace) -> int:
    from pipeline.ingest.cycle import run_cycle

    settings, es, indices = _context(args)
    settings = replace(settings, analyze=settings.analyze and not args.no_analyze)
    interval = args.interval if args.interval is not None else settings.poll_interval_minutes * 60
    stop = threading.Event()
    progress = CliProgress()

    def _stop(signum: int, _frame: Any) -> None:
        progress.note(f"received signal {signum}; stopping after this step")
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with progress:  # closes a cycle's bar on any way out
        while not stop.is_set():
            started = time.monotonic()
            try:
                specs = load_feeds(Path(args.feeds) if args.feeds else None)
                try:
                    summary = run_cycle(es, indices, specs, settings, None, progress)
                finally:  # one bar and one final line per cycle
                    progress.finish(interrupted=stop.is_set())
                print(summary.text(), flush=True)
                if not args.no_alerts:
                    _run_alerts(settings, es, indices)
            except ConfigError as exc:
                _progress(f"config error, cycle skipped: {exc}")
            except Exception as exc:  # noqa: BLE001 - keep watching; the next cycle may succeed
                logging.exception("cycle failed: %s", exc)
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    _progress("stopped")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from pipeline.nlp.analyzer import run_jsonl

    if not args.jsonl:
        print("only --jsonl is supported", file=sys.stderr)
        return 2
    return run_jsonl(sys.stdin, sys.stdout, entities=args.entities)


def cmd_init(args: argparse.Namespace) -> int:
    from pipeline.store.elastic import ensure_templates

    settings, es, indices = _context(args)
    changed = ensure_templates(es, indices, settings.elasticsearch_replicas)
    print(f"templates updated: {', '.join(changed) or 'none (all current)'}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from pipeline.cli.status import status_report

    _settings, es, indices = _context(args)
    print(status_report(es, indices))
    return 0


def cmd_import_opml(args: argparse.Namespace) -> int:
    from pipeline.ingest.opml import opml_to_feeds_yaml

    print(opml_to_feeds_yaml(Path(args.file).read_bytes()), end="")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from pipeline.cli.alerts import alerts_command

    settings, es, indices = _context(args)
    return alerts_command(args, settings, es, indices)


def cmd_kibana(args: argparse.Namespace) -> int:
    from pipeline.cli.kibana import kibana_command

    return kibana_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--settings", help="settings YAML (default config/newsmon.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one ingest cycle")
    run.add_argument("--once", action="store_true", help="one cycle (the default)")
    run.add_argument("--feeds", help="feeds YAML (default config/feeds.yaml)")
    run.add_argument("--no-analyze", action="store_true", help="skip claims and events")
    run.add_argument("--force", action="store_true", help="poll feeds that are backing off")
    run.add_argument("--alerts", action="store_true", help="evaluate alert rules afterwards")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.set_defaults(func=cmd_run)

    watch = sub.add_parser("watch", help="run cycles forever")
    watch.add_argument("--feeds")
    watch.add_argument("--interval", type=_seconds, help="seconds between cycle starts (at least 1)")
    watch.add_argument("--no-analyze", action="store_true")
    watch.add_argument("--no-alerts", action="store_true")
    watch.set_defaults(func=cmd_watch)

    extract = sub.add_parser("extract", help="claims and events for JSON Lines on stdin")
    extract.add_argument("--jsonl", action="store_true")
    extract.add_argument(
        "--entities",
        choices=("head", "spacy"),
        default="head",
        help="entity recogniser: the distilled head (default) or spaCy's NER",
    )
    extract.set_defaults(func=cmd_extract)

    init = sub.add_parser("init", help="create index templates and indices")
    init.set_defaults(func=cmd_init)

    status = sub.add_parser("status", help="counts, failing feeds, latest claims and events")
    status.set_defaults(func=cmd_status)

    feeds = sub.add_parser("feeds", help="feed list tools")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True)
    opml = feeds_sub.add_parser("import-opml", help="print feeds.yaml entries from OPML")
    opml.add_argument("file")
    opml.set_defaults(func=cmd_import_opml)

    alerts = sub.add_parser("alerts", help="alert rules")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    alerts_run = alerts_sub.add_parser("run", help="evaluate all rules once and send")
    alerts_run.add_argument("--rules", help="rules YAML (default config/alerts.yaml)")
    alerts_run.set_defaults(func=cmd_alerts)
    alerts_test = alerts_sub.add_parser("test", help="show what a rule matches now, no sending")
    alerts_test.add_argument("rule")
    alerts_test.add_argument("--rules")
    alerts_test.set_defaults(func=cmd_alerts)

    kibana = sub.add_parser("kibana", help="Kibana saved objects")
    kibana_sub = kibana.add_subparsers(dest="kibana_command", required=True)
    kimport = kibana_sub.add_parser("import", help="import config/kibana/*.ndjson")
    kimport.add_argument("--url", required=True)
    kimport.set_defaults(func=cmd_kibana)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The client logs every retry with a traceback; a node that stays down is reported once below.
    logging.getLogger("elastic_transport").setLevel(logging.INFO if args.verbose else logging.ERROR)
    try:
        code: int = args.func(args)
        return code
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except (ElasticsearchApiError, ElasticsearchTransportError) as exc:  # node down or refusing
        print(f"Elasticsearch failed, nothing more was acknowledged: {exc}", file=sys.stderr)
        return 1
