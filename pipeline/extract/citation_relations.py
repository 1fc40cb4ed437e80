"""How each cited document relates to the citing one: basis, implements, amends, replaces,
repeals or mentions.

The cue that decides it is local: the paragraph a mention sits in ("Căn cứ …" preamble lines),
the words just before it ("thay thế Quyết định số …", "Chương trình hành động thực hiện Kết luận
số …"), or the document's title. A mention nested in another one's description ("Quyết định
số X … về ban hành Kế hoạch thực hiện Đề án “…”") only mentions; the items of one list share the
cue of the first.
"""
from __future__ import annotations


import regex
from collections.abc import Sequence

from .citation_parse import Found
from .citation_rules import citation_rules, relation_rules

_LOWER_AFTER_COMMA_RE = regex.compile(r",\s+\p{Ll}")

BASIS, IMPLEMENTS, AMENDS, REPLACES, REPEALS, MENTIONS = (
    "basis", "implements", "amends", "replaces", "repeals", "mentions")


class Paragraphs:
    """Paragraph (line) boundaries, with a wrapped line joined to the paragraph it continues
    (worked out lazily: only the lines that hold a citation are looked at)."""

    def __init__(self, text: str):
        self.text = text
        self._para: dict[int, int] = {}

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def prev_line_start(self, line_start: int) -> int:
        return self.text.rfind("\n", 0, max(0, line_start - 1)) + 1

    def para_start(self, offset: int) -> int:
        ls = self.line_start(offset)
        if ls in self._para:
            return self._para[ls]
        j, steps = ls, 0
        # a line that starts in lower case (or a digit) after a line without final punctuation
        # continues it (PDF text not fully re-joined); look back a few lines at most
        while j > 0 and steps < 12:
            pj = self.prev_line_start(j)
            if not _continues(self.text, pj, j):
                break
            j, steps = pj, steps + 1
        self._para[ls] = j
        return j

    def in_title(self, offset: int) -> bool:
        """Whether `offset` lies in one of the (at most three) lines under a standalone type line
        ("CHƯƠNG TRÌNH", "QUYẾT ĐỊNH") or an annex heading ("Phụ lục I"): a title."""
        cr = citation_rules()
        rr = relation_rules()
        ls = self.line_start(offset)
        seen = 0
        j = ls
        while j > 0 and seen <= 3:
            line_end = self.text.find("\n", j)
            line = self.text[j:line_end if line_end >= 0 else len(self.text)]
            if line.strip():
                if j != ls and (len(line) <= 44 and line.isupper() or line.startswith(("Phụ lục", "PHỤ LỤC"))) \
                        and (cr.type_line.match(self.text, j, j + len(line))
                             or cr.annex_heading.match(self.text, j, j + len(line))):
                    return seen >= 1 or j != ls
                if rr.basis_paragraph.match(line) or rr.implements_paragraph.match(line) \
                        or line.lstrip().startswith(("Kính gửi", "Điều ", "I.", "I-", "1.")):
                    return False
                seen += 1
            j = self.prev_line_start(j)
        return False


def _continues(text: str, prev_start: int, start: int) -> bool:
    prev = text[prev_start:start - 1].rstrip()
    if not prev or prev[-1] in ".;:!?":
        return False
    nxt = text[start:start + 2]
    return bool(nxt) and (nxt[0].islower() or nxt[0].isdigit() and not _looks_like_marker(text, start))


def _looks_like_marker(text: str, start: int) -> bool:
    head = text[start:start + 6]
    return any(c in head[:4] for c in ".)") and head[:1].isdigit()


def assign_relations(text: str, found: Sequence[Found],
                     title_span: tuple[int, int] | None = None) -> list[str]:
    """The relation of every citation in `found` (sorted by start) to the citing document."""
    rr = relation_rules()
    paras = Paragraphs(text)
    titles = [title_span] if title_span else []
    rels: list[str] = []
    cue_rel: list[str | None] = []       # relation given by a local cue (inherited along lists)
    nested_flags: list[bool] = []
    open_: list[int] = []                # citations whose span is still open at this start
    for k, c in enumerate(found):
        pstart = paras.para_start(c.start)
        while open_ and found[open_[-1]].end <= c.start:
            open_.pop()
        container = next((j for j in reversed(open_) if c.end <= found[j].end
                          and (found[j].start, found[j].end) != (c.start, c.end)), None)
        open_.append(k)
        prev = top = None
        for j in range(k - 1, max(-1, k - 40), -1):
            if found[j].start < pstart:
                break
            if found[j].end <= c.start:
                if prev is None:
                    prev = j
                if not nested_flags[j]:
                    top = j  # the last top-level (not nested) citation of the paragraph before it
                    break
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
        if rel is None and not nested and (_in_ranges(c.start, titles) or paras.in_title(c.start)) \
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
            dot = text.rfind(". ", pstart, cue_at)
            sentence = text[pstart if dot < 0 else dot + 2:cue_at]
            if cue_at <= pstart or rr.act_context_before.search(context) or rr.act_subject.search(sentence):
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
