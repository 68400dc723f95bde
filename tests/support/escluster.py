"""A throw-away Elasticsearch cluster of several nodes, started by ``scripts/elasticsearch``.

:class:`EsCluster` runs ``scripts/elasticsearch start --nodes N`` (the script users run) on a
free block of loopback ports (``NEWSMON_ES_PORT``: HTTP on port..port+N-1, transport on
port+100..) with its run folder in a temporary directory (``NEWSMON_ES_RUN_DIR``), so it never
touches the shared node on 9200 or its folder. ``ELASTICSEARCH_URL`` is removed from the
script's environment (with it set, the script would use that node instead).

Contract:

- :meth:`EsCluster.start` returns once every node joined and the cluster is green; it records
  how long that took (``start_seconds``). Calling it again while some nodes run restarts only
  the dead ones on their data (the script's revive path) and waits for green again.
- :meth:`EsCluster.nodes` names each node with its URL and the pid of its JVM (from the
  script's ``nodes`` command); :meth:`EsCluster.master` is the elected master's name.
- :meth:`EsCluster.kill` SIGKILLs one node's JVM (a crash) and waits until it is gone.
- :meth:`EsCluster.close` runs ``scripts/elasticsearch stop``, then SIGKILLs any JVM this object
  saw that still runs (by pid, never by name), and deletes the folder; it is idempotent, and
  :func:`cluster` calls it on every exit path, failures included.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.esnode import alive
from tests.support.paths import ROOT

SCRIPT = ROOT / "scripts" / "elasticsearch"


@dataclass(frozen=True)
class Node:
    """One node of the cluster as ``scripts/elasticsearch nodes`` lists it."""

    name: str
    url: str
    transport: str
    pid: int | None  # None: not running


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base_port(nodes: int, low: int = 20_000, high: int = 32_000) -> int:
    """A port P with P..P+nodes-1 and P+100..P+100+nodes-1 free on 127.0.0.1 (below the
    kernel's ephemeral range, so a client socket does not take one meanwhile)."""
    for _ in range(200):
        base = random.randrange(low, high - 100 - nodes)
        ports = [base + i for i in range(nodes)] + [base + 100 + i for i in range(nodes)]
        if all(_port_free(port) for port in ports):
            return base
    raise RuntimeError(f"no free block of ports for {nodes} nodes in {low}-{high}")


class EsCluster:
    """A cluster of ``size`` nodes run by ``scripts/elasticsearch``; see the module docstring."""

    def __init__(self, size: int = 3, heap: str = "512m") -> None:
        self.size = size
        self.heap = heap
        self.port = free_base_port(size)
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"newsmon-cluster-{self.port}-"))
        self.dir.chmod(0o755)  # as root the nodes run as another user, who must reach run/ inside
        self.seen_pids: set[int] = set()
        self.start_seconds: float | None = None

    def _script(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "ELASTICSEARCH_URL"}
        env |= {
            "NEWSMON_ES_PORT": str(self.port),
            "NEWSMON_ES_RUN_DIR": str(self.dir / "run"),
            "NEWSMON_ES_HEAP": self.heap,
        }
        return subprocess.run(
            [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self) -> float:
        """Start (or revive) the cluster; return the seconds until it was green."""
        started = time.monotonic()
        out = self._script("start", "--nodes", str(self.size))
        seconds = time.monotonic() - started
        if out.returncode != 0:
            lines = out.stderr.splitlines()  # the script's own lines, then the nodes' logs
            said = "\n".join(line for line in lines if line.startswith("[elasticsearch]"))
            raise RuntimeError(
                f"scripts/elasticsearch start --nodes {self.size} failed:\n{said}\n{out.stderr[-2000:]}"
            )
        if out.stdout.strip() != self.url:
            raise RuntimeError(f"start printed {out.stdout!r}, not {self.url}")
        if self.start_seconds is None:
            self.start_seconds = seconds
        self.nodes()  # remember the pids, for close()
        return seconds

    def nodes(self) -> list[Node]:
        """Every node of the cluster, running or not."""
        out = self._script("nodes", timeout=30)
        found = []
        for line in out.stdout.splitlines():
            name, url, transport, pid = line.split("\t")
            found.append(Node(name, url, transport, None if pid == "-" else int(pid)))
            if pid != "-":
                self.seen_pids.add(int(pid))
        if len(found) != self.size:
            raise RuntimeError(f"scripts/elasticsearch nodes listed {out.stdout!r}")
        return found

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes() if node.name == name)

    def master(self, via: str | None = None) -> str:
        """The name of the elected master, asked of ``via`` (a node URL; default the first)."""
        response = httpx.get(f"{via or self.url}/_cat/master", params={"h": "node"}, timeout=10)
        response.raise_for_status()
        return response.text.strip()

    def health(self, via: str | None = None, **params: str) -> dict[str, object]:
        response = httpx.get(f"{via or self.url}/_cluster/health", params=params, timeout=120)
        response.raise_for_status()
        body: dict[str, object] = response.json()
        return body

    def kill(self, name: str, timeout: float = 30.0) -> None:
        """SIGKILL one node's JVM (no flush, no shutdown hook) and wait until it is gone."""
        pid = self.node(name).pid
        if pid is None:
            raise RuntimeError(f"{name} is not running")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while alive(pid):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} (pid {pid}) still alive {timeout:.0f}s after SIGKILL")
            time.sleep(0.1)

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each running node's JVM, in MB."""
        sizes = {}
        for node in self.nodes():
            if node.pid is None:
                continue
            with suppress(OSError):
                for line in Path(f"/proc/{node.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[node.name] = int(line.split()[1]) / 1024
        return sizes

    def _ours(self, pid: int) -> bool:
        """Whether ``pid`` still is a JVM of this cluster (a pid of a killed node may be reused)."""
        try:
            return str(self.dir) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False

    def close(self) -> None:
        """Stop every node (the script, then SIGKILL by pid), delete the folder (idempotent)."""
        try:
            with suppress(Exception):  # best effort: the pids below are killed regardless
                self.nodes()
                self._script("stop", timeout=120)
            for pid in self.seen_pids:
                if alive(pid) and self._ours(pid):
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)  # a JVM this cluster started
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def cluster(size: int = 3, heap: str = "512m") -> Iterator[EsCluster]:
    """A started :class:`EsCluster`, closed (nodes stopped, folder deleted) on every exit."""
    started = EsCluster(size, heap)
    try:
        started.start()
        yield started
    finally:
        started.close()
