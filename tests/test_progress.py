"""The CLI's progress: a bar with articles/s and ETA on a terminal, plain ``[newsmon]`` lines elsewhere.

Unit tests drive :class:`pipeline.cli.progress.CliProgress` with a fake clock; the end-to-end
tests run ``python -m pipeline run --once`` against the seed site with stderr on a real
pseudo-terminal (a bar is drawn) and on a pipe (no bar, no carriage return, no escape code).
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from pipeline.cli.progress import CliProgress, interval
from pipeline.ingest.progress import as_progress
from tests.support.paths import ROOT
from tests.test_cli import env_for

FINAL_LINE = re.compile(r"^\[newsmon\] (\d+) articles in \d+\.\d s, \d+\.\d articles/s$")
REDRAW = re.compile(r"\r(?!\n)")  # a carriage return that is not the tty's \r\n: the bar redrawn


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_rate_and_eta_come_from_the_clock() -> None:
    clock, out = FakeClock(), io.StringIO()
    progress = CliProgress(out, terminal=False, clock=clock)
    assert progress.rate() is None and progress.eta() is None and progress.stats() == "? articles/s, ETA ?"
    progress.articles(10)  # the clock starts here
    clock.now += 2.0
    assert progress.rate() is None and progress.stats() == "? articles/s, ETA ?"  # nothing written yet
    progress.advance(4)
    assert progress.rate() == pytest.approx(2.0) and progress.eta() == pytest.approx(3.0)
    assert progress.stats() == "2.0 articles/s, ETA 0:03"
    progress.articles(20)  # more entries found: a larger total, same start
    clock.now += 2.0
    progress.advance(4)
    assert progress.rate() == pytest.approx(2.0) and progress.eta() == pytest.approx(6.0)
    clock.now += 4.0  # stalled: the rate falls, the ETA grows
    assert progress.rate() == pytest.approx(1.0) and progress.eta() == pytest.approx(12.0)
    progress.advance(12)
    assert progress.eta() == 0 and progress.stats() == "2.5 articles/s, ETA 0:00"
    progress.finish()
    assert out.getvalue() == "[newsmon] 20 articles in 8.0 s, 2.5 articles/s\n"
    progress.finish()  # nothing more: the next cycle starts from scratch
    assert progress.total is None and progress.done == 0 and out.getvalue().count("\n") == 1


def test_interval_format() -> None:
    assert [interval(s) for s in (0, 3.4, 59.6, 61, 3599, 3600, 90061)] == [
        "0:00",
        "0:03",
        "1:00",
        "1:01",
        "59:59",
        "1:00:00",
        "25:01:01",
    ]


def test_not_a_terminal_prints_only_newsmon_lines() -> None:
    clock, out = FakeClock(), io.StringIO()
    progress = CliProgress(out, terminal=False, clock=clock)
    progress.note("polling 3 feeds")
    progress.articles(3)
    for _ in range(3):
        clock.now += 0.5
        progress.advance(1)
    progress("done fetching")  # the old Callable[[str], None] interface: a note
    progress.finish()
    assert out.getvalue() == (
        "[newsmon] polling 3 feeds\n[newsmon] done fetching\n[newsmon] 3 articles in 1.5 s, 2.0 articles/s\n"
    )


def test_a_real_stderr_that_is_a_pipe_or_a_file_is_not_a_terminal(tmp_path: Path) -> None:
    with open(tmp_path / "log", "w") as stream:
        assert not CliProgress(stream).terminal
    master, slave = os.openpty()
    try:
        with os.fdopen(os.dup(slave), "w") as stream:
            assert CliProgress(stream).terminal
    finally:
        os.close(master)
        os.close(slave)


def test_terminal_bar_shows_count_rate_eta_with_notes_above() -> None:
    clock, out = FakeClock(), io.StringIO()
    progress = CliProgress(out, terminal=True, clock=clock)
    progress.note("polling 1 feeds")
    progress.articles(10)
    clock.now += 2.0
    progress.advance(4)
    progress.note("a note while the bar is drawn")
    clock.now += 3.0
    progress.advance(6)
    progress.finish()
    text = out.getvalue()
    assert "4/10 articles" in text and "2.0 articles/s, ETA 0:03" in text
    assert "10/10 articles" in text and "2.0 articles/s, ETA 0:00" in text
    assert REDRAW.search(text)
    # the note is on a line of its own: the bar was cleared first and redrawn after it
    assert "\r[newsmon] a note while the bar is drawn\n" in text.replace("\x1b[A", "")
    assert text.endswith("\n[newsmon] 10 articles in 5.0 s, 2.0 articles/s\n")
    assert progress._bar is None


def test_an_exception_closes_the_bar_and_says_interrupted() -> None:
    clock, out = FakeClock(), io.StringIO()
    with pytest.raises(KeyboardInterrupt), CliProgress(out, terminal=True, clock=clock) as progress:
        progress.articles(4)
        clock.now += 1.0
        progress.advance(2)
        raise KeyboardInterrupt
    assert progress._bar is None
    assert out.getvalue().endswith("\n[newsmon] interrupted: 2 of 4 articles in 1.0 s, 2.0 articles/s\n")


def test_a_cycle_that_finished_short_says_how_short() -> None:
    clock, out = FakeClock(), io.StringIO()
    progress = CliProgress(out, terminal=False, clock=clock)
    progress.articles(4)
    clock.now += 1.5
    progress.advance(3)  # one article's writes failed: left for the next cycle
    progress.finish()
    assert out.getvalue() == "[newsmon] 3 of 4 articles in 1.5 s, 2.0 articles/s\n"


def test_nothing_announced_prints_no_final_line() -> None:
    out = io.StringIO()
    with CliProgress(out, terminal=True) as progress:
        progress.note("polling 1 feeds")
    assert out.getvalue() == "[newsmon] polling 1 feeds\n"


def test_it_is_a_progress_and_a_closed_stream_never_raises() -> None:
    out = io.StringIO()
    progress = CliProgress(out, terminal=True)
    assert as_progress(progress) is progress
    out.close()
    progress.note("x")
    progress.articles(2)
    progress.advance(2)
    progress.finish()


# -- the command line, end to end ------------------------------------------------------------


def run_on_pty(
    args: list[str], env: dict[str, str], timeout: float = 120, interrupt_after: str | None = None
) -> tuple[int, str, str]:
    """Run ``python -m pipeline ARGS`` with stderr on a pseudo-terminal of 100 columns; send
    SIGINT (Ctrl-C) once ``interrupt_after`` appears on it."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    captured = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the slave is gone
                break
            if not data:
                break
            captured += data
            if interrupt_after and interrupt_after.encode() in captured:
                process.send_signal(signal.SIGINT)
                interrupt_after = None
        assert process.stdout is not None
        try:
            code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()  # a hang must fail the test, not block it reading stdout forever
            raise
        out = process.stdout.read().decode()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        os.close(master)
    return code, out, captured.decode(errors="replace")


