"""`vanban eval`: score output tables against gold annotations (GOLD.md).

Matching rules (the gold format carries no offsets, so rows are matched on content):
- documents: a gold file NAME.gold.json scores the document whose source file is NAME.*;
  each field is compared after whitespace normalisation (dates as ISO strings).
- citations: a gold and a predicted mention match when they cite the same thing: the same type
  and normalized number, or, for unnumbered mentions, the same type and title (case-folded).
  Repeats match one to one in text order. "numbered" scores only mentions with a number on
  both sides. cited_date / cited_issuer / relation accuracy is over matched pairs.
- assignments: pairs are chosen greedily by task-text token F1 (>= 0.5), preferring the same
  section. Detection P/R/F1 counts pairs; lead/co agency F1 is micro-averaged over agencies
  (case-folded names) with unmatched rows counting as misses; deadline F1 counts rows whose
  deadline date agrees; a tracker row is right when task, lead agencies and deadline all agree.
- targets: (value_low, value_high, unit) match one to one in text order; comparator, direction
  and year accuracy over matched pairs.
"""
from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from .textutil import fold

DOC_FIELDS = ["doc_type", "doc_number", "issuer", "issue_date", "place", "title", "signer_name", "signer_title"]
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_NUM_SPACE_RE = re.compile(r"\s+")


def _norm(v) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # an int32 column with nulls comes back from Parquet as float
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    s = " ".join(str(v).split())
    return s or None


def tokens(s: str | None) -> list[str]:
    return _TOKEN_RE.findall(fold(s or ""))


def token_f1(a: str | None, b: str | None) -> float:
    ta, tb = tokens(a), tokens(b)
    if not ta and not tb:
        return 1.0
    if not ta or not tb:
        return 0.0
    from collections import Counter

    common = sum((Counter(ta) & Counter(tb)).values())
    if not common:
        return 0.0
    p, r = common / len(tb), common / len(ta)
    return 2 * p * r / (p + r)


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "pred": n_pred, "gold": n_gold, "p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}


# --- citations ------------------------------------------------------------------------------------

def citation_key(row: dict) -> tuple:
    number = _norm(row.get("cited_number"))
    ctype = fold(row.get("cited_type") or "")
    if number:
        n = _NUM_SPACE_RE.sub("", str(number)).replace("Ð", "Đ").upper()
        return ("n", n)  # a number identifies the document whatever type word precedes it
    return ("t", ctype, fold(_norm(row.get("cited_title")) or ""))


def match_in_order(gold: list[dict], pred: list[dict], key) -> list[tuple[dict, dict]]:
    """One-to-one pairs of equal keys, the i-th gold of a key with the i-th prediction of it."""
    queues: dict[tuple, list[dict]] = defaultdict(list)
    for p in pred:
        queues[key(p)].append(p)
    pairs = []
    for g in gold:
        q = queues.get(key(g))
        if q:
            pairs.append((g, q.pop(0)))
    return pairs


def score_citations(gold: list[dict], pred: list[dict], acc: dict) -> None:
    pairs = match_in_order(gold, pred, citation_key)
    acc["citations_tp"] += len(pairs)
    acc["citations_gold"] += len(gold)
    acc["citations_pred"] += len(pred)
    num = lambda rows: [r for r in rows if _norm(r.get("cited_number"))]
    npairs = match_in_order(num(gold), num(pred), citation_key)
    acc["numbered_tp"] += len(npairs)
    acc["numbered_gold"] += len(num(gold))
    acc["numbered_pred"] += len(num(pred))
    for g, p in pairs:
        for f in ("cited_date", "cited_issuer", "relation", "cited_type"):
            acc[f"cit_{f}_n"] += 1
            acc[f"cit_{f}_ok"] += int(fold(_norm(g.get(f)) or "") == fold(_norm(p.get(f)) or ""))
        acc["cit_text_n"] += 1
        acc["cit_text_ok"] += int(_norm(g.get("text")) == _norm(p.get("text")))
    acc["_unmatched_citations"] += [("gold", g.get("text")) for g in _unpaired(gold, pairs, 0)] + \
                                   [("pred", p.get("text")) for p in _unpaired(pred, pairs, 1)]


def _unpaired(rows, pairs, side):
    used = {id(pr[side]) for pr in pairs}
    return [r for r in rows if id(r) not in used]


# --- assignments ----------------------------------------------------------------------------------

def _agency_set(v) -> set[str]:
    if v is None or (isinstance(v, float) and v != v):
        return set()
    return {fold(x) for x in list(v)}


def pair_assignments(gold: list[dict], pred: list[dict]) -> list[tuple[dict, dict, float]]:
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            sim = token_f1(g.get("task"), p.get("task"))
            if sim >= 0.5:
                same_section = (g.get("section") or "") == (p.get("section") or "")
                cands.append((sim + (0.25 if same_section else 0.0), gi, pi, sim))
    cands.sort(key=lambda c: -c[0])
    used_g, used_p, pairs = set(), set(), []
    for _, gi, pi, sim in cands:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gold[gi], pred[pi], sim))
    return pairs


