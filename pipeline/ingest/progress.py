"""How a cycle reports its progress: notes, and articles done out of a known total.

The cycle calls :meth:`Progress.note` for stage messages and :meth:`Progress.articles` /
:meth:`Progress.advance` as articles are written, so a command line can draw a bar with
articles/s and ETA (``pipeline/cli``), while the scheduler and tests pass nothing
(:class:`Silent`). A plain ``Callable[[str], None]`` is accepted too and gets the notes only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable


@runtime_checkable
class Progress(Protocol):
    """Receives a cycle's progress; every method must return quickly and never raise."""

    def note(self, message: str) -> None:
        """A stage message ("polling 100 feeds", "2,000 new articles")."""

    def articles(self, total: int) -> None:
        """The number of new articles this cycle will write (may be called again, larger)."""

    def advance(self, count: int) -> None:
        """``count`` more articles were written (with their claims and events)."""


class Silent:
    """Progress that goes nowhere."""

    def note(self, message: str) -> None:
        return None

    def articles(self, total: int) -> None:
        return None

    def advance(self, count: int) -> None:
        return None


class NotesOnly:
    """Adapts a ``Callable[[str], None]`` (the old progress callback) to :class:`Progress`."""

    def __init__(self, callback: Callable[[str], None]) -> None:
        self._callback = callback

    def note(self, message: str) -> None:
        self._callback(message)

    def articles(self, total: int) -> None:
        return None

    def advance(self, count: int) -> None:
        return None


def as_progress(value: Progress | Callable[[str], None] | None) -> Progress:
    """Whatever a caller passed, as a :class:`Progress`."""
    if value is None:
        return Silent()
    if isinstance(value, Progress):
        return value
    return NotesOnly(value)
