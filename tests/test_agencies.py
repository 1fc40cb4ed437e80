"""Agency lists, mentions, canonical and current names (pipeline/extract/agencies.py).

Cases are real sentences from ../shared/corpus (dev gold documents and bulk), kept as data in
tests/cases/agencies.yaml; each names its source.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.agencies import (
    canonical_name,
    current_name,
    find_agencies,
    parse_agency_list,
    title_name,
)

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "agencies.yaml").read_text(encoding="utf-8"))


def _id(case: dict) -> str:
    return f"{case['source'][:24]}:{case['text'][:40]}"


@pytest.mark.parametrize("case", CASES["lists"], ids=_id)
def test_parse_agency_list(case):
    text = case["text"]
    mentions, end = parse_agency_list(text, 0, len(text))
    for m in mentions:
        assert text[m.start:m.end] == m.raw
    assert [[m.raw, m.canonical] for m in mentions] == case["expect"]
    assert text[end:].startswith(case["task"])


@pytest.mark.parametrize("case", CASES["no_list"], ids=_id)
def test_no_agency_list(case):
    text = case["text"]
    assert parse_agency_list(text, 0, len(text)) == ([], 0)


def test_list_inside_a_document_uses_offsets_of_the_document():
    # seed_000_ct_cantho_2025 item 7, parsed in place after its marker
    text = ("6. Giao Sở Công Thương chủ trì.\n7. Sở Giao thông vận tải phối hợp cơ quan, đơn vị có "
            "liên quan và UBND quận, huyện tập trung nguồn lực, tổ chức triển khai")
    pos = text.index("Sở Giao")
    lead, end = parse_agency_list(text, pos, len(text))
    assert [m.canonical for m in lead] == ["Sở Giao thông vận tải"]
    assert lead[0].current == "Sở Xây dựng"
    assert text[end:].startswith("phối hợp")
    co, end2 = parse_agency_list(text, end + len("phối hợp "), len(text))
    assert [m.canonical for m in co] == ["cơ quan, đơn vị có liên quan", "Ủy ban nhân dân quận, huyện"]
    assert text[end2:].startswith("tập trung nguồn lực")
    assert all(text[m.start:m.end] == m.raw for m in lead + co)


def test_limit_is_respected():
    text = "Sở Y tế, Sở Tài chính chủ trì"
    mentions, end = parse_agency_list(text, 0, len("Sở Y tế"))
    assert [m.raw for m in mentions] == ["Sở Y tế"]
    assert end <= len("Sở Y tế")


def test_list_stops_at_the_next_item():
    # d01_ct_09_ubnd item 4: the header names the agency, its tasks are the lettered items
    text = "4. Sở Nông nghiệp và Môi trường\n\na) Tăng cường công tác tuyên truyền"
    mentions, end = parse_agency_list(text, 3, len(text))
    assert [m.canonical for m in mentions] == ["Sở Nông nghiệp và Môi trường"]
    assert end <= text.index("a)")


def test_kinds():
    text = ("Bộ trưởng, Thủ trưởng cơ quan ngang bộ, Chủ tịch Ủy ban nhân dân các tỉnh, thành phố "
            "trực thuộc trung ương, các tổ chức, cá nhân có liên quan chịu trách nhiệm")  # p01_nq_105_cp Điều 3
    mentions, _ = parse_agency_list(text, 0, len(text))
    assert [m.kind for m in mentions] == ["head", "collective", "named", "collective"]
    text = "Các tỉnh Nghệ An, Quảng Ngãi khẩn trương"  # d13_tb_627_vpcp III.3.a
    mentions, _ = parse_agency_list(text, 0, len(text))
    assert {m.kind for m in mentions} == {"locality"}


@pytest.mark.parametrize("case", CASES["finds"], ids=_id)
def test_find_agencies(case):
    text = case["text"]
    found = find_agencies(text, 0, len(text))
    for m in found:
        assert text[m.start:m.end] == m.raw
    assert [m.canonical for m in found] == case["expect"]


def test_find_agencies_in_a_sub_span():
    text = "Giao Sở Y tế chủ trì, phối hợp với Sở Tài chính và các địa phương thực hiện."
    start = text.index("phối hợp với") + len("phối hợp với")
    found = find_agencies(text, start, len(text))
    assert [m.canonical for m in found] == ["Sở Tài chính", "các địa phương"]
    assert all(start <= m.start and text[m.start:m.end] == m.raw for m in found)


@pytest.mark.parametrize("raw,canonical", CASES["canonical"])
def test_canonical_name(raw, canonical):
    assert canonical_name(raw) == canonical


@pytest.mark.parametrize("canonical,current", CASES["current"])
def test_current_name(canonical, current):
    assert current_name(canonical) == current


@pytest.mark.parametrize("text,name", CASES["titles"])
def test_title_name(text, name):
    assert title_name(text) == name


# --- properties ------------------------------------------------------------------------------

_WORDS = ["Sở", "Bộ", "Ủy", "ban", "nhân", "dân", "UBND", "các", "tỉnh", "thành", "phố", "Y", "tế",
          "Tài", "chính", "và", "chủ", "trì", "phối", "hợp", "với", "Giám", "đốc", "Chủ", "tịch",
          "cơ", "quan", "đơn", "vị", "liên", "quan", "Hà", "Nội", "Bộ:", ",", ";", ":", "(", ")",
          "\n", "\n\n", "a)", "1.", "-", "Công", "an", "đồng", "chí", "Thủ", "trưởng", "TP.", "x"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=30), st.integers(0, 40), st.integers(0, 60))
def test_any_text_parses_with_exact_spans(words, pos, span):
    text = " ".join(words)
    pos = min(pos, len(text))
    limit = min(len(text), pos + span)
    mentions, end = parse_agency_list(text, pos, limit)
    assert pos <= end <= max(pos, limit)
    for m in mentions:
        assert pos <= m.start < m.end <= limit
        assert text[m.start:m.end] == m.raw
        assert m.canonical.strip() == m.canonical and m.canonical
    for m in find_agencies(text, pos, limit):
        assert pos <= m.start < m.end <= limit
        assert text[m.start:m.end] == m.raw


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_unicode_never_raises(text):
    mentions, end = parse_agency_list(text, 0, len(text))
    assert 0 <= end <= len(text)
    for m in mentions + find_agencies(text, 0, len(text)):
        assert text[m.start:m.end] == m.raw
    canonical_name(text)
    current_name(text)
