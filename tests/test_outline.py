"""The outline on real documents: the gold files' assignment sections must all be found."""
from __future__ import annotations

import json

import pytest

from pipeline.document import Doc
from pipeline.normalize import normalize
from pipeline.structure.header import read_header
from pipeline.structure.outline import find_sections, match_marker

from .conftest import DEV


def _sections(name: str):
    doc = Doc(text=normalize((DEV / name).read_text(encoding="utf-8")))
    doc.meta = read_header(doc.text)
    doc.set_sections(find_sections(doc))
    return doc


@pytest.mark.parametrize("name", sorted(p.name for p in DEV.glob("*.gold.json") if (DEV / p.name.replace(".gold.json", ".txt")).exists()))
def test_gold_sections_are_in_the_outline(name):
    gold = json.loads((DEV / name).read_text(encoding="utf-8"))
    doc = _sections(name.replace(".gold.json", ".txt"))
    paths = {s.path for s in doc.sections}
    missing = [a["section"] for a in gold["assignments"] if a["section"] and a["section"] not in paths]
    assert not missing


@pytest.mark.parametrize("line,expected", [
    ("I. MỤC ĐÍCH, YÊU CẦU", ("roman", "I")),
    ("I- MỤC ĐÍCH, YÊU CẦU", ("roman", "I")),
    ("1. Mục đích", ("arabic", "1")),
    ("1.1. Tiếp tục tập trung quán triệt", ("arabic_multi", "1.1")),
    ("3.2. Mục tiêu cụ thể", ("arabic_multi", "3.2")),
    ("a) Triển khai nghiêm túc", ("letter", "a")),
    ("đ) Tiếp tục triển khai thực hiện", ("letter", "đ")),
    ("- Rà soát các mặt hàng dự trữ quốc gia", ("dash", "-")),
    ("+ Rà soát, xây dựng", ("plus", "+")),
    ("(1) Tăng trưởng kinh tế (GRDP) đạt 9,5 - 10%/năm", ("paren", "1")),
    ("Điều 3. Bộ trưởng, Thủ trưởng cơ quan ngang bộ", ("article", "3")),
    ("Thứ nhất, về công tác phòng, chống thiên tai", ("ordinal", "Thứ nhất")),
    ("[1] Các công điện: số 217/CĐ-TTg", ("footnote", "1")),
    ("PHỤ LỤC I", ("appendix", "I")),
    ("Chương II", ("chapter", "II")),
])
def test_markers(line, expected):
    kind, num, _ = match_marker(line)
    assert (kind, num) == expected


@pytest.mark.parametrize("line", [
    "1.370 căn nhà ở xã hội", "2025. Đồng thời", "Việc khai thác", "Luật số 90/2025/QH15", "V/v phát động",
])
def test_not_markers(line):
    assert match_marker(line) is None


def test_nesting_and_paths():
    doc = _sections("seed_002_ctr_cantho_kl42.txt")
    by_path = {s.path: s for s in doc.sections}
    assert "II.1.(1)" in by_path and "III.1.1.-1" in by_path
    s = by_path["III.1.1"]
    assert s.label == "1.1" and doc.sections[s.parent].path == "III.1"
    assert doc.text[s.start:].startswith("1.1. Tiếp tục")
    # an item ends where the next item of its level or above begins
    nxt = by_path["III.1.2"]
    assert s.end <= nxt.start


def test_recipients_and_signature_are_not_items():
    doc = _sections("d01_ct_09_ubnd.txt")
    assert not any("Lưu" in s.heading or "Như trên" in s.heading for s in doc.sections)


def test_closing_paragraph_stands_outside_the_items():  # seed_000: "Chủ tịch UBND thành phố đề nghị …"
    doc = _sections("seed_000_ct_cantho_2025.txt")
    pos = doc.text.index("Chủ tịch UBND thành phố đề nghị Thủ trưởng cơ quan Trung ương")
    assert doc.innermost_section(pos) is None