def score_assignments(gold: list[dict], pred: list[dict], acc: dict) -> None:
    pairs = pair_assignments(gold, pred)
    acc["asg_tp"] += len(pairs)
    acc["asg_gold"] += len(gold)
    acc["asg_pred"] += len(pred)
    for side in ("lead", "co"):
        col = f"{side}_agencies"
        tp = sum(len(_agency_set(g.get(col)) & _agency_set(p.get(col))) for g, p, _ in pairs)
        acc[f"{side}_tp"] += tp
        acc[f"{side}_gold"] += sum(len(_agency_set(g.get(col))) for g in gold)
        acc[f"{side}_pred"] += sum(len(_agency_set(p.get(col))) for p in pred)
    dl_tp = sum(1 for g, p, _ in pairs if _norm(g.get("deadline")) and _norm(g.get("deadline")) == _norm(p.get("deadline")))
    acc["deadline_tp"] += dl_tp
    acc["deadline_gold"] += sum(1 for g in gold if _norm(g.get("deadline")))
    acc["deadline_pred"] += sum(1 for p in pred if _norm(p.get("deadline")))
    tracker = sum(1 for g, p, _ in pairs if _agency_set(g.get("lead_agencies")) == _agency_set(p.get("lead_agencies"))
                  and _norm(g.get("deadline")) == _norm(p.get("deadline")))
    acc["tracker_tp"] += tracker
    acc["tracker_gold"] += len(gold)
    acc["tracker_pred"] += len(pred)
    for g, p, sim in pairs:
        acc["task_f1_sum"] += token_f1(g.get("task"), p.get("task"))
        acc["task_n"] += 1
        acc["mode_ok"] += int((g.get("mode") or "") == (p.get("mode") or ""))
        acc["section_ok"] += int((g.get("section") or "") == (p.get("section") or ""))
        acc["recurrence_ok"] += int(_norm(g.get("recurrence")) == _norm(p.get("recurrence")))
    acc["_unmatched_assignments"] += [("gold", g.get("section"), (g.get("task") or "")[:90]) for g in _unpaired(gold, pairs, 0)] + \
                                     [("pred", p.get("section"), (p.get("task") or "")[:90]) for p in _unpaired(pred, pairs, 1)]


# --- targets --------------------------------------------------------------------------------------

def target_key(row: dict) -> tuple:
    return (round(float(row["value_low"]), 4), round(float(row["value_high"]), 4), fold(row.get("unit") or ""))


def score_targets(gold: list[dict], pred: list[dict], acc: dict) -> None:
    pairs = match_in_order(gold, pred, target_key)
    acc["tgt_tp"] += len(pairs)
    acc["tgt_gold"] += len(gold)
    acc["tgt_pred"] += len(pred)
    for g, p in pairs:
        acc["cmp_ok"] += int(g.get("comparator") == p.get("comparator"))
        acc["dir_ok"] += int(g.get("direction") == p.get("direction"))
        acc["year_ok"] += int(_norm(g.get("year")) == _norm(p.get("year")))
        acc["ind_f1_sum"] += token_f1(g.get("indicator"), p.get("indicator"))
        acc["tgt_pairs"] += 1
    acc["_unmatched_targets"] += [("gold", g.get("text")) for g in _unpaired(gold, pairs, 0)] + \
                                 [("pred", p.get("text")) for p in _unpaired(pred, pairs, 1)]


# --- the whole evaluation ---------------------------------------------------------------------------

def _read(pred_dir: str, table: str) -> pd.DataFrame:
    return pd.read_parquet(os.path.join(pred_dir, f"{table}.parquet"))


def _rows(df: pd.DataFrame, doc_id: str) -> list[dict]:
    sub = df[df["doc_id"] == doc_id].sort_values(["start", "end"]) if len(df) else df
    return sub.to_dict("records")


