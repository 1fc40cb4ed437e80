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
from dataclasses import dataclass

import regex

from . import rules
from .textutil import fold, roman_to_int

_ROW_LABEL_RE = regex.compile(r"^(?P<label>[IVXLC]{1,6}|[A-Z]|\d{1,3}(?:\.\d{1,3}){0,3})\.?$")
_MAX_HEADER_WORDS = 8


@functools.lru_cache(maxsize=None)
def _labels(kind: str) -> frozenset[str]:
    """Folded field labels of one kind of rules/assignments.yaml (lead, co, deadline, …)."""
    return frozenset(fold(x) for x in rules.load("assignments.yaml")["fields"][kind])


def _is_header(cell: str, kind: str) -> bool:
    """Whether a header cell names a column of that kind ("Cơ quan chủ trì thực hiện" is lead)."""
    labels = _labels(kind)
    key = fold(cell)
    return key in labels or any(key.startswith(x + " ") for x in labels)


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
    return _rewrite_tables(lines, _read_table)


def _rewrite_tables(lines: list[str], read_table) -> list[str]:
    """Every table that `read_table(lines, i)` reads at an "STT"/"TT" line, as its rows."""
    out: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.upper() in ("STT", "TT") and i + 1 < n:
            table = read_table(lines, i)
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
    if len(header) < 2 or not any(_is_header(h, "lead") for h in header):
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


# --- tables flattened into cell fragments (before hard wraps are re-joined) ----------------------

_BULLET_LABELS = ("-", "+", "–", "•")


@dataclass(frozen=True)
class _FragmentRules:
    after_chars: str
    after_words: frozenset[str]
    before_number: frozenset[str]
    time_cell: regex.Pattern
    end: regex.Pattern
    max_row_lines: int


@functools.lru_cache(maxsize=1)
def _fragment_rules() -> _FragmentRules:
    data = rules.load("assignments.yaml")["fragment_tables"]
    return _FragmentRules(
        after_chars=data["continue_after_chars"],
        after_words=frozenset(data["continue_after_words"]),
        before_number=frozenset(data["continue_before_number"]),
        time_cell=regex.compile(data["time_cell"]),
        end=regex.compile(data["end"]),
        max_row_lines=int(data.get("max_row_lines", 120)),
    )


def _continues(prev: str, frag: str, fr: _FragmentRules) -> bool:
    """Whether fragment `frag` continues the cell whose last fragment is `prev`."""
    first = frag[:1]
    if first.islower() or first in ",.;:)":
        return True
    if prev[-1:] in fr.after_chars:
        return True
    last = prev.rsplit(" ", 1)[-1].lower()
    if last in fr.after_words:
        return True
    if first.isdigit():  # "Năm / 2026 - 2027" goes on, "địa phương / 2026" is the next cell
        return last in fr.before_number or not fr.time_cell.match(frag)
    if " " in frag or fr.time_cell.match(frag):
        return False
    # one capitalised word after a short capitalised fragment ends a wrapped name ("Bộ Công /
    # Thương"); an acronym goes on a list in a narrow column ("tổ / chức / PCPNN,")
    word = frag.rstrip(",;.")
    return (prev[:1].isupper() and prev.count(" ") <= 2) or (len(word) >= 2 and word.isupper()
                                                             and prev[-1:] not in ".;:")


def _open_end(prev: str, fr: _FragmentRules) -> bool:
    """The fragment ends where its cell cannot end (a comma, "và", "của" …)."""
    return prev[-1:] in fr.after_chars or prev.rsplit(" ", 1)[-1].lower() in fr.after_words


def _split(fragments: list[str], fr: _FragmentRules,
           continuation: bool = False) -> tuple[list[list[str]], list[bool]]:
    """Fragments grouped into cells; strong[i] tells whether the boundary before cell i + 1 is
    sure (the fragment before ends a sentence, or the next one is a time). `continuation`: the
    pieces of a row on a later page, where a cell's end before a lower-case fragment starts
    the next column's piece."""
    cells: list[list[str]] = []
    strong: list[bool] = []
    for frag in fragments:
        if cells and continuation and cells[-1][-1][-1:] in ".;" and not _open_end(cells[-1][-1], fr):
            pass
        elif cells and _continues(cells[-1][-1], frag, fr):
            cells[-1].append(frag)
            continue
        if cells:
            strong.append(cells[-1][-1][-1:] in ".;:!?)" or bool(fr.time_cell.match(frag)))
        cells.append([frag])
    return cells, strong


