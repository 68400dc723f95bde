"""A second, throw-away Elasticsearch node for tests that kill Elasticsearch for real.

The shared node (``scripts/elasticsearch start``, port 9200, or ``ELASTICSEARCH_URL``) must
never be stopped: tests that SIGKILL Elasticsearch get a private node from :class:`EsNode`.
It runs the same unzipped distribution as ``scripts/elasticsearch`` (``scripts/elasticsearch
dist`` fetches it if needed and names it, the JDK and, as root, the system user to run it as),
with its own config, data, logs and tmp folders in one temporary folder, free HTTP and
transport ports on 127.0.0.1, single-node discovery, security off and a 512 MB heap.

Contract:

- :meth:`EsNode.start` launches the node (a child process of the test, never daemonised) and
  returns once the cluster is yellow; starting again after :meth:`kill` or :meth:`stop`
  reuses the same data folder, so the restarted node has every write that was durable.
- :meth:`EsNode.kill` SIGKILLs the server's JVM (the pid it wrote to its pid file) and waits
  until it and its launcher are gone: a crash, not a shutdown.
- :meth:`EsNode.close` stops whatever is still running (by the pids this object started,
  never by name) and deletes the folder; it is idempotent, and :func:`private_node` calls it
  on every exit path, failures included.
"""

from __future__ import annotations

import os
import pwd
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

from tests.support.paths import ROOT

SCRIPT = ROOT / "scripts" / "elasticsearch"


@dataclass(frozen=True)
class Distribution:
    """Where the unzipped Elasticsearch is, which JDK runs it and as whom."""

    home: Path
    java: Path
    user: str


def distribution() -> Distribution:
    """Ask ``scripts/elasticsearch dist`` (fetches and unzips on first use, like ``start``)."""
    env = {k: v for k, v in os.environ.items() if k != "ELASTICSEARCH_URL"}
    out = subprocess.run(
        [str(SCRIPT), "dist"], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"scripts/elasticsearch dist failed: {out.stderr.strip()[-2000:]}")
    values = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    return Distribution(Path(values["home"]), Path(values["java"]), values["user"])


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


class EsNode:
    """One private single-node cluster; see the module docstring."""

    def __init__(self, heap: str = "512m", name: str = "newsmon-faults") -> None:
        self.dist = distribution()
        self.port = free_port()
        self.transport_port = free_port()
        while self.transport_port == self.port:
            self.transport_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.name = name
        self.heap = heap
        self.dir = Path(tempfile.mkdtemp(prefix=f"newsmon-esnode-{self.port}-"))
        self.pid_file = self.dir / "es.pid"
        self.launcher: subprocess.Popen[bytes] | None = None
        self.starts = 0
        try:
            self._configure()
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    # -- lifecycle
    def _configure(self) -> None:
        for sub in ("data", "logs", "tmp"):
            (self.dir / sub).mkdir()
        config = self.dir / "config"
        shutil.copytree(self.dist.home / "config", config)
        with (config / "elasticsearch.yml").open("a", encoding="utf-8") as yml:
            yml.write(
                f"\ncluster.name: {self.name}\n"
                f"node.name: {self.name}-1\n"
                "network.host: 127.0.0.1\n"
                f"http.port: {self.port}\n"
                f"transport.port: {self.transport_port}\n"
                "discovery.type: single-node\n"
                "xpack.security.enabled: false\n"
                f"path.data: {self.dir / 'data'}\n"
                f"path.logs: {self.dir / 'logs'}\n"
                "cluster.routing.allocation.disk.watermark.low: 97%\n"
                "cluster.routing.allocation.disk.watermark.high: 98%\n"
                "cluster.routing.allocation.disk.watermark.flood_stage: 99%\n"
                "action.destructive_requires_name: false\n"
            )
        (config / "jvm.options.d" / "heap.options").write_text(f"-Xms{self.heap}\n-Xmx{self.heap}\n")
        if os.getuid() == 0:  # Elasticsearch refuses root: the node runs as the script's user
            account = pwd.getpwnam(self.dist.user)
            for path in (self.dir, *self.dir.rglob("*")):
                os.chown(path, account.pw_uid, account.pw_gid)

    def start(self, timeout: float = 120.0) -> None:
        """Launch the node on its (possibly non-empty) data folder; return once it is yellow."""
        if self.launcher is not None and self.launcher.poll() is None:
            raise RuntimeError("the node is already running")
        self.pid_file.unlink(missing_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(self.dist.java),
            "ES_PATH_CONF": str(self.dir / "config"),
            "ES_TMPDIR": str(self.dir / "tmp"),
            "LANG": "C.UTF-8",
        }
        user: dict[str, object] = {}
        if os.getuid() == 0:
            account = pwd.getpwnam(self.dist.user)
            user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.starts += 1
        log = (self.dir / "logs" / f"launcher-{self.starts}.log").open("wb")
        with log:
            self.launcher = subprocess.Popen(  # type: ignore[call-overload]
                [str(self.dist.home / "bin" / "elasticsearch"), "-p", str(self.pid_file)],
                env=env,
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: Ctrl-C of pytest does not reach it
                **user,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.launcher.poll() is not None:
                raise RuntimeError(
                    f"Elasticsearch exited with {self.launcher.returncode}:\n{self.log_tail()}"
                )
            if self.healthy():
                return
            time.sleep(0.5)
        raise TimeoutError(
            f"Elasticsearch on {self.url} not healthy after {timeout:.0f}s:\n{self.log_tail()}"
        )

    def healthy(self) -> bool:
        """Whether the cluster answers yellow or green."""
        try:
            response = httpx.get(
                f"{self.url}/_cluster/health",
                params={"wait_for_status": "yellow", "timeout": "1s"},
                timeout=3,
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def server_pid(self) -> int | None:
        """The JVM serving the node (from its pid file), if it wrote one."""
        try:
            return int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def kill(self, timeout: float = 30.0) -> None:
        """SIGKILL the server JVM (a crash: no flush, no shutdown hook); wait until it is gone."""
        pid = self.server_pid()
        if pid is None:
            raise RuntimeError("the node wrote no pid file; is it running?")
        os.kill(pid, signal.SIGKILL)
        self._wait_gone(pid, timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the node if it runs: SIGTERM, then SIGKILL after ``timeout``; never raises."""
        pid = self.server_pid()
        if pid is not None and alive(pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            try:
                self._wait_gone(pid, timeout)
            except TimeoutError:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._reap_launcher(timeout)

    def _wait_gone(self, pid: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while alive(pid):
            if time.monotonic() > deadline:
                raise TimeoutError(f"Elasticsearch pid {pid} still alive after {timeout:.0f}s")
            time.sleep(0.1)
        self._reap_launcher(timeout)

    def _reap_launcher(self, timeout: float) -> None:
        """The launcher exits when its server does; its process group is killed if it lingers."""
        if self.launcher is None:
            return
        try:
            self.launcher.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.launcher.pid, signal.SIGKILL)  # the group this object started
            self.launcher.wait(timeout=10)

    def close(self) -> None:
        """Stop everything this node started and delete its folder (idempotent)."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the launcher's output (for failure messages)."""
        logs = sorted((self.dir / "logs").glob("launcher-*.log"))
        if not logs:
            return ""
        return "\n".join(logs[-1].read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def private_node(heap: str = "512m") -> Iterator[EsNode]:
    """A started :class:`EsNode`, closed (processes stopped, folder deleted) on every exit."""
    node = EsNode(heap=heap)
    try:
        node.start()
        yield node
    finally:
        node.close()
