#!/usr/bin/env python3
"""Score the claim and event extractors on a gold folder, in-process, with score.py's matching.

Usage:
    python scripts/eval_extractors.py                      # tests/eval/train
    python scripts/eval_extractors.py --set dev            # dev | extra | heldout | train | train2 | train3
    python scripts/eval_extractors.py --gold DIR           # any gold folder but the blind one
    python scripts/eval_extractors.py --rules              # without the learned decision layer
    python scripts/eval_extractors.py --folds 5            # K-fold cross-validation by article
    python scripts/eval_extractors.py --json               # one JSON object instead of text

Prints claims P/R/F1, speaker accuracy, content F1, events P/R/F1, status, location, actor
recall and precision, and event recall per type. Matching is `tests/eval/score.py`'s own
(`match`, `claim_pair`, `event_pair`, `same_name`, imported, not re-implemented), so the
figures equal `score.py --pred-cmd 'python -m pipeline extract --jsonl'` on the same folder.

`--folds K` cross-validates the learned decision layer (`pipeline.nlp.decide`) by article:
the extractor runs once in recording mode (every broad candidate with its features and the
event it would become), articles are dealt to K folds in sorted order (article i -> fold
i mod K), each fold is decided by a decider trained (`scripts/train_decider.py`'s `fit`) on
the other K-1 folds' articles only, and the K held-out folds are scored together.

The blind test split (`tests/eval/blind`, and any gold file whose article is listed under
"blind" in `tests/eval/splits.json`) is refused before anything of it is read, unless
`--blind-totals` is given: then only the totals line is printed (no per-type or per-article
figures, no texts), as the lead engineer's one-off final measurement.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"
BLIND = EVAL / "blind"
SETS = ("train", "train2", "train3", "dev", "extra", "heldout")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_score() -> ModuleType:
    """`tests/eval/score.py` as a module (it is a script, not a package member)."""
    spec = importlib.util.spec_from_file_location("newsmon_eval_score", EVAL / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCORE = load_score()


class BlindRefused(SystemExit):
    """Exit status 1, message on stderr: blind gold asked for without `--blind-totals`."""


def is_blind_folder(folder: Path) -> bool:
    """True for tests/eval/blind itself or anything inside it (symlinks resolved)."""
    real, blind = folder.resolve(), BLIND.resolve()
    return real == blind or blind in real.parents


def blind_articles() -> set[str]:
    """Article names (`aeb/<file>` without `.txt`) of the blind split, from splits.json."""
    with open(EVAL / "splits.json", encoding="utf-8") as fh:
        names = json.load(fh).get("blind", [])
    return {"aeb/" + n.removesuffix(".txt") for n in names}


def load_golds(folder: Path, allow_blind: bool = False) -> dict[str, dict[str, Any]]:
    """Gold files by name (sorted); refuses blind material unless `allow_blind`."""
    if is_blind_folder(folder) and not allow_blind:
        raise BlindRefused(
            f"eval_extractors: {folder} is the blind test split; only the lead scores it "
            "(--blind-totals, totals only)"
        )
    blind = blind_articles()
    golds: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        with open(path, encoding="utf-8") as fh:
            gold = json.load(fh)
        if gold.get("article") in blind and not allow_blind:
            raise BlindRefused(f"eval_extractors: {folder} holds a blind-split article; refused")
        golds[path.stem] = gold
    return golds


def score_sets(golds: dict[str, dict[str, Any]], preds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """score.py's totals (same matching) plus event recall per gold type."""
    match: Callable[..., list[tuple[dict[str, Any], dict[str, Any]]]] = SCORE.match
    same_name, f1, prf = SCORE.same_name, SCORE.f1, SCORE.prf
    t: Counter[str] = Counter()
    type_gold: Counter[str] = Counter()
    type_hit: Counter[str] = Counter()
    content_f1s: list[float] = []
    for name, g in golds.items():
        p = preds.get(name, {})
        gc, pc = g.get("claims", []), p.get("claims", []) or []
        ge, pe = g.get("events", []), p.get("events", []) or []
        cm = match(gc, pc, SCORE.claim_pair)
        em = match(ge, pe, SCORE.event_pair)
        t["claims_gold"] += len(gc)
        t["claims_pred"] += len(pc)
        t["claims_tp"] += len(cm)
        t["speaker_ok"] += sum(same_name(a.get("speaker"), b.get("speaker")) for a, b in cm)
        content_f1s += [f1(a.get("content"), b.get("content")) for a, b in cm]
        t["events_gold"] += len(ge)
        t["events_pred"] += len(pe)
        t["events_tp"] += len(em)
        t["status_ok"] += sum(a.get("status") == b.get("status") for a, b in em)
        t["location_ok"] += sum(same_name(a.get("location"), b.get("location")) for a, b in em)
        type_gold.update(str(e.get("type")) for e in ge)
        type_hit.update(str(a.get("type")) for a, _ in em)
        for a, b in em:
            for actor in a.get("actors") or []:
                t["actors_gold"] += 1
                t["actors_hit"] += any(same_name(actor, x) for x in (b.get("actors") or []))
            for actor in b.get("actors") or []:
                t["actors_pred"] += 1
                t["actors_right"] += any(same_name(x, actor) for x in (a.get("actors") or []))

    def ratio(a: float, b: float) -> float:
        return round(a / b, 3) if b else 0.0

    cp, cr, cf = prf(t["claims_tp"], t["claims_pred"], t["claims_gold"])
    ep, er, ef = prf(t["events_tp"], t["events_pred"], t["events_gold"])
    return {
        "articles": len(golds),
        "claims": {
            "gold": t["claims_gold"],
            "pred": t["claims_pred"],
            "matched": t["claims_tp"],
            "precision": round(cp, 3),
            "recall": round(cr, 3),
            "f1": round(cf, 3),
            "speaker_accuracy": ratio(t["speaker_ok"], t["claims_tp"]),
            "content_f1": ratio(sum(content_f1s), len(content_f1s)),
        },
        "events": {
            "gold": t["events_gold"],
            "pred": t["events_pred"],
            "matched": t["events_tp"],
            "precision": round(ep, 3),
            "recall": round(er, 3),
            "f1": round(ef, 3),
            "status_accuracy": ratio(t["status_ok"], t["events_tp"]),
            "location_accuracy": ratio(t["location_ok"], t["events_tp"]),
            "actor_recall": ratio(t["actors_hit"], t["actors_gold"]),
            "actor_precision": ratio(t["actors_right"], t["actors_pred"]),
        },
        "type_recall": {
            k: {"gold": type_gold[k], "matched": type_hit[k], "recall": ratio(type_hit[k], type_gold[k])}
            for k in sorted(type_gold)
        },
    }


