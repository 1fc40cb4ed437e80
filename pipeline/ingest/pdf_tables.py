"""Tables (appendix task lists) → text lines the assignment extractor reads as one item per row.

A row of "STT | Nội dung công việc | Cơ quan chủ trì | Cơ quan phối hợp | … | Thời hạn hoàn thành"
is written in field style:

    1. <Nội dung công việc>
    Cơ quan chủ trì: <cell>
    Cơ quan phối hợp: <cell>
    Thời hạn hoàn thành: Quý II/2026

with a blank line between rows; a group row ("III | Tiếp tục sắp xếp …", cells merged) becomes
"III. Tiếp tục sắp xếp …". The same renderer serves PDF, DOCX and HTML tables.

PDF tables are found with PyMuPDF's `page.find_tables()` on the page's *visible* rulings only
(Word draws its header layout tables with white borders, which are not tables) and with the
layout model switched off (it crashes on some gazette pages). Cell text is taken from the page's
words, which keep Vietnamese letters whole, rather than from the table finder's character dump.
A row cut by a page break (the next page's table starts with an empty STT cell) is re-joined.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import regex

_SPACE_RE = regex.compile(r"\s+")
_STT_HEADER_RE = regex.compile(r"^(?:s[ốô]\s*)?t\.?\s*t\.?$|^stt$|^số\s+thứ\s+tự$", regex.IGNORECASE)
_CONTENT_HEADER_RE = regex.compile(r"nội\s+dung|nhiệm\s+vụ|công\s+việc|tên\s+(?:nhiệm|đề|dự|chương|nội)|giải\s+pháp|hoạt\s+động",
                                   regex.IGNORECASE)
_ROW_NUMBER_RE = regex.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){0,3}|[IVXL]{1,6}|[A-ZĐ]|[a-zđ])[.)]?$")
_MARKER_END_RE = regex.compile(r"[.):]$")


def clean_cell(text: str | None) -> str:
    """Cell text on one line: NFC, white space collapsed, soft hyphens dropped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    return _SPACE_RE.sub(" ", text).strip()


def clean_header(text: str | None) -> str:
    return clean_cell(text).rstrip(":").strip()


@dataclass
class Grid:
    """One table as found on one page: rows of cells (None for a cell merged into its neighbour)."""
    rows: list[list[str | None]]
    bbox: tuple[float, float, float, float] = (0, 0, 0, 0)
    page: int = 0

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def _is_number_cell(cell: str) -> bool:
    return bool(_ROW_NUMBER_RE.match(cell))


def split_header(rows: list[list[str]]) -> tuple[list[str], list[list[str | None]]]:
    """(column names, body rows). Header rows are the leading rows before the first row that
    starts with a row number or is a group row; several header rows are merged per column."""
    n_header = 0
    for row in rows[:3]:
        cells = [clean_cell(c) for c in row]
        first = cells[0] if cells else ""
        if first and _is_number_cell(first):
            break
        non_empty = [c for c in cells if c]
        if not non_empty or any(len(c) > 60 for c in non_empty):
            break
        if len(non_empty) < 2:
            break  # a header row names at least two columns (a lone short cell is a row's tail)
        n_header += 1
    if n_header == 0:
        return [], rows
    ncols = max(len(r) for r in rows)
    names = []
    for j in range(ncols):
        parts: list[str] = []
        for row in rows[:n_header]:
            c = clean_header(row[j]) if j < len(row) else ""
            if c and c not in parts:
                parts.append(c)
        names.append(" ".join(parts))
    return names, rows[n_header:]


def _content_column(names: list[str], rows: list[list[str | None]], stt: int | None) -> int:
    for j, name in enumerate(names):
        if j != stt and name and _CONTENT_HEADER_RE.search(name):
            return j
    # else the column with the most text
    best, best_len = 0 if stt != 0 else min(1, len(names) - 1), -1
    ncols = max((len(r) for r in rows), default=len(names))
    for j in range(ncols):
        if j == stt:
            continue
        total = sum(len(clean_cell(r[j])) for r in rows if j < len(r))
        if total > best_len:
            best, best_len = j, total
    return best


def _stt_column(names: list[str], rows: list[list[str | None]]) -> int | None:
    for j, name in enumerate(names):
        if name and _STT_HEADER_RE.match(name):
            return j
    firsts = [clean_cell(r[0]) for r in rows if r and clean_cell(r[0])]
    if firsts and sum(1 for c in firsts if _is_number_cell(c)) >= 0.6 * len(firsts):
        return 0
    return None


def is_group_row(row: list[str | None], ncols: int) -> bool:
    """A row whose cells are merged across the table: a section heading inside the table."""
    if ncols < 3:
        return False
    merged = sum(1 for c in row if c is None)
    filled = [c for c in row if c and clean_cell(c)]
    return merged >= ncols - 2 and 1 <= len(filled) <= 2


def render_rows(names: list[str], rows: list[list[str | None]]) -> list[str]:
    """Field-style lines for the body rows of one logical table (see the module docstring)."""
    ncols = max([len(names)] + [len(r) for r in rows]) if rows else len(names)
    stt = _stt_column(names, rows)
    content = _content_column(names, rows, stt)
    out: list[str] = []
    for row in rows:
        cells = [clean_cell(c) for c in row] + [""] * (ncols - len(row))
        if not any(cells):
            continue
        if out:
            out.append("")
        if is_group_row(row, ncols):
            filled = [c for c in cells if c]
            if len(filled) == 2 and _is_number_cell(filled[0]):
                marker = filled[0] if _MARKER_END_RE.search(filled[0]) else filled[0] + "."
                out.append(f"{marker} {filled[1]}")
            else:
                out.append(" ".join(filled))
            continue
        if not names:
            out.append(" | ".join(c for c in cells if c))
            continue
        number = cells[stt] if stt is not None else ""
        text = cells[content]
        if number:
            marker = number if _MARKER_END_RE.search(number) else number + "."
            out.append(f"{marker} {text}".rstrip())
        elif text:
            out.append(text)
        for j, cell in enumerate(cells):
            if j in (stt, content) or not cell:
                continue
            name = names[j] if j < len(names) and names[j] else f"Cột {j + 1}"
            out.append(f"{name}: {cell}")
    return out


