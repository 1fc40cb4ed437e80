"""Task tables saved one cell per paragraph, turned into field-style rows.

Legal-document websites save a table as its cells in reading order, each cell a paragraph:
"STT / Nhiệm vụ / Cơ quan chủ trì / Cơ quan phối hợp / Thời gian / 1 / Rà soát … / Sở Tư pháp /
Các sở, ban, ngành / 2026 - 2030 / 2 / …". Read that way, the agencies and deadlines of a row
are paragraphs of their own and belong to no item. This step rebuilds each row in the field
style that PDF and DOCX tables are rendered in ("1.1. Rà soát … / Đơn vị thực hiện: Sở Tư pháp /
Thời gian thực hiện: 2026 - 2030"), so one reader handles every form. Only tables whose header
names who carries the task out are rebuilt; other tables are left as they are.
"""
from __future__ import annotations

import functools

import regex

from . import rules
from .textutil import fold, roman_to_int

_ROW_LABEL_RE = regex.compile(r"^(?P<label>[IVXLC]{1,6}|[A-Z]|\d{1,3}(?:\.\d{1,3}){0,3})\.?$")
_MAX_HEADER_WORDS = 8


@functools.lru_cache(maxsize=1)
def _labels() -> tuple[frozenset[str], tuple[str, ...]]:
    """Folded header labels: those naming the lead agency, and every field label."""
    fields = rules.load("assignments.yaml")["fields"]
    lead = frozenset(fold(x) for x in fields["lead"])
    every = tuple(sorted({fold(x) for kind in fields.values() for x in kind}, key=len, reverse=True))
    return lead, every


def _is_lead_header(cell: str) -> bool:
    lead, _ = _labels()
    key = fold(cell)
    return key in lead or any(key.startswith(x + " ") for x in lead)


def _paragraphs(lines: list[str], start: int) -> list[int]:
    """Indices of the non-blank lines from `start` on."""
    return [i for i in range(start, len(lines)) if lines[i]]


def _next_ok(label: str, prev: str | None) -> bool:
    """Whether `label` can follow the previous row label (cells that are bare numbers, such as
    a year or a score, must not start rows)."""
    if prev is None:
        return label in ("1", "I", "A") or label.endswith(".1") or label.isdigit() and int(label) <= 1
    if label.isalpha():
        if len(label) == 1 and label not in "IVXLC":
            return (len(prev) == 1 and prev.isalpha() and prev not in "IVXLC" and ord(label) == ord(prev) + 1) \
                or label == "A"
        n = roman_to_int(label)
        p = roman_to_int(prev) if prev.isalpha() else None
        return n is not None and (n == 1 or (p is not None and n == p + 1) or not prev.isalpha())
    parts = label.split(".")
    if parts[-1] == "1":
        return True
    p = prev.split(".")
    if prev.isalpha() or len(p) != len(parts):
        # "2.1" after "II" or "2"; "3" after "2.4"
        return len(p) > len(parts) and p[:len(parts) - 1] == parts[:-1] and int(p[len(parts) - 1]) + 1 == int(parts[-1])
    return p[:-1] == parts[:-1] and int(p[-1]) + 1 == int(parts[-1])


def rebuild(lines: list[str]) -> list[str]:
    """Lines (one paragraph each, blank lines between) with cell-per-paragraph task tables
    rewritten as field-style rows."""
    out: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.upper() in ("STT", "TT") and i + 1 < n:
            table = _read_table(lines, i)
            if table is not None:
                rows, end = table
                if out and out[-1]:
                    out.append("")
                for row in rows:
                    out.extend(row)
                    out.append("")
                i = end
                continue
        out.append(line)
        i += 1
    return out


def _read_table(lines: list[str], start: int) -> tuple[list[list[str]], int] | None:
    paras = _paragraphs(lines, start + 1)
    header: list[str] = []
    k = 0
    while k < len(paras) and len(header) < 10:
        cell = lines[paras[k]]
        if _ROW_LABEL_RE.match(cell) or len(cell.split()) > _MAX_HEADER_WORDS:
            break
        header.append(cell)
        k += 1
    if len(header) < 2 or not any(_is_lead_header(h) for h in header):
        return None
    ncols = len(header)
    rows: list[list[str]] = []
    prev_label: str | None = None
    end = paras[k - 1] + 1 if k else start + 1
    while k < len(paras):
        cell = lines[paras[k]]
        m = _ROW_LABEL_RE.match(cell)
        if fold(cell) in ("stt", "tt") and [fold(lines[p]) for p in paras[k + 1:k + 1 + ncols]] == \
                [fold(h) for h in header]:
            k += 1 + ncols  # the header repeated on a new page
            continue
        if not m or not _next_ok(m.group("label"), prev_label):
            # a cell broken in two paragraphs: its tail, when the next row follows right after
            ahead = [_ROW_LABEL_RE.match(lines[p]) for p in paras[k + 1:k + 3]]
            if rows and any(a and _next_ok(a.group("label"), prev_label) for a in ahead):
                rows[-1][-1] += " " + cell
                k += 1
                end = paras[k - 1] + 1
                continue
            break
        label = m.group("label")
        cells: list[str] = []
        k += 1
        while k < len(paras) and len(cells) < ncols:
            nxt = lines[paras[k]]
            mm = _ROW_LABEL_RE.match(nxt)
            if mm and _next_ok(mm.group("label"), label) or fold(nxt) in ("stt", "tt"):
                break
            cells.append(nxt)
            k += 1
        if not cells:
            break
        end = paras[k - 1] + 1
        prev_label = label
        if label.isalpha() and len(cells) == 1:
            rows.append([f"{label}. {cells[0]}"])   # a group row: "I. Hoàn thiện thể chế"
            continue
        row = [f"{label}. {cells[0]}"]
        for name, value in zip(header[1:], cells[1:]):
            row.append(f"{name}: {value}")
        rows.append(row)
    if not any(len(r) > 1 for r in rows):
        return None
    return rows, end
