"""PDF → text, from the text layer (PyMuPDF) or, for scanned pages, from OCR (ocr.py).

The layout is used where plain text extraction loses it:
- running headers and footers ("CÔNG BÁO/Số 242/Ngày 22-04-2026" with the page number) and the
  digital-signature stamp are dropped: lines near the page top or bottom that repeat on most
  pages once digits are ignored, bare page numbers there, and "Ký bởi: … Ngày ký: …" runs;
- the two-column header (issuer and "Số:" on the left, motto and date on the right) is written
  row by row, left cell first, as the documents' web editions have it;
- lines are joined into paragraphs from their geometry (a paragraph's inner lines reach the
  right margin and its next line starts at the left margin without indent; a first-line indent
  or extra space starts a new one), also across page breaks, so items are never merged;
- tables become field-style rows (pdf_tables.py); footnotes are kept, moved after the paragraph
  that the page break cut.
The result is one paragraph per line (`hard_wrapped=False`).
"""
from __future__ import annotations

import collections
import functools
import statistics
from dataclasses import dataclass, field

import regex

from .. import rules
from ..models import ErrorRecord, RawDocument
from . import Context, IngestError, register
from .pdf_tables import Grid, LogicalTable, continues, extend_table, find_grids, start_table


@dataclass
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float = 0.0
    bold: bool = False
    page: int = 0
    table: LogicalTable | None = None   # a placeholder standing for a table at this place
    footnote: bool = False

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    ocr: bool = False


# --- rule data --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _chrome() -> dict:
    chrome = rules.load("chrome.yaml")
    keys = lambda ks: "|".join(regex.escape(k) for k in ks)
    return {
        "stamp_key": regex.compile(rf"^\s*(?:{keys(chrome['stamp_keys'])})\s*:"),
        "stamp_signer": regex.compile(rf"^\s*(?:{keys(chrome['stamp_signer_keys'])})\s*:"),
        "stamp_time": regex.compile(rf"^\s*(?:{keys(chrome['stamp_time_keys'])})\s*:"),
        "gazette": regex.compile(chrome["gazette_header"]),
        "motto": regex.compile("|".join(f"(?:{m})" for m in chrome["header_mottos"])),
    }


_PAGE_NO_RE = regex.compile(r"^[-–—(\[]?\s*(?:trang\s+)?\d{1,4}\s*(?:/\s*\d{1,4})?\s*[-–—)\]]?$", regex.IGNORECASE)
_DATE_LINE_RE = regex.compile(r"ngày\s*\S{0,4}\s*tháng\s*\S{0,4}\s*năm\s*\d{0,4}", regex.IGNORECASE)
_NUMBER_LINE_RE = regex.compile(r"^Số\s*:")
_TERMINAL_RE = regex.compile(r"[.;:!?…]['\"”’)\]]*$")
_SEPARATOR_RE = regex.compile(r"^[-_=*.–—~…\s]{3,}$")
_DIGITS_RE = regex.compile(r"\d+")


# --- text layer -------------------------------------------------------------------------------

def _span_lines(line: dict, page_no: int) -> list[Line]:
    """A PyMuPDF line split where its spans leave a wide gap (two columns on one baseline)."""
    spans = [s for s in line["spans"] if s["text"]]
    if not spans:
        return []
    main = max(spans, key=lambda s: len(s["text"].strip()))["size"]
    groups: list[list[dict]] = [[spans[0]]]
    for s in spans[1:]:
        prev = groups[-1][-1]
        if s["bbox"][0] - prev["bbox"][2] > 3 * max(main, 4):
            groups.append([s])
        else:
            groups[-1].append(s)
    out = []
    for group in groups:
        parts = []
        for s in group:
            t = s["text"]
            # a small raised number inside a line is a footnote reference: keep it visible as [n]
            if s["size"] < 0.75 * main and t.strip().isdigit() and len(t.strip()) <= 3 \
                    and (s["bbox"][1] + s["bbox"][3]) / 2 < (line["bbox"][1] + line["bbox"][3]) / 2 - 0.1 * main:
                t = f"[{t.strip()}]"
            parts.append(t)
        text = "".join(parts).strip()
        if not text:
            continue
        size = max((s["size"] for s in group if s["text"].strip()), default=main)
        bold = any(s["flags"] & 16 or "Bold" in s.get("font", "") for s in group if s["text"].strip())
        x0 = min(s["bbox"][0] for s in group if s["text"].strip()) if any(s["text"].strip() for s in group) else group[0]["bbox"][0]
        x1 = max(s["bbox"][2] for s in group if s["text"].strip()) if any(s["text"].strip() for s in group) else group[-1]["bbox"][2]
        y0 = min(s["bbox"][1] for s in group)
        y1 = max(s["bbox"][3] for s in group)
        out.append(Line(x0, y0, x1, y1, text, size, bold, page_no))
    return out