def _cells(segments: list[list[str]], header: list[str], fr: _FragmentRules) -> list[tuple[str, str]]:
    """A row's fragments joined into cells, each with the header of its column.

    `segments`: the row's fragments on each page it spans. Where the rules see more cells than
    the table has columns, the weakest boundaries nearest the row's start are dropped first
    (weak: the fragment before ends without punctuation, as where a wrap falls before a
    capitalised name). A row with fewer cells than columns (merged cells) keeps its cells in
    column order, except that a last cell that is a time goes under the time column. The
    fragments of a later page continue, in order, the cells they can continue."""
    ncols = len(header)
    cells, strong = _split(segments[0], fr)
    while len(cells) > ncols >= 1:
        i = next((b for b, s in enumerate(strong) if not s), 0)
        cells[i:i + 2] = [cells[i] + cells[i + 1]]
        del strong[i]
    for seg in segments[1:]:
        col = 0
        for n, more in enumerate(_split(seg, fr, continuation=True)[0]):
            if n == 0 and (more[0][:1].islower() or cells[0][-1][-1:] not in ".;"):
                j = 0  # a row cut by a page break goes on with its task, the long cell
            elif fr.time_cell.match(more[0]) and len(cells) < ncols:
                cells.append(more)  # the time column, empty before the break
                col = len(cells) - 1
                continue
            else:
                j = next((j for j in range(col, len(cells)) if _open_end(cells[j][-1], fr)), None)
                if j is None:
                    j = next((j for j in range(col, len(cells)) if cells[j][-1][-1:] not in ".;"), col)
            j = min(j, len(cells) - 1)
            cells[j].extend(more)
            col = min(j + 1, len(cells) - 1)
    texts = [" ".join(c) for c in cells]
    columns = list(range(len(texts)))
    time_col = next((c for c in range(ncols - 1, 0, -1) if _is_header(header[c], "deadline")), None)
    if (time_col is not None and 1 < len(texts) < ncols and columns[-1] < time_col
            and fr.time_cell.match(texts[-1])):
        columns[-1] = time_col
    return [(header[c], t) for c, t in zip(columns, texts)]


def _row_label(line: str) -> str | None:
    if line in _BULLET_LABELS:
        return line
    m = _ROW_LABEL_RE.match(line)
    return m.group("label") if m else None


def rebuild_fragments(lines: list[str]) -> list[str]:
    """Lines with task tables flattened into one line per cell fragment rewritten as field-style
    rows (see `rebuild`). Runs before hard wraps are re-joined: the joiner would glue fragments
    of neighbouring cells together. Only tables whose header is itself wrapped into fragments
    ("Cơ quan chủ / trì thực hiện") and names who carries the task out are rebuilt."""
    return _rewrite_tables(lines, _read_fragment_table)


def _fragment_header(lines: list[str], start: int, prev_label: str | None = None) -> tuple[list[str], int] | None:
    """The header cells after the "TT" line at `start` and the index after them (up to the first
    row label that may follow `prev_label`: a header repeated on a later page)."""
    cells: list[str] = []
    wrapped = False
    k = start + 1
    while k < len(lines) and k - start <= 16:
        line = lines[k]
        if not line:
            return None  # cells set apart by blank lines: a table of paragraphs (`rebuild`)
        label = _row_label(line)
        if label is not None and (label in _BULLET_LABELS or _next_ok(label, prev_label)):
            break
        if cells and line[:1].islower():
            cells[-1] += " " + line
            wrapped = True
        else:
            cells.append(line)
        k += 1
    if not wrapped or len(cells) < 3 or any(len(c.split()) > _MAX_HEADER_WORDS for c in cells):
        return None
    if not any(_is_header(c, "lead") for c in cells):
        return None
    return cells, k


def _read_fragment_table(lines: list[str], start: int) -> tuple[list[list[str]], int] | None:
    head = _fragment_header(lines, start)
    if head is None:
        return None
    header, k = head
    fr = _fragment_rules()
    rows: list[list[str]] = []
    prev_label: str | None = None      # the last numbered or lettered row (bullets do not count)
    label: str | None = None
    segments: list[list[str]] = [[]]   # the current row's fragments, one list per page
    header_words = fold(" ".join(header)).split()
    end = k

    def close() -> None:
        if label is None or not segments[0]:
            return
        cells = _cells([seg for seg in segments if seg], header, fr)
        task = cells[0][1]
        lead = f"{label} {task}" if label in _BULLET_LABELS else f"{label}. {task}"
        rows.append([lead] + [f"{name}: {value}" for name, value in cells[1:]])

    while k < len(lines):
        line = lines[k]
        if not line:
            k += 1
            continue
        if fr.end.match(line):
            break
        if line.upper() in ("STT", "TT"):
            # the header repeated at the top of a page: skip its fragments; a row cut by the
            # page break goes on below it
            seen: list[str] = []
            j = k + 1
            while j < len(lines) and len(seen) < len(header_words):
                words = fold(lines[j]).split()
                if words and header_words[len(seen):len(seen) + len(words)] != words:
                    break
                seen += words
                j += 1
            if seen != header_words:
                break
            k = j
            segments.append([])
            continue
        row_label = _row_label(line)
        if row_label is not None and (row_label in _BULLET_LABELS or _next_ok(row_label, prev_label)):
            close()
            label, segments = row_label, [[]]
            if row_label not in _BULLET_LABELS:
                prev_label = row_label
            k += 1
            end = k
            continue
        if label is None or sum(map(len, segments)) >= fr.max_row_lines:
            break
        segments[-1].append(line)
        k += 1
        end = k
    close()
    if sum(len(r) > 1 for r in rows) < 2:
        return None
    return rows, end
