"""The streaming-cycle benchmark's ``--celery`` mode: the same site through Airflow with Celery workers.

Contract (``python benchmarks/bench_cycle.py --celery [--workers 2] [--feeds-per-task 25]``):

- The site is bench_cycle's own (``--pages`` fixture pages behind ``--feeds`` RSS feeds on
  ``--hosts`` loopback server processes, ``--latency`` per response), started the same way.
- ``scripts/airflow start --executor celery --workers W`` in a throw-away run folder under /tmp
  (mode 0711: PostgreSQL runs as its own user), with an env file (``NEWSMON_ENV_FILE``) naming a
  feeds file of the bench's feeds, a fresh index prefix (``bench-<hex>-celery``), a settings
  file with the bench's fetch policy (``--concurrency``, per-host ``concurrency / hosts``, no
  per-host delay, 127.0.0.0/8 allowed) and ``analyze: true``, and ``NEWSMON_FEEDS_PER_TASK``
  (``--feeds-per-task``, 25: 100 feeds -> 4 mapped ``poll_and_ingest`` tasks). The caller's
  ``NEWSMON_*`` and ``AIRFLOW*`` variables are not passed on; ``ELASTICSEARCH_*`` are.
- One news_ingest run through the REST API: unpausing the DAG (``PATCH /dags/news_ingest``)
  starts its run at once (catchup off; DAGs start paused). A manual ``POST .../dagRuns`` would
  wait while the DAG is paused and race with that scheduled run once unpaused, so the unpause
  *is* the trigger. news_alerts stays paused (its asset-triggered run never starts).
- Measured from the PATCH: wall time to the run's ``end_date`` (success required), articles,
  claims and events counted in Elasticsearch (articles must equal ``--pages``), articles/s,
  ``poll_and_ingest`` task instances per worker (their ``hostname``; every task too), the first
  article searchable (the articles alias counted every 0.1 s), peak RSS and PSS summed over the
  supervisor's process tree (Airflow, the workers and their task processes, Redis, PostgreSQL)
  sampled every 0.2 s during the run, plus the supervisor's own peaks since start
  (``state.json``), the machine's busy cores during the run and the load averages.
- CPU during the run, in cores: each component's process tree (a worker's includes its task
  processes), Elasticsearch, the site servers and the rest of the machine (``/proc/stat``).
- Always, in ``finally``: ``scripts/airflow stop``, the index prefix dropped, the site servers
  stopped, the run folder removed. It prints one table row and the last line
  ``celery: X articles/s over W workers (T tasks: a/b per worker), first article after S s,
  peak PSS P MB``; exit 0 when the run succeeded with every article, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from bench_cycle import (
    FirstSearchable,
    _stat,
    cpu_of,
    descendants,
    elasticsearch_pids,
    english_pages,
    machine_cpu,
    memory_kb,
    start_server,
    stop_servers,
)

from pipeline.store.elastic import Indices, make_client
from tests.support.airflowapi import Api, label
from tests.support.elastic import drop_prefix
from tests.support.paths import ROOT

SCRIPT = ROOT / "scripts" / "airflow"
KINDS = ("articles", "claims", "events")


class TreePeak(threading.Thread):
    """Peak summed RSS and PSS (kB) of ``root`` and its descendants, sampled every ``interval`` s."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        super().__init__(name="bench-airflow-memory", daemon=True)
        self.root, self.interval = root, interval
        self.stop = threading.Event()
        self.peak_rss = self.peak_pss = self.peak_processes = 0

    def run(self) -> None:
        pids: set[int] = set()
        walked = 0.0
        while True:
            if time.monotonic() - walked >= 0.5:  # task processes show up within half a second
                pids, walked = descendants(self.root), time.monotonic()
            sizes = [memory_kb(pid) for pid in pids]
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in sizes))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in sizes))
            self.peak_processes = max(self.peak_processes, sum(1 for r, _ in sizes if r))
            if self.stop.wait(self.interval):
                return


def component_cpu(root: int, components: dict[str, Any]) -> dict[int, tuple[str, float]]:
    """pid -> (component, CPU seconds incl. reaped children) of ``root``'s tree.

    A process belongs to the nearest ancestor that is a component of ``state.json`` (a worker's
    task processes to that worker); others (the supervisor, orphans it adopted) to "supervisor".
    """
    names = {int(info["pid"]): name for name, info in components.items() if info.get("pid")}
    found: dict[int, tuple[str, float]] = {}
    for pid in descendants(root):
        owner, current = "supervisor", pid
        while current not in (root, 0, 1):
            if current in names:
                owner = names[current]
                break
            try:
                current = int(_stat(current)[1])
            except (OSError, IndexError, ValueError):
                break  # gone meanwhile
        found[pid] = (owner, cpu_of([pid]))
    return found