def text_lines(page, page_no: int) -> list[Line]:
    """The page's text lines in content-stream order (horizontal text only)."""
    import pymupdf

    flags = pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    data = page.get_text("dict", flags=flags)
    out: list[Line] = []
    for block in data["blocks"]:
        if block.get("type") != 0:
            continue
        for line in block["lines"]:
            if abs(line["dir"][1]) > 0.1 or line["dir"][0] < 0:
                continue  # vertical or upside-down text: margin notes, stamps
            out.extend(_span_lines(line, page_no))
    return _attach_note_refs(out)


def _attach_note_refs(lines: list[Line]) -> list[Line]:
    """A raised footnote number that MuPDF puts on a line of its own ("1" in small print just
    above the end of a word) goes back into its text line as "[1]"."""
    small = [ln for ln in lines if ln.text.isdigit() and len(ln.text) <= 3]
    if not small:
        return lines
    drop = set()
    for ref in small:
        host = None
        for ln in lines:
            if ln is ref or ln.size < 1.2 * ref.size or id(ln) in drop:
                continue
            overlaps = ref.y0 < ln.y1 and ref.y1 > ln.y0 and (ref.y0 + ref.y1) / 2 < (ln.y0 + ln.y1) / 2
            if overlaps and abs(ref.x0 - ln.x1) < ln.size:
                host = ln
                break
        if host is not None:
            host.text = f"{host.text}[{ref.text}]"
            host.x1 = max(host.x1, ref.x1)
            drop.add(id(ref))
    return [ln for ln in lines if id(ln) not in drop]


def _has_ink(page) -> bool:
    """Whether a page has anything an OCR could read: an image or many vector paths. A blank page
    is not worth an OCR run."""
    try:
        return bool(page.get_images()) or len(page.get_drawings()) > 50
    except Exception:
        return True


def is_stamp_only(lines: list[Line]) -> bool:
    """True when the page's text is nothing but a signature stamp (or nothing at all)."""
    rest = [ln for ln in lines if not _chrome()["stamp_key"].match(ln.text)]
    return sum(len(ln.text.strip()) for ln in rest) < 20


