"""A second scorer for gold files, written from GOLD.md alone, to check `vanban eval` (issue 8).

It shares no code with pipeline/evaluate.py and takes different choices where GOLD.md leaves
room, so agreement between the two means the figures do not hang on one implementation:
- text is compared after NFC, case folding and whitespace collapsing (no diacritics removed);
- citations match on (type, number without spaces or case) or, without a number, on (type,
  text), one to one, the best-aligned pair first by position rank instead of a text-order walk;
- assignments are paired by the Jaccard similarity of their task-word sets (>= 0.4), best
  pairs first over the whole document, section ignored;
- agencies are counted per matched pair as multisets; unpaired rows count all their agencies;
- targets match one to one on (low, high, unit);
- a deadline is right on a paired row whose ISO date equals the gold one.
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

_PUNCT = str.maketrans({c: " " for c in ".,;:()[]\"'“”‘’!?…/-–"})


def norm(v) -> str:
    if v is None or v != v:
        return ""
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return " ".join(unicodedata.normalize("NFC", str(v)).casefold().split())


def words(v) -> set[str]:
    return set(norm(v).translate(_PUNCT).split())


def f1(tp: int, n_pred: int, n_gold: int) -> float:
    if not n_pred and not n_gold:
        return 1.0
    return 2 * tp / (n_pred + n_gold) if (n_pred + n_gold) else 0.0


def _number(v) -> str:
    return "".join(norm(v).split()).upper()


def _citation_key(c: dict) -> tuple:
    num = _number(c.get("cited_number"))
    return (norm(c.get("cited_type")), num) if num else (norm(c.get("cited_type")), "", norm(c.get("text")))


def _one_to_one(gold: list, pred: list, key) -> int:
    """Matches of equal keys, each row used once."""
    return sum((Counter(map(key, gold)) & Counter(map(key, pred))).values())


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _pairs(gold: list[dict], pred: list[dict]) -> list[tuple[dict, dict]]:
    gw = [words(g.get("task")) for g in gold]
    pw = [words(p.get("task")) for p in pred]
    cands = sorted(((_jaccard(gw[i], pw[j]), i, j) for i in range(len(gold)) for j in range(len(pred))),
                   reverse=True)
    used_g, used_p, out = set(), set(), []
    for sim, i, j in cands:
        if sim < 0.4:
            break
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((gold[i], pred[j]))
    return out


def _agencies(v) -> Counter:
    return Counter(norm(x) for x in (list(v) if v is not None else []))


def score(gold_dir: str | Path, pred_dir: str | Path) -> dict[str, float]:
    """Micro F1 per table over every gold file whose source was processed."""
    pred_dir = Path(pred_dir)
    docs = pq.read_table(pred_dir / "documents.parquet", columns=["doc_id", "source_path"]).to_pylist()
    by_name = {Path(d["source_path"]).name.rsplit(".", 1)[0]: d["doc_id"] for d in docs}
    rows = {}
    for table in ("citations", "assignments", "targets"):
        by_doc: dict[str, list[dict]] = {}
        for r in pq.read_table(pred_dir / f"{table}.parquet").to_pylist():
            by_doc.setdefault(r["doc_id"], []).append(r)
        rows[table] = by_doc
    n = Counter()
    for path in sorted(Path(gold_dir).glob("*.gold.json")):
        doc_id = by_name.get(path.name[: -len(".gold.json")])
        if doc_id is None:
            continue
        gold = json.loads(path.read_text(encoding="utf-8"))
        gc, pc = gold.get("citations", []), rows["citations"].get(doc_id, [])
        n["cit_tp"] += _one_to_one(gc, pc, _citation_key)
        n["cit_gold"] += len(gc)
        n["cit_pred"] += len(pc)
        ga, pa = gold.get("assignments", []), rows["assignments"].get(doc_id, [])
        pairs = _pairs(ga, pa)
        n["asg_tp"] += len(pairs)
        n["asg_gold"] += len(ga)
        n["asg_pred"] += len(pa)
        for g, p in pairs:
            n["lead_tp"] += sum((_agencies(g.get("lead_agencies")) & _agencies(p.get("lead_agencies"))).values())
            n["dl_tp"] += int(bool(norm(g.get("deadline"))) and norm(g.get("deadline")) == norm(p.get("deadline")))
        n["lead_gold"] += sum(len(_agencies(g.get("lead_agencies"))) for g in ga)
        n["lead_pred"] += sum(len(_agencies(p.get("lead_agencies"))) for p in pa)
        n["dl_gold"] += sum(1 for g in ga if norm(g.get("deadline")))
        n["dl_pred"] += sum(1 for p in pa if norm(p.get("deadline")))
        gt, pt = gold.get("targets", []), rows["targets"].get(doc_id, [])
        n["tgt_tp"] += _one_to_one(gt, pt, lambda t: (round(float(t["value_low"]), 4),
                                                      round(float(t["value_high"]), 4), norm(t.get("unit"))))
        n["tgt_gold"] += len(gt)
        n["tgt_pred"] += len(pt)
    return {
        "citations": f1(n["cit_tp"], n["cit_pred"], n["cit_gold"]),
        "assignments": f1(n["asg_tp"], n["asg_pred"], n["asg_gold"]),
        "lead_agencies": f1(n["lead_tp"], n["lead_pred"], n["lead_gold"]),
        "deadlines": f1(n["dl_tp"], n["dl_pred"], n["dl_gold"]),
        "targets": f1(n["tgt_tp"], n["tgt_pred"], n["tgt_gold"]),
    }
