"""Targets quality over the dev gold documents: P/R/F1 and comparator accuracy per document.

Matching is the evaluation's (pipeline/evaluate.py): (value_low, value_high, unit) one to one in
text order; comparator / direction / year accuracy over matched pairs. Runs the header and
outline components first when they are installed, so sections and years come as in a real run.

    .venv/bin/python scripts/targets_report.py [-v] [--bulk N]

-v lists unmatched gold and predicted targets; --bulk N prints the targets found in N bulk
documents (for reading precision by eye) and the throughput of the finder.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import sys
import time
from collections import Counter

from pipeline.document import Doc
from pipeline.evaluate import match_in_order, target_key
from pipeline.extract.targets import find_targets
from pipeline.normalize import normalize

DEV = os.environ.get("VANBAN_DEV", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus", "dev"))
BULK = os.path.join(os.path.dirname(DEV), "bulk")


def read_text(stem: str) -> str:
    txt = stem + ".txt"
    if os.path.exists(txt):
        return normalize(open(txt, encoding="utf-8").read())
    try:
        from pipeline.ingest import read  # type: ignore
        raw = read(stem + ".pdf")
        return normalize(raw.text, raw.hard_wrapped)
    except Exception:
        import pymupdf
        with pymupdf.open(stem + ".pdf") as d:
            return normalize("\n".join(p.get_text() for p in d))


def annotate(text: str, path: str = "") -> Doc:
    """A Doc with the structure layers (header, outline) a real run gives the targets finder."""
    import importlib

    from pipeline.components import run_components

    doc = Doc(text=text, source_path=path)
    for mod in ("pipeline.structure.header", "pipeline.structure.outline"):
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
    try:
        run_components(doc, only=("header", "outline"))
    except Exception as e:  # a structure bug must not stop the report
        print(f"  (structure failed on {path}: {e})", file=sys.stderr)
    return doc


def as_row(t) -> dict:
    return {"value_low": t.value_low, "value_high": t.value_high, "unit": t.unit, "comparator": t.comparator,
            "direction": t.direction, "year": t.year, "text": t.text, "indicator": t.indicator,
            "indicator_key": t.indicator_key}


def dev_report(verbose: bool) -> None:
    tot = Counter()
    print(f"{'document':34s} gold pred   tp     P     R    F1  cmp  dir year")
    for gpath in sorted(glob.glob(os.path.join(DEV, "*.gold.json"))):
        stem = gpath[: -len(".gold.json")]
        gold = json.load(open(gpath, encoding="utf-8")).get("targets", [])
        doc = annotate(read_text(stem), stem)
        pred = [as_row(t) for t in find_targets(doc)]
        pairs = match_in_order(gold, pred, target_key)
        c = Counter(gold=len(gold), pred=len(pred), tp=len(pairs))
        for g, p in pairs:
            c["cmp"] += g["comparator"] == p["comparator"]
            c["dir"] += g.get("direction") == p["direction"]
            c["year"] += g.get("year") == p["year"]
        tot.update(c)
        p_, r_, f_ = prf(c["tp"], c["pred"], c["gold"])
        n = max(1, c["tp"])
        print(f"{os.path.basename(stem):34s} {c['gold']:4d} {c['pred']:4d} {c['tp']:4d} {p_:5.2f} {r_:5.2f} {f_:5.2f}"
              f" {c['cmp'] / n:4.2f} {c['dir'] / n:4.2f} {c['year'] / n:4.2f}")
        if verbose:
            paired_g = {id(g) for g, _ in pairs}
            paired_p = {id(p) for _, p in pairs}
            for g, p in pairs:
                bad = [f for f in ("comparator", "direction", "year") if g.get(f) != p[f]]
                if bad:
                    print(f"    ~ {', '.join(f'{f}: gold {g.get(f)} pred {p[f]}' for f in bad)} | {p['text'][:90]}")
            for g in gold:
                if id(g) not in paired_g:
                    print(f"    - gold {g['value_low']}-{g['value_high']} {g['unit']!r} | {g['text'][:100]}")
            for p in pred:
                if id(p) not in paired_p:
                    print(f"    + pred {p['value_low']}-{p['value_high']} {p['unit']!r} {p['comparator']} | {p['text'][:100]}")
    p_, r_, f_ = prf(tot["tp"], tot["pred"], tot["gold"])
    n = max(1, tot["tp"])
    print(f"{'ALL':34s} {tot['gold']:4d} {tot['pred']:4d} {tot['tp']:4d} {p_:5.2f} {r_:5.2f} {f_:5.2f}"
          f" {tot['cmp'] / n:4.2f} {tot['dir'] / n:4.2f} {tot['year'] / n:4.2f}")


def prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else (1.0 if not gold else 0.0)
    r = tp / gold if gold else (1.0 if not pred else 0.0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def bulk_report(n: int, seed: int, pattern: str) -> None:
    files = sorted(glob.glob(os.path.join(BULK, pattern)))
    random.Random(seed).shuffle(files)
    chars = 0
    secs = 0.0
    for path in files[:n]:
        text = normalize(open(path, encoding="utf-8", errors="replace").read())
        doc = annotate(text, path)
        t0 = time.process_time()
        found = find_targets(doc)
        secs += time.process_time() - t0
        chars += len(text)
        if found:
            print(f"== {os.path.basename(path)} ({doc.meta.doc_type}) {len(found)}")
            for t in found:
                print(f"   {t.comparator:5s} {t.value_low:g}-{t.value_high:g} {t.unit!r:12s} {t.direction:8s} {t.year} "
                      f"[{t.indicator_key}] {t.indicator[:70]!r} | {t.text[:110]!r}")
    print(f"{n} documents, {chars / 1e6:.1f} M chars, finder {chars / max(secs, 1e-9) / 1e6:.2f} M chars/s")


def explain(path: str) -> None:
    from pipeline.extract.targets import judge_values

    stem = path[:-4] if path.endswith((".txt", ".pdf")) else path
    doc = annotate(read_text(stem), path)
    pos = 0
    for value, why, t in judge_values(doc):
        at = doc.text.find(value, pos)
        pos = at + 1 if at >= 0 else pos
        extra = f" | {t.comparator} {t.direction} {t.year} {t.indicator[:60]!r}" if t else \
            f" | …{' '.join(doc.text[max(0, at - 90):at].split())!r}"
        print(f"{value!r:28s} {why}{extra}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--bulk", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pattern", default="*.txt")
    ap.add_argument("--explain", help="a document path (or dev stem): every value and the rule that decided it")
    a = ap.parse_args()
    if a.explain:
        explain(a.explain)
    elif a.bulk:
        bulk_report(a.bulk, a.seed, a.pattern)
    else:
        dev_report(a.v)


if __name__ == "__main__":
    main()
