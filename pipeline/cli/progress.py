"""The command line's view of a cycle's progress: a bar on a terminal, plain lines elsewhere.

:class:`CliProgress` implements :class:`pipeline.ingest.progress.Progress` for ``run`` and
``watch``. The contract:

- **On a terminal** (the stream, stderr by default, is a TTY): once the cycle announces how
  many articles it will write (:meth:`~CliProgress.articles`), a tqdm bar shows articles done /
  total, articles/s and the ETA; notes (:meth:`~CliProgress.note`) and log records are printed
  above the bar as ``[newsmon] message`` lines without breaking it.
- **Anywhere else** (CI, cron, Airflow, a pipe or a file): no bar, no carriage returns and no
  escape codes; only the ``[newsmon] message`` lines the CLI always printed.
- **In both**: :meth:`~CliProgress.finish` (called after each cycle, and by ``with`` on the way
  out, also on Ctrl-C or an exception) closes the bar and prints one final line with the count
  and the rate, e.g. ``[newsmon] 4 articles in 1.2 s, 3.3 articles/s`` (``interrupted: 2 of 4
  articles ...`` when the cycle did not finish, ``3 of 4 articles`` when it finished short: the
  rest failed and is left for the next cycle). Nothing is printed when the cycle announced no
  articles (an idle ``watch`` cycle stays quiet).

Rate is the average since the first :meth:`~CliProgress.articles` of the cycle (articles done /
seconds), ETA is (total - done) / rate; both come from an injectable ``clock``. Every method
returns quickly and never raises (a closed stream is ignored), and the object is callable with a
message (= :meth:`~CliProgress.note`), so it also serves a cycle that takes the older
``Callable[[str], None]``. One instance serves many cycles (``watch``): the next cycle's
:meth:`~CliProgress.articles` opens a new bar. Methods may be called from several threads.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, suppress
from types import TracebackType
from typing import Never, TextIO

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

PREFIX = "[newsmon]"
UNIT = "articles"
BAR_FORMAT = "{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} " + UNIT + " [{elapsed}{postfix}]"


def interval(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class CliProgress(AbstractContextManager["CliProgress"]):
    """Progress of ingest cycles for a person at a terminal, or plain lines for a log."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        terminal: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self.terminal = self._isatty() if terminal is None else terminal
        self._clock = clock
        self._lock = threading.RLock()  # RLock: a signal handler may note while a note is written
        self._bar: tqdm[Never] | None = None  # tqdm without an iterable is typed tqdm[Never]
        self._exits = ExitStack()
        self._reset()

    def _isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (AttributeError, OSError, ValueError):
            return False

    def _reset(self) -> None:
        self.total: int | None = None
        self.done = 0
        self._started: float | None = None

    # -- the Progress protocol -------------------------------------------------------------

    def note(self, message: str) -> None:
        """A ``[newsmon] message`` line (above the bar when one is drawn)."""
        with self._lock:
            self._line(f"{PREFIX} {message}")

    __call__ = note

    def articles(self, total: int) -> None:
        """The cycle will write ``total`` articles (a later, larger call raises the total)."""
        with self._lock:
            if self._started is None:
                self._started = self._clock()
            self.total = max(total, self.done)
            if self.terminal:
                self._draw()

    def advance(self, count: int) -> None:
        """``count`` more articles were written."""
        with self._lock:
            if self._started is None:
                self._started = self._clock()
            self.done += count
            self.total = max(self.total or 0, self.done)
            if self.terminal:
                self._draw(count)

    # -- rate and ETA ----------------------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds since the cycle announced its first articles (0 before that)."""
        return 0.0 if self._started is None else max(0.0, self._clock() - self._started)

    def rate(self) -> float | None:
        """Articles per second so far (average), or None before any time or article passed."""
        seconds = self.elapsed()
        return self.done / seconds if seconds > 0 and self.done else None

    def eta(self) -> float | None:
        """Seconds until all announced articles are written at the current rate, or None."""
        rate = self.rate()
        if rate is None or self.total is None:
            return None
        return max(0, self.total - self.done) / rate

    def stats(self) -> str:
        """``3.3 articles/s, ETA 0:05`` (``?`` where not known yet)."""
        rate, eta = self.rate(), self.eta()
        shown_rate = "?" if rate is None else f"{rate:.1f}"
        shown_eta = "?" if eta is None else interval(eta)
        return f"{shown_rate} {UNIT}/s, ETA {shown_eta}"

    def summary(self, interrupted: bool = False) -> str:
        """The final line: count, seconds and rate."""
        rate = self.rate()
        short = self.total is not None and self.done < self.total  # interrupted, or writes failed
        count = f"{self.done} of {self.total} {UNIT}" if short else f"{self.done} {UNIT}"
        shown = f"{rate:.1f}" if rate is not None else "0.0"
        head = f"{PREFIX} interrupted: " if interrupted else f"{PREFIX} "
        return f"{head}{count} in {self.elapsed():.1f} s, {shown} {UNIT}/s"

    # -- lifecycle -------------------------------------------------------------------------

    def finish(self, interrupted: bool = False) -> None:
        """End of a cycle: close the bar, print the final line, get ready for the next cycle."""
        with self._lock:
            if self._started is None:
                return
            if self._bar is not None:
                bar, self._bar = self._bar, None
                with suppress(OSError, ValueError):
                    bar.set_postfix_str(self.stats(), refresh=False)
                    bar.close()
            interrupted = interrupted and self.done < (self.total or 0)
            self._line(self.summary(interrupted))
            self._reset()

    def __enter__(self) -> CliProgress:
        if self.terminal:  # log records go above the bar too, instead of through it
            self._exits.enter_context(logging_redirect_tqdm())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.finish(interrupted=exc_type is not None)
        finally:
            self._exits.close()

    # -- output ----------------------------------------------------------------------------

    def _draw(self, count: int = 0) -> None:
        try:
            bar = self._bar
            if bar is None:
                bar = self._bar = tqdm(
                    total=self.total,
                    file=self._stream,
                    bar_format=BAR_FORMAT,
                    postfix=self.stats(),
                    dynamic_ncols=True,
                    leave=True,
                )
            bar.set_postfix_str(self.stats(), refresh=False)
            if bar.total != self.total:
                bar.total = self.total
                bar.refresh()
            if count:
                bar.update(count)  # redraws at most every 0.1 s (tqdm's mininterval)
        except (OSError, ValueError):
            return

    def _line(self, text: str) -> None:
        try:
            if self._bar is not None:
                tqdm.write(text, file=self._stream)  # clears the bar, writes, redraws it
            else:
                print(text, file=self._stream, flush=True)
        except (OSError, ValueError):
            return
