"""Where things are in the repository, for tests and benchmarks: one ROOT, the folders under it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository (tests/support/paths.py -> ..)
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
EVAL = TESTS / "eval"
SEEDS = ROOT / "seeds"
