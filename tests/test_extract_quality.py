"""End-to-end quality on every gold set (score.py: dev, extra, heldout, train, train2, train3
and the blind split's totals) and robustness of the analyser."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import pytest

from pipeline.nlp.analyzer import Analyzer, run_jsonl
from tests.support.paths import EVAL, ROOT

# Every figure the README prints, per gold set: the value measured when these floors were set
# (in the comment) minus 0.03, rounded down. Measured after issue 10's third round (the
# public-affairs gate, sense checks, news triggers from train3, status, location, actor and
# speaker rules, the decision layers trained on train + train2 + train3) at commit 62c83a4;
# the blind split is scored here only as totals, once per round.
FLOORS = {
    "dev": {  # 11 articles, the original gold (the old word lists were tuned on it)
        ("claims", "precision"): 0.92,  # 0.955
        ("claims", "recall"): 0.88,  # 0.917
        ("claims", "f1"): 0.90,  # 0.936
        ("claims", "speaker_accuracy"): 0.92,  # 0.957
        ("claims", "content_f1"): 0.90,  # 0.936
        ("events", "precision"): 0.59,  # 0.629
        ("events", "recall"): 0.58,  # 0.619
        ("events", "f1"): 0.59,  # 0.624
        ("events", "status_accuracy"): 0.85,  # 0.885
        ("events", "location_accuracy"): 0.88,  # 0.918
        ("events", "actor_recall"): 0.39,  # 0.422
        ("events", "actor_precision"): 0.38,  # 0.415
    },
    "extra": {  # 9 articles, three more annotators (the old lists were tuned on them too)
        ("claims", "precision"): 0.87,  # 0.908
        ("claims", "recall"): 0.75,  # 0.787
        ("claims", "f1"): 0.81,  # 0.843
        ("claims", "speaker_accuracy"): 0.93,  # 0.961
        ("claims", "content_f1"): 0.88,  # 0.919
        ("events", "precision"): 0.63,  # 0.661
        ("events", "recall"): 0.56,  # 0.597
        ("events", "f1"): 0.59,  # 0.627
        ("events", "status_accuracy"): 0.88,  # 0.910
        ("events", "location_accuracy"): 0.79,  # 0.829
        ("events", "actor_recall"): 0.47,  # 0.504
        ("events", "actor_precision"): 0.37,  # 0.405
    },
    "heldout": {  # 3 articles, never tuned on
        ("claims", "precision"): 0.87,  # 0.907
        ("claims", "recall"): 0.85,  # 0.886
        ("claims", "f1"): 0.86,  # 0.897
        ("claims", "speaker_accuracy"): 0.97,  # 1.000
        ("claims", "content_f1"): 0.80,  # 0.837
        ("events", "precision"): 0.76,  # 0.791
        ("events", "recall"): 0.58,  # 0.618
        ("events", "f1"): 0.66,  # 0.694
        ("events", "status_accuracy"): 0.88,  # 0.912
        ("events", "location_accuracy"): 0.76,  # 0.794
        ("events", "actor_recall"): 0.44,  # 0.473
        ("events", "actor_precision"): 0.42,  # 0.456
    },
    "train": {  # 48 corpus articles, issue 10's training split (the decision layers train on it)
        ("claims", "precision"): 0.84,  # 0.874
        ("claims", "recall"): 0.76,  # 0.790
        ("claims", "f1"): 0.80,  # 0.830
        ("claims", "speaker_accuracy"): 0.90,  # 0.932
        ("claims", "content_f1"): 0.91,  # 0.944
        ("events", "precision"): 0.59,  # 0.629
        ("events", "recall"): 0.49,  # 0.529
        ("events", "f1"): 0.54,  # 0.574
        ("events", "status_accuracy"): 0.92,  # 0.955
        ("events", "location_accuracy"): 0.86,  # 0.891
        ("events", "actor_recall"): 0.55,  # 0.581
        ("events", "actor_precision"): 0.60,  # 0.635
    },
    "train2": {  # 43 more corpus texts (tech, sport, lifestyle, politics): training data, in-sample
        ("claims", "precision"): 0.68,  # 0.717
        ("claims", "recall"): 0.65,  # 0.685
        ("claims", "f1"): 0.67,  # 0.701
        ("claims", "speaker_accuracy"): 0.87,  # 0.905
        ("claims", "content_f1"): 0.92,  # 0.950
        ("events", "precision"): 0.23,  # 0.267
        ("events", "recall"): 0.43,  # 0.462
        ("events", "f1"): 0.30,  # 0.338
        ("events", "status_accuracy"): 0.88,  # 0.917
        ("events", "location_accuracy"): 0.97,  # 1.000
        ("events", "actor_recall"): 0.72,  # 0.750
        ("events", "actor_precision"): 0.63,  # 0.667
    },
    "train3": {  # 35 news pages, five more annotators: measured once unseen, then training data
        ("claims", "precision"): 0.84,  # 0.878
        ("claims", "recall"): 0.75,  # 0.787
        ("claims", "f1"): 0.80,  # 0.830
        ("claims", "speaker_accuracy"): 0.88,  # 0.910
        ("claims", "content_f1"): 0.90,  # 0.931
        ("events", "precision"): 0.54,  # 0.576
        ("events", "recall"): 0.50,  # 0.539
        ("events", "f1"): 0.52,  # 0.557
        ("events", "status_accuracy"): 0.83,  # 0.865
        ("events", "location_accuracy"): 0.81,  # 0.840
        ("events", "actor_recall"): 0.58,  # 0.614
        ("events", "actor_precision"): 0.53,  # 0.569
    },
    "blind": {  # 16 corpus articles, the blind test split: scored only as these totals, never read
        ("claims", "precision"): 0.83,  # 0.866
        ("claims", "recall"): 0.80,  # 0.835
        ("claims", "f1"): 0.82,  # 0.850
        ("claims", "speaker_accuracy"): 0.86,  # 0.897
        ("claims", "content_f1"): 0.91,  # 0.949
        ("events", "precision"): 0.57,  # 0.600
        ("events", "recall"): 0.39,  # 0.429
        ("events", "f1"): 0.47,  # 0.500
        ("events", "status_accuracy"): 0.76,  # 0.792
        ("events", "location_accuracy"): 0.72,  # 0.750
        ("events", "actor_recall"): 0.56,  # 0.595
        ("events", "actor_precision"): 0.58,  # 0.611
    },
}


@pytest.fixture(scope="module")
def scores() -> dict[str, dict]:
    """score.py totals per gold set, each run as the measurement runs it (a subprocess)."""
    cmd = f"{sys.executable} -m pipeline.nlp.analyzer"
    out = {}
    for name in FLOORS:
        proc = subprocess.run(
            [sys.executable, str(EVAL / "score.py"), "--gold", str(EVAL / name), "--pred-cmd", cmd, "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


@pytest.mark.parametrize(
    ("gold", "section", "metric"), sorted((g, s, m) for g, floors in FLOORS.items() for s, m in floors)
)
def test_scores_above_floor(scores: dict, gold: str, section: str, metric: str) -> None:
    totals = scores[gold]
    assert totals["articles_answered"] == totals["articles"]
    # the blind split's figures are read once per round, as totals, not in a failure message
    above = totals[section][metric] >= FLOORS[gold][(section, metric)]
    assert above, f"{section} {metric} below its floor" if gold == "blind" else totals[section]


def test_short_headline_is_not_taken_for_foreign(analyzer: Analyzer) -> None:
    result = analyzer.analyze("Ceasefire collapses as rebels shell Aleppo")
    assert result.status == "ok"
    assert any(e.type == "ceasefire" for e in result.events)


def test_empty_text(analyzer: Analyzer) -> None:
    for text in ("", "   \n\t "):
        result = analyzer.analyze(text)
        assert result.status == "empty"
        assert result.claims == [] and result.events == []


def test_non_english_is_skipped(analyzer: Analyzer) -> None:
    german = (
        "Die Bundesregierung hat am Dienstag neue Maßnahmen beschlossen, die nach Angaben "
        "des Ministeriums im kommenden Jahr in Kraft treten sollen. Der Minister sagte, "
        "man werde die Lage genau beobachten."
    )
    assert analyzer.analyze(german).status == "skipped_non_english"
    chinese = "国务院新闻办公室今天举行新闻发布会，介绍经济运行情况。" * 10
    assert analyzer.analyze(chinese).status == "skipped_non_english"
    english = "The minister said the talks would resume in Geneva next week."
    assert analyzer.analyze(english, language="fr").status == "skipped_non_english"
    assert analyzer.analyze(english, language="en").status == "ok"


def test_huge_text_is_truncated_in_bounded_time(analyzer: Analyzer) -> None:
    para = (
        "Officials said the talks in Geneva would resume on Monday, according to the "
        "ministry. \u201cWe are ready,\u201d the minister said.\n"
    )
    text = para * (2_000_000 // len(para) + 1)
    start = time.perf_counter()
    result = analyzer.analyze(text)
    elapsed = time.perf_counter() - start
    assert result.status == "truncated"
    assert result.reason
    assert result.claims
    assert elapsed < 60
    assert max(c.end for c in result.claims) <= 100_000


def test_huge_single_line_without_punctuation(analyzer: Analyzer) -> None:
    text = ("officials said the attack on the city killed people " * 40_000)[:2_000_000]
    start = time.perf_counter()
    result = analyzer.analyze(text)
    assert result.status == "truncated"
    assert time.perf_counter() - start < 60
    assert all(c.end - c.start <= 1500 for c in result.claims)


def test_html_remnants_and_garbage_do_not_crash(analyzer: Analyzer) -> None:
    text = (
        '<div class="x"><p>The minister said <b>the talks</b> failed.</p>'
        '<script>var a = \'"\';</script>\n\u201c\u201c""" unclosed said he\n'
        "\x00\ufffd 12345 %%% the attack on Kyiv killed 3 people, police said."
    )
    result = analyzer.analyze(text)
    assert result.status == "ok"
    assert all("<" not in c.content for c in result.claims)