def cpu_between(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds per component between two :func:`component_cpu` snapshots.

    A process that ended meanwhile was reaped inside the tree (the supervisor is a subreaper),
    so its time is in its parent's reaped-children time of ``after``.
    """
    spent: dict[str, float] = {}
    for pid, (owner, cpu) in after.items():
        spent[owner] = spent.get(owner, 0.0) + cpu - (before[pid][1] if pid in before else 0.0)
    return spent


def _script(env: dict[str, str], *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def _write_site_config(
    work: Path, args: argparse.Namespace, bases: list[str], feeds: int, prefix: str
) -> Path:
    """Feeds file, settings file and the env file ``scripts/airflow`` reads; the env file's path."""
    feeds_file = work / "feeds.yaml"
    lines = ["feeds:"]
    for k in range(feeds):
        lines += [f"  - url: {bases[k % len(bases)]}/f/{k}.xml", f'    name: "feed {k}"']
    feeds_file.write_text("\n".join(lines) + "\n")
    settings_file = work / "newsmon.yaml"
    settings_file.write_text(
        f"fetch_concurrency: {args.concurrency}\n"
        f"per_host_concurrency: {min(64, max(1, args.concurrency // args.hosts))}\n"
        "per_host_delay: 0\n"
        "allow_private: [127.0.0.0/8]\n"
        "analyze: true\n"
    )
    env_file = work / "newsmon.env"
    env_file.write_text(
        "\n".join(
            [
                f"ELASTICSEARCH_URL={os.environ.get('ELASTICSEARCH_URL', 'http://127.0.0.1:9200')}",
                f"NEWSMON_INDEX_PREFIX={prefix}",
                f"NEWSMON_FEEDS={feeds_file}",
                f"NEWSMON_SETTINGS={settings_file}",
                f"NEWSMON_FEEDS_PER_TASK={args.feeds_per_task}",
            ]
        )
        + "\n"
    )
    return env_file


def _when(stamp: str | None) -> float | None:
    return datetime.fromisoformat(stamp).timestamp() if stamp else None


def _wait_run(api: Api, timeout: float) -> dict[str, Any]:
    """news_ingest's (first) run once it left queued/running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = api.runs("news_ingest")
        if runs and runs[0]["state"] not in ("queued", "running"):
            return runs[0]
        time.sleep(1.0)
    raise TimeoutError(f"news_ingest did not finish within {timeout:.0f} s")


def run_celery(args: argparse.Namespace) -> int:
    """The --celery mode (see the module docstring); the exit code."""
    files = english_pages()
    per_feed = -(-args.pages // args.feeds)
    feeds = -(-args.pages // per_feed)
    tasks_planned = -(-feeds // args.feeds_per_task)
    es = make_client()
    prefix = f"bench-{uuid.uuid4().hex[:8]}-celery"
    work = Path(tempfile.mkdtemp(prefix="newsmon-bench-celery-", dir="/tmp"))
    work.chmod(0o711)
    run_dir = work / "airflow-run"
    servers: list[tuple[subprocess.Popen[str], str]] = []
    env: dict[str, str] = {}
    result: dict[str, Any] = {}
    started_airflow = False
    try:
        for i in range(args.hosts):
            servers.append(start_server(f"127.0.0.{i + 1}", files, args.pages, per_feed, args.latency))
        bases = [b for _, b in servers]
        env_file = _write_site_config(work, args, bases, feeds, prefix)
        inherited = ("NEWSMON_", "AIRFLOW")
        env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
        env |= {"NEWSMON_AIRFLOW_HOME": str(run_dir), "NEWSMON_ENV_FILE": str(env_file)}
        print(f"airflow: start --executor celery --workers {args.workers} ...", file=sys.stderr, flush=True)
        clock = time.monotonic()
        started_airflow = True
        out = _script(env, "start", "--executor", "celery", "--workers", str(args.workers), timeout=600)
        result["healthy_after"] = time.monotonic() - clock
        if out.returncode != 0:
            raise RuntimeError(f"scripts/airflow start failed:\n{out.stderr[-3000:]}\n{out.stdout}")
        ui = re.search(r"Airflow UI:\s+(http://127\.0\.0\.1:\d+)/", out.stdout)
        login = re.search(r"login:\s+(\S+) / (\S+)", out.stdout)
        if not ui or not login:
            raise RuntimeError(f"no UI address or login in:\n{out.stdout}")
        api = Api(ui.group(1), login.group(1), login.group(2))
        deadline = time.monotonic() + 120
        while not any(d["dag_id"] == "news_ingest" for d in api.get("/dags")["dags"]):
            if time.monotonic() > deadline:
                raise RuntimeError("news_ingest not parsed within 120 s")
            time.sleep(1)
        if api.get("/importErrors")["total_entries"]:
            raise RuntimeError(f"import errors: {api.get('/importErrors')}")
        state = json.loads((run_dir / "state.json").read_text())
        memory = TreePeak(int(state["supervisor"]))
        memory.start()
        time.sleep(0.5)  # a baseline sample: the idle cluster
        idle_rss, idle_pss = memory.peak_rss, memory.peak_pss
        load_before = os.getloadavg()
        busy_before, total_before = machine_cpu()
        supervisor, components = int(state["supervisor"]), state["components"]
        es_pids, site = elasticsearch_pids(), [p.pid for p, _ in servers]
        cpu_before = component_cpu(supervisor, components)
        es_before = {pid: cpu_of([pid], reaped=False) for pid in es_pids}
        site_before = cpu_of(site)
        trigger_wall, trigger = time.time(), time.perf_counter()
        first = FirstSearchable(make_client(), Indices(prefix).articles, trigger)
        first.start()
        try:
            print("news_ingest: unpaused, waiting for its run ...", file=sys.stderr, flush=True)
            api.send("PATCH", "/dags/news_ingest", {"is_paused": False})
            run = _wait_run(api, args.celery_timeout)
            observed = time.perf_counter() - trigger
        finally:
            first.stop.set()
            memory.stop.set()
            first.join()
            memory.join()
        busy_after, total_after = machine_cpu()
        spent = cpu_between(cpu_before, component_cpu(supervisor, components))
        es_after = {pid: cpu_of([pid], reaped=False) for pid in es_pids if Path(f"/proc/{pid}").exists()}
        spent["ES"] = sum(es_after[pid] - es_before[pid] for pid in es_after)  # JVMs alive throughout
        spent["site servers"] = cpu_of(site) - site_before
        spent["others"] = max(0.0, busy_after - busy_before - sum(spent.values()))
        result["cpu"] = spent
        result["load"] = (load_before, os.getloadavg())
        result["busy_cores"] = (
            (busy_after - busy_before) / (total_after - total_before) * (os.cpu_count() or 1)
        )
        end = _when(run.get("end_date"))
        result["run"] = run
        result["seconds"] = (end - trigger_wall) if end else observed
        result["observed"] = observed
        result["first"] = first.seconds
        result["peak_rss_mb"], result["peak_pss_mb"] = memory.peak_rss / 1024, memory.peak_pss / 1024
        result["idle_mb"] = (idle_rss / 1024, idle_pss / 1024)
        result["processes"] = memory.peak_processes
        tis = api.task_instances("news_ingest", run["dag_run_id"])
        result["tis"] = [
            (
                label(t),
                t.get("hostname") or "-",
                t["state"],
                _when(t.get("start_date")),
                _when(t.get("end_date")),
            )
            for t in tis
        ]
        result["start_of_run"] = _when(run.get("start_date"))
        result["trigger_wall"] = trigger_wall
        es.indices.refresh(index=f"{prefix}-*", ignore_unavailable=True)
        result["counts"] = {
            kind: int(
                es.options(ignore_status=404).count(index=Indices(prefix).alias(kind)).get("count") or 0
            )
            for kind in KINDS
        }
        supervisor_state = json.loads((run_dir / "state.json").read_text())
        result["life_peaks"] = (
            supervisor_state["rss_peak_kb"] / 1024,
            supervisor_state["pss_peak_kb"] / 1024,
        )
    finally:
        if started_airflow:
            print("airflow: stop ...", file=sys.stderr, flush=True)
            clock = time.monotonic()
            stopped = _script(env, "stop", timeout=300)
            result["stop"] = (stopped.returncode, time.monotonic() - clock, stopped.stderr.strip()[-300:])
        drop_prefix(es, Indices(prefix))
        stop_servers(servers)
        shutil.rmtree(work, ignore_errors=True)
    return print_celery(args, len(files), feeds, tasks_planned, result)


def print_celery(
    args: argparse.Namespace, distinct: int, feeds: int, planned: int, result: dict[str, Any]
) -> int:
    """The row, the task instances per worker and the last line; the exit code."""
    run, counts = result["run"], result["counts"]
    articles = counts["articles"]
    rate = articles / result["seconds"] if result["seconds"] > 0 else 0.0
    mapped = [t for t in result["tis"] if t[0].startswith("poll_and_ingest[")]
    per_worker = Counter(host for _, host, _, _, _ in mapped)
    every = Counter(host for _, host, _, _, _ in result["tis"])
    hosts = sorted(h for h in every if h != "-")
    low, high = args.latency
    (l1, l5, _), (a1, a5, _) = result["load"]
    print(
        f"{args.pages} articles ({distinct} English fixture pages repeated under distinct URLs) behind "
        f"{feeds} RSS feeds on {args.hosts} loopback hosts, {low * 1000:.0f}-{high * 1000:.0f} ms latency; "
        f"Airflow {args.workers} Celery workers, {args.feeds_per_task} feeds per task "
        f"({planned} mapped tasks); "
        f"load average {l1:.2f}/{l5:.2f} (1/5 min) before, {a1:.2f}/{a5:.2f} after"
    )
    print()
    print(
        f"{'run':<11}{'workers':>8}{'indexed':>8}{'seconds':>9}{'art/s':>7}{'first srch':>11}"
        f"{'RSS MB':>8}{'PSS MB':>8}{'busy cores':>11}"
    )
    first = f"{result['first']:.2f}" if result["first"] is not None else "-"
    print(
        f"{'celery':<11}{args.workers:>8}{articles:>8}{result['seconds']:>9.1f}{rate:>7.1f}{first:>11}"
        f"{result['peak_rss_mb']:>8.0f}{result['peak_pss_mb']:>8.0f}{result['busy_cores']:>11.2f}"
    )
    print(
        "(seconds: from the PATCH that unpaused news_ingest to its run's end_date; first srch: first"
        " article counted on the articles alias, from the PATCH; RSS/PSS: peak sum over the supervisor's"
        " tree during the run (Airflow, workers, task processes, Redis, PostgreSQL); busy cores: the"
        " whole machine's during the run)"
    )
    print()
    queued = (result["start_of_run"] - result["trigger_wall"]) if result["start_of_run"] else float("nan")
    print(
        f"run {run['dag_run_id']} ({run['run_type']}): {run['state']}, started {queued:.1f} s after the"
        f" PATCH (polled end seen after {result['observed']:.1f} s); claims {counts['claims']}, events"
        f" {counts['events']}; Airflow healthy {result['healthy_after']:.1f} s after start, idle tree"
        f" RSS {result['idle_mb'][0]:.0f} MB / PSS {result['idle_mb'][1]:.0f} MB, peak since start"
        f" {result['life_peaks'][0]:.0f} / {result['life_peaks'][1]:.0f} MB (state.json),"
        f" {result['processes']} processes at peak"
    )
    base = result["trigger_wall"]
    for name, host, state, start, end in sorted(result["tis"], key=lambda t: t[3] or 0):
        span = f"{start - base:6.1f} -> {end - base:6.1f} s" if start and end else "-"
        print(f"  {name:<22} {state:<9} {host:<28} {span}")
    print(f"task instances per worker: {dict(sorted(every.items()))}")
    wall = max(result["observed"], 1e-9)
    print(
        "CPU during the run, cores (CPU s / wall s): "
        + ", ".join(
            f"{name} {cpu / wall:.2f}" for name, cpu in sorted(result["cpu"].items(), key=lambda i: -i[1])
        )
    )
    stop = result.get("stop")
    if stop:
        print(f"scripts/airflow stop: exit {stop[0]} after {stop[1]:.1f} s")
    ok = run["state"] == "success" and articles == args.pages
    if not ok:
        print(f"FAILED: run {run['state']}, {articles} of {args.pages} articles indexed")
    split = "/".join(str(per_worker.get(h, 0)) for h in hosts) if hosts else "0"
    pss = result["peak_pss_mb"]
    first_s = result["first"] if result["first"] is not None else float("nan")
    print(
        f"celery: {rate:.1f} articles/s over {args.workers} workers"
        f" ({len(mapped)} tasks: {split} per worker), first article after {first_s:.1f} s,"
        f" peak PSS {pss:.0f} MB"
    )
    return 0 if ok else 1
