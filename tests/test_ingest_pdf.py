"""Gazette PDFs with a text layer: furniture removed, paragraphs whole, tables as field rows,
the citations of the gold file found; broken and hostile PDFs refused with a clear error."""
from __future__ import annotations

import json

import pytest

from pipeline.ingest import IngestError, read

from .conftest import DEV, annotate
from .ingest_fixtures import (make_encrypted_pdf, make_layout_pdf, make_many_pages_pdf, make_pdf_without_pages,
                              normalized)


@pytest.fixture(scope="module")
def p01():
    raw = read(str(DEV / "p01_nq_105_cp.pdf"))
    return raw, normalized(raw)


def test_pages_and_format(p01):
    raw, _ = p01
    assert (raw.source_format, raw.pages, raw.ocr_pages, raw.hard_wrapped) == ("pdf", 29, 0, False)


@pytest.mark.parametrize("furniture", ["CÔNG BÁO", "Ký bởi", "Ngày ký", "VĂN PHÒNG CHÍNH PHỦ"])
def test_running_headers_and_stamps_are_gone(p01, furniture):
    assert furniture not in p01[1]


@pytest.mark.parametrize("line", [
    # p01_nq_105_cp.pdf page 1: a preamble item wrapped over three lines
    "Thực hiện Kết luận số 210-KL/TW ngày 12 tháng 11 năm 2025 của Ban Chấp hành Trung ương Đảng khóa XIII về "
    "tiếp tục xây dựng, hoàn thiện tổ chức bộ máy của hệ thống chính trị trong thời gian tới;",
    # page 2: items a) b) stay apart
    "b) Quá trình thực hiện phải tạo được sự đồng bộ, liên thông, gắn với việc thực hiện các chủ trương, quan "
    "điểm, định hướng của Đảng.",
    # the signature block keeps its lines
    "KT. THỦ TƯỚNG",
    "PHÓ THỦ TƯỚNG",
])
def test_paragraphs_are_whole_lines(p01, line):
    assert line in p01[1].split("\n")


def test_paragraph_cut_by_a_page_break_is_rejoined(p01):
    # pages 3-4: "… giữa ủy ban nhân dân cấp tỉnh, cấp xã / với cơ quan chuyên môn …"
    assert "giữa ủy ban nhân dân cấp tỉnh, cấp xã với cơ quan chuyên môn thuộc Ủy ban nhân dân cùng cấp" in p01[1]


def test_header_is_written_row_by_row(p01):
    assert p01[1].split("\n")[:7] == [
        "CHÍNH PHỦ", "_________", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "_____________________________________", "Số: 105/NQ-CP", "Hà Nội, ngày 08 tháng 4 năm 2026"]


def test_appendix_table_rows(p01):
    text = p01[1]
    lines = text.split("\n")
    gold = json.loads((DEV / "p01_nq_105_cp.gold.json").read_text(encoding="utf-8"))
    pl1 = [a for a in gold["assignments"] if a["section"].startswith("PL1.")]
    rows = [ln for ln in lines if ln.startswith("Cơ quan chủ trì: ")]
    assert len(rows) == len(pl1) == 34
    # group rows and a row cut by a page break (pages 12-13)
    assert "III. Tiếp tục sắp xếp tổ chức bộ máy các cơ quan nhà nước bảo đảm hoạt động hiệu năng, hiệu lực, hiệu quả" in lines
    row8 = next(ln for ln in lines if ln.startswith("8. Tiếp tục lãnh đạo, chỉ đạo triển khai Quy định số 178-QĐ/TW"))
    assert row8.endswith("thực hiện Quy định số 178-QĐ/TW ngày 27 tháng 6 năm 2024 của Bộ Chính trị")
    i = lines.index(row8)
    assert lines[i + 1] == ("Cơ quan chủ trì: Các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh, thành phố "
                            "trực thuộc trung ương")
    assert "Thời hạn hoàn thành: Quý II/2026" in lines


def test_citations_of_the_gold_are_found(p01):
    gold = json.loads((DEV / "p01_nq_105_cp.gold.json").read_text(encoding="utf-8"))
    doc = annotate(p01[1], only=("header", "outline", "citations"), normalized=True)
    found = [c.cited_number for c in doc.spans["citations"] if c.cited_number]
    expected = [c["cited_number"] for c in gold["citations"] if c["cited_number"]]
    missing = [n for n in set(expected) if found.count(n) < expected.count(n)]
    assert not missing


@pytest.mark.parametrize("name, pages", [("p02_qd_798_ttg.pdf", 4), ("p03_qd_844_ttg.pdf", 15), ("p04_nq_113_cp.pdf", 2)])
def test_other_gazette_pdfs(name, pages):
    raw = read(str(DEV / name))
    text = normalized(raw)
    assert raw.pages == pages
    assert "CÔNG BÁO" not in text and "Ký bởi" not in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text.split("\n")[:4]


def test_p03_table_page_that_crashes_the_layout_model():
    # page 7 of p03 makes PyMuPDF's layout model crash; tables are found without it
    text = normalized(read(str(DEV / "p03_qd_844_ttg.pdf")))
    assert "I. Đổi mới mạnh mẽ tư duy và hành động trong lãnh đạo, chỉ đạo và tổ chức thực hiện công tác chăm sóc sức khoẻ nhân dân" in text
    assert "Cơ quan chủ trì: Bộ Tài chính" in text.split("\n")


def test_truncated_pdf(tmp_path):
    data = (DEV / "p02_qd_798_ttg.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert (err.value.stage, err.value.error_type) == ("read", "truncated")
    assert "download" in str(err.value)


def test_encrypted_pdf(tmp_path):
    path = tmp_path / "locked.pdf"
    make_encrypted_pdf(DEV / "p04_nq_113_cp.pdf", path)
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert err.value.error_type == "encrypted"
    assert "password" in str(err.value)


def test_pdf_without_pages(tmp_path):
    path = tmp_path / "empty.pdf"
    make_pdf_without_pages(path)
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert err.value.error_type == "no_pages"


def test_not_a_pdf(tmp_path):
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"<html>this is not a pdf</html>" * 10)
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert err.value.error_type == "corrupt_pdf"


def test_page_limit_for_a_1000_page_pdf(tmp_path, monkeypatch):
    path = tmp_path / "huge.pdf"
    make_many_pages_pdf(path, 1000)
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert err.value.error_type == "too_many_pages"
    assert "VANBAN_MAX_PAGES" in str(err.value)
    monkeypatch.setenv("VANBAN_MAX_PAGES", "2000")
    with pytest.raises(IngestError) as err:  # allowed now, but blank pages hold no text (and are not OCR'd)
        read(str(path))
    assert err.value.error_type == "no_text"


def test_layout_paragraphs_page_break_and_footnote(tmp_path):
    path = tmp_path / "layout.pdf"
    paras = make_layout_pdf(path)
    raw = read(str(path))
    lines = normalized(raw).split("\n")
    assert "OFFICIAL GAZETTE" not in "\n".join(lines)
    assert lines[0] == paras["p1"]
    # paragraph 2 runs over the page break and is whole; its footnote reference is kept as [1]
    first_line_end = lines[1].index(" ", 60)
    assert lines[1].replace("[1]", "") == paras["p2"]
    assert "[1]" in lines[1]
    # the footnote follows the paragraph the page break cut
    assert lines[2] == paras["note"]
    assert len(lines) == 3 and first_line_end > 0
