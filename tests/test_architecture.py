"""The package layout holds what the README promises (static checks plus clean-interpreter imports).

- ``pipeline/`` imports neither Airflow nor the tests or benchmarks;
- the alerts and store stages import no NLP (no spaCy) and no Airflow;
- every module states its contract in a docstring, and every broad ``except`` says why;
- modules stay small enough to hold one concern.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGE = ROOT / "pipeline"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 600  # "no module over ~500 lines unless it is one concern"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_modules_exist() -> None:
    stages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert {"ingest", "fetch", "nlp", "store", "alerts", "cli"} <= stages
    assert len(MODULES) > 30


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_contract(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert ast.get_docstring(tree), f"{path} has no module docstring"
    forbidden = {n for n in _imports(path) if n.split(".")[0] in {"airflow", "tests", "benchmarks"}}
    assert not forbidden, f"{path} imports {forbidden}"
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("except Exception") or stripped.startswith("except BaseException"):
            assert "#" in line and len(line.split("#", 1)[1].strip()) > 10, (
                f"{path}:{number}: broad except without a reason"
            )
    if "lexicons" not in path.parts:  # word lists are data, one concern however long
        assert len(source.splitlines()) <= MAX_LINES, f"{path} is over {MAX_LINES} lines"


@pytest.mark.parametrize("stage", ["pipeline.alerts", "pipeline.store", "pipeline.fetch", "pipeline.ingest"])
def test_stage_imports_no_nlp(stage: str) -> None:
    """Importing every module of a non-NLP stage loads neither spaCy nor Airflow.

    ``ingest`` may import the ``pipeline.nlp`` package (its analyzer factory), which itself
    imports spaCy only when an analyzer is built; the other stages import no NLP code at all.
    """
    package = PACKAGE / stage.split(".")[1]
    names = [stage] + [f"{stage}.{p.stem}" for p in sorted(package.glob("*.py")) if p.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'spacy', 'thinc', 'airflow'}"
        f" or ({stage != 'pipeline.ingest'} and m.startswith('pipeline.nlp')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "", f"{stage} imports {out.stdout.strip()}"
