"""What the targets finder knows about a document as a whole: the body, the spans other
components found (citations, deadlines: their numbers are not values), the plan's year, the
mode (a plan states targets; a normative text states rules; a web page describes) and the
headings above a position (doc.sections when the outline ran, else a light fallback).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from .. import rules
from ..document import Doc
from .target_rules import TargetRules

T = rules.REGEX_TIMEOUT
WINDOW = 400          # how far a clause or sentence is looked for around a value
HEADING_MAX = 120     # longer "headings" are item paragraphs, not headings

_DATE_LINE_RE = regex.compile(r"ngày\h+\d{1,2}\h+tháng\h+\d{1,2}\h+năm\h+((?:19|20)\d{2})")
# Years a title is about: "… NĂM 2025", "năm 2022 - 2023", "ĐẾN NĂM 2030", "giai đoạn 2021 - 2025";
# not the years of dates of cited documents ("ngày 12 tháng 11 năm 2025").
_TITLE_YEAR_RE = regex.compile(
    r"(?i)(?<!tháng\h+\d{1,2}\h+)(?<!/)(?:năm|giai đoạn|thời kỳ|đến)\h+((?:19|20)\d{2})(?!\d)"
    r"(?:\h*[-–]\h*((?:19|20)\d{2})(?!\d))?")
_LINE_HEADING_RE = regex.compile(
    r"(?m)^\h*(?:(?P<r0>(?:PHẦN|Phần|CHƯƠNG|Chương|MỤC|Mục)\h+\w+|[IVXL]{1,6}\h*[.\-–)])"
    r"|(?P<r1>\d{1,2}(?:\.\d{1,2}){0,3}\h*[.)\-–]?\h+(?=\p{Lu}))|(?P<r2>[a-zđ]\)\h+))"
    r"[^\n]{0,200}$"
)
_UPPER_LINE_RE = regex.compile(r"(?m)^\h*[\p{Lu}\d][\p{Lu}\d\h,.\-–()/:]{8,200}$")


@dataclass
class _Heading:
    start: int
    end: int
    rank: int
    text: str


class LazyHeadings:
    """The headings around a value, looked up only when a rule needs them."""

    __slots__ = ("ctx", "pos", "_hs")

    def __init__(self, ctx: "TargetContext", pos: int) -> None:
        self.ctx, self.pos, self._hs = ctx, pos, None

    def __iter__(self):
        if self._hs is None:
            self._hs = self.ctx.headings_for(self.pos)
        return iter(self._hs)


class TargetContext:
    """Per-document facts the decisions need: body range, blocked spans, years, headings."""

    def __init__(self, doc: Doc, tr: TargetRules) -> None:
        self.rules = tr
        self.doc = doc
        self.text = doc.text
        meta = doc.meta
        n = len(self.text)
        self.lo = max(0, min(meta.body_start or 0, n))
        # Not body_end: plans and programmes are often attached after the signature of the
        # decision that issues them, and their targets are there.
        self.hi = n
        blocked: list[tuple[int, int]] = []
        for layer in ("citations", "deadlines"):
            for s in doc.spans.get(layer) or []:
                st, en = getattr(s, "start", None), getattr(s, "end", None)
                if isinstance(st, int) and isinstance(en, int) and en > st:
                    blocked.append((st, en))
        blocked.sort()
        self.blocked = blocked
        self.blocked_starts = [b[0] for b in blocked]
        self.plan_year = self._plan_year()
        self.title_year = self._title_year()
        dtype = meta.doc_type or ""
        # Normative documents state targets only with an explicit objective; their other numbers
        # are rules. Texts with no document header at all (web pages, articles) describe, and
        # need an objective word in the sentence itself.
        if dtype in tr.normative_types or tr.normative_line_re.search(self.text, 0, min(n, 3000)) \
                or tr.normative_title_re.search(meta.title or "") \
                or not tr.objective_vocabulary_re.search(self.text):
            self.mode = "normative"
        elif not dtype and not tr.document_markers_re.search(self.text, 0, min(n, 2500)):
            self.mode = "narrative"
        else:
            self.mode = "plan"
        self._headings: list[_Heading] | None = None
        self._heading_starts: list[int] = []

    # -- document-level facts --------------------------------------------------------------
    def _plan_year(self) -> int | None:
        d = self.doc.meta.issue_date
        if d is not None:
            return d.year
        n = len(self.text)
        m = _DATE_LINE_RE.search(self.text, 0, min(n, 3000)) or _DATE_LINE_RE.search(self.text, max(0, n - 3000), n)
        return int(m.group(1)) if m else None

    def _title_year(self) -> int | None:
        title = self.doc.meta.title
        if not title:
            return None
        years = [int(m.group(2) or m.group(1)) for m in _TITLE_YEAR_RE.finditer(title)
                 if not self.rules.vision_re.search(title, max(0, m.start() - 30), m.start())]
        return max(years) if years else None

    def is_blocked(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.blocked_starts, end) - 1
        while i >= 0:
            s, e = self.blocked[i]
            if e > start:
                return True
            if s < start - 2000:
                break
            i -= 1
        return False

    # -- headings ---------------------------------------------------------------------------
    def headings_for(self, pos: int) -> list[str]:
        """Headings of the sections around `pos` (innermost first), without the line of `pos`."""
        doc = self.doc
        out: list[str] = []
        if doc.sections:
            sec = doc.innermost_section(pos)
            idx = None
            if sec is not None:
                idx = doc.sections.index(sec) if len(doc.sections) < 64 else _index_of(doc, sec)
            while idx is not None:
                s = doc.sections[idx]
                head_end = s.start + len(s.heading)
                if not (s.start <= pos < head_end):
                    out.append(s.heading)
                idx = s.parent
            return out
        if self._headings is None:
            self._build_headings()
        hs = self._headings or []
        i = bisect.bisect_right(self._heading_starts, pos) - 1
        rank_limit = 99
        steps = 0
        while i >= 0 and rank_limit > 0 and steps < 200:
            h = hs[i]
            steps += 1
            if h.rank < rank_limit:
                if not (h.start <= pos < h.end):
                    out.append(h.text)
                rank_limit = h.rank
            i -= 1
        return out

    def _build_headings(self) -> None:
        hs: list[_Heading] = []
        seen: set[int] = set()
        for m in _LINE_HEADING_RE.finditer(self.text, self.lo, self.hi, timeout=rules.scan_timeout(self.hi - self.lo)):
            rank = 0 if m.group("r0") else (1 + m.group("r1").count(".") if m.group("r1") else 4)
            if m.group("r1"):
                rank = min(rank, 3)
            hs.append(_Heading(m.start(), m.end(), rank, m.group(0).strip()))
            seen.add(m.start())
        for m in _UPPER_LINE_RE.finditer(self.text, self.lo, self.hi, timeout=rules.scan_timeout(self.hi - self.lo)):
            if m.start() not in seen and sum(c.isalpha() for c in m.group(0)) >= 6:
                hs.append(_Heading(m.start(), m.end(), 0, m.group(0).strip()))
        hs.sort(key=lambda h: h.start)
        self._headings = hs
        self._heading_starts = [h.start for h in hs]


def _index_of(doc: Doc, sec) -> int | None:
    i = bisect.bisect_left(doc._section_starts, sec.start) if doc._section_starts else 0
    for j in range(max(0, i - 2), min(len(doc.sections), i + 64)):
        if doc.sections[j] is sec:
            return j
    return doc.sections.index(sec)


# --- values --------------------------------------------------------------------------------------

# --- clauses and sentences ---------------------------------------------------------------------

def clause_start(ctx: TargetContext, tr: TargetRules, pos: int) -> tuple[int, str]:
    """Start of the clause holding `pos` and the break character before it."""
    lo = max(ctx.lo, pos - WINDOW)
    m = tr.clause_break_rev.search(ctx.text, lo, pos, timeout=T)
    if m:
        return m.end(), m.group(0)
    return lo, ""


def clause_end(ctx: TargetContext, tr: TargetRules, pos: int) -> int:
    hi = min(ctx.hi, pos + WINDOW)
    m = tr.clause_break_re.search(ctx.text, pos, hi, timeout=T)
    return m.start() if m else hi


def sentence_bounds(ctx: TargetContext, tr: TargetRules, start: int, end: int) -> tuple[int, int]:
    text = ctx.text
    lo = max(ctx.lo, start - WINDOW)
    m = tr.sentence_break_rev.search(text, lo, start, timeout=T)
    s = m.end() if m else lo
    hi = min(ctx.hi, end + WINDOW)
    m = tr.sentence_break_re.search(text, end, hi, timeout=T)
    return s, (m.start() if m else hi)
