#!/usr/bin/env python3
# ruff: noqa  (copied scorer, kept as upstream apart from the article path)
"""Score a claim/event extractor against gold files written by GUIDELINES.md.

Two ways to give predictions:
  score.py --gold DIR --pred-cmd 'python -m pipeline extract --jsonl'
      runs the command once, feeding it JSON Lines on stdin, one document a line:
      {"id": ..., "text": ..., "published": "YYYY-MM-DD" or null}
      and reads JSON Lines from its stdout: {"id": ..., "claims": [...], "events": [...]}
  score.py --gold DIR --pred DIR
      reads one JSON file per gold file, same file name, {"claims": [...], "events": [...]}

Thresholds: --min-claim-f1 and --min-event-f1 make the exit status 1 when missed.
Only the standard library is used, so it runs anywhere Python 3.9+ runs.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
# newsmon copy: article texts live next to this file (tests/eval/articles/<path>.txt).
FIXTURES = os.environ.get("SCORE_ARTICLES", os.path.join(HERE, "articles"))
STOP = {"the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "by", "with", "at",
        "from", "mr", "mrs", "ms", "dr", "s", "its", "his", "her", "their"}
FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                      "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def tokens(text):
    if not text:
        return []
    return re.findall(r"[a-z0-9]+", text.translate(FOLD).lower())


def f1(a, b):
    ta, tb = Counter(tokens(a)), Counter(tokens(b))
    common = sum((ta & tb).values())
    if not common:
        return 0.0
    p, r = common / sum(tb.values()), common / sum(ta.values())
    return 2 * p * r / (p + r)


def content_words(text):
    return {t for t in tokens(text) if t not in STOP}


def same_name(gold, pred):
    if not gold:
        return not pred
    return bool(pred) and bool(content_words(gold) & content_words(pred))


def article_text(gold):
    if gold.get("text"):  # gold files may carry their own text
        return gold["text"]
    name = gold["article"]
    path = (os.path.join(HERE, name + ".txt") if name.startswith("seed/")
            else os.path.join(FIXTURES, name + ".txt"))
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def match(golds, preds, pair_score):
    """Greedy one-to-one matching on the best pair scores; returns [(gold, pred)]."""
    pairs = []
    for i, g in enumerate(golds):
        for j, p in enumerate(preds):
            s = pair_score(g, p)
            if s is not None:
                pairs.append((s, i, j))
    pairs.sort(reverse=True)
    used_g, used_p, out = set(), set(), []
    for _, i, j in pairs:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        out.append((golds[i], preds[j]))
    return out


def claim_pair(g, p):
    s = f1(g.get("sentence"), p.get("sentence"))
    c = f1(g.get("content"), p.get("content"))
    if s >= 0.6 and c >= 0.3:
        return s + c
    return None


def event_pair(g, p):
    if g.get("type") != p.get("type"):
        return None
    s = f1(g.get("sentence"), p.get("sentence"))
    if s >= 0.6:
        return s + 0.5 * f1(g.get("trigger"), p.get("trigger"))
    return None


def prf(tp, npred, ngold):
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_command(cmd, golds):
    lines = []
    for name, g in golds.items():
        lines.append(json.dumps({"id": name, "text": article_text(g), "published": g.get("published")}))
    proc = subprocess.run(cmd, shell=True, input="\n".join(lines) + "\n", capture_output=True,
                          text=True, timeout=1800)
    if proc.returncode != 0:
        sys.exit(f"score.py: the command failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    preds = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line:
            obj = json.loads(line)
            preds[obj["id"]] = obj
    return preds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", default=os.path.join(HERE, "dev"), help="folder of gold JSON files")
    ap.add_argument("--pred", help="folder of predicted JSON files, same names as the gold files")
    ap.add_argument("--pred-cmd", help="command that reads JSON Lines documents and writes JSON Lines results")
    ap.add_argument("--per-article", action="store_true", help="print a row per article")
    ap.add_argument("--json", action="store_true", help="print the totals as one JSON object")
    ap.add_argument("--min-claim-f1", type=float, default=0.0)
    ap.add_argument("--min-event-f1", type=float, default=0.0)
    args = ap.parse_args()
    if bool(args.pred) == bool(args.pred_cmd):
        ap.error("give exactly one of --pred and --pred-cmd")

    golds = {}
    for fn in sorted(os.listdir(args.gold)):
        if fn.endswith(".json"):
            with open(os.path.join(args.gold, fn), encoding="utf-8") as fh:
                golds[fn[:-5]] = json.load(fh)
    if args.pred_cmd:
        preds = run_command(args.pred_cmd, golds)
    else:
        preds = {}
        for name in golds:
            path = os.path.join(args.pred, name + ".json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as fh:
                    preds[name] = json.load(fh)

    t = Counter()
    content_f1s = []
    rows = []
    for name, g in golds.items():
        p = preds.get(name, {})
        gc, pc = g.get("claims", []), p.get("claims", []) or []
        ge, pe = g.get("events", []), p.get("events", []) or []
        cm = match(gc, pc, claim_pair)
        em = match(ge, pe, event_pair)
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
        for a, b in em:
            for actor in a.get("actors") or []:
                t["actors_gold"] += 1
                t["actors_hit"] += any(same_name(actor, x) for x in (b.get("actors") or []))
            for actor in b.get("actors") or []:
                t["actors_pred"] += 1
                t["actors_right"] += any(same_name(x, actor) for x in (a.get("actors") or []))
        rows.append((name, prf(len(cm), len(pc), len(gc))[2], prf(len(em), len(pe), len(ge))[2],
                     len(gc), len(pc), len(ge), len(pe)))

    cp, cr, cf = prf(t["claims_tp"], t["claims_pred"], t["claims_gold"])
    ep, er, ef = prf(t["events_tp"], t["events_pred"], t["events_gold"])
    ratio = lambda a, b: (a / b) if b else 0.0
    totals = {
        "articles": len(golds), "articles_answered": sum(1 for n in golds if n in preds),
        "claims": {"gold": t["claims_gold"], "pred": t["claims_pred"], "matched": t["claims_tp"],
                   "precision": round(cp, 3), "recall": round(cr, 3), "f1": round(cf, 3),
                   "speaker_accuracy": round(ratio(t["speaker_ok"], t["claims_tp"]), 3),
                   "content_f1": round(ratio(sum(content_f1s), len(content_f1s)), 3)},
        "events": {"gold": t["events_gold"], "pred": t["events_pred"], "matched": t["events_tp"],
                   "precision": round(ep, 3), "recall": round(er, 3), "f1": round(ef, 3),
                   "status_accuracy": round(ratio(t["status_ok"], t["events_tp"]), 3),
                   "location_accuracy": round(ratio(t["location_ok"], t["events_tp"]), 3),
                   "actor_recall": round(ratio(t["actors_hit"], t["actors_gold"]), 3),
                   "actor_precision": round(ratio(t["actors_right"], t["actors_pred"]), 3)},
    }
    if args.per_article:
        print(f"{'article':55} {'claimF1':>7} {'eventF1':>7}  claims g/p  events g/p")
        for name, c, e, g1, p1, g2, p2 in rows:
            print(f"{name:55} {c:7.3f} {e:7.3f}  {g1:4d}/{p1:<4d}  {g2:4d}/{p2:<4d}")
    if args.json:
        print(json.dumps(totals))
    else:
        c, e = totals["claims"], totals["events"]
        print(f"claims: P={c['precision']:.3f} R={c['recall']:.3f} F1={c['f1']:.3f} "
              f"speaker_acc={c['speaker_accuracy']:.3f} content_f1={c['content_f1']:.3f} "
              f"(gold {c['gold']}, predicted {c['pred']})")
        print(f"events: P={e['precision']:.3f} R={e['recall']:.3f} F1={e['f1']:.3f} "
              f"status_acc={e['status_accuracy']:.3f} location_acc={e['location_accuracy']:.3f} "
              f"actor_recall={e['actor_recall']:.3f} actor_precision={e['actor_precision']:.3f} "
              f"(gold {e['gold']}, predicted {e['pred']})")
    ok = cf >= args.min_claim_f1 and ef >= args.min_event_f1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
