"""Citation finder report: quality on the dev gold files, a bulk sample to read, and speed.

    .venv/bin/python scripts/citations_report.py                 # dev P/R/F1 + field accuracy
    .venv/bin/python scripts/citations_report.py --misses        # + unmatched gold / predicted rows
    .venv/bin/python scripts/citations_report.py --bulk 20       # + citations of 20 bulk documents
    .venv/bin/python scripts/citations_report.py --speed         # characters per second over bulk

Scoring is pipeline.evaluate's (same keys as `make eval`): a gold and a predicted mention match
on the normalized number, or on type + case-folded title when unnumbered, one to one in text
order; date / issuer / relation accuracy over matched pairs.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from pipeline.components import pipeline_components
from pipeline.document import Doc
from pipeline.evaluate import prf, score_citations
from pipeline.extract.citations import citation_rows, find_citations
from pipeline.normalize import normalize

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def read_source(path: Path) -> str:
    if path.suffix == ".pdf":
        import pymupdf
        with pymupdf.open(path) as pdf:
            return "\n".join(page.get_text() for page in pdf)
    return path.read_text(encoding="utf-8", errors="replace")


def make_doc(path: Path) -> Doc:
    doc = Doc(text=normalize(read_source(path)), source_path=str(path))
    for comp in pipeline_components():
        if comp.name == "header":  # header facts: own number, title span
            try:
                comp.fn(doc)
            except Exception as exc:  # the report must run while other stages are in progress
                print(f"  (header failed on {path.name}: {exc})", file=sys.stderr)
    return doc


def dev_report(show_misses: bool) -> None:
    acc: dict = defaultdict(int)
    acc["_unmatched_citations"] = []
    per_doc = []
    for gold_path in sorted((CORPUS / "dev").glob("*.gold.json")):
        stem = gold_path.name[: -len(".gold.json")]
        src = next(p for p in (CORPUS / "dev").glob(stem + ".*") if p.suffix in (".txt", ".pdf")
                   and not p.name.endswith(".gold.json"))
        doc = make_doc(src)
        pred = citation_rows(doc, find_citations(doc))
        gold = json.load(open(gold_path, encoding="utf-8")).get("citations", [])
        one: dict = defaultdict(int)
        one["_unmatched_citations"] = []
        score_citations(gold, pred, one)
        for k, v in one.items():
            acc[k] += v
        per_doc.append((stem, prf(one["citations_tp"], one["citations_pred"], one["citations_gold"]),
                        one["_unmatched_citations"]))
    allc = prf(acc["citations_tp"], acc["citations_pred"], acc["citations_gold"])
    num = prf(acc["numbered_tp"], acc["numbered_pred"], acc["numbered_gold"])
    print(f"all citations      P {allc['p']:.3f}  R {allc['r']:.3f}  F1 {allc['f1']:.3f}  "
          f"(tp {allc['tp']}, pred {allc['pred']}, gold {allc['gold']})")
    print(f"numbered citations P {num['p']:.3f}  R {num['r']:.3f}  F1 {num['f1']:.3f}  "
          f"(tp {num['tp']}, pred {num['pred']}, gold {num['gold']})")
    for f in ("cited_date", "cited_issuer", "relation", "cited_type", "text"):
        n = acc[f"cit_{f}_n"]
        print(f"  {f:13s} {acc[f'cit_{f}_ok'] / n if n else 0:.3f}  ({acc[f'cit_{f}_ok']}/{n})")
    for stem, r, misses in per_doc:
        print(f"  {stem:32s} F1 {r['f1']:.3f}  P {r['p']:.3f}  R {r['r']:.3f}")
        if show_misses:
            for side, text in misses:
                print(f"      {side:4s} {text!r}")


def field_report() -> None:
    """Matched pairs whose date / issuer / relation differ (to read)."""
    from pipeline.evaluate import citation_key, match_in_order
    for gold_path in sorted((CORPUS / "dev").glob("*.gold.json")):
        stem = gold_path.name[: -len(".gold.json")]
        src = next(p for p in (CORPUS / "dev").glob(stem + ".*") if p.suffix in (".txt", ".pdf"))
        doc = make_doc(src)
        pred = citation_rows(doc, find_citations(doc))
        gold = json.load(open(gold_path, encoding="utf-8")).get("citations", [])
        for g, p in match_in_order(gold, pred, citation_key):
            for f in ("cited_date", "cited_issuer", "relation"):
                gv, pv = g.get(f), p.get(f)
                pv = pv.isoformat() if hasattr(pv, "isoformat") else pv
                if (gv or None) != (pv or None):
                    print(f"{stem}: {f}: gold {gv!r} pred {pv!r}  | {p['text'][:110]!r}")


def bulk_sample(n: int, seed: int) -> None:
    paths = sorted((CORPUS / "bulk").glob("*.txt"))
    random.Random(seed).shuffle(paths)
    for path in paths[:n]:
        doc = make_doc(path)
        cits = find_citations(doc)
        print(f"=== {path.name}  ({len(cits)} citations)")
        for c in cits:
            print(f"  [{c.relation[:4]}] {c.cited_type} | {c.cited_number} | {c.cited_date} | "
                  f"{c.cited_issuer} | {c.cited_title} || {c.text[:140]!r}")


def speed() -> None:
    paths = sorted((CORPUS / "bulk").glob("*.txt"))
    docs = [Doc(text=normalize(read_source(p))) for p in paths]
    chars = sum(len(d.text) for d in docs)
    find_citations(docs[0])  # compile the rules outside the timing
    t0, c0 = time.perf_counter(), time.process_time()
    total = 0
    for d in docs:
        total += len(find_citations(d))
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{len(docs)} documents, {chars / 1e6:.1f} M chars, {total} citations, {dt:.1f} s wall, "
          f"{cpu:.1f} s CPU, {chars / cpu / 1e6:.2f} M chars per CPU second")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--fields", action="store_true")
    ap.add_argument("--bulk", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--speed", action="store_true")
    a = ap.parse_args()
    dev_report(a.misses)
    if a.fields:
        field_report()
    if a.bulk:
        bulk_sample(a.bulk, a.seed)
    if a.speed:
        speed()


if __name__ == "__main__":
    main()