def evaluate(gold_dir: str, pred_dir: str) -> dict:
    docs = _read(pred_dir, "documents")
    tables = {t: _read(pred_dir, t) for t in ("citations", "assignments", "targets")}
    by_stem = {Path(p).name.rsplit(".", 1)[0]: did for p, did in zip(docs["source_path"], docs["doc_id"])}
    acc: dict = defaultdict(int)
    for k in ("_unmatched_citations", "_unmatched_assignments", "_unmatched_targets"):
        acc[k] = []
    per_doc = {}
    field_ok = defaultdict(int)
    field_n = defaultdict(int)
    field_misses = []
    matched = 0
    for gold_path in sorted(Path(gold_dir).glob("*.gold.json")):
        name = gold_path.name[: -len(".gold.json")]
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        did = by_stem.get(name)
        if did is None:
            per_doc[name] = {"missing": True}
            continue
        matched += 1
        drow = docs[docs["doc_id"] == did].iloc[0].to_dict()
        for f in DOC_FIELDS:
            if f in gold.get("document", {}):
                field_n[f] += 1
                ok = _norm(gold["document"][f]) == _norm(drow.get(f))
                field_ok[f] += int(ok)
                if not ok:
                    field_misses.append((name, f, _norm(gold["document"][f]), _norm(drow.get(f))))
        before = dict(acc)
        score_citations(gold.get("citations", []), _rows(tables["citations"], did), acc)
        score_assignments(gold.get("assignments", []), _rows(tables["assignments"], did), acc)
        score_targets(gold.get("targets", []), _rows(tables["targets"], did), acc)
        per_doc[name] = {
            "citations": prf(acc["citations_tp"] - before.get("citations_tp", 0),
                             acc["citations_pred"] - before.get("citations_pred", 0),
                             acc["citations_gold"] - before.get("citations_gold", 0))["f1"],
            "assignments": prf(acc["asg_tp"] - before.get("asg_tp", 0), acc["asg_pred"] - before.get("asg_pred", 0),
                               acc["asg_gold"] - before.get("asg_gold", 0))["f1"],
            "targets": prf(acc["tgt_tp"] - before.get("tgt_tp", 0), acc["tgt_pred"] - before.get("tgt_pred", 0),
                           acc["tgt_gold"] - before.get("tgt_gold", 0))["f1"],
        }
    ratio = lambda ok, n: round(acc[ok] / acc[n], 4) if acc[n] else None
    report = {
        "documents_matched": matched,
        "document_fields": {f: round(field_ok[f] / field_n[f], 4) for f in DOC_FIELDS if field_n[f]},
        "citations": prf(acc["citations_tp"], acc["citations_pred"], acc["citations_gold"]),
        "citations_numbered": prf(acc["numbered_tp"], acc["numbered_pred"], acc["numbered_gold"]),
        "citation_fields": {f: ratio(f"cit_{f}_ok", f"cit_{f}_n") for f in ("cited_date", "cited_issuer", "relation", "cited_type", "text")},
        "assignments": prf(acc["asg_tp"], acc["asg_pred"], acc["asg_gold"]),
        "lead_agencies": prf(acc["lead_tp"], acc["lead_pred"], acc["lead_gold"]),
        "co_agencies": prf(acc["co_tp"], acc["co_pred"], acc["co_gold"]),
        "deadlines": prf(acc["deadline_tp"], acc["deadline_pred"], acc["deadline_gold"]),
        "tracker_rows": prf(acc["tracker_tp"], acc["tracker_pred"], acc["tracker_gold"]),
        "assignment_fields": {"task_token_f1": ratio("task_f1_sum", "task_n"), "mode": ratio("mode_ok", "task_n"),
                              "section": ratio("section_ok", "task_n"), "recurrence": ratio("recurrence_ok", "task_n")},
        "targets": prf(acc["tgt_tp"], acc["tgt_pred"], acc["tgt_gold"]),
        "target_fields": {"comparator": ratio("cmp_ok", "tgt_pairs"), "direction": ratio("dir_ok", "tgt_pairs"),
                          "year": ratio("year_ok", "tgt_pairs"), "indicator_token_f1": ratio("ind_f1_sum", "tgt_pairs")},
        "per_document": per_doc,
        "unmatched": {"document_fields": field_misses, "citations": acc["_unmatched_citations"],
                      "assignments": acc["_unmatched_assignments"], "targets": acc["_unmatched_targets"]},
    }
    return report


def format_report(report: dict, details: bool = False) -> str:
    out = [f"documents scored: {report['documents_matched']}", "", "document fields (accuracy):"]
    out += [f"  {f:14s} {v:.3f}" for f, v in report["document_fields"].items()]
    out += ["", f"{'table':22s} {'P':>6s} {'R':>6s} {'F1':>6s} {'gold':>6s} {'pred':>6s}"]
    for key in ("citations", "citations_numbered", "assignments", "lead_agencies", "co_agencies", "deadlines",
                "tracker_rows", "targets"):
        m = report[key]
        out.append(f"{key:22s} {m['p']:6.3f} {m['r']:6.3f} {m['f1']:6.3f} {m['gold']:6d} {m['pred']:6d}")
    fmt = lambda d: ", ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in d.items())
    out += ["", "citation fields on matched: " + fmt(report["citation_fields"]),
            "assignment fields on matched: " + fmt(report["assignment_fields"]),
            "target fields on matched: " + fmt(report["target_fields"]), "", "per document F1 (citations / assignments / targets):"]
    for name, d in report["per_document"].items():
        if d.get("missing"):
            out.append(f"  {name:34s} MISSING from the predictions")
        else:
            out.append(f"  {name:34s} {d['citations']:.3f} / {d['assignments']:.3f} / {d['targets']:.3f}")
    if details:
        for section, rows in report["unmatched"].items():
            out += ["", f"unmatched {section}:"]
            out += ["  " + " | ".join(str(x) for x in row) for row in rows]
    return "\n".join(out)
