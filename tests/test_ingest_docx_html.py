"""DOCX, .doc and HTML inputs: same text as the plain file, tables, page chrome, hostile files."""
from __future__ import annotations

import pytest

from pipeline.ingest import IngestError, read
from pipeline.ingest.docx import soffice_path
from pipeline.ingest.pdf_tables import render_table
from pipeline.normalize import normalize

from .ingest_fixtures import (ROUND_TRIP_DOCS, dev_text, make_docx, make_docx_with_tables, make_html,
                              make_zip_bomb, normalized, similarity, zip_bytes)


@pytest.mark.parametrize("name", ROUND_TRIP_DOCS)
@pytest.mark.parametrize("legacy", [None, "tcvn3", "vni"])
def test_docx_gives_back_the_plain_text(tmp_path, name, legacy):
    ref = normalize(dev_text(name))
    path = tmp_path / f"{name}.docx"
    make_docx(ref, path, legacy)
    raw = read(str(path))
    assert raw.source_format == "docx"
    assert similarity(ref, normalized(raw)) >= 0.97


@pytest.mark.parametrize("name", ROUND_TRIP_DOCS)
def test_html_gives_back_the_plain_text_without_page_chrome(tmp_path, name):
    src = dev_text(name)
    ref = normalize(src)
    path = tmp_path / f"{name}.html"
    path.write_text(make_html(src), encoding="utf-8")
    got = normalized(read(str(path)))
    assert similarity(ref, got) >= 0.97
    for chrome in ("Trang chủ", "Văn bản mới ban hành", "Bản quyền ©", "In văn bản", "Không phải văn bản"):
        assert chrome not in got


def test_html_in_legacy_encoding_with_charset(tmp_path):
    ref = normalize(dev_text("d11_cd_234_ttg"))
    path = tmp_path / "page.htm"
    page = make_html(ref).replace('<meta charset="utf-8">', '<meta charset="windows-1258">')
    from pipeline.ingest.text import to_cp1258
    path.write_bytes(to_cp1258(page))
    assert similarity(ref, normalized(read(str(path)))) >= 0.97


def test_docx_tables_header_layout_and_task_rows(tmp_path):
    path = tmp_path / "tables.docx"
    make_docx_with_tables(path)
    text = normalized(read(str(path)))
    lines = text.split("\n")
    # the header table is read row by row, left cell first (the web editions' order)
    assert lines[:6] == ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ CẦN THƠ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Độc lập - Tự do - Hạnh phúc", "Số: 09/CT-UBND", "Cần Thơ, ngày 18 tháng 11 năm 2025"]
    # the task table in field style, one block per row, group row as a heading
    assert "I. Rà soát quy hoạch" in lines
    i = lines.index("1. Rà soát, cập nhật quy hoạch tài nguyên nước")
    assert lines[i + 1: i + 3] == ["Cơ quan chủ trì: Sở Nông nghiệp và Môi trường", "Thời hạn hoàn thành: Quý II/2026"]


@pytest.mark.parametrize("rows, expected", [
    # p01_nq_105_cp.pdf, Phụ lục I (header cells wrap over lines in the PDF)
    ([["TT", "Nội dung công việc", "Cơ quan\nchủ trì", "Thời hạn\nhoàn thành"],
      ["III", "Tiếp tục sắp xếp tổ chức bộ máy các cơ quan nhà nước", None, None],
      ["1", "Tiếp tục rà soát, sắp xếp tinh gọn các tổ chức bên trong", "Các bộ, cơ quan\nngang bộ", "Thường xuyên"],
      ["2.1", "Theo dõi, tổng hợp việc sắp xếp", "Bộ Nội vụ", ""]],
     ["III. Tiếp tục sắp xếp tổ chức bộ máy các cơ quan nhà nước", "",
      "1. Tiếp tục rà soát, sắp xếp tinh gọn các tổ chức bên trong", "Cơ quan chủ trì: Các bộ, cơ quan ngang bộ",
      "Thời hạn hoàn thành: Thường xuyên", "",
      "2.1. Theo dõi, tổng hợp việc sắp xếp", "Cơ quan chủ trì: Bộ Nội vụ"]),
    # p03_qd_844_ttg.pdf: numbers already carry their dot
    ([["STT", "Tên nhiệm vụ cụ thể", "Cơ quan chủ trì", "Kết quả"],
      ["5.", "Xây dựng Đề án về đổi mới công tác truyền thông", "Bộ Tài chính", "Quyết định của Bộ trưởng"]],
     ["5. Xây dựng Đề án về đổi mới công tác truyền thông", "Cơ quan chủ trì: Bộ Tài chính",
      "Kết quả: Quyết định của Bộ trưởng"]),
])
def test_task_table_rendering(rows, expected):
    assert render_table(rows) == expected


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.docx"
    make_zip_bomb(path, mb=20)
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert (err.value.stage, err.value.error_type) == ("read", "zip_bomb")


@pytest.mark.parametrize("content, error_type", [
    (b"PK\x03\x04" + b"\x00" * 100, "corrupt_docx"),
    (zip_bytes({"hello.txt": b"not a word file"}), "corrupt_docx"),
])
def test_broken_docx_is_refused(tmp_path, content, error_type):
    path = tmp_path / "broken.docx"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert err.value.error_type == error_type


def test_deeply_nested_html_does_not_crash(tmp_path):
    path = tmp_path / "deep.html"
    sentence = "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch triển khai."
    path.write_text("<html><body>" + "<div>" * 100_000 + f"<p>{sentence}</p>" + "</div>" * 100_000 + "</body></html>",
                    encoding="utf-8")
    assert sentence in read(str(path)).text


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")
def test_doc_through_libreoffice(tmp_path):
    import subprocess

    ref = normalize(dev_text("d11_cd_234_ttg"))
    docx_path = tmp_path / "cd.docx"
    make_docx(ref, docx_path)
    subprocess.run([soffice_path(), f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "doc",
                    "--outdir", str(tmp_path), str(docx_path)], capture_output=True, timeout=180, check=True)
    raw = read(str(tmp_path / "cd.doc"))
    assert raw.source_format == "doc"
    assert similarity(ref, normalized(raw)) >= 0.97


def test_doc_without_libreoffice_is_a_clear_error(tmp_path, monkeypatch):
    import pipeline.ingest.docx as docx_mod

    monkeypatch.setattr(docx_mod, "soffice_path", lambda: None)
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert err.value.error_type == "doc_unsupported"
    assert "LibreOffice" in str(err.value)
