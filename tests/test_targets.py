"""Numeric targets (pipeline/extract/targets.py) and Vietnamese numbers (target_numbers.py).

Cases are real sentences from ../shared/corpus, kept as data in tests/cases/targets.yaml; each
names its source.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import Doc
from pipeline.extract.target_numbers import parse_number
from pipeline.extract.targets import find_targets, indicator_key, targets
from pipeline.models import Assignment
from pipeline.normalize import normalize

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "targets.yaml").read_text(encoding="utf-8"))

# Every plan states an objective somewhere; a text that never does is read as normative.
PREAMBLE = "Phấn đấu hoàn thành các mục tiêu đề ra.\n\n"


def _doc(case: dict) -> Doc:
    body = (case["heading"] + "\n" if case.get("heading") else "") + case["text"]
    doc = Doc(text=normalize(PREAMBLE + body))
    doc.meta.doc_type = case.get("doc_type", "Kế hoạch")
    doc.meta.title = case.get("title")
    if case.get("issue_date"):
        doc.meta.issue_date = dt.date.fromisoformat(str(case["issue_date"]))
    return doc


def _id(case: dict) -> str:
    return f"{case['source'][:28]}:{case['text'][:40]}"


@pytest.mark.parametrize("case", CASES["targets"], ids=_id)
def test_targets(case):
    doc = _doc(case)
    found = find_targets(doc)
    got = [[t.value_low, t.value_high, t.unit, t.comparator, t.direction] for t in found]
    want = [[float(a), float(b), u, c, d] for a, b, u, c, d in case["expect"]]
    assert got == want
    if "years" in case:
        assert [t.year for t in found] == case["years"]
    if "keys" in case:
        assert [t.indicator_key for t in found] == case["keys"]
    for t in found:
        assert doc.text[t.start:t.end] == t.text
        assert t.indicator


@pytest.mark.parametrize("case", CASES["not_targets"], ids=_id)
def test_not_targets(case):
    doc = _doc(case)
    assert [(t.text, t.value_low, t.unit) for t in find_targets(doc)] == []


@pytest.mark.parametrize("written, value", [
    ("1.370", 1370), ("43.000", 43000), ("10,5", 10.5), ("0,36", 0.36), ("1.219,11", 1219.11),
    ("100", 100), ("1.5", 1.5), ("10.000.000", 10_000_000), ("1,370,000", 1_370_000),
    ("một", 1), ("Hai", 2), ("mười", 10), ("1.2.3", None), ("", None), ("abc", None),
])
def test_parse_number(written, value):
    assert parse_number(written) == value


def test_indicator_key_of_common_indicators():
    # real indicator phrases (seed_000, seed_002, d12 gold files)
    assert indicator_key("tỷ lệ hộ dân được cung cấp nước sạch ở nông thôn") == "clean_water_rural"
    assert indicator_key("Tỷ lệ dân số đô thị được cung cấp nước sạch") == "clean_water_urban"
    assert indicator_key("Tỷ lệ thu gom, xử lý chất thải rắn ở đô thị") == "solid_waste_collection_urban"
    assert indicator_key("Tổng sản phẩm trên địa bàn (GRDP - giá hiện hành) bình quân đầu người") == "grdp_per_capita"
    assert indicator_key("Tỷ lệ lao động qua đào tạo") == "trained_labour_rate"
    assert indicator_key("Tỷ lệ đô thị hóa") == "urbanisation_rate"
    assert indicator_key("số bác sĩ", unit_norm="bác sĩ/vạn dân") == "doctors_per_10k"
    assert indicator_key("tỷ lệ cán bộ được phổ biến kiến thức về thiên tai") is None


def test_component_and_assignment_ids():
    # seed_000: the target sits inside item 11 ("Giao Sở Xây dựng …"), an assignment
    text = normalize(PREAMBLE + "11. Giao Sở Xây dựng chủ trì: phấn đấu trong năm 2025, phát triển 1.370 căn nhà ở xã hội.\n"
                     "12. Giao Sở Giáo dục và Đào tạo chủ trì.")
    doc = Doc(text=text)
    doc.meta.doc_type = "Chỉ thị"
    a_start = text.index("11.")
    a_end = text.index("12.")
    task = text.index("phấn đấu")
    doc.spans["assignments"] = [
        Assignment("12", a_end, len(text), "giao", [], [], a_end, len(text), ""),
        Assignment("11", a_start, a_end, "giao", [], [], task, a_end, text[task:a_end]),
    ]
    targets(doc)
    (t,) = doc.spans["targets"]
    assert (t.value_low, t.unit, t.year) == (1370, "căn", 2025)
    assert t.assignment_id == f"{doc.doc_id}:a1"   # ordinal in text order, as assignments.parquet


def test_citation_spans_are_not_targets():
    # a citation found by the citations component blocks the numbers inside it
    text = normalize(PREAMBLE + "Thực hiện Nghị quyết số 106/2023/QH15 quy định tỷ lệ 100% dự án; phấn đấu đạt 100% kế hoạch.")
    doc = Doc(text=text)
    doc.meta.doc_type = "Kế hoạch"

    class _Span:
        def __init__(self, start: int, end: int) -> None:
            self.start, self.end = start, end

    s = text.index("Nghị quyết")
    doc.spans["citations"] = [_Span(s, text.index(";"))]
    found = find_targets(doc)
    assert [t.value_low for t in found] == [100.0]
    assert found[0].start > text.index(";")


_FRAGMENTS = st.sampled_from([
    "đạt", "trên", "dưới", "ít nhất", "tối đa không quá", "từ", "trở lên", "tăng", "giảm", "còn",
    "phấn đấu", "mục tiêu", "năm 2025", "đến năm 2030", "tỷ lệ", "hộ", "xã", "%", "tỷ đồng", "km",
    "1.370", "10,5", "9,5 - 10", "(%)", " - ", ";", ",", ".", ":", "\n", "(", ")", "“", "”", "/",
    "một", "hai", "trường", "đồng", "Điều 5.", "II. CHỈ TIÊU", "0", "1e309", "99999999999999999999",
    "bác sĩ/vạn dân", "đạt 18,02", "(1/10.000)", "÷", "≥", "> ", "< ",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_FRAGMENTS, st.text(max_size=6)), max_size=40).map(" ".join),
       st.sampled_from([None, "Kế hoạch", "Nghị định"]))
def test_any_text_gives_exact_finite_spans(text, doc_type):
    doc = Doc(text=text)
    doc.meta.doc_type = doc_type
    for t in find_targets(doc):
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start:t.end] == t.text
        assert math.isfinite(t.value_low) and math.isfinite(t.value_high)
        assert t.value_low <= t.value_high
        assert t.comparator in {"=", ">=", ">", "<=", "<", "range"}
        assert t.direction in {"increase", "decrease", "level"}
