"""Typed records produced by the pipeline stages.

Every record that points into the text carries `start`/`end` (code-point offsets into the
normalized text, end-exclusive) so that `text[start:end]` is exactly the span.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class DocumentMeta:
    doc_type: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    issue_date: dt.date | None = None
    place: str | None = None
    title: str | None = None
    signer_name: str | None = None
    signer_title: str | None = None
    signer_authority: str | None = None
    # Where the operative body lies (after header/title, before "Nơi nhận" and the signature).
    body_start: int = 0
    body_end: int = 0
    # Spans of header parts (for highlighting and for "not a citation: own number").
    number_span: tuple[int, int] | None = None
    title_span: tuple[int, int] | None = None
    # Regions that are not body text: header blocks (of the document and of attached documents),
    # recipients lists and signature blocks, as (start, end, kind).
    zones: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(slots=True)
class Section:
    label: str          # "III", "1.3", "b", "-2"
    path: str           # "III.1.3"
    level: int          # 1 at top
    heading: str        # first line, up to 200 chars
    start: int
    end: int
    marker: str         # roman, arabic, letter, dash, plus, paren, article, ordinal, appendix, ...
    parent: int | None = None  # index into Doc.sections
    head_end: int = 0   # end of the marker itself (text after it starts the item's content)


@dataclass(slots=True)
class Citation:
    start: int
    end: int
    text: str
    cited_type: str
    cited_number: str | None = None
    cited_date: dt.date | None = None
    cited_issuer: str | None = None
    cited_title: str | None = None
    relation: str = "mentions"
    cited_key: str = ""
    cited_doc_id: str | None = None
    cited_term: str | None = None


@dataclass(slots=True)
class AgencyMention:
    start: int
    end: int
    raw: str            # as written
    canonical: str      # canonical name (expanded abbreviations, head title dropped)
    current: str = ""   # today's body after the 2025 reorganisation (== canonical when unchanged)
    kind: str = "named"  # named, collective, head (a person's title standing for the body), pronoun


@dataclass(slots=True)
class Deadline:
    start: int
    end: int
    text: str
    date: dt.date | None
    recurrence: str | None = None
    kind: str = ""      # year, quarter, month, day, relative, half, range, recurrence
    strength: int = 0   # 3 explicit cue, 2 period cue, 1 bare table cell (deadlines.py)


@dataclass(slots=True)
class Assignment:
    section: str
    start: int
    end: int
    mode: str
    lead: list[AgencyMention]
    co: list[AgencyMention]
    task_start: int
    task_end: int
    task: str
    deadline: Deadline | None = None
    recurrence: str | None = None


@dataclass(slots=True)
class Target:
    start: int
    end: int
    text: str
    indicator: str
    comparator: str
    value_low: float
    value_high: float
    unit: str
    direction: str
    year: int | None = None
    indicator_key: str | None = None
    unit_normalized: str | None = None
    section: str = ""
    assignment_id: str | None = None


@dataclass(slots=True)
class ErrorRecord:
    source_path: str
    stage: str
    error_type: str
    message: str
    source_sha256: str | None = None


@dataclass(slots=True)
class RawDocument:
    """What ingestion hands to normalization: decoded text plus facts about the source."""
    text: str
    source_format: str                  # txt, pdf, docx, html
    encoding: str | None = None
    pages: int | None = None
    ocr_pages: int = 0
    hard_wrapped: bool | None = None    # None: let normalize decide from the line lengths
    warnings: list[ErrorRecord] = field(default_factory=list)  # non-fatal (e.g. OCR skipped)