def test_run_on_a_terminal_draws_the_bar(es, indices, tmp_path, seed_site) -> None:
    env = env_for(indices, tmp_path, seed_site)
    code, out, terminal = run_on_pty(["run", "--once", "--no-analyze"], env)
    assert code == 0, terminal
    assert "0/4 articles [00:00, ? articles/s, ETA ?]" in terminal  # drawn as soon as the total is known
    assert "4/4 articles" in terminal and "articles/s, ETA" in terminal and "100%|" in terminal
    assert REDRAW.search(terminal), terminal
    shown = lines(terminal.replace("\r\n", "\n"))
    assert "[newsmon] polling 1 feeds" in shown
    assert FINAL_LINE.match(shown[-1]) and FINAL_LINE.match(shown[-1])[1] == "4", shown
    assert "4 new, 4 indexed" in out  # the summary still goes to stdout


def test_run_on_a_pipe_prints_no_bar(es, indices, tmp_path, seed_site) -> None:
    env = env_for(indices, tmp_path, seed_site)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--once", "--no-analyze"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert "\r" not in err and "\x1b" not in err and "|" not in err and "█" not in err, err
    shown = lines(err)
    assert all(line.startswith("[newsmon] ") for line in shown), shown
    assert "[newsmon] polling 1 feeds" in shown
    assert FINAL_LINE.match(shown[-1]) and FINAL_LINE.match(shown[-1])[1] == "4", shown
    assert sum(1 for line in shown if FINAL_LINE.match(line)) == 1


@pytest.mark.parametrize("moment", ["polling", "articles"])
def test_ctrl_c_stops_watch_on_a_terminal(es, indices, tmp_path, seed_site, moment: str) -> None:
    """Ctrl-C while ``watch`` polls or while its bar runs (worker processes analysing): the cycle
    finishes its step, the bar is closed, ``stopped`` is printed and the exit code is 0."""
    env = env_for(indices, tmp_path, seed_site)
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    env["NEWSMON_ALERTS"] = str(tmp_path / "rules.yaml")
    code, _, terminal = run_on_pty(["watch", "--interval", "1"], env, timeout=180, interrupt_after=moment)
    assert code == 0, terminal
    shown = lines(terminal.replace("\r\n", "\n"))
    assert "[newsmon] received signal 2; stopping after this step" in terminal, shown
    assert shown[-1] == "[newsmon] stopped", shown
