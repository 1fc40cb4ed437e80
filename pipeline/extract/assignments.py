"""Assignments: who must do what, by when, one row per actionable item.

An item of the outline is actionable when it names a responsible agency, or inherits one from
the item that encloses it ("3. Giao Sở Kế hoạch và Đầu tư chủ trì …: a) …; b) …" gives 3.a and
3.b to the same Sở). Rows are made at the finest enumerated level; a parent item is a row of
its own only when it carries a task before its sub-items. Table rows and field-style items
("Cơ quan chủ trì: …; Thời gian hoàn thành: …") are read field by field, and unnumbered
paragraphs ("Giao Sở … theo dõi, đôn đốc …") clause by clause.

The agency grammar lives in `agencies.py`, deadline wording in `deadlines.py`; this module
decides where items, preambles and tasks begin and end.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

import regex

from .. import rules
from ..components import component
from ..document import Doc
from ..models import AgencyMention, Assignment, Deadline, Section
from ..textutil import fold
from . import agencies, deadlines

PREAMBLE_WINDOW = 600     # an agency preamble never runs longer than this
MAX_SUBJECT_SENTENCES = 4  # sentences of an item where an uncued subject agency is looked for
FIELD_KINDS = ("lead", "co", "deadline", "task", "other")


@dataclass(frozen=True)
class _Rules:
    cue: regex.Pattern            # cue at a clause start; group names = modes
    cue_scan: re.Pattern | regex.Pattern  # the same for a scan of the whole text (rules.scanner)
    cue_modes: dict[str, str]
    filler: regex.Pattern
    connectors: list[regex.Pattern]
    co_connector: regex.Pattern
    lead_tail: regex.Pattern
    responsibility: regex.Pattern
    not_task: regex.Pattern
    topic: regex.Pattern
    opened_cue: regex.Pattern     # "Chủ tịch UBND thành phố đề nghị …": the cue after its speaker
    field_label: regex.Pattern    # "<label>:" at a line start (after an optional bullet)
    intro_addressees: frozenset[str]  # document types whose introduction names the actors
    bare_generic: frozenset[str]      # folded generic nouns that alone are no subject
    role_head: regex.Pattern          # a heading naming its actor by role
    field_kind: dict[str, str]    # folded label -> kind


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = rules.load("assignments.yaml")
    groups, modes = [], {}
    for i, c in enumerate(data["cues"]):
        name = f"m{i}"
        groups.append(f"(?P<{name}>{c['pattern']})")
        modes[name] = c["mode"]
    field_kind = {}
    labels = []
    for kind in FIELD_KINDS:
        for label in data["fields"][kind]:
            field_kind[fold(label)] = kind
            labels.append(label)
    labels.sort(key=len, reverse=True)
    label_alt = "|".join(regex.escape(x) for x in labels)
    return _Rules(
        cue=regex.compile(rf"(?:{'|'.join(groups)})\s+"),
        cue_scan=rules.scanner(rf"(?:{'|'.join(groups)})\s+"),
        cue_modes=modes,
        filler=regex.compile(data["cue_fillers"]),
        connectors=[regex.compile(p) for p in data["connectors"]],
        co_connector=regex.compile(data["co_connector"]),
        lead_tail=regex.compile(data["lead_tail"]),
        responsibility=regex.compile(data["responsibility"]),
        not_task=regex.compile(data["not_a_task_after_subject"]),
        topic=regex.compile(data["topic_opener"]),
        opened_cue=regex.compile(rf"{data['clause_opener']}(?:{'|'.join(groups)})\s+"),
        field_label=regex.compile(rf"(?:[-–+•]\s*)?(?P<label>(?i:{label_alt}))\s*(?:\([^)\n]{{0,40}}\)\s*)?:\s*"),
        field_kind=field_kind,
        intro_addressees=frozenset(data.get("intro_addressees", [])),
        bare_generic=frozenset(fold(x) for x in data["bare_generic_subjects"]),
        role_head=regex.compile(data["role_heading"]),
    )


# --- clauses: the agency preamble of a sentence ---------------------------------------------------

@dataclass
class Clause:
    start: int
    mode: str | None                 # the cue's mode; "chịu trách nhiệm"; None when no cue
    lead: list[AgencyMention]
    co: list[AgencyMention] = field(default_factory=list)
    task_start: int = 0


_SPACE_PUNCT = " \t,:;"


def _skip(text: str, pos: int, end: int, chars: str = _SPACE_PUNCT) -> int:
    while pos < end and text[pos] in chars:
        pos += 1
    return pos


def parse_clause(text: str, pos: int, end: int, *, subject_ok: bool = True) -> Clause | None:
    """The preamble at `pos`: [opener] cue agencies | agencies (as subject), then connectors
    ("chủ trì, phối hợp với …", "có trách nhiệm", ":"). None when no agency is named there."""
    r = _rules()
    pos = _skip(text, pos, end, " \t")
    start = pos
    limit = min(end, pos + PREAMBLE_WINDOW)
    mode = None
    m = r.cue.match(text, pos, limit) or r.opened_cue.match(text, pos, limit)
    if m:
        mode = r.cue_modes[next(k for k, v in m.groupdict().items() if v is not None)]
        pos = m.end()
        fm = r.filler.match(text, pos, limit)
        if fm:
            pos = fm.end()
    elif not subject_ok or r.topic.match(text, pos, limit):
        return None
    lead, after = agencies.parse_agency_list(text, pos, limit)
    if not lead:
        return None
    clause = Clause(start=start, mode=mode, lead=lead, task_start=after)
    p = _skip(text, after, limit, " \t")
    p = r.lead_tail.match(text, p, limit).end()
    if mode is None and (r.not_task.match(text, p, limit) or not _plausible_subject(lead)):
        return None  # "Sở Y tế đã …": a description, not an assignment
    # connectors: "theo chức năng, nhiệm vụ", "chủ trì", "phối hợp với …", "có trách nhiệm",
    # also on the line after an agency heading ("3. Sở Y tế / Phối hợp với Sở Giáo dục …")
    if p < limit and text[p] == "\n":
        p = _skip(text, p, limit, " \t\n")
    progressed = True
    while progressed and p < limit:
        progressed = False
        for c in r.connectors:
            cm = c.match(text, p, limit)
            if cm and cm.end() > p:
                p = _skip(text, cm.end(), limit, " \t,")
                progressed = True
        cm = r.co_connector.match(text, p, limit)
        if cm:
            co, co_end = agencies.parse_agency_list(text, cm.end(), limit)
            if co:
                clause.co.extend(co)
                p = _skip(text, co_end, limit, " \t,")
                progressed = True
        rm = r.responsibility.match(text, p, limit)
        if rm:
            clause.mode = clause.mode or "chịu trách nhiệm"
            p = rm.end()
            progressed = True
    clause.task_start = _skip(text, p, limit)
    return clause


def _plausible_subject(lead: list[AgencyMention]) -> bool:
    """An uncued subject must look like an actor: not an upper-case heading ("QUỸ THÀNH VIÊN")
    and not a bare generic noun alone ("Đơn vị nhận báo cáo:", "Cơ quan chịu trách nhiệm …")."""
    if any(m.raw.isupper() and " " in m.raw for m in lead):
        return False
    return not (len(lead) == 1 and fold(lead[0].raw) in _rules().bare_generic)


def co_agencies_in(text: str, start: int, end: int) -> list[AgencyMention]:
    """Agencies after "phối hợp (với)" in the first sentence of a task."""
    r = _rules()
    start = _skip(text, start, end, " \t\n:")
    stop = _sentence_end(text, start, end)
    out: list[AgencyMention] = []
    for m in r.co_connector.finditer(text, start, stop):
        co, _ = agencies.parse_agency_list(text, m.end(), min(stop, m.end() + PREAMBLE_WINDOW))
        out.extend(co)
    return out


_COMMA_RE = regex.compile(r"[,;]\s+")
_SENTENCE_END_RE = regex.compile(r"[.;](?=\s|$)|\n")


def _sentence_end(text: str, start: int, end: int) -> int:
    m = _SENTENCE_END_RE.search(text, start, end)
    return m.start() if m else end


# Clause starts inside an item: its beginning, after a sentence end, after "; " and at each line.
_CLAUSE_START_RE = regex.compile(r"[.;!?…]\s+(?=\S)|\n(?=\S)")


# --- context inherited from enclosing items -------------------------------------------------------

@dataclass
class Context:
    mode: str = ""
    lead: list[AgencyMention] = field(default_factory=list)
    co: list[AgencyMention] = field(default_factory=list)
    consumed: bool = False   # the sub-items were read as fields of this item: no rows of their own
    weak: bool = False       # the agencies come from a list's introduction, not an item's preamble


_INTRO_CUE_RE = regex.compile(r"(?:yêu\s+cầu|đề\s+nghị|giao|chỉ\s+thị|chỉ\s+đạo)\b(?=[^.;\n]*(?::\s*$|$))",
                              regex.IGNORECASE)
_INTRO_MODE = {"yêu cầu": "yêu cầu", "đề nghị": "đề nghị", "giao": "giao", "chỉ thị": "yêu cầu", "chỉ đạo": "yêu cầu"}


def intro_mode(text: str, start: int, end: int) -> str:
    """The mode announced by the paragraph that introduces a list ("… Chủ tịch UBND thành phố
    yêu cầu:", "…, yêu cầu các bộ, ngành, địa phương:")."""
    while end > start and text[end - 1] in " \n":
        end -= 1
    para_start = max(start, text.rfind("\n", start, end) + 1)
    para = text[para_start:end]
    if not para.endswith(":"):
        return ""
    last = None
    for m in _INTRO_CUE_RE.finditer(para):
        last = m
    if not last:
        return ""
    return _INTRO_MODE[" ".join(last.group(0).lower().split())]


# --- field items (table rows, "- Cơ quan thực hiện: …") --------------------------------------------

@dataclass
class Fields:
    task: tuple[int, int] | None = None
    lead: tuple[int, int] | None = None
    co: tuple[int, int] | None = None
    deadline: tuple[int, int] | None = None
    first_field: int | None = None


def read_fields(text: str, start: int, end: int) -> Fields:
    r = _rules()
    f = Fields()
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        m = r.field_label.match(text, pos, line_end)
        if m:
            kind = r.field_kind.get(fold(m.group("label")), "other")
            if f.first_field is None:
                f.first_field = pos
            if getattr(f, kind, None) is None and kind != "other":
                setattr(f, kind, (m.end(), _rstrip(text, m.end(), line_end)))
        pos = line_end + 1
    return f


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t;,.":
        end -= 1
    return end


# --- deadlines -------------------------------------------------------------------------------------

def _deadline(doc: Doc, start: int, end: int, *, field_value: bool = False) -> Deadline | None:
    if end <= start:
        return None
    found = deadlines.find_deadlines(doc.text, start, end, issue_date=doc.meta.issue_date,
                                     doc_year=_doc_year(doc), field_value=field_value)
    found = [d for d in found if not _inside(doc, "citations", d.start, d.end)]
    return deadlines.pick_deadline(found, start, end)


def _doc_year(doc: Doc) -> int | None:
    return doc.meta.issue_date.year if doc.meta.issue_date else None


def _inside(doc: Doc, layer: str, start: int, end: int) -> bool:
    spans = doc.spans.get(layer) or []
    starts = doc.spans.get(f"_{layer}_starts")
    if starts is None:
        starts = [s.start for s in spans]
        doc.spans[f"_{layer}_starts"] = starts
    i = bisect.bisect_right(starts, start) - 1
    return i >= 0 and spans[i].start <= start and end <= spans[i].end


def _recurrence(text: str, start: int, end: int) -> str | None:
    rec = deadlines.recurrence_of(text[start:end])
    if rec is None:
        return None
    return rec[0] if isinstance(rec, tuple) else rec


# --- the extractor ---------------------------------------------------------------------------------

def _dedupe(mentions: list[AgencyMention]) -> list[AgencyMention]:
    seen, out = set(), []
    for m in mentions:
        key = fold(m.canonical)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n:;,":
        start += 1
    while end > start and text[end - 1] in " \t\n":
        end -= 1
    return start, end


class _Extractor:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.text = doc.text
        self.out: list[Assignment] = []
        zones = sorted(doc.meta.zones)
        self.zone_starts = [z[0] for z in zones]
        self.zones = zones
        self._clauses: dict[tuple[int, int, bool], Clause | None] = {}
        # sentence starts and cue words of the whole text, found once (items look them up)
        self.sentence_starts = [m.end() for m in _CLAUSE_START_RE.finditer(self.text)]
        self.cue_starts = [m.start() for m in rules.scan(_rules().cue_scan, self.text)]

    def clause_starts(self, start: int, end: int) -> list[int]:
        """`start` and the sentence starts inside (start, end)."""
        lo = bisect.bisect_right(self.sentence_starts, start)
        hi = bisect.bisect_left(self.sentence_starts, end)
        return [start] + self.sentence_starts[lo:hi]

    def clause(self, pos: int, end: int, subject_ok: bool = True) -> Clause | None:
        """parse_clause, memoised: items, their sentences and loose paragraphs overlap."""
        key = (pos, end, subject_ok)
        if key not in self._clauses:
            self._clauses[key] = parse_clause(self.text, pos, end, subject_ok=subject_ok)
        return self._clauses[key]

    def in_zone(self, pos: int) -> bool:
        i = bisect.bisect_right(self.zone_starts, pos) - 1
        return i >= 0 and self.zones[i][0] <= pos < self.zones[i][1]

    # one row
    def emit(self, section: str, start: int, end: int, mode: str, lead, co, task_start: int, task_end: int,
             deadline: Deadline | None = None, deadline_decided: bool = False) -> None:
        task_start, task_end = _trim(self.text, task_start, task_end)
        if task_end <= task_start or not lead:
            return
        if deadline is None and not deadline_decided:
            deadline = _deadline(self.doc, task_start, task_end)
        self.out.append(Assignment(
            section=section, start=start, end=end, mode=mode, lead=_dedupe(lead), co=_dedupe(co),
            task_start=task_start, task_end=task_end, task=" ".join(self.text[task_start:task_end].split()),
            deadline=deadline, recurrence=_recurrence(self.text, task_start, task_end)))

    def run(self) -> list[Assignment]:
        doc = self.doc
        secs = doc.sections
        # the paragraph before the first item announces the default mode
        first = next((s for s in secs if s.start >= doc.meta.body_start), None)
        default_mode = intro_mode(self.text, doc.meta.body_start, first.start) if first else ""
        top = Context(mode=default_mode)
        if first and doc.meta.doc_type in _rules().intro_addressees:
            # a telegram's or letter's introduction names its addressees: they carry out the items
            # that name no agency of their own ("Thủ tướng Chính phủ yêu cầu Bộ trưởng, … :")
            intro = self.intro_clause(doc.meta.body_start, first.start, whole=True)
            if intro:
                top = Context(mode=intro.mode or default_mode, lead=intro.lead, co=intro.co, weak=True)
        contexts: dict[int, Context] = {}
        for i, s in enumerate(secs):
            if s.marker == "footnote" or self.in_zone(s.start):
                continue
            parent_ctx = contexts.get(s.parent) if s.parent is not None else None
            if parent_ctx is not None and parent_ctx.consumed:
                contexts[i] = parent_ctx
                continue
            base = parent_ctx or top
            contexts[i] = self.item(i, s, base)
        self.loose_paragraphs(default_mode)
        return sorted(self.out, key=lambda a: (a.start, a.end))

    def item(self, i: int, s: Section, base: Context) -> Context:
        """Emit the rows of item `i`; return the context its sub-items inherit."""
        text = self.text
        kids = self.doc.children(i)
        own_end = self.doc.sections[kids[0]].start if kids else s.end
        body_start = s.head_end
        fields = read_fields(text, body_start, s.end if not kids else own_end)
        if fields.lead or (kids and self._field_children(kids)):
            return self.field_item(s, kids, base)
        clause = self.clause(body_start, own_end)
        ctx = Context(mode=base.mode, lead=base.lead, co=base.co, weak=base.weak)
        if clause:
            ctx = Context(mode=clause.mode or base.mode, lead=clause.lead, co=clause.co or [])
        elif kids and (role := self.role_heading(body_start, own_end)):
            # "3. Cơ quan chủ trì giải quyết thủ tục đầu tư dự án / a) … b) …": the heading names
            # the actor by its role
            ctx = Context(mode=base.mode, lead=[role])
        elif kids:
            # the paragraph that introduces the sub-items may name who carries them out
            # ("II. NHIỆM VỤ CỤ THỂ / …, các bộ, cơ quan ngang bộ, … cần … các nhiệm vụ sau đây:")
            # and the mode ("…, yêu cầu:")
            own_mode = intro_mode(text, body_start, own_end)
            intro = self.intro_clause(body_start, own_end)
            if intro:
                ctx = Context(mode=intro.mode or own_mode or base.mode, lead=intro.lead, co=intro.co, weak=True)
            elif own_mode:
                ctx = Context(mode=own_mode, lead=base.lead, co=base.co, weak=base.weak)
        if kids:
            # a parent is a row of its own only when its text before the sub-items is a task
            if clause:
                t0, t1 = _trim(text, clause.task_start, own_end)
                words = len(text[t0:t1].split())
                if t1 > t0 and (words >= 20 or (words >= 4 and not text[t0:t1].rstrip().endswith(":"))):
                    self.emit(s.path, s.start, own_end, ctx.mode, clause.lead,
                              clause.co or co_agencies_in(text, t0, t1), t0, t1)
            return ctx
        # a leaf: its own agencies, else the inherited ones, else agencies named by a cue inside
        if clause:
            co = clause.co or co_agencies_in(text, clause.task_start, s.end) or (base.co if not clause.lead else [])
            lead, mode = self.more_leads(clause.lead, clause.task_start, s.end), clause.mode or base.mode
            self.emit(s.path, s.start, s.end, mode, lead, co, clause.task_start, s.end)
        elif base.lead and not (base.weak and self.inner_clauses(body_start, s.end)):
            co = base.co or co_agencies_in(text, body_start, s.end)
            self.emit(s.path, s.start, s.end, base.mode, base.lead, co, body_start, s.end)
        else:
            # agencies named inside the item ("…; yêu cầu các bộ, ngành, ACV …") come before those
            # of a list's introduction
            inner = self.inner_clauses(body_start, s.end)
            if inner:
                lead = [a for c in inner for a in c.lead]
                co = [a for c in inner for a in c.co]
                mode = next((c.mode for c in inner if c.mode), base.mode)
                task_start = inner[0].task_start if inner[0].start == body_start else body_start
                self.emit(s.path, s.start, s.end, mode, lead, co, task_start, s.end)
        return ctx

    def role_heading(self, start: int, end: int) -> AgencyMention | None:
        """A heading line that is a role noun phrase: a generic agency noun and what it does,
        no sentence ("Cơ quan chủ trì giải quyết thủ tục đầu tư dự án")."""
        text = self.text
        s0 = _skip(text, start, end, " \t")
        line_end = text.find("\n", s0, end)
        line_end = end if line_end < 0 else line_end
        line = text[s0:line_end].rstrip()
        if not line or len(line.split()) > 14 or line[-1] in ".;:!?" or not _rules().role_head.match(line):
            return None
        return AgencyMention(s0, s0 + len(line), line, line, line, "collective")

    def intro_clause(self, start: int, end: int, whole: bool = False) -> Clause | None:
        """The agencies of a list's introduction: the last paragraph of an item's own text when it
        ends with ":" (after the heading line; `whole`: the region has no heading line), at a
        sentence start, a cue or after a comma."""
        text = self.text
        while end > start and text[end - 1] in " \n":
            end -= 1
        if end <= start or text[end - 1] != ":":
            return None
        para = max(start, text.rfind("\n", start, end) + 1)
        if para == start and not whole:
            return None  # the heading line itself: handled as the item's own clause
        for p in [para] + [m.end() for m in _COMMA_RE.finditer(text, para, end)]:
            c = self.clause(p, end)
            if c and c.lead:
                return c
        return None

    def more_leads(self, lead: list[AgencyMention], start: int, end: int) -> list[AgencyMention]:
        """Agencies named by further cues in the same item ("… Yêu cầu Nhà đầu tư (Tập đoàn …) …")."""
        extra = [a for c in self.inner_clauses(start, end, cues_only=True) for a in c.lead]
        return lead + extra

    def inner_clauses(self, start: int, end: int, cues_only: bool = False) -> list[Clause]:
        """Clauses that name agencies: at sentence starts (as cue or subject) and at every cue
        inside a sentence (", yêu cầu Giám đốc sở, … tổ chức triển khai …")."""
        # a subject agency opens one of the first sentences of an item; later ones are cued
        sentence_starts = set(self.clause_starts(start, end)[:MAX_SUBJECT_SENTENCES])
        starts = set(sentence_starts)
        lo = bisect.bisect_left(self.cue_starts, start)
        hi = bisect.bisect_left(self.cue_starts, end)
        starts.update(p for p in self.cue_starts[lo:hi] if p == start or self.text[p - 1] in " ,;(")
        out: list[Clause] = []
        for p in sorted(starts):
            if out and p < out[-1].task_start:
                continue  # inside the preamble of the previous clause
            c = self.clause(p, end, subject_ok=not cues_only and p in sentence_starts)
            if c:
                out.append(c)
        return out

    def _field_children(self, kids: list[int]) -> bool:
        r = _rules()
        hits = 0
        for k in kids:
            s = self.doc.sections[k]
            m = r.field_label.match(self.text, s.start, s.end)
            if m and r.field_kind.get(fold(m.group("label"))) in ("lead", "co", "deadline"):
                hits += 1
        return hits > 0

    def field_item(self, s: Section, kids: list[int], base: Context) -> Context:
        """A table row or an item whose sub-items are fields: one row from its fields."""
        text = self.text
        f = read_fields(text, s.head_end, s.end)
        lead: list[AgencyMention] = []
        co: list[AgencyMention] = []
        mode = base.mode
        if f.lead:
            clause = parse_clause(text, f.lead[0], f.lead[1] + 1)
            if clause:
                lead, co, mode = clause.lead, clause.co, clause.mode or base.mode
            else:
                lead = agencies.find_agencies(text, *f.lead)
        if f.co:
            co = co + agencies.parse_agency_list(text, f.co[0], f.co[1] + 1)[0] or agencies.find_agencies(text, *f.co)
        if not lead:
            lead, co = base.lead, co or base.co
        if f.task:
            t0, t1 = f.task
        else:
            first_kid = self.doc.sections[kids[0]].start if kids else None
            stops = [x for x in (f.first_field, first_kid) if x is not None]
            t0, t1 = s.head_end, min(stops) if stops else s.end
        # a time field decides alone ("Thời hạn hoàn thành: Thường xuyên" has no deadline)
        deadline = _deadline(self.doc, *f.deadline, field_value=True) if f.deadline else _deadline(self.doc, t0, t1)
        self.emit(s.path, s.start, s.end, mode, lead, co, t0, t1, deadline=deadline, deadline_decided=True)
        return Context(mode=mode, lead=lead, co=co, consumed=bool(kids) and self._field_children(kids))

    def loose_paragraphs(self, default_mode: str) -> None:
        """Unnumbered paragraphs that assign: after the items ("Giao Sở … theo dõi …") and inside
        an item after its sub-items."""
        doc, text = self.doc, self.text
        covered = sorted((a.start, a.end) for a in self.out)
        covered_starts = [c[0] for c in covered]
        reach = []  # reach[i]: the furthest end among covered[:i + 1]
        for c in covered:
            reach.append(max(c[1], reach[-1] if reach else 0))

        def is_covered(pos: int) -> bool:
            i = bisect.bisect_right(covered_starts, pos) - 1
            return i >= 0 and reach[i] > pos
        pos = doc.meta.body_start
        end = doc.meta.body_end if doc.meta.body_end > pos else len(text)
        secs = doc.sections
        for ls in _paragraph_starts(text, pos, len(text)):
            if self.in_zone(ls):
                continue
            le = text.find("\n", ls)
            le = len(text) if le < 0 else le
            sec = doc.innermost_section(ls)
            if sec is not None and sec.start == ls:
                continue  # an item's own first line: handled above
            if sec is not None and (sec.marker == "footnote" or is_covered(ls)):
                continue
            if sec is None and ls < (secs[0].start if secs else end):
                continue  # the preamble before the first item
            # an uncovered paragraph assigns only through a cue ("Giao …", "…, yêu cầu …")
            clauses = [c for c in self.inner_clauses(ls, le, cues_only=True) if c.mode]
            for k, c in enumerate(clauses):
                c_end = clauses[k + 1].start if k + 1 < len(clauses) else le
                self.emit(sec.path if sec else "", ls if k == 0 else c.start, c_end, c.mode or default_mode,
                          c.lead, c.co or co_agencies_in(text, c.task_start, c_end), c.task_start, c_end)


def _paragraph_starts(text: str, start: int, end: int) -> list[int]:
    out = [start]
    pos = start
    while True:
        nl = text.find("\n", pos, end)
        if nl < 0:
            break
        if nl + 1 < end and text[nl + 1] != "\n":
            out.append(nl + 1)
        pos = nl + 1
    return out


def find_assignments(doc: Doc) -> list[Assignment]:
    return _Extractor(doc).run()


@component("assignments")
def assignments_component(doc: Doc) -> None:
    doc.spans["assignments"] = find_assignments(doc)
