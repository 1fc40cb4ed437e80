"""`process(path, options) -> DocResult`: one document, start to finish, as one pure function.

This is the unit of work of every engine (the local process pool and Dask): its arguments
pickle, it holds no global state but per-process caches (compiled rules, spaCy vocab,
underthesea models), and a failure inside it becomes error rows, never an exception, so one
document never costs the batch.
"""
from __future__ import annotations

import hashlib
import os
import traceback
from dataclasses import dataclass, field

from . import __version__
from .components import pipeline_components
from .document import Doc
from .models import ErrorRecord, RawDocument
from .normalize import normalize
from .schema import SCHEMA_VERSION

@dataclass(frozen=True)
class Options:
    ocr: str = "auto"              # auto | always | never
    time_limit: float = 300.0      # seconds per document (enforced by the engine)


@dataclass
class DocResult:
    """All rows of all tables for one input (source_path is filled by the run, not here)."""
    source_sha256: str | None
    doc_id: str | None = None
    tables: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[ErrorRecord] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


class InputError(Exception):
    """A refused input: carries the errors.parquet stage and type."""

    def __init__(self, stage: str, error_type: str, message: str):
        super().__init__(message)
        self.stage, self.error_type, self.message = stage, error_type, message


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _error(path: str, stage: str, error_type: str, message: str, sha: str | None) -> ErrorRecord:
    return ErrorRecord(source_path=path, stage=stage, error_type=error_type, message=message, source_sha256=sha)


def process(path: str, options: Options = Options(), sha: str | None = None) -> DocResult:
    """Read, normalize, annotate and tabulate one input. Never raises for bad input.

    `sha`: the content hash the caller computed; the file is hashed again here (it may have
    changed since), and the result carries the hash of the bytes actually read."""
    from .ingest import IngestError, os_error, read  # local: the ingest registry imports optional readers

    try:
        sha = sha256_file(path)
        raw = read(path, ocr=options.ocr)
    except IngestError as e:
        return DocResult(sha, errors=[_error(path, e.stage, e.error_type, str(e), sha)])
    except OSError as e:
        err = os_error(path, e)
        return DocResult(sha, errors=[_error(path, err.stage, err.error_type, str(err), sha)])
    except Exception as e:  # a reader bug must not cost the batch
        return DocResult(sha, errors=[_error(path, "read", type(e).__name__,
                                             f"{path}: the reader failed ({_describe(e)}); please report it", sha)])
    return process_text(raw, path, sha)


def process_text(raw: RawDocument, path: str, sha: str | None) -> DocResult:
    """The text half of `process`: normalize, run every component, build the rows."""
    result = DocResult(sha)
    result.errors.extend(_warning(w, path, sha) for w in raw.warnings)
    try:
        text = normalize(raw.text, raw.hard_wrapped)
    except Exception as e:
        result.errors.append(_error(path, "decode", type(e).__name__, _describe(e), sha))
        return result
    if not text.strip():
        result.errors.append(_error(path, "read", "empty", "the input holds no text"
                                    + (" (a scanned PDF read with --ocr never?)" if raw.source_format == "pdf" else ""),
                                    sha))
        return result
    doc = Doc(text=text, source_path=path, source_format=raw.source_format)
    for comp in pipeline_components():
        try:
            comp.fn(doc)
        except Exception as e:
            result.errors.append(_error(path, comp.stage, type(e).__name__,
                                        f"{comp.name} failed, its rows are missing: {_describe(e)}", sha))
    result.doc_id = doc.doc_id
    result.tables = rows_of(doc, raw, sha)
    return result


def _warning(w: ErrorRecord, path: str, sha: str | None) -> ErrorRecord:
    """A reader's warning as an error row that names the file and says the document was kept."""
    msg = w.message if w.message.startswith(path) else f"{path}: {w.message}"
    return ErrorRecord(source_path=path, stage=w.stage, error_type=w.error_type, source_sha256=w.source_sha256 or sha,
                       message=f"{msg} (a warning: the document was still processed; check the file if its text "
                               "looks wrong)")


def _describe(e: BaseException) -> str:
    tb = traceback.extract_tb(e.__traceback__)
    where = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
    return f"{type(e).__name__}: {e}{where}"[:1000]


