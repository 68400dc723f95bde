"""The real Airflow's REST API v2 and process checks, for tests that start it with ``scripts/airflow``.

- ``Api``: a JWT from the simple auth manager (``POST /auth/token``), then JSON GET/PATCH/POST
  under ``/api/v2``; a non-2xx answer fails the test with the body. Helpers for DAG runs, task
  instances (with their worker ``hostname``), the tries of one task instance and task logs.
- ``wait_for``: poll until something truthy, else fail the test naming what was awaited.
- ``finished``: a DAG run once it left queued/running; a run that did not succeed fails the
  test with its task states and the end of the failed tasks' logs.
- ``leftover_processes``: every live process of a run folder (working folder inside it, the
  folder on its command line, or the ``NEWSMON_AIRFLOW_RUN`` marker in its environment),
  whatever its name or user: Redis and PostgreSQL included.

(``tests/test_airflow_live.py`` predates this module and keeps its own copies.)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest


class Api:
    """The api-server's REST API v2 with a JWT from the simple auth manager."""

    def __init__(self, base: str, user: str, password: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=15)
        answer = self.client.post("/auth/token", json={"username": user, "password": password})
        assert answer.status_code == 201, answer.text
        self.client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(f"/api/v2{path}", params=params)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        answer = self.client.request(method, f"/api/v2{path}", json=body)
        assert answer.status_code in (200, 201), f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.get(f"/dags/{dag_id}/dagRuns", order_by="id", limit=100)["dag_runs"])

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        return list(self.get(path, limit=100)["task_instances"])

    def tasks(self, dag_id: str, run_id: str) -> dict[str, str]:
        """task id (with map index) -> state."""
        return {label(t): str(t["state"]) for t in self.task_instances(dag_id, run_id)}

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[dict[str, Any]]:
        """Every try of one task instance (try_number, state, hostname), oldest first."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/tries"
        found = self.get(path)["task_instances"]
        return sorted(found, key=lambda t: int(t["try_number"]))

    def log(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1, try_number: int = 1) -> str:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}"
        return self.client.get(f"/api/v2{path}", params={"map_index": map_index}).text


def label(ti: dict[str, Any]) -> str:
    """``task_id`` or ``task_id[map_index]`` of a task instance."""
    return str(ti["task_id"]) + (f"[{ti['map_index']}]" if ti["map_index"] >= 0 else "")


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 2.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def finished(api: Api, dag_id: str, run_id: str) -> dict[str, Any] | None:
    """The run once it is no longer queued/running; a failed run fails the test with its tasks."""
    run = next((r for r in api.runs(dag_id) if r["dag_run_id"] == run_id), None)
    if run is None or run["state"] in ("queued", "running"):
        return None
    if run["state"] != "success":
        tis = api.task_instances(dag_id, run_id)
        failed = [t for t in tis if t["state"] not in ("success", "skipped")]
        logs = "\n".join(
            api.log(dag_id, run_id, t["task_id"], t["map_index"], max(1, t["try_number"]))[-3000:]
            for t in failed[:2]
        )
        pytest.fail(f"{dag_id} run {run_id} ended {run['state']}: {api.tasks(dag_id, run_id)}\n{logs}")
    return run


def seconds(item: dict[str, Any]) -> float:
    """Duration of a run or task instance from its ``start_date`` and ``end_date``."""
    start, end = (datetime.fromisoformat(item[k]) for k in ("start_date", "end_date"))
    return (end - start).total_seconds()


def leftover_processes(run_dir: Path) -> list[str]:
    """Live processes belonging to ``run_dir`` (zombies and this process's ancestors excluded)."""
    mine, pid = set(), os.getpid()
    while pid > 1:  # this test and its ancestors (their command line may name the folder)
        mine.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    marker = f"NEWSMON_AIRFLOW_RUN={run_dir}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in mine:
            continue
        try:
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            cwd = Path(os.readlink(proc / "cwd"))
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes()
        except (OSError, IndexError):
            continue  # gone meanwhile, or not ours to read
        if cwd.is_relative_to(run_dir) or str(run_dir) in cmdline or marker in environ:
            found.append(f"{proc.name} {cmdline.strip()}")
    return found
