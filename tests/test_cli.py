"""The command line as a user runs it: real subprocesses, real Elasticsearch, seeds over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import ROOT


def env_for(indices, tmp_path: Path, seed_site) -> dict[str, str]:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {seed_site.url('feed.xml')}\n    name: Seed\n")
    return {
        **os.environ,
        "NEWSMON_INDEX_PREFIX": indices.prefix,
        "NEWSMON_FEEDS": str(feeds),
        "NEWSMON_ALLOW_PRIVATE": "127.0.0.1/32",
    }


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_run_once_prints_summary_and_is_idempotent(es, indices, tmp_path, seed_site):
    env = env_for(indices, tmp_path, seed_site)
    first = run(["run", "--once", "--no-analyze", "--json"], env)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["polled"] == 1 and summary["new_articles"] == 4 and summary["indexed"] == 4
    assert "polling 1 feeds" in first.stderr  # progress output
    second = run(["run", "--once", "--no-analyze"], env)
    assert second.returncode == 0 and "1 not modified" in second.stdout
    assert "0 new" in second.stdout


def test_config_error_is_one_line(indices, tmp_path, seed_site):
    env = env_for(indices, tmp_path, seed_site)
    Path(env["NEWSMON_FEEDS"]).write_text("feeds:\n  - name: x\n")
    result = run(["run", "--once"], env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("feeds[0].url: missing required field")


def test_watch_stops_cleanly_on_sigterm(es, indices, tmp_path, seed_site):
    env = env_for(indices, tmp_path, seed_site)
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "watch", "--interval", "1", "--no-analyze", "--no-alerts"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            es.indices.refresh(index=f"{indices.prefix}-*", ignore_unavailable=True)
            if es.options(ignore_status=404).count(index=indices.articles).get("count") == 4:
                break
            time.sleep(0.5)
        time.sleep(1.5)  # let a second cycle start
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "stopped" in err and out.count("feeds: 1 total") >= 2


@pytest.mark.parametrize("interval", ["0", "-1", "nan", "soon"])
def test_watch_refuses_an_interval_that_would_hammer_feeds(interval: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "watch", "--interval", interval],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--interval" in result.stderr and "Traceback" not in result.stderr