def garbled(lines: list[Line]) -> bool:
    """A text layer without a usable encoding (no ToUnicode map): replacement or private-use
    characters everywhere. Such pages are better OCR'd."""
    text = "".join(ln.text for ln in lines)
    if len(text) < 50:
        return False
    bad = sum(1 for ch in text if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff")
    return bad / len(text) > 0.3


# --- page furniture ---------------------------------------------------------------------------

def _furniture_key(text: str) -> str:
    return _DIGITS_RE.sub("#", " ".join(text.split()).lower())


def remove_furniture(pages: list[Page]) -> None:
    """Drop running headers/footers, page numbers and signature stamps from every page."""
    chrome = _chrome()
    n = len(pages)
    band = {}
    counts: collections.Counter = collections.Counter()
    for p in pages:
        keys = set()
        for ln in p.lines:
            top = ln.y1 <= 0.12 * p.height
            bottom = ln.y0 >= 0.90 * p.height
            if top or bottom:
                k = _furniture_key(ln.text)
                band[id(ln)] = k
                keys.add(k)
        counts.update(keys)
    need = max(2, int(0.4 * n + 0.5))
    for p in pages:
        kept = []
        for ln in p.lines:
            k = band.get(id(ln))
            if k is not None and (
                (n >= 2 and counts[k] >= need) or _PAGE_NO_RE.match(ln.text.strip()) or chrome["gazette"].match(ln.text.strip())
            ):
                continue
            kept.append(ln)
        p.lines = _drop_stamps(kept)


def _drop_stamps(lines: list[Line]) -> list[Line]:
    chrome = _chrome()
    drop = set()
    i = 0
    while i < len(lines):
        if chrome["stamp_key"].match(lines[i].text):
            j = i
            while j < len(lines) and chrome["stamp_key"].match(lines[j].text):
                j += 1
            run = [ln.text for ln in lines[i:j]]
            if any(chrome["stamp_signer"].match(t) for t in run) and any(chrome["stamp_time"].match(t) for t in run):
                drop.update(range(i, j))
            i = max(j, i + 1)
        else:
            i += 1
    return [ln for k, ln in enumerate(lines) if k not in drop]


# --- the two-column header ---------------------------------------------------------------------

def order_header(lines: list[Line]) -> list[Line]:
    """Write a two-column document header row by row (left cell, then right cell).

    The header is found from the motto line ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"): the right
    column is the motto and the lines stacked right under it, the left column the lines left of
    the motto's left edge stacked from its height down; the "Số:" line and the "…, ngày … tháng
    … năm …" line belong to them too. Rows are cut where no line of either column crosses.
    Pages without a motto are returned unchanged.
    """
    chrome = _chrome()
    m = next((i for i, ln in enumerate(lines[:40]) if ln.table is None and chrome["motto"].search(ln.text)), None)
    if m is None:
        return lines
    motto = lines[m]
    lh = max(motto.height, 6.0)
    split = motto.x0 + 0.5 * lh
    near = [i for i, ln in enumerate(lines) if ln.table is None and motto.y0 - 4 * lh <= ln.y0 <= motto.y0 + 10 * lh]

    def stack(cands: list[int], start_y: float) -> set[int]:
        chosen: set[int] = set()
        bottom = None
        for i in sorted(cands, key=lambda i: lines[i].y0):
            ln = lines[i]
            if bottom is None:
                if ln.y1 < start_y:
                    continue
                chosen.add(i)
                bottom = ln.y1
            elif ln.y0 - bottom < 0.4 * lh:
                chosen.add(i)
                bottom = max(bottom, ln.y1)
            else:
                break
        return chosen

    right = stack([i for i in near if lines[i].x0 >= motto.x0 - 2 * lh and lines[i].y0 >= motto.y0 - 0.5 * lh], motto.y0)
    left = stack([i for i in near if lines[i].x1 <= split], motto.y0 - 4 * lh)
    for i in near:
        ln = lines[i]
        if ln.x1 <= split and _NUMBER_LINE_RE.match(ln.text):
            left.add(i)
        elif ln.x0 >= motto.x0 - 2 * lh and _DATE_LINE_RE.search(ln.text) and ln.y0 <= motto.y0 + 8 * lh:
            right.add(i)
    if not left or not right:
        return lines
    zone = sorted(left | right)
    spans = sorted((lines[i].y0, lines[i].y1) for i in zone)
    cuts = []
    reach = spans[0][1]
    for y0, y1 in spans[1:]:
        if y0 > reach + 0.15 * lh:
            cuts.append((reach + y0) / 2)
        reach = max(reach, y1)
    row_of = lambda ln: sum(1 for c in cuts if (ln.y0 + ln.y1) / 2 > c)
    ordered = sorted(zone, key=lambda i: (row_of(lines[i]), i in right, lines[i].y0, lines[i].x0))
    zone_set = set(zone)
    first = zone[0]
    out = [ln for i, ln in enumerate(lines) if i < first and i not in zone_set]
    out += [lines[i] for i in ordered]
    out += [ln for i, ln in enumerate(lines) if i > first and i not in zone_set]
    return out


# --- paragraphs -------------------------------------------------------------------------------

@dataclass
class Metrics:
    size: float      # body font size
    left: float      # body left margin
    right: float     # body right margin
    char_w: float    # mean character width of body text


def body_metrics(pages: list[Page]) -> Metrics:
    sizes: collections.Counter = collections.Counter()
    for p in pages:
        for ln in p.lines:
            if ln.table is None:
                sizes[round(ln.size)] += len(ln.text)
    size = float(sizes.most_common(1)[0][0]) if sizes else 12.0
    body = [ln for p in pages for ln in p.lines if ln.table is None and abs(ln.size - size) < 1.0 and len(ln.text) > 20]
    if not body:
        return Metrics(size, 0.0, 1e9, size * 0.45)
    lefts = collections.Counter(round(ln.x0) for ln in body)
    left = float(lefts.most_common(1)[0][0])
    rights = sorted(ln.x1 for ln in body)
    right = rights[int(0.9 * (len(rights) - 1))]
    char_w = statistics.median((ln.x1 - ln.x0) / max(1, len(ln.text)) for ln in body)
    return Metrics(size, left, right, char_w)


def _upper(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def continues_paragraph(a: Line, b: Line, m: Metrics, page_break: bool) -> bool:
    """Does line `b` continue the paragraph whose last line is `a`?"""
    if a.table is not None or b.table is not None or a.footnote != b.footnote:
        return False
    if _SEPARATOR_RE.match(a.text) or _SEPARATOR_RE.match(b.text):
        return False
    if abs(a.size - b.size) > 1.0:
        return False
    cw = m.char_w if abs(a.size - m.size) < 1.0 else m.char_w * a.size / max(m.size, 1)
    if not page_break:
        gap = b.y0 - a.y1
        if gap > 0.6 * a.height or b.y0 < a.y0 - 0.5 * a.height:
            return False  # extra space (new paragraph) or a jump back up (another column)
        if min(a.x1, b.x1) - max(a.x0, b.x0) < 0:
            return False  # side by side, not one under the other
    first_word = b.text.split(" ", 1)[0]
    fits = a.x1 + cw * (len(first_word) + 1) < m.right - cw
    at_left = b.x0 <= m.left + 1.5 * cw
    body_a = a.x0 <= m.left + 4 * cw + 30
    if body_a and at_left and not fits:
        return True  # justified or wrapped body text
    # centred blocks (titles, "(Kèm theo …)"): both lines equally far from both margins; join
    # lines of the same style when the text visibly runs on
    if page_break:
        return False
    centred = lambda ln: ln.x0 - m.left > cw and abs((ln.x0 - m.left) - (m.right - ln.x1)) < 2.5 * cw
    if centred(a) and centred(b) and not a.bold and not b.bold and not _upper(a.text) and not _upper(b.text) \
            and not _TERMINAL_RE.search(a.text):
        return True
    # an indented block whose lines share the indent: only a visible run-on (lower-case start)
    if abs(a.x0 - b.x0) < cw and not fits and not _TERMINAL_RE.search(a.text) and b.text[:1].islower():
        return True
    return False


def assemble(pages: list[Page], m: Metrics) -> str:
    """Pages → one paragraph per line; tables as field-style blocks; footnotes after the
    paragraph that the page break cut."""
    out: list[str] = []
    pending_notes: list[str] = []
    prev: Line | None = None
    prev_note: Line | None = None

    def flush_notes():
        if pending_notes:
            out.extend(pending_notes)
            pending_notes.clear()

    for p in pages:
        page_start = True
        for ln in p.lines:
            if ln.footnote:
                # footnote paragraphs of this page: join their own wrapped lines
                if pending_notes and prev_note is not None and continues_paragraph(prev_note, ln, m, False):
                    pending_notes[-1] += " " + ln.text
                else:
                    pending_notes.append(ln.text)
                prev_note = ln
                continue
            if ln.table is not None:
                flush_notes()
                lines = ln.table.lines()
                if lines:
                    if out and out[-1] != "":
                        out.append("")
                    out.extend(lines)
                    out.append("")
                prev = None
                page_start = False
                continue
            joined = prev is not None and out and continues_paragraph(prev, ln, m, page_start and prev.page != ln.page)
            if joined:
                out[-1] = f"{out[-1]} {ln.text}"
            else:
                flush_notes()
                out.append(ln.text)
            prev = ln
            page_start = False
        prev_note = None
    flush_notes()
    return "\n".join(out)


def mark_footnotes(page: Page, m: Metrics) -> None:
    """Small-print lines at the page bottom that start with a note number are footnotes."""
    lines = page.lines
    if not lines:
        return
    i = len(lines)
    while i > 0 and lines[i - 1].table is None and lines[i - 1].size < 0.85 * m.size and lines[i - 1].y0 > 0.6 * page.height:
        i -= 1
    tail = lines[i:]
    if tail and regex.match(r"^\s*(?:\[\d{1,3}\]|\(\d{1,3}\)|\d{1,3}|\*)\s*\S", tail[0].text):
        for ln in tail:
            ln.footnote = True
        if not tail[0].text.startswith("["):
            tail[0].text = regex.sub(r"^\s*\(?(\d{1,3})\)?\s*", r"[\1] ", tail[0].text, count=1)


# --- tables in the line flow -------------------------------------------------------------------

def place_tables(pages: list[Page]) -> None:
    """Replace each page's table lines by one placeholder line; join tables across pages."""
    current: LogicalTable | None = None
    for p in pages:
        new_lines = list(p.lines)
        for grid in p.grids:
            x0, y0, x1, y1 = grid.bbox
            inside = lambda ln: x0 - 2 <= ln.xc <= x1 + 2 and y0 - 2 <= (ln.y0 + ln.y1) / 2 <= y1 + 2
            idx = [i for i, ln in enumerate(new_lines) if inside(ln)]
            before = [ln for ln in new_lines if not inside(ln)]
            # is this grid the continuation of the table that ended the previous page?
            first_content = next((ln for ln in before if ln.y1 <= y0 + 2), None)
            if current is not None and first_content is None and continues(current, grid):
                extend_table(current, grid)
                new_lines = before
                continue
            current = start_table(grid)
            placeholder = Line(x0, y0, x1, y1, "", page=p.number, table=current)
            pos = idx[0] if idx else next((i for i, ln in enumerate(new_lines) if ln.y0 >= y1), len(new_lines))
            kept_before = [ln for ln in new_lines[:pos] if not inside(ln)]
            kept_after = [ln for ln in new_lines[pos:] if not inside(ln)]
            new_lines = kept_before + [placeholder] + kept_after
        # text after the last table on the page ends the running table
        if p.grids:
            last_y = max(g.bbox[3] for g in p.grids)
            if any(ln.table is None and ln.y0 > last_y + 2 for ln in new_lines):
                current = None
        else:
            if any(ln.table is None for ln in new_lines):
                current = None
        p.lines = new_lines


# --- reader -----------------------------------------------------------------------------------

def _open(ctx: Context):
    import pymupdf

    path = ctx.path
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 2048))
            tail = fh.read()
    except OSError as exc:
        from . import os_error
        raise os_error(path, exc) from None
    if size > ctx.limits.max_bytes:
        raise IngestError(f"{path}: the PDF is {size / 2**20:.0f} MB, over the {ctx.limits.max_bytes / 2**20:.0f} MB limit "
                          f"(VANBAN_MAX_FILE_MB)", stage="read", error_type="too_large", path=path)
    if b"%PDF-" not in head:
        kind = "an HTML page" if b"<html" in head.lower() else "empty" if not head.strip() else "something else"
        raise IngestError(f"{path}: not a PDF (no %PDF header; the file is {kind}); a failed download? Get the "
                          f"file again", stage="read", error_type="corrupt_pdf", path=path)
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # FileDataError, EmptyFileError, RuntimeError
        raise IngestError(f"{path}: not a readable PDF ({exc}); the file is damaged or not a PDF - re-download or "
                          f"re-export it", stage="read", error_type="corrupt_pdf", path=path) from None
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise IngestError(f"{path}: the PDF is encrypted with a password; remove the password (e.g. "
                          f"`qpdf --decrypt`) and try again", stage="read", error_type="encrypted", path=path)
    if doc.page_count == 0:
        doc.close()
        raise IngestError(f"{path}: the PDF has no pages", stage="read", error_type="no_pages", path=path)
    repaired = bool(getattr(doc, "is_repaired", False))
    if repaired and b"%%EOF" not in tail:
        doc.close()
        raise IngestError(f"{path}: the PDF is truncated (it ends before its %%EOF marker and had to be repaired); "
                          f"its text would be incomplete - download the file again", stage="read",
                          error_type="truncated", path=path)
    if doc.page_count > ctx.limits.max_pages:
        n = doc.page_count
        doc.close()
        raise IngestError(f"{path}: the PDF has {n} pages, more than the limit of {ctx.limits.max_pages} "
                          f"(VANBAN_MAX_PAGES); split it or raise the limit", stage="read",
                          error_type="too_many_pages", path=path)
    return doc, repaired


