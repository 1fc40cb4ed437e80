"""Citations: table-driven cases from real documents (tests/cases/citations.yaml), eyecite style,
plus keys, linking, the component, and property tests on arbitrary text."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import Doc
from pipeline.extract.citations import (
    citation_key,
    citation_keys_for_document,
    citations,
    find_citations,
    link_citations,
    normalize_number,
)

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "citations.yaml").read_text(encoding="utf-8"))
FIELDS = ("text", "cited_type", "cited_number", "cited_date", "cited_issuer", "cited_title", "relation",
          "cited_key", "cited_term")


def _value(c, field):
    v = getattr(c, field)
    return v.isoformat() if isinstance(v, dt.date) else v


def _row(c, wanted: dict) -> dict:
    """The fields a case states (a missing optional field means null, except relation/key/term)."""
    out = {}
    for f in FIELDS:
        if f in wanted or f in ("cited_number", "cited_date", "cited_issuer", "cited_title"):
            out[f] = _value(c, f)
    return out


def _expected(wanted: dict) -> dict:
    out = {}
    for f in FIELDS:
        if f in wanted:
            v = wanted[f]
            out[f] = v.isoformat() if isinstance(v, dt.date) else v
        elif f in ("cited_number", "cited_date", "cited_issuer", "cited_title"):
            out[f] = None
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['source']}" for i, c in enumerate(CASES)])
def test_case(case):
    text = case["text"]
    got = find_citations(Doc(text=text))
    for c in got:
        assert text[c.start:c.end] == c.text
    expect = case.get("expect") or []
    assert [_row(c, w) for c, w in zip(got, expect)] == [_expected(w) for w in expect]
    assert len(got) == len(expect), [c.text for c in got]


def test_enough_cases():
    assert len(CASES) >= 150
    assert len({c["source"] for c in CASES}) >= 20


# --- numbers and keys --------------------------------------------------------------------------

@pytest.mark.parametrize("spellings", [
    ["59-NQ/TW", "59- NQ/TW", "59 -NQ/TW", "59-\nNQ/TW"],
    ["78/2021/NĐ-CP", "78/2021/NĐ -CP", "78/2021/ND-CP", "78/2021/\u00d0-CP".replace("\u00d0", "N\u00d0"),
     "78/2021/ NĐ-CP"],
    ["9512/TTr-SNN-CCTL", "9512/TTr- SNN-CCTL"],
    ["27/CT-TTg", "27/CT-TTG"],
    ["64/2023/NĐ-CP", "64//2023/NĐ-CP"],
])
def test_number_spellings_share_one_key(spellings):
    keys = {citation_key("Nghị định", normalize_number(s), None) for s in spellings}
    assert len(keys) == 1


@pytest.mark.parametrize("text, key", [
    # d12_qd_2853_ubnd: the PDF producer's space inside the code
    ("theo Nghị định số 78/2021/NĐ -CP ngày 01 tháng 8 năm 2021", "Nghị định 78/2021/NĐ-CP"),
    ("theo Nghị định số 78/2021/ND-CP ngày 01 tháng 8 năm 2021", "Nghị định 78/2021/NĐ-CP"),
    ("thực hiện Nghị quyết số 59-\nNQ/TW của Bộ Chính trị", "Nghị quyết 59-NQ/TW"),
    ("theo Luật Phòng chống thiên tai", "Luật Phòng, chống thiên tai"),
    ("theo Luật phòng, chống thiên tai", "Luật Phòng, chống thiên tai"),
    ("theo Luật Thuỷ sản", "Luật Thủy sản"),
])
def test_key_is_the_same_for_every_spelling(text, key):
    (c,) = find_citations(Doc(text=text))
    assert c.cited_key == key


def test_keys_for_a_document_of_the_run():
    assert citation_keys_for_document("Quyết định", "2853/QĐ-UBND") == ["Quyết định 2853/QĐ-UBND"]
    assert citation_keys_for_document("Luật", "31/2024/QH15", "ĐẤT ĐAI") == ["Luật 31/2024/QH15", "Luật Đất đai"]
    assert citation_keys_for_document(None, "1/QĐ") == []


def test_link_citations_uses_year_and_issuer_when_a_number_repeats():
    docs = [
        {"doc_id": "a", "doc_type": "Kết luận", "doc_number": "42-KL/TW", "issue_date": "2018-11-01", "issuer": "Bộ Chính trị"},
        {"doc_id": "b", "doc_type": "Kết luận", "doc_number": "42-KL/TW", "issue_date": "2022-10-20", "issuer": "Ban Chấp hành Trung ương"},
        {"doc_id": "c", "doc_type": "Chỉ thị", "doc_number": "01/CT-UBND", "issue_date": "2025-01-07", "issuer": "Ủy ban nhân dân thành phố Cần Thơ"},
        {"doc_id": "d", "doc_type": "Luật", "doc_number": None, "title": "Đất đai", "issue_date": None, "issuer": "Quốc hội"},
    ]
    rows = [
        {"doc_id": "x", "cited_key": "Kết luận 42-KL/TW", "cited_date": dt.date(2022, 10, 20), "cited_issuer": None},
        {"doc_id": "x", "cited_key": "Kết luận 42-KL/TW", "cited_date": None, "cited_issuer": None},
        {"doc_id": "x", "cited_key": "Chỉ thị 01/CT-UBND", "cited_date": None, "cited_issuer": "Ủy ban nhân dân thành phố"},
        {"doc_id": "x", "cited_key": "Chỉ thị 01/CT-UBND", "cited_date": None, "cited_issuer": "Ủy ban nhân dân tỉnh Hậu Giang"},
        {"doc_id": "c", "cited_key": "Chỉ thị 01/CT-UBND", "cited_date": None, "cited_issuer": None},
        {"doc_id": "x", "cited_key": "Luật Đất đai", "cited_date": None, "cited_issuer": None},
    ]
    assert link_citations(rows, docs) == ["b", None, "c", None, None, "d"]


# --- the component and the document's own number ------------------------------------------------

def test_component_stores_the_layer_and_skips_the_own_number():
    text = ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ CẦN THƠ\nSố: 09/CT-UBND\nCần Thơ, ngày 18 tháng 11 năm 2025\n"
            "CHỈ THỊ\nVề tăng cường công tác quản lý tài nguyên nước\n"
            "Thực hiện Chỉ thị số 09/CT-UBND, các sở triển khai Luật Tài nguyên nước năm 2023. Chỉ thị này "
            "có hiệu lực kể từ ngày ký.")
    doc = Doc(text=text)
    citations(doc)
    got = doc.spans["citations"]
    assert [c.text for c in got] == ["Luật Tài nguyên nước năm 2023"]


def test_header_number_span_is_not_a_citation():
    text = "Quyết định số 12/QĐ-UBND ngày 1/2/2025 về việc thực hiện Quyết định số 7/QĐ-TTg"
    doc = Doc(text=text)
    doc.meta.number_span = (0, 24)
    assert [c.cited_number for c in find_citations(doc)] == ["7/QĐ-TTg"]


def test_title_carried_out_is_implements():
    # seed_002_ctr_cantho_kl42: the programme's title names the conclusion it carries out
    text = ("CHƯƠNG TRÌNH\n\nthực hiện Kết luận số 42-KL/TW ngày 20/10/2022\n\n"
            "Hội nghị lần thứ sáu Ban Chấp hành Trung ương Đảng khóa XIII\n"
            "1. Tuyên truyền Kết luận số 42-KL/TW.")
    got = find_citations(Doc(text=text))
    assert [(c.cited_number, c.relation) for c in got] == [("42-KL/TW", "implements"), ("42-KL/TW", "mentions")]


def test_abbreviation_keeps_the_relation_of_what_it_abbreviates():
    # p01_nq_105_cp
    text = ("Căn cứ Kết luận số 210-KL/TW ngày 12 tháng 11 năm 2025 của Ban Chấp hành Trung ương Đảng khóa "
            "XIII về tiếp tục xây dựng, hoàn thiện tổ chức bộ máy của hệ thống chính trị trong thời gian tới "
            "(sau đây viết tắt là Kết luận số 210-KL/TW), Chính phủ ban hành Chương trình hành động thực "
            "hiện Kết luận số 210-KL/TW như sau:")
    got = find_citations(Doc(text=text))
    assert [c.relation for c in got] == ["basis", "basis", "implements"]
    assert got[0].cited_term == "khóa XIII"
    assert got[0].cited_issuer == "Ban Chấp hành Trung ương Đảng"


# --- properties ---------------------------------------------------------------------------------

_PIECES = st.sampled_from([
    "Nghị quyết", "số", " ", "\n", "59-NQ/TW", "45/2022/QH15", "ngày", "05 tháng 8 năm 2020", "12/6/2025",
    "của", "Bộ Chính trị", "UBND tỉnh", "Luật", "Đất đai", "“", "”", "\"", "(", ")", "khóa XIII", ",", ";",
    "và", "các", "Kết luận", "văn bản", "Đề án", "Hiến pháp", "Luật sửa đổi, bổ sung một số điều của",
    "Ban Chỉ đạo", "về", "Căn cứ", "Thay thế", "thực hiện", "Chương trình hành động", "CHỈ THỊ", "Số:",
    "Ð", "QD", "- ", "/", "sau đây viết tắt là", "Phụ lục I", "Điều 1.", "a)", "năm 2023", "İ",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map(" ".join))
def test_any_assembled_text_gives_consistent_spans(text):
    for c in find_citations(Doc(text=text)):
        assert text[c.start:c.end] == c.text
        assert 0 <= c.start < c.end <= len(text)
        assert c.cited_key.startswith(c.cited_type)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_no_exception(text):
    for c in find_citations(Doc(text=text)):
        assert text[c.start:c.end] == c.text
