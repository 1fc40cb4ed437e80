"""The outline: every numbered or bulleted item of the document, nested, with its label path.

Vietnamese administrative documents number their items in a fixed order of styles (Nghị định
30/2020/NĐ-CP): Phần / Chương, Mục, Điều, roman "I.", arabic "1." and "1.1.", letters "a)",
then "-" and "+" bullets; plans add "(1)" and "Thứ nhất,". Each style has a rank; an item closes
the open items of the same or a lower rank and nests under the nearest item of a higher one.
Lines inside header blocks, recipients lists and signature blocks are not items.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

import regex

from .. import rules
from ..components import component
from ..document import Doc
from ..models import Section
from ..textutil import fold, line_spans, roman_to_int

# Rank of each numbering style: smaller is higher in the outline.
RANK = {
    "part": 0, "appendix": 0, "footnote": 0, "chapter": 1, "mục": 2, "article": 3, "roman": 4,
    "ordinal": 5, "arabic1": 5, "arabic2": 6, "arabic3": 7, "arabic4": 8, "arabic5": 9,
    "letter": 10, "paren": 11, "paren_letter": 12, "dash": 13, "plus": 14, "bullet": 15,
}


@dataclass(frozen=True)
class _Marker:
    kind: str
    pattern: regex.Pattern
    upper_only: bool


@functools.lru_cache(maxsize=1)
def _any_marker() -> regex.Pattern:
    """All markers in one pattern: most lines fail it at once, before the markers are tried in turn."""
    data = rules.load("outline.yaml")
    return regex.compile("|".join(f"(?:{m['pattern'].replace('(?P<num>', '(?:')})" for m in data["markers"]))


@functools.lru_cache(maxsize=1)
def _markers() -> tuple[list[_Marker], dict[str, int], regex.Pattern, regex.Pattern]:
    data = rules.load("outline.yaml")
    markers = [_Marker(m["kind"], regex.compile(m["pattern"]), bool(m.get("upper_only"))) for m in data["markers"]]
    ordinals = {fold(k): int(v) for k, v in data["ordinals"].items()}
    closing = regex.compile("|".join(f"(?:{p})" for p in data.get("closing_starts", [])) or r"(?!x)x")
    self_ref = regex.compile(data.get("self_reference", r"(?!x)x"))
    return markers, ordinals, closing, self_ref


@dataclass
class _Item:
    kind: str           # rank key: roman, arabic2, letter, …
    label: str
    component: str      # this item's part of the path
    start: int
    head_end: int
    line_end: int


def match_marker(line: str) -> tuple[str, str, int] | None:
    """(kind, number, end of marker) for an item marker at the start of `line`."""
    c = line[:1]
    if not c or c.islower() and line[1:2] not in (")", ".", " "):
        return None  # a lower-case word opens no item (only the letters "a)", "đ." do)
    if not _any_marker().match(line):
        return None
    markers, _, _, _ = _markers()
    for m in markers:
        mm = m.pattern.match(line)
        if not mm:
            continue
        if m.upper_only and not line[mm.end():mm.end() + 12].split(" ")[0].isupper():
            continue
        num = mm.group("num") if "num" in m.pattern.groupindex else ""
        return m.kind, num or "", mm.end()
    return None


def _label(kind: str, num: str) -> tuple[str, str]:
    """(rank kind, label) for a marker."""
    _, ordinals, _, _ = _markers()
    if kind == "arabic_multi":
        depth = num.count(".") + 1
        return f"arabic{min(depth, 5)}", num
    if kind == "arabic":
        return "arabic1", str(int(num))
    if kind == "roman":
        return "roman", num.upper()
    if kind == "appendix":
        if not num:
            return "appendix", "PL"
        n = roman_to_int(num) if not num[0].isdigit() else None
        return "appendix", f"PL{n if n else num}"
    if kind == "part":
        words = num.split()
        n = roman_to_int(words[-1]) or (ordinals.get(fold(words[-1])) if len(words) > 1 else None)
        return "part", f"Phần {n if n else num}"
    if kind == "chapter":
        return "chapter", f"Chương {num.upper()}"
    if kind == "mục":
        return "mục", f"Mục {num}"
    if kind == "article":
        return "article", f"Điều {num}"
    if kind == "ordinal":
        return "ordinal", "Thứ " + " ".join(num.split()[1:]).lower()
    if kind == "paren":
        return "paren", f"({int(num)})"
    if kind == "paren_letter":
        return "paren_letter", f"({num})"
    if kind == "footnote":
        return "footnote", f"[{num}]"
    if kind in ("dash", "plus", "bullet"):
        return kind, {"dash": "-", "plus": "+", "bullet": "•"}[kind]
    return kind, num


def _in_zone(zone_starts: list[int], zones: list[tuple[int, int, str]], pos: int) -> bool:
    i = bisect.bisect_right(zone_starts, pos) - 1
    return i >= 0 and zones[i][0] <= pos < zones[i][1]


def find_sections(doc: Doc) -> list[Section]:
    text = doc.text
    meta = doc.meta
    zones = sorted(meta.zones)
    zone_starts = [z[0] for z in zones]
    _, _, closing_re, self_ref = _markers()
    body_start = meta.body_start

    sections: list[Section] = []
    stack: list[int] = []            # indices of open sections
    bullet_counts: dict[tuple[int | None, str], int] = {}
    last_top_level = -1
    closed_at: int | None = None

    def close_to(rank: int, pos: int) -> None:
        while stack and RANK[sections[stack[-1]].marker] >= rank:
            sections[stack.pop()].end = pos

    for ls, le in line_spans(text, body_start):
        if ls == le or _in_zone(zone_starts, zones, ls):
            # entering a zone ends every open item (signature, recipients, an attached header)
            if ls != le and stack and _in_zone(zone_starts, zones, ls):
                close_to(-1, ls)
            continue
        line = text[ls:le]
        mk = match_marker(line)
        if mk is None:
            if stack and closed_at is None and sections[stack[0]].level == 1 and _is_closing(line, closing_re, self_ref):
                # an unnumbered closing paragraph after the last top-level item stands outside it
                if not _more_items_follow(text, le, zones, zone_starts):
                    close_to(-1, ls)
                    closed_at = ls
            continue
        kind, num, mend = mk
        rank_kind, label = _label(kind, num)
        if rank_kind in ("appendix", "part", "footnote"):
            close_to(-1, ls)
        else:
            close_to(RANK[rank_kind], ls)
        parent = stack[-1] if stack else None
        component_ = label
        if rank_kind in ("dash", "plus", "bullet"):
            key = (parent, rank_kind)
            bullet_counts[key] = bullet_counts.get(key, 0) + 1
            label = f"{label}{bullet_counts[key]}"
            component_ = label
        elif rank_kind.startswith("arabic") and rank_kind != "arabic1" and parent is not None:
            p = sections[parent]
            if p.marker.startswith("arabic") and label.startswith(p.label + "."):
                component_ = label[len(p.label) + 1:]
        path = f"{sections[parent].path}.{component_}" if parent is not None else component_
        heading = " ".join(line.split())[:200]
        sections.append(Section(label=label, path=path, level=len(stack) + 1, heading=heading, start=ls,
                                end=len(text), marker=rank_kind, parent=parent, head_end=ls + mend))
        stack.append(len(sections) - 1)
        if len(stack) == 1:
            last_top_level = len(sections) - 1
    close_to(-1, len(text))
    del last_top_level
    _trim_ends(text, sections)
    return sections


def _is_closing(line: str, closing_re: regex.Pattern, self_ref: regex.Pattern) -> bool:
    return bool(closing_re.match(line) or self_ref.search(line[:400]))


def _more_items_follow(text: str, pos: int, zones, zone_starts) -> bool:
    """Whether a numbered item (not a bullet) starts later outside the zones, before an appendix."""
    for ls, le in line_spans(text, min(pos + 1, len(text))):
        if ls == le or _in_zone(zone_starts, zones, ls):
            continue
        mk = match_marker(text[ls:le])
        if mk and mk[0] not in ("dash", "plus", "bullet"):
            return mk[0] not in ("appendix", "footnote", "part")
    return False


def _trim_ends(text: str, sections: list[Section]) -> None:
    """Sections end before trailing blank lines."""
    for s in sections:
        e = s.end
        while e > s.start and text[e - 1] in " \n":
            e -= 1
        s.end = e


@component("outline", stage="structure")
def outline(doc: Doc) -> None:
    doc.set_sections(find_sections(doc))
