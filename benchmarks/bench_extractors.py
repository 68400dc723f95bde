"""Speed and memory of claim+event extraction vs spaCy's full pipeline vs trafilatura.

Usage: python benchmarks/bench_extractors.py [ARTICLES_DIR] [--repeat N]

ARTICLES_DIR holds <name>.txt article texts (searched recursively), with the page
<name>.html next to each for trafilatura. Each contender runs in its own child
process pinned to one core, so peak RSS (ru_maxrss) is per contender.

Per-article figures divide by the articles each contender actually worked on: the extractors
by the texts they analysed (non-English or empty texts are skipped at almost no cost and are
left out of the count), trafilatura by the pages it extracted, spaCy's full pipeline by every
text. The "x trafilatura" columns are ratios of those per-article times.

The contenders run one after the other, so on a machine shared with other work the wall-clock
ratios also measure how the load changed between them. The "CPU" columns time the warm run by
the process's CPU time instead (`time.process_time`), which waiting for a core does not count:
compare those when the machine is busy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "tests" / "fixtures" / "articles"
CONTENDERS = ("extractors", "extractors_spacy_ner", "spacy_full", "spacy_full_blis", "trafilatura")


def find_texts(folder: Path) -> list[Path]:
    """Article .txt files, sorted, skipping files that are not article bodies."""
    return sorted(p for p in folder.rglob("*.txt") if p.stat().st_size > 0)


def run_child(contender: str, folder: Path, repeat: int) -> dict:
    """Time one contender over all texts; returns totals (runs inside the child)."""
    import resource

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    paths = find_texts(folder)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    extra: dict = {}
    if contender.startswith("extractors"):
        from pipeline.nlp.analyzer import Analyzer

        analyzer = Analyzer(entities="spacy" if contender == "extractors_spacy_ner" else "head")
        analyzer.analyze("Officials said the talks in Geneva would resume.")  # warm-up

        def work() -> None:
            results = list(analyzer.analyze_many((t, None) for t in texts))
            extra["claims"] = sum(len(r.claims) for r in results)
            extra["events"] = sum(len(r.events) for r in results)
            extra["skipped"] = sum(r.status != "ok" and r.status != "truncated" for r in results)
    elif contender.startswith("spacy_full"):
        from pipeline.nlp.model import load_model

        nlp = load_model(fast_blas=contender == "spacy_full")
        nlp("Warm up.")

        def work() -> None:
            for _ in nlp.pipe(texts, batch_size=16):
                pass
    else:
        import trafilatura

        pages = [
            p.with_suffix(".html").read_text(encoding="utf-8", errors="replace")
            if p.with_suffix(".html").exists()
            else ""
            for p in paths
        ]
        extra["pages"] = sum(bool(h) for h in pages)
        trafilatura.extract(pages[0] or "<html><body><p>warm up</p></body></html>")

        def work() -> None:
            for html in pages:
                if html:
                    trafilatura.extract(html)

    times, cpu_times = [], []
    for _ in range(max(repeat, 2)):
        start, cpu_start = time.perf_counter(), time.process_time()
        work()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The first pass fills per-word caches (lemmas, embeddings); later passes show a
    # long-running worker. Both are reported.
    return {
        "contender": contender,
        "docs": len(texts),
        "seconds": min(times[1:]),
        "cold_seconds": times[0],
        "cpu_seconds": min(cpu_times[1:]),
        "peak_rss_mb": rss_kb / 1024,
        **extra,
    }


def count_tokens(folder: Path) -> int:
    """spaCy tokenizer token count of all texts, the common denominator for tokens/s."""
    from pipeline.nlp.model import load_model

    tokenizer = load_model().tokenizer
    return sum(len(tokenizer(p.read_text(encoding="utf-8", errors="replace"))) for p in find_texts(folder))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per contender (at least 2): the first is reported as cold, the best of the others as warm",
    )
    ap.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    folder = args.folder
    if not folder.exists() or not find_texts(folder):
        ap.error(f"no .txt articles under {folder}")
    if args.child:
        print(json.dumps(run_child(args.child, folder, args.repeat)))
        return 0

    tokens = count_tokens(folder)
    rows = []
    for contender in CONTENDERS:
        proc = subprocess.run(
            [sys.executable, __file__, str(folder), "--repeat", str(args.repeat), "--child", contender],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"{contender} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    print(
        f"articles: {folder} ({rows[0]['docs'] if rows else 0} texts, {tokens} tokens), "
        f"one core; warm = best of runs 2..{max(args.repeat, 2)}, cold = run 1"
    )
    print(
        f"{'contender':<34} {'ms/article':>10} {'tokens/s':>10} {'peak RSS MB':>12}"
        f" {'x trafilatura':>14} {'cold ms':>8} {'cold x':>7} {'CPU ms':>7} {'CPU x':>6}"
    )

    def units(r: dict) -> int:
        """The articles this contender worked on (see the module docstring)."""
        if r["contender"].startswith("extractors"):
            return max(r["docs"] - r["skipped"], 1)
        if r["contender"] == "trafilatura":
            return max(r["pages"], 1)
        return max(r["docs"], 1)

    traf = next((r for r in rows if r["contender"] == "trafilatura"), None)
    base = traf["seconds"] / units(traf) if traf else None
    cold_base = traf["cold_seconds"] / units(traf) if traf else None
    cpu_base = traf["cpu_seconds"] / units(traf) if traf else None
    for r in rows:
        name = {
            "extractors": "claims+events (pipeline.nlp.analyzer)",
            "extractors_spacy_ner": "claims+events, spaCy's NER",
            "spacy_full": "spaCy en_core_web_sm full pipeline",
            "spacy_full_blis": "same, thinc's stock BLIS gemm",
            "trafilatura": "trafilatura.extract (.html)",
        }[r["contender"]]
        per, cold_per = r["seconds"] / units(r), r["cold_seconds"] / units(r)
        ms, cold_ms = per * 1000, cold_per * 1000
        ratio = f" {per / base:14.2f}" if base else ""
        cold = f" {cold_ms:8.1f} {cold_per / cold_base:7.2f}" if cold_base else ""
        cpu_per = r["cpu_seconds"] / units(r)
        cpu = f" {cpu_per * 1000:7.1f} {cpu_per / cpu_base:6.2f}" if cpu_base else ""
        speed = f"{ms:10.1f} {tokens / r['seconds']:10.0f} {r['peak_rss_mb']:12.0f}"
        print(f"{name:<34} {speed}{ratio}{cold}{cpu}")
    for r in rows:
        if r["contender"].startswith("extractors"):
            print(
                f"{r['contender']} found {r['claims']} claims and {r['events']} events; "
                f"{r['skipped']} texts skipped (non-English/empty); per article = per analysed text "
                f"({units(r)})"
            )
        if r["contender"] == "trafilatura":
            print(f"trafilatura ran on {r['pages']} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