def rows_of(doc: Doc, raw: RawDocument, sha: str | None) -> dict[str, list[dict]]:
    """The rows of every table for one annotated document (source_path left empty)."""
    m, did = doc.meta, doc.doc_id
    documents = [{
        "doc_id": did, "source_path": "", "source_sha256": sha or "",
        "doc_type": m.doc_type, "doc_number": m.doc_number, "issuer": m.issuer, "issue_date": m.issue_date,
        "place": m.place, "title": m.title, "signer_name": m.signer_name, "signer_title": m.signer_title,
        "pages": raw.pages, "ocr_pages": raw.ocr_pages, "n_chars": len(doc.text), "text": doc.text,
        "schema_version": SCHEMA_VERSION, "pipeline_version": __version__,
        "source_format": raw.source_format, "encoding": raw.encoding, "signer_authority": m.signer_authority,
    }]
    sections = []
    for i, s in enumerate(doc.sections):
        sections.append({
            "doc_id": did, "section_id": f"{did}:s{i + 1}",
            "parent_id": f"{did}:s{s.parent + 1}" if s.parent is not None else None,
            "label": s.label, "path": s.path, "level": s.level, "heading": s.heading,
            "start": s.start, "end": s.end, "marker": s.marker,
        })
    citations = []
    for i, c in enumerate(sorted(doc.spans.get("citations", []), key=lambda c: (c.start, c.end))):
        citations.append({
            "doc_id": did, "citation_id": f"{did}:c{i + 1}", "start": c.start, "end": c.end, "text": c.text,
            "cited_type": c.cited_type, "cited_number": c.cited_number, "cited_date": c.cited_date,
            "cited_issuer": c.cited_issuer, "cited_title": c.cited_title, "relation": c.relation,
            "cited_key": c.cited_key, "cited_doc_id": c.cited_doc_id, "cited_term": c.cited_term,
            "section": doc.section_path(c.start) or None,
        })
    assignments = []
    assignment_ids: dict[int, str] = {}
    for i, a in enumerate(sorted(doc.spans.get("assignments", []), key=lambda a: (a.start, a.end))):
        aid = f"{did}:a{i + 1}"
        assignment_ids[id(a)] = aid
        dl = a.deadline
        assignments.append({
            "doc_id": did, "assignment_id": aid, "section": a.section, "start": a.start, "end": a.end,
            "mode": a.mode, "lead_agencies": [x.canonical for x in a.lead], "co_agencies": [x.canonical for x in a.co],
            "lead_agencies_raw": [x.raw for x in a.lead], "co_agencies_raw": [x.raw for x in a.co],
            "task": a.task, "deadline_text": dl.text if dl else None, "deadline": dl.date if dl else None,
            "recurrence": a.recurrence, "task_start": a.task_start, "task_end": a.task_end,
            "deadline_start": dl.start if dl else None, "deadline_end": dl.end if dl else None,
            "lead_agencies_current": [x.current or x.canonical for x in a.lead],
        })
    spans = [(a["start"], a["end"], a["assignment_id"]) for a in assignments]
    targets = []
    for i, t in enumerate(sorted(doc.spans.get("targets", []), key=lambda t: (t.start, t.end))):
        holder = t.assignment_id or next((aid for s, e, aid in spans if s <= t.start and t.end <= e), None)
        targets.append({
            "doc_id": did, "target_id": f"{did}:t{i + 1}", "assignment_id": holder,
            "section": t.section or doc.section_path(t.start), "start": t.start, "end": t.end,
            "indicator": t.indicator, "comparator": t.comparator, "value_low": float(t.value_low),
            "value_high": float(t.value_high), "unit": t.unit, "direction": t.direction, "year": t.year,
            "text": t.text, "indicator_key": t.indicator_key, "unit_normalized": t.unit_normalized,
        })
    return {"documents": documents, "sections": sections, "citations": citations,
            "assignments": assignments, "targets": targets}


_WARM_UP_TEXT = """ỦY BAN NHÂN DÂN
THÀNH PHỐ CẦN THƠ

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 01/CT-UBND

Cần Thơ, ngày 07 tháng 01 năm 2025

CHỈ THỊ
VỀ VIỆC TẬP TRUNG THỰC HIỆN NHIỆM VỤ NĂM 2025

Căn cứ Nghị quyết số 59-NQ/TW ngày 05 tháng 8 năm 2020 của Bộ Chính trị, Chủ tịch UBND thành phố yêu cầu:
1. Giao Sở Kế hoạch và Đầu tư chủ trì, phối hợp với các cơ quan, đơn vị liên quan và UBND quận, huyện tập trung nguồn lực:
a) Phấn đấu tỷ lệ giải ngân đạt trên 95% trong năm 2025; báo cáo định kỳ hằng quý.
b) Hoàn thành trước ngày 15/12/2025.

CHỦ TỊCH
Trần Việt Trường
"""


def warm_up() -> None:
    """Load every rule, model and matcher once (in the parent before a fork-based pool starts,
    so workers share them instead of each paying the start-up)."""
    from .extract import agencies
    from .ingest import _load_readers

    _load_readers()
    agencies.warm_up()
    process_text(RawDocument(text=_WARM_UP_TEXT, source_format="txt"), "<warm-up>", None)