def run_extractor(golds: dict[str, dict[str, Any]], decider: str) -> dict[str, dict[str, Any]]:
    """Claims and events of every gold article, by the in-process analyzer."""
    from pipeline.nlp.analyzer import Analyzer
    from pipeline.nlp.dates import parse_published

    analyzer = Analyzer(decider=decider)
    preds: dict[str, dict[str, Any]] = {}
    for name, gold in golds.items():
        result = analyzer.analyze(SCORE.article_text(gold), parse_published(gold.get("published")))
        preds[name] = result.to_dict()
    return preds


def cross_validate(golds: dict[str, dict[str, Any]], folds: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """K-fold CV by article of the learned layer, and the hand rules on the same recording."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_decider

    records = train_decider.record_articles(golds)
    names = sorted(golds)
    fold_of = {name: i % folds for i, name in enumerate(names)}
    preds: dict[str, dict[str, Any]] = {}
    for k in range(folds):
        part = {n: records[n] for n in names if fold_of[n] != k}
        event = train_decider.fit(part, golds, "event")
        claim = train_decider.fit(part, golds, "claim")
        for n in names:
            if fold_of[n] == k:
                preds[n] = train_decider.decide_recorded(records[n], event, claim)
    rules = {n: train_decider.decide_recorded(records[n]) for n in names}
    return score_sets(golds, preds), score_sets(golds, rules)


def totals_line(s: dict[str, Any]) -> str:
    c, e = s["claims"], s["events"]
    return (
        f"claims P/R/F1 {c['precision']:.3f}/{c['recall']:.3f}/{c['f1']:.3f} "
        f"speaker {c['speaker_accuracy']:.3f} content {c['content_f1']:.3f} | "
        f"events P/R/F1 {e['precision']:.3f}/{e['recall']:.3f}/{e['f1']:.3f} "
        f"status {e['status_accuracy']:.3f} location {e['location_accuracy']:.3f} "
        f"actors R/P {e['actor_recall']:.3f}/{e['actor_precision']:.3f}"
    )


def report(s: dict[str, Any], label: str) -> str:
    c, e = s["claims"], s["events"]
    lines = [
        f"{label}: {s['articles']} articles; claims gold {c['gold']} pred {c['pred']} matched "
        f"{c['matched']}; events gold {e['gold']} pred {e['pred']} matched {e['matched']}",
        totals_line(s),
        "event recall per type: "
        + ", ".join(
            f"{k} {v['recall']:.2f} ({v['matched']}/{v['gold']})" for k, v in s["type_recall"].items()
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--set", choices=SETS, help="a gold set under tests/eval (default train)")
    where.add_argument("--gold", type=Path, action="append", help="a gold folder (repeatable)")
    ap.add_argument("--rules", action="store_true", help="hand rules only, no learned decision layer")
    ap.add_argument("--folds", type=int, default=0, help="K-fold cross-validation by article (K >= 2)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--blind-totals", action="store_true", help="lead engineer only: blind split totals")
    args = ap.parse_args(argv)
    folders = args.gold if args.gold is not None else [EVAL / (args.set or "train")]
    folder = folders[0]
    if args.blind_totals:
        if len(folders) != 1 or not is_blind_folder(folder):
            ap.error("--blind-totals is only for the blind split (--gold tests/eval/blind)")
        golds = load_golds(folder, allow_blind=True)
        s = score_sets(golds, run_extractor(golds, "rules" if args.rules else "auto"))
        print("blind totals: " + totals_line(s))
        return 0
    golds = {name: g for f in folders for name, g in load_golds(f).items()}
    name = "+".join(f.name for f in folders)
    if not golds:
        ap.error(f"no gold files in {folder}")
    if args.folds:
        if args.folds < 2 or args.folds > len(golds):
            ap.error(f"--folds must be between 2 and {len(golds)}")
        if args.rules:
            ap.error("--folds cross-validates the learned layer; drop --rules")
        s, rules = cross_validate(golds, args.folds)
        if not args.json:
            print(report(rules, f"{name} (hand rules, same run)"))
        label = f"{name} ({args.folds}-fold CV by article)"
    else:
        s = score_sets(golds, run_extractor(golds, "rules" if args.rules else "auto"))
        label = f"{name} ({'rules' if args.rules else 'as shipped'})"
    print(json.dumps(s) if args.json else report(s, label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