@dataclass
class LogicalTable:
    """A table that may run over several pages: header names plus all body rows."""
    names: list[str]
    rows: list[list[str | None]] = field(default_factory=list)
    ncols: int = 0
    x_edges: tuple[float, float] = (0.0, 0.0)

    def lines(self) -> list[str]:
        return render_rows(self.names, self.rows)


def start_table(grid: Grid) -> LogicalTable:
    names, body = split_header([list(r) for r in grid.rows])
    return LogicalTable(names=names, rows=body, ncols=grid.ncols, x_edges=(grid.bbox[0], grid.bbox[2]))


def continues(table: LogicalTable, grid: Grid) -> bool:
    """Does `grid` (at the top of the next page) carry on `table`?"""
    if grid.ncols != table.ncols:
        return False
    return abs(grid.bbox[0] - table.x_edges[0]) < 15 and abs(grid.bbox[2] - table.x_edges[1]) < 15


def extend_table(table: LogicalTable, grid: Grid) -> None:
    """Append the rows of the next page's part, skipping its repeated header and re-joining the
    row cut by the page break (a first row with an empty number cell and text elsewhere)."""
    rows = [list(r) for r in grid.rows]
    if table.names:
        names, body = split_header(rows)
        if names and [n.lower() for n in names] == [n.lower() for n in table.names]:
            rows = body
        elif names and not body:
            rows = []
    if rows and table.rows:
        first = rows[0]
        stt = _stt_column(table.names, table.rows)
        key = stt if stt is not None else 0
        first_key = clean_cell(first[key]) if key < len(first) else ""
        if not first_key and any(clean_cell(c) for c in first) and not is_group_row(first, table.ncols):
            last = table.rows[-1]
            merged = []
            for j in range(max(len(last), len(first))):
                a = clean_cell(last[j]) if j < len(last) else ""
                b = clean_cell(first[j]) if j < len(first) else ""
                merged.append(f"{a} {b}".strip() if a or b else (last[j] if j < len(last) else None))
            table.rows[-1] = merged
            rows = rows[1:]
    table.rows.extend(rows)


# --- PyMuPDF ----------------------------------------------------------------------------------

def _white(color) -> bool:
    return color is None or (len(color) > 0 and all(c > 0.9 for c in color))


def visible_paths(page) -> list[dict]:
    """The page's vector paths that can be seen (a stroke or fill that is not white)."""
    out = []
    for path in page.get_drawings():
        stroke = path.get("color")
        fill = path.get("fill")
        if _white(stroke) and _white(fill):
            continue
        out.append(path)
    return out


def find_grids(page, page_no: int, words: list[tuple] | None = None) -> list[Grid]:
    """Tables on a PDF page, with cell text taken from the page's words."""
    import pymupdf

    paths = visible_paths(page)
    if len(paths) < 4:
        return []
    try:
        found = page.find_tables(use_layout=False, paths=paths)
    except TypeError:  # older PyMuPDF without these keywords
        found = page.find_tables()
    if words is None:
        words = page.get_text("words")
    grids = []
    for tab in found.tables:
        if tab.col_count < 2 or tab.row_count < 2:
            continue
        rows: list[list[str | None]] = []
        for row in tab.rows:
            cells: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    cells.append(None)
                    continue
                rect = pymupdf.Rect(cell)
                ws = [w for w in words if rect.x0 <= (w[0] + w[2]) / 2 <= rect.x1 and rect.y0 <= (w[1] + w[3]) / 2 <= rect.y1]
                ws.sort(key=lambda w: (w[5], w[6], w[7]))
                cells.append(" ".join(w[4] for w in ws))
            rows.append(cells)
        if sum(1 for r in rows for c in r if c) < 3:
            continue
        grids.append(Grid(rows=rows, bbox=tuple(tab.bbox), page=page_no))
    return grids


# --- any table (DOCX, HTML): task list or layout ----------------------------------------------

def is_task_table(names: list[str]) -> bool:
    """A table with a header naming its columns ("STT", "Nội dung", "Cơ quan chủ trì", …)."""
    named = [n for n in names if n]
    if len(named) < 2:
        return False
    return any(_STT_HEADER_RE.match(n) or _CONTENT_HEADER_RE.search(n) for n in named) or len(named) >= 3


def render_table(rows: list[list[str | None]]) -> list[str]:
    """Lines for a table read from a DOCX or HTML file. A task list (named columns) is written in
    field style; any other table (a header laid out in a borderless table, a signature block) is
    written cell by cell, row by row, each paragraph of a cell on its own line."""
    rows = [r for r in rows if any(c and c.strip() for c in r)]
    if not rows:
        return []
    ncols = max(len(r) for r in rows)
    if ncols >= 2 and len(rows) >= 2:
        names, body = split_header(rows)
        if names and is_task_table(names):
            return render_rows(names, body)
    out: list[str] = []
    for row in rows:
        for cell in row:
            if not cell:
                continue
            for part in cell.split("\n"):
                part = " ".join(part.split())
                if part:
                    out.append(part)
    return out
