"""The output as spaCy Docs: every document's text with the pipeline's findings as span groups.

For researchers who train or evaluate models with spaCy (an agency recogniser for Vietnamese,
which generic NER lacks, a citation span categoriser): `vanban export --format spacy` writes
`DocBin` files that `spacy train` and `DocBin().from_disk(...)` read directly.

Each Doc holds `documents.text` tokenized into syllables and punctuation (whitespace runs kept
as whitespace tokens, so `doc.text == documents.text` and a row's `start`/`end` are the Doc's
character offsets), and:
- `doc.spans["citations"]` (label: cited_type), `["assignments"]` (label: mode or "giao"),
  `["tasks"]`, `["deadlines"]`, `["targets"]` (label: indicator_key or "target");
- `doc.spans["agencies"]` (labels LEAD, CO): the lead and co-operating agencies as written,
  found in their assignment's text (the tables keep the names, not their offsets);
- `doc.ents`: the agency mentions as ORG entities (overlaps resolved, longest first);
- `doc.user_data`: doc_id, doc_type, doc_number, issue_date (ISO), issuer, source_path.

Files hold at most `DOCS_PER_FILE` documents (DocBin keeps a file's documents in memory), are
named `docs-00000.spacy`, … and appear complete or not at all.
"""
from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import tables
from .extract.agencies import TOKEN_RE  # the syllable tokens the agency grammar reads

DOCS_PER_FILE = 1000
# (table, columns read) for the span layers; text columns are left out (memory)
_SPAN_COLUMNS = {
    "citations": ["doc_id", "start", "end", "cited_type"],
    "assignments": ["doc_id", "start", "end", "mode", "task_start", "task_end", "deadline_start",
                    "deadline_end", "lead_agencies_raw", "co_agencies_raw"],
    "targets": ["doc_id", "start", "end", "indicator_key"],
}


def make_doc(vocab, text: str):
    """A spaCy Doc of `text` whose characters are exactly `text` (syllable and punctuation tokens)."""
    from spacy.tokens import Doc
    from spacy.util import get_words_and_spaces

    words, spaces = get_words_and_spaces(TOKEN_RE.findall(text), text)
    return Doc(vocab, words=words, spaces=spaces)


def _span(doc, n_chars: int, start: int | None, end: int | None, label: str):
    if start is None or end is None or not 0 <= start < end <= n_chars:
        return None
    return doc.char_span(start, end, label=label, alignment_mode="expand")


def agency_offsets(text: str, start: int, end: int, names: list[str] | None) -> list[tuple[int, int]]:
    """Where each name (as written) occurs in text[start:end], in order, each after the previous one."""
    out = []
    pos = start
    for name in names or []:
        if not name:
            continue
        i = text.find(name, pos, end)
        if i < 0:
            i = text.find(name, start, end)  # listed out of order ("…, Sở X chủ trì")
        if i >= 0:
            out.append((i, i + len(name)))
            pos = i + len(name)
    return out


def _by_doc(data: str, table: str) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    if tables.table_path(data, table) is None:
        return rows
    for r in tables.read_rows(data, table, _SPAN_COLUMNS[table]):
        rows[r["doc_id"]].append(r)
    return rows


def annotate(doc, doc_row: dict, layers: dict[str, list[dict]]) -> Any:
    """Fill the span groups, entities and user data of `doc` from one document's rows."""
    from spacy.tokens import Span
    from spacy.util import filter_spans

    text = doc.text  # built by spaCy on each access: once here
    groups: dict[str, list] = {k: [] for k in ("citations", "assignments", "tasks", "deadlines", "targets", "agencies")}

    def add(group: str, start, end, label: str) -> None:
        s = _span(doc, len(text), start, end, label)
        if s is not None:
            groups[group].append(s)

    for c in layers.get("citations", []):
        add("citations", c["start"], c["end"], c["cited_type"] or "citation")
    for a in layers.get("assignments", []):
        add("assignments", a["start"], a["end"], a["mode"] or "giao")
        add("tasks", a["task_start"], a["task_end"], "TASK")
        add("deadlines", a["deadline_start"], a["deadline_end"], "DEADLINE")
        preamble_end = a["task_start"] if a["task_start"] is not None else a["end"]
        for s, e in agency_offsets(text, a["start"], max(preamble_end, a["start"]), a["lead_agencies_raw"]):
            add("agencies", s, e, "LEAD")
        for s, e in agency_offsets(text, a["start"], a["end"], a["co_agencies_raw"]):
            add("agencies", s, e, "CO")
    for t in layers.get("targets", []):
        add("targets", t["start"], t["end"], t["indicator_key"] or "target")
    for name, spans in groups.items():
        doc.spans[name] = sorted(spans, key=lambda s: (s.start, s.end))
    doc.ents = [Span(doc, s.start, s.end, label="ORG") for s in filter_spans(groups["agencies"])]
    doc.user_data.update({
        "doc_id": doc_row["doc_id"], "doc_type": doc_row.get("doc_type"), "doc_number": doc_row.get("doc_number"),
        "issue_date": doc_row["issue_date"].isoformat() if doc_row.get("issue_date") else None,
        "issuer": doc_row.get("issuer"), "source_path": doc_row.get("source_path"),
    })
    return doc


def iter_docs(data: str) -> Iterator[Any]:
    """One annotated spaCy Doc per row of the documents table, in its order."""
    tables.check_data(data)
    layers = {t: _by_doc(data, t) for t in _SPAN_COLUMNS}
    from spacy.vocab import Vocab

    vocab = Vocab()
    for row in tables.iter_rows(data, "documents"):
        doc = make_doc(vocab, row.get("text") or "")
        yield annotate(doc, row, {t: layers[t].get(row["doc_id"], []) for t in layers})


def export_spacy(data: str, out: str | os.PathLike, docs_per_file: int = DOCS_PER_FILE) -> tuple[list[Path], int]:
    """Write out/docs-NNNNN.spacy (DocBin, span groups and user data kept): (files, documents)."""
    from spacy.tokens import DocBin

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise tables.DataError(f"--out {out} is a file: give a folder for the .spacy files")
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    count = 0
    batch = DocBin(store_user_data=True)

    def flush() -> None:
        nonlocal batch
        path = out / f"docs-{len(files):05d}.spacy"
        data = batch.to_bytes()
        tables.write_atomic(path, lambda fh: fh.write(data), encoding=None)
        files.append(path)
        batch = DocBin(store_user_data=True)

    for doc in iter_docs(data):
        batch.add(doc)
        count += 1
        if len(batch) >= docs_per_file:
            flush()
    if len(batch) or not files:
        flush()
    return files, count