@register(".pdf")
def read_pdf(ctx: Context) -> RawDocument:
    from . import ocr as ocr_mod

    doc, repaired = _open(ctx)
    warnings: list[ErrorRecord] = []
    if repaired:
        warnings.append(ErrorRecord(ctx.path, "read", "repaired_pdf", "the PDF's structure was damaged and had to be repaired"))
    try:
        pages: list[Page] = []
        scanned: list[int] = []
        for i in range(doc.page_count):
            ctx.check_time(f"reading page {i + 1} of {doc.page_count}")
            try:
                page = doc.load_page(i)
                lines = text_lines(page, i)
            except Exception as exc:
                raise IngestError(f"{ctx.path}: page {i + 1} cannot be read ({exc}); the PDF is damaged",
                                  stage="read", error_type="corrupt_pdf", path=ctx.path) from None
            rect = page.rect
            p = Page(i, rect.width, rect.height, lines)
            need_ocr = (ctx.ocr == "always" or is_stamp_only(lines) or garbled(lines)) and _has_ink(page)
            if need_ocr:
                scanned.append(i)
            else:
                try:
                    p.grids = find_grids(page, i)
                except Exception:  # a table-finder failure must not cost the page's text
                    p.grids = []
            pages.append(p)
        ocr_pages = 0
        if scanned:
            if ctx.ocr == "never":
                warnings.append(ErrorRecord(ctx.path, "ocr", "ocr_skipped",
                                            f"{len(scanned)} page(s) without a text layer were not OCR'd (--ocr never): "
                                            f"pages {_ranges(scanned)}"))
                for i in scanned:
                    pages[i].lines = [ln for ln in pages[i].lines if ctx.ocr == "never" and not is_stamp_only([ln])]
            else:
                results = ocr_mod.ocr_pages(doc, scanned, ctx)
                for i, (lines, err) in results.items():
                    if err:
                        warnings.append(ErrorRecord(ctx.path, "ocr", "ocr_failed", f"page {i + 1}: {err}"))
                        continue
                    pages[i].lines = lines
                    pages[i].ocr = True
                    ocr_pages += 1
        n_pages = doc.page_count
    finally:
        doc.close()
    text = layout_text(pages)
    if not text.strip():
        if scanned and ctx.ocr == "never":
            return RawDocument(text="", source_format="pdf", pages=n_pages, ocr_pages=0, hard_wrapped=False, warnings=warnings)
        raise IngestError(f"{ctx.path}: the PDF holds no text (no text layer and OCR gave nothing)",
                          stage="ocr" if scanned else "read", error_type="no_text", path=ctx.path)
    return RawDocument(text=text, source_format="pdf", encoding=None, pages=n_pages, ocr_pages=ocr_pages,
                       hard_wrapped=False, warnings=warnings)


def layout_text(pages: list[Page]) -> str:
    """Lines of all pages (text layer or OCR) → the document text, one paragraph per line."""
    remove_furniture(pages)
    place_tables(pages)
    m = body_metrics(pages)
    for p in pages:
        p.lines = order_header(p.lines)
        mark_footnotes(p, m)
    return assemble(pages, m)


def _ranges(nums: list[int]) -> str:
    out = []
    for n in nums:
        if out and out[-1][1] == n + 1:
            out[-1][1] = n + 2
        else:
            out.append([n + 1, n + 2])
    return ", ".join(f"{a}" if b == a + 1 else f"{a}-{b - 1}" for a, b in out)
