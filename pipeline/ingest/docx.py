"""Word files: .docx with python-docx (paragraphs and tables in body order), .doc through
LibreOffice when it is installed.

A .docx is a zip archive, so it is checked before it is opened: an archive that would unpack to
an absurd size, or with an absurd compression ratio, is a zip bomb and is refused. Text typed in
TCVN3 (.Vn…) or VNI fonts is converted run by run from the font name, and the whole text is
checked once more for legacy letters without a telling font.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile

from ..models import ErrorRecord, RawDocument
from . import Context, IngestError, register
from .pdf_tables import render_table
from .text import from_tcvn3, from_vni, repair_legacy

MAX_UNZIPPED = int(os.environ.get("VANBAN_MAX_UNZIPPED_MB", "300")) * 1024 * 1024
MAX_RATIO = 150          # uncompressed / compressed, for members over 1 MB
MAX_MEMBERS = 20_000


def check_zip(path: str) -> None:
    """Refuse zip bombs and broken archives before python-docx unpacks anything."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{path}: not a valid .docx (the zip archive is broken: {exc}); re-save the document "
                          f"in Word or LibreOffice", stage="read", error_type="corrupt_docx", path=path) from None
    except OSError as exc:
        from . import os_error
        raise os_error(path, exc) from None
    if len(infos) > MAX_MEMBERS:
        raise IngestError(f"{path}: the .docx archive holds {len(infos)} files; refused as a zip bomb",
                          stage="read", error_type="zip_bomb", path=path)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED:
        raise IngestError(f"{path}: the .docx would unpack to {total / 2**20:.0f} MB (limit "
                          f"{MAX_UNZIPPED / 2**20:.0f} MB, VANBAN_MAX_UNZIPPED_MB); refused as a zip bomb",
                          stage="read", error_type="zip_bomb", path=path)
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > MAX_RATIO * max(1, i.compress_size):
            raise IngestError(f"{path}: the member {i.filename} is compressed {i.file_size // max(1, i.compress_size)} "
                              f"to 1 ({i.file_size / 2**20:.0f} MB unpacked); refused as a zip bomb",
                              stage="read", error_type="zip_bomb", path=path)
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise IngestError(f"{path}: a zip archive without word/document.xml is not a Word document",
                          stage="read", error_type="corrupt_docx", path=path)


def _legacy_font(name: str | None) -> str | None:
    if not name:
        return None
    low = name.strip().lower()
    if low.startswith(".vn") or (low.startswith("vn") and not low.startswith("vni") and low[2:3] in ("t", "a", "c", "h")):
        return "tcvn3"
    if low.startswith("vni"):
        return "vni"
    return None


def _paragraph_text(p) -> str:
    """A paragraph's text with runs in legacy fonts converted."""
    parts = []
    for child in p._p.iter():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "r":
            from docx.text.run import Run
            run = Run(child, p)
            text = run.text
            kind = _legacy_font(run.font.name) or _legacy_font(getattr(p.style.font, "name", None) if p.style is not None else None)
            if kind == "tcvn3":
                text = from_tcvn3(text)
            elif kind == "vni":
                text = from_vni(text)
            parts.append(text)
    return "".join(parts)


def _cell_text(cell) -> str:
    return "\n".join(_paragraph_text(p) for p in cell.paragraphs)


def _table_rows(table) -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    for row in table.rows:
        seen = set()
        cells: list[str | None] = []
        for cell in row.cells:
            key = id(cell._tc)
            if key in seen:
                cells.append(None)  # a cell merged across columns appears once per grid column
                continue
            seen.add(key)
            cells.append(_cell_text(cell))
        rows.append(cells)
    return rows


def docx_text(path: str, ctx: Context | None = None) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(path)
    try:
        document = docx.Document(path)
    except Exception as exc:
        raise IngestError(f"{path}: python-docx cannot open it ({exc}); re-save the document as .docx",
                          stage="read", error_type="corrupt_docx", path=path) from None
    lines: list[str] = []
    body = document.element.body

    def walk(parent):
        for child in parent.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.append(_paragraph_text(Paragraph(child, document)))
            elif tag == "tbl":
                block = render_table(_table_rows(Table(child, document)))
                if block:
                    lines.append("")
                    lines.extend(block)
                    lines.append("")
            elif tag in ("sdt", "sdtContent", "customXml"):
                walk(child)
            if ctx is not None:
                ctx.check_time("reading the document body")

    walk(body)
    return "\n".join(lines)


@register(".docx")
def read_docx(ctx: Context) -> RawDocument:
    text = docx_text(ctx.path, ctx)
    warnings: list[ErrorRecord] = []
    text, legacy = repair_legacy(text)
    encoding = f"docx+{legacy}" if legacy else "docx"
    if not text.strip():
        raise IngestError(f"{ctx.path}: the Word document holds no text", stage="read", error_type="no_text", path=ctx.path)
    return RawDocument(text=text, source_format="docx", encoding=encoding, hard_wrapped=False, warnings=warnings)


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@register(".doc")
def read_doc(ctx: Context) -> RawDocument:
    exe = soffice_path()
    if exe is None:
        raise IngestError(f"{ctx.path}: old Word (.doc) files are read through LibreOffice, which is not installed "
                          f"(Debian: apt-get install libreoffice-writer); or save the file as .docx",
                          stage="read", error_type="doc_unsupported", path=ctx.path)
    with tempfile.TemporaryDirectory(prefix="vanban-doc-") as tmp:
        profile = os.path.join(tmp, "profile")
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "docx", "--outdir", tmp, os.path.abspath(ctx.path)]
        timeout = max(10.0, min(180.0, ctx.deadline - __import__("time").monotonic()))
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=dict(os.environ, HOME=tmp))
        except subprocess.TimeoutExpired:
            raise IngestError(f"{ctx.path}: LibreOffice took longer than {timeout:.0f} s to convert the file",
                              stage="read", error_type="timeout", path=ctx.path) from None
        out = os.path.join(tmp, os.path.splitext(os.path.basename(ctx.path))[0] + ".docx")
        if proc.returncode != 0 or not os.path.exists(out):
            err = proc.stderr.decode("utf-8", "replace").strip()[-300:]
            raise IngestError(f"{ctx.path}: LibreOffice could not convert the file to .docx ({err or 'no output'}); "
                              f"the file may be damaged", stage="read", error_type="corrupt_doc", path=ctx.path)
        text = docx_text(out, ctx)
    text, legacy = repair_legacy(text)
    if not text.strip():
        raise IngestError(f"{ctx.path}: the document holds no text", stage="read", error_type="no_text", path=ctx.path)
    return RawDocument(text=text, source_format="doc", encoding=f"doc+{legacy}" if legacy else "doc", hard_wrapped=False)
