"""Snapshot of ``python -m pipeline extract --jsonl`` over every text in the repository.

Refactors of the extractors must leave their output byte-identical. This script feeds every
``.txt`` under ``tests/eval/articles`` and ``tests/fixtures/articles`` (sorted by path, as
``{"id", "text", "published": null}`` lines) to the real command line and writes what it
prints to OUT; with ``--compare BASE`` it then reports the first differing documents and exits
1 when OUT differs from BASE in any byte.

    python scripts/extract_snapshot.py /tmp/before.jsonl
    # ... change the code ...
    python scripts/extract_snapshot.py /tmp/after.jsonl --compare /tmp/before.jsonl
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "tests" / "eval" / "articles", ROOT / "tests" / "fixtures" / "articles")


def documents() -> list[dict[str, object]]:
    """Every text file under the source folders, in a stable order."""
    docs: list[dict[str, object]] = []
    for base in SOURCES:
        for path in sorted(base.rglob("*.txt")):
            rel = path.relative_to(ROOT).as_posix()
            docs.append({"id": rel, "text": path.read_text(encoding="utf-8"), "published": None})
    return docs


def snapshot(out: Path, extra_args: list[str]) -> int:
    """Run the extractor's CLI over all documents; write its stdout to `out`; return its exit code."""
    stdin = "".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in documents())
    cmd = [sys.executable, "-m", "pipeline", "extract", "--jsonl", *extra_args]
    proc = subprocess.run(cmd, input=stdin.encode("utf-8"), capture_output=True, cwd=ROOT, check=False)
    out.write_bytes(proc.stdout)
    if proc.returncode:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace")[-4000:])
    return proc.returncode


def compare(after: Path, before: Path) -> int:
    """0 when the two snapshots are byte-identical; else print the differing ids and return 1."""
    a, b = after.read_bytes(), before.read_bytes()
    if a == b:
        print(f"identical: {len(a.splitlines())} documents, {len(a)} bytes")
        return 0
    a_lines, b_lines = a.splitlines(), b.splitlines()
    differing = [json.loads(x).get("id", "?") for x, y in zip(a_lines, b_lines, strict=False) if x != y]
    print(f"DIFFERENT: {len(a_lines)} vs {len(b_lines)} lines; {len(differing)} documents differ")
    for doc_id in differing[:20]:
        print(f"  {doc_id}")
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path, help="an earlier snapshot that must be identical")
    parser.add_argument("--entities", choices=["head", "spacy"], help="passed to extract --jsonl")
    args = parser.parse_args()
    extra = ["--entities", args.entities] if args.entities else []
    code = snapshot(args.out, extra)
    if code:
        print(f"extract --jsonl exited {code}", file=sys.stderr)
        return code
    return compare(args.out, args.compare) if args.compare else 0


if __name__ == "__main__":
    sys.exit(main())
