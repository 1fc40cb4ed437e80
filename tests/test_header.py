"""Document metadata on the real dev documents: gold files where they exist, else values read
off the documents by hand."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.normalize import normalize
from pipeline.structure.header import case_title, clean_number, read_header, recase

from .conftest import DEV

FIELDS = ["doc_type", "doc_number", "issuer", "issue_date", "place", "title", "signer_name", "signer_title"]

# documents without gold: values read off the header, date line and signature block
EXPECTED = {
    "d02_ct_010_ubnd.txt": ("Chỉ thị", "010/CT-UBND", "Ủy ban nhân dân tỉnh Đắk Lắk", "2025-11-17", "Đắk Lắk", "Trương Công Thái", "Phó Chủ tịch"),
    "d03_kh_153_ubnd.txt": ("Kế hoạch", "153/KH-UBND", "Ủy ban nhân dân thành phố Cần Thơ", "2025-11-17", "Cần Thơ", "Trương Cảnh Tuyên", "Chủ tịch"),
    "d05_kh_174_ubnd.txt": ("Kế hoạch", "174/KH-UBND", "Ủy ban nhân dân Thành phố Hồ Chí Minh", "2025-11-18", "Thành phố Hồ Chí Minh", "Trần Thị Diệu Thúy", "Phó Chủ tịch"),
    "d07_kh_624_ubnd.txt": ("Kế hoạch", "624/KH-UBND", "Ủy ban nhân dân tỉnh Hà Tĩnh", "2025-11-19", "Hà Tĩnh", "Nguyễn Thị Nguyệt", "Phó Chủ tịch"),
    "d10_cd_230_ttg.txt": ("Công điện", "230/CĐ-TTg", "Thủ tướng Chính phủ", "2025-11-26", "Hà Nội", "Nguyễn Hòa Bình", "Phó Thủ tướng"),
    "d14_tb_636_vpcp.txt": ("Thông báo", "636/TB-VPCP", "Văn phòng Chính phủ", "2025-11-24", "Hà Nội", "Phạm Mạnh Cường", "Phó Chủ nhiệm"),
}


def _meta(name: str):
    return read_header(normalize((DEV / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", sorted(p.name for p in DEV.glob("*.gold.json") if (DEV / p.name.replace(".gold.json", ".txt")).exists()))
def test_header_matches_gold(name):
    gold = json.loads((DEV / name).read_text(encoding="utf-8"))["document"]
    meta = _meta(name.replace(".gold.json", ".txt"))
    for field in FIELDS:
        if field in gold:
            got = getattr(meta, field)
            got = got.isoformat() if isinstance(got, dt.date) else got
            assert got == gold[field], field


@pytest.mark.parametrize("name,expected", sorted(EXPECTED.items()))
def test_header_fields(name, expected):
    meta = _meta(name)
    doc_type, number, issuer, date, place, signer, title = expected
    assert (meta.doc_type, meta.doc_number, meta.issuer, meta.issue_date.isoformat(), meta.place,
            meta.signer_name, meta.signer_title) == (doc_type, number, issuer, date, place, signer, title)


def test_no_header_gives_nulls_not_guesses():
    meta = _meta("seed_000_ct_cantho_2025.txt")
    assert meta.doc_number is None and meta.issue_date is None and meta.issuer is None and meta.place is None
    assert meta.doc_type == "Chỉ thị" and meta.signer_name == "Trần Việt Trường"


def test_header_broken_across_lines():
    text = normalize("THỦ TƯỚNG CHÍNH\nPHỦ\n-------\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                     "---------------\n\nSố: 226/CĐ-TTg\n\nHà Nội, ngày 20\ntháng 11 năm 2025\n\nCÔNG ĐIỆN\n"
                     "VỀ VIỆC TĂNG CƯỜNG CÔNG TÁC\n\nThủ tướng Chính phủ yêu cầu các Bộ thực hiện ngay.\n")
    meta = read_header(text)
    assert meta.issuer == "Thủ tướng Chính phủ"
    assert meta.issue_date == dt.date(2025, 11, 20) and meta.place == "Hà Nội"
    assert meta.doc_type == "Công điện" and meta.title == "VỀ VIỆC TĂNG CƯỜNG CÔNG TÁC"


def test_helpers():
    assert clean_number("27/NQ- TW") == "27/NQ-TW"
    assert clean_number("105/NQ-CP ") == "105/NQ-CP"
    assert case_title("PHÓ CHỦ TỊCH") == "Phó Chủ tịch"
    assert recase("ỦY BAN NHÂN DÂN TỈNH ĐẮK LẮK", "") == "Ủy ban nhân dân tỉnh Đắk Lắk"
    assert recase("ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH", "… Ủy ban nhân dân Thành phố Hồ Chí Minh …") \
        == "Ủy ban nhân dân Thành phố Hồ Chí Minh"
