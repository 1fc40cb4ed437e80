"""How each cited document relates to the citing one: basis, implements, amends, replaces,
repeals or mentions.

The cue that decides it is local: the paragraph a mention sits in ("Căn cứ …" preamble lines),
the words just before it ("thay thế Quyết định số …", "Chương trình hành động thực hiện Kết luận
số …"), or the document's title. A mention nested in another one's description ("Quyết định
số X … về ban hành Kế hoạch thực hiện Đề án “…”") only mentions; the items of one list share the
cue of the first.
"""
from __future__ import annotations

import bisect

import regex
from collections.abc import Sequence

from .citation_parse import Found
from .citation_rules import citation_rules, relation_rules

_LOWER_AFTER_COMMA_RE = regex.compile(r",\s+\p{Ll}")

BASIS, IMPLEMENTS, AMENDS, REPLACES, REPEALS, MENTIONS = (
    "basis", "implements", "amends", "replaces", "repeals", "mentions")


class Paragraphs:
    """Paragraph (line) boundaries, with a wrapped line joined to the paragraph it continues."""

    def __init__(self, text: str):
        starts = [0]
        i = text.find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self.text = text
        self.line_starts = starts
        # paragraph start for each line: a line that starts in lower case (or a digit) after a
        # line without final punctuation continues it (PDF text not fully re-joined)
        para = []
        for k, s in enumerate(starts):
            if k and _continues(text, starts[k - 1], s):
                para.append(para[-1])
            else:
                para.append(s)
        self.para_of_line = para

    def line_index(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def para_start(self, offset: int) -> int:
        return self.para_of_line[self.line_index(offset)]

    def line_start(self, offset: int) -> int:
        return self.line_starts[self.line_index(offset)]


def _continues(text: str, prev_start: int, start: int) -> bool:
    prev = text[prev_start:start - 1].rstrip()
    if not prev or prev[-1] in ".;:!?":
        return False
    nxt = text[start:start + 2]
    return bool(nxt) and (nxt[0].islower() or nxt[0].isdigit() and not _looks_like_marker(text, start))


def _looks_like_marker(text: str, start: int) -> bool:
    head = text[start:start + 6]
    return any(c in head[:4] for c in ".)") and head[:1].isdigit()


def title_ranges(text: str, title_span: tuple[int, int] | None) -> list[tuple[int, int]]:
    """Where the document's title (and the titles of its annexes) lie: the header's title span,
    and up to three lines after every standalone type line ("CHƯƠNG TRÌNH", "QUYẾT ĐỊNH")."""
    cr = citation_rules()
    rr = relation_rules()
    out = [title_span] if title_span else []
    heads = sorted([*cr.type_line.finditer(text), *cr.annex_heading.finditer(text)], key=lambda m: m.start())
    for m in heads:
        pos = m.end() + 1
        lines = 0
        end = pos
        while pos < len(text) and lines < 3:
            nl = text.find("\n", pos)
            nl = len(text) if nl < 0 else nl
            line = text[pos:nl]
            if line.strip():
                if rr.basis_paragraph.match(line) or rr.implements_paragraph.match(line) \
                        or line.lstrip().startswith(("Kính gửi", "Điều ", "I.", "I-", "1.")):
                    break
                lines += 1
                end = nl
            pos = nl + 1
        if end > m.end():
            out.append((m.end(), end))
    return out


def assign_relations(text: str, found: Sequence[Found],
                     title_span: tuple[int, int] | None = None) -> list[str]:
    """The relation of every citation in `found` (sorted by start) to the citing document."""
    rr = relation_rules()
    paras = Paragraphs(text)
    titles = title_ranges(text, title_span)
    rels: list[str] = []
    cue_rel: list[str | None] = []       # relation given by a local cue (inherited along lists)
    nested_flags: list[bool] = []
    for k, c in enumerate(found):
        pstart = paras.para_start(c.start)
        container = next((j for j in range(k - 1, -1, -1)
                          if found[j].start <= c.start and c.end <= found[j].end
                          and (found[j].start, found[j].end) != (c.start, c.end)), None)
        prev = next((j for j in range(k - 1, -1, -1) if found[j].end <= c.start), None)
        if prev is not None and found[prev].start < pstart:
            prev = None
        # the last top-level (not nested) citation of the paragraph before this one
        top = next((j for j in range(k - 1, -1, -1) if found[j].end <= c.start and found[j].start >= pstart
                    and not nested_flags[j]), None)
        clause_from = found[prev].end if prev is not None else pstart
        before = text[clause_from:c.start]
        nested = container is not None or (
            prev is not None and _is_description(before, rr))
        nested_flags.append(nested)

        rel = None
        cue = None
        # "(sau đây viết tắt là Kết luận số 210-KL/TW)": same as the mention it abbreviates
        if rr.abbreviation_before.search(text, max(pstart, c.start - 40), c.start) and prev is not None:
            rel = rels[prev]
            cue = cue_rel[prev]
        elif not nested:
            cue = _cue(text, c, before, rr, pstart)
            if cue is None and top is not None and cue_rel[top] is not None \
                    and rr.list_separator.search(text[max(found[top].end, c.start - 12):c.start]) \
                    and (found[top].cited_type == c.cited_type or top == prev):
                cue = cue_rel[top]  # "Thay thế Quyết định số A …; Quyết định số B …"
            elif cue is None and c.list_index and prev is not None and cue_rel[prev] is not None:
                cue = cue_rel[prev]
            rel = cue
        if rel is None and rr.basis_paragraph.match(text, pstart):
            rel = BASIS
        if rel is None and not nested and _in_ranges(c.start, titles) \
                and rr.title_implements_before.search(text, paras.line_start(c.start), c.start):
            rel = cue = IMPLEMENTS  # the title names what the document carries out
        if rel is None and not nested and prev is None:
            m = rr.implements_paragraph.match(text, pstart)
            gap = text[m.end():c.start] if m else ""
            if m and len(gap) <= rr.implements_paragraph_reach and not any(ch in gap for ch in ".;") \
                    and not _LOWER_AFTER_COMMA_RE.search(gap):
                rel = cue = IMPLEMENTS  # "Thực hiện Kết luận số …, Ban Thường vụ … như sau:"
        rels.append(rel or MENTIONS)
        cue_rel.append(cue)
    return rels


def _cue(text: str, c: Found, before: str, rr, pstart: int) -> str | None:
    """The relation a cue right before (or after) the mention gives, if any."""
    tail = before[-120:]
    tail_start = c.start - len(tail)
    for rel, pattern in ((REPLACES, rr.replaces_before), (REPEALS, rr.repeals_before),
                         (AMENDS, rr.amends_before)):
        m = pattern.search(tail)
        if m:
            cue_at = tail_start + m.start()
            context = text[max(pstart, cue_at - 60):cue_at]
            if cue_at <= pstart or rr.act_context_before.search(context):
                return rel
    if rr.implements_before.search(tail) and (rr.implements_self_before.search(before)
                                              or rr.implements_self_after.match(text, c.end)):
        return IMPLEMENTS
    m = rr.repeals_after.match(text, c.end)
    if m:
        return REPEALS
    return None


def _is_description(between: str, rr) -> bool:
    """The text between two mentions starts the first one's description and stays in it."""
    if not rr.tail_start.match(between):
        return False
    return _same_clause(between)


def _same_clause(between: str) -> bool:
    if ";" in between or ". " in between or between.rstrip().endswith("."):
        return False
    # ", Chính phủ ban hành …" starts a new clause; "…, Luật B" continues a list
    i = between.find(", ")
    while i >= 0:
        nxt = between[i + 2:i + 3]
        if nxt and nxt.isupper():
            return False
        i = between.find(", ", i + 2)
    return True


def _in_ranges(offset: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= offset < b for a, b in ranges)
