"""Builders for ingestion test inputs: DOCX, HTML, legacy-encoded and broken files made at test
time from the dev texts (no binaries in the repository), and the round-trip similarity measure."""
from __future__ import annotations

import difflib
import html
import io
import os
import zipfile
from pathlib import Path

from pipeline.ingest.text import to_cp1258, to_tcvn3, to_vni
from pipeline.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
DEV = Path(os.environ.get("VANBAN_SHARED", ROOT.parent / "shared")) / "corpus" / "dev"

# Dev texts of different sources: website exports with chrome (d09), hard-wrapped website text
# (d01, d12), a clean text (seed_002).
ROUND_TRIP_DOCS = ["d01_ct_09_ubnd", "d09_cd_226_ttg", "d12_qd_2853_ubnd", "seed_002_ctr_cantho_kl42"]


def dev_text(name: str) -> str:
    return (DEV / f"{name}.txt").read_text(encoding="utf-8")


def similarity(a: str, b: str) -> float:
    """difflib ratio of two normalized texts (1.0 = identical): 2 * matching characters / total.

    Computed line by line first and character by character only inside the differing blocks,
    which gives the character-level ratio in a fraction of a second instead of minutes."""
    al, bl = a.split("\n"), b.split("\n")
    matches = 0
    outer = difflib.SequenceMatcher(None, al, bl, autojunk=False)
    for op, i1, i2, j1, j2 in outer.get_opcodes():
        if op == "equal":
            matches += sum(len(x) + 1 for x in al[i1:i2])
        elif op == "replace":
            sa, sb = "\n".join(al[i1:i2]), "\n".join(bl[j1:j2])
            inner = difflib.SequenceMatcher(None, sa, sb, autojunk=False)
            matches += sum(m.size for m in inner.get_matching_blocks())
    total = len(a) + len(b)
    return 1.0 if total == 0 else min(1.0, 2 * matches / total)


def encode(text: str, encoding: str) -> bytes:
    return {
        "utf-8": lambda t: t.encode("utf-8"),
        "utf-8-sig": lambda t: t.encode("utf-8-sig"),
        "utf-16": lambda t: t.encode("utf-16"),          # with BOM
        "utf-16-be": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        "cp1258": to_cp1258,
        "tcvn3": to_tcvn3,
        "vni": to_vni,
    }[encoding](text)


def make_html(text: str, title: str = "Văn bản") -> str:
    """A ministry-portal-like page: banner, menu, breadcrumb, sidebar, toolbar, footer around the
    document, one <p> per line."""
    paras = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line.strip())
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<script>var banner = "<p>Không phải văn bản</p>";</script><style>p {{ margin: 0 }}</style></head>
<body><header class="site-header"><div class="logo">Cổng thông tin điện tử tỉnh</div>
<nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/vb">Văn bản chỉ đạo điều hành</a></li>
<li><a href="/lh">Liên hệ</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">Trang chủ</a> » <a href="/vb">Văn bản pháp luật</a></div>
<div class="container"><div class="sidebar"><h3>Văn bản mới ban hành</h3><ul>
<li><a href="#">Quyết định số 1/QĐ-UBND</a></li><li><a href="#">Chỉ thị số 2/CT-UBND</a></li></ul></div>
<div class="content"><div class="toolbar"><a href="#">In văn bản</a> <a href="#">Tải về</a></div>
{paras}
</div></div>
<footer><p>Bản quyền © Cổng thông tin điện tử. Địa chỉ: số 1 đường Hoàng Hoa Thám.</p></footer></body></html>"""


def make_docx(text: str, path: str | os.PathLike, legacy: str | None = None) -> None:
    """One paragraph per line; `legacy` "tcvn3"/"vni" types the text in a .VnTime / VNI-Times font."""
    import docx

    d = docx.Document()
    for line in text.split("\n"):
        p = d.add_paragraph()
        if legacy == "tcvn3":
            p.add_run(to_tcvn3(line).decode("cp1252")).font.name = ".VnTime"
        elif legacy == "vni":
            p.add_run(to_vni(line).decode("cp1252")).font.name = "VNI-Times"
        else:
            p.add_run(line)
    d.save(str(path))


def make_docx_with_tables(path: str | os.PathLike) -> None:
    """A header laid out in a borderless 2-column table, a body paragraph and a task table."""
    import docx

    d = docx.Document()
    head = d.add_table(rows=2, cols=2)
    head.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ CẦN THƠ"
    head.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    head.cell(1, 0).text = "Số: 09/CT-UBND"
    head.cell(1, 1).text = "Cần Thơ, ngày 18 tháng 11 năm 2025"
    d.add_paragraph("CHỈ THỊ")
    d.add_paragraph("Về tăng cường công tác quản lý, bảo vệ tài nguyên nước dưới đất")
    tasks = d.add_table(rows=4, cols=4)
    rows = [["STT", "Nội dung công việc", "Cơ quan chủ trì", "Thời hạn hoàn thành"],
            ["I", "Rà soát quy hoạch", "", ""],
            ["1", "Rà soát, cập nhật quy hoạch tài nguyên nước", "Sở Nông nghiệp và Môi trường", "Quý II/2026"],
            ["2", "Kiểm tra các công trình khai thác nước dưới đất", "Ủy ban nhân dân cấp xã", "Năm 2026"]]
    for i, row in enumerate(rows):
        for j, val in enumerate(row):
            tasks.cell(i, j).text = val
    a, b = tasks.cell(1, 1), tasks.cell(1, 3)
    a.merge(b)
    tasks.cell(1, 1).text = "Rà soát quy hoạch"
    d.save(str(path))


def make_zip_bomb(path: str | os.PathLike, mb: int = 20) -> None:
    """A .docx-shaped zip whose document.xml unpacks to `mb` MB of zeros (ratio ~1000:1)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(mb):
                fh.write(chunk)