def test_offsets_point_into_the_text(analyzer: Analyzer) -> None:
    text = (EVAL / "seed" / "medvedev_istanbul.txt").read_text(encoding="utf-8")
    result = analyzer.analyze(text)
    for c in result.claims:
        assert text[c.start : c.end] == c.sentence
        assert text[c.content_start : c.content_end] == c.content
    for e in result.events:
        assert text[e.start : e.end] == e.trigger
    assert "Dmitry Medvedev" in result.entities["persons"]


def test_analyze_many_matches_analyze(analyzer: Analyzer) -> None:
    texts = ["Officials said the border would reopen.", "", "Police arrested two men in Paris."]
    many = list(analyzer.analyze_many((t, None) for t in texts))
    single = [analyzer.analyze(t) for t in texts]
    assert [m.status for m in many] == [s.status for s in single]
    assert [len(m.claims) for m in many] == [len(s.claims) for s in single]
    assert [len(m.events) for m in many] == [len(s.events) for s in single]


def test_run_jsonl_reports_bad_lines_and_goes_on() -> None:
    lines = (
        "\n".join(
            [
                json.dumps(
                    {"id": "a", "text": "The minister said the talks failed.", "published": "2025-06-05"}
                ),
                "{not json",
                json.dumps({"id": "c", "text": 42}),
                json.dumps({"id": "d", "text": "", "published": None}),
            ]
        )
        + "\n"
    )
    out = io.StringIO()
    assert run_jsonl(io.StringIO(lines), out) == 0
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r.get("id") for r in rows] == ["a", None, "c", "d"]
    assert rows[0]["status"] == "ok" and rows[0]["claims"]
    assert "error" in rows[1] and "error" in rows[2]
    assert rows[3]["status"] == "empty"