def make_pdf_without_pages(path: str | os.PathLike) -> None:
    Path(path).write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                           b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def make_many_pages_pdf(path: str | os.PathLike, n: int) -> None:
    import pymupdf

    doc = pymupdf.open()
    for _ in range(n):
        doc.new_page()
    doc.save(str(path))


def make_encrypted_pdf(src: str | os.PathLike, path: str | os.PathLike) -> None:
    import pymupdf

    doc = pymupdf.open(str(src))
    doc.save(str(path), encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")


def normalized(raw) -> str:
    return normalize(raw.text, raw.hard_wrapped)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def make_layout_pdf(path: str | os.PathLike) -> dict[str, str]:
    """A two-page PDF drawn line by line (ASCII text, built-in font): a running header and page
    numbers on both pages, indented paragraphs wrapped at a fixed width, one paragraph running
    over the page break, a raised footnote reference and a small-print footnote at the foot of
    page 1. Returns the paragraphs as they should come out."""
    import pymupdf

    size, left, width, step = 12, 72, 450, 16
    paras = {
        "p1": "Article 1. The provincial departments shall review the water resources plan and report "
              "the results to the People's Committee before the end of the second quarter of the year.",
        "p2": "Article 2. The Department of Finance shall lead and coordinate with the districts to "
              "allocate the budget for the monitoring network, and shall publish the list of wells "
              "that must be closed; the districts shall inspect the wells on their territory every "
              "quarter and keep a register of the inspections that were carried out, with the names "
              "of the owners and the measures taken.",
        "note": "[1] Decision 12 of the Prime Minister on the national water resources plan.",
    }
    font = pymupdf.Font("helv")

    def wrap(text: str, first_indent: float) -> list[tuple[float, str]]:
        lines, cur, x = [], "", left + first_indent
        for word in text.split():
            trial = f"{cur} {word}".strip()
            if font.text_length(trial, size) > width - (x - left) and cur:
                lines.append((x, cur))
                cur, x = word, left
            else:
                cur = trial
        lines.append((x, cur))
        return lines

    doc = pymupdf.open()
    doc.new_page(width=595, height=842)
    doc.new_page(width=595, height=842)
    pages = [doc[0], doc[1]]
    for n, page in enumerate(pages):
        page.insert_text((200, 40), "OFFICIAL GAZETTE No 12 / 01-06-2026", fontsize=11, fontname="helv")
        page.insert_text((520, 40), str(100 + n), fontsize=11, fontname="helv")
    y = 100
    for x, line in wrap(paras["p1"], 28):
        pages[0].insert_text((x, y), line, fontsize=size, fontname="helv")
        y += step
    y += 10
    p2_lines = wrap(paras["p2"], 28)
    split = 3
    y = 690
    for x, line in p2_lines[:split]:
        pages[0].insert_text((x, y), line, fontsize=size, fontname="helv")
        y += step
    # a raised, small footnote reference after the first line of paragraph 2
    ref_x = p2_lines[0][0] + font.text_length(p2_lines[0][1], size) + 1
    pages[0].insert_text((ref_x, 690 - 5), "1", fontsize=7, fontname="helv")
    pages[0].insert_text((left, 790), "1 Decision 12 of the Prime Minister on the national water resources plan.",
                         fontsize=9, fontname="helv")
    y = 100
    for x, line in p2_lines[split:]:
        pages[1].insert_text((x, y), line, fontsize=size, fontname="helv")
        y += step
    doc.save(str(path))
    return paras
