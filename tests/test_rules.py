"""pipeline/rules.py: the scanners (standard engine + first-character guard) of whole-document scans."""
from __future__ import annotations

import re

import pytest
import regex

from pipeline.extract.assignments import _rules as assignment_rules
from pipeline.extract.citation_rules import citation_rules
from pipeline.rules import first_chars, scan, scanner, with_first_char_guard


@pytest.mark.parametrize("pattern, ignore_case, expected", [
    (r"(?:[Gg]iao(?:\s+cho)?|GIAO)\s+", False, set("GgG")),
    (r"(?:a|b?)c", False, set("abc")),
    (r"\bĐiều\s+\d", False, {"Đ"}),
    (r"(?=[A-Z])Sở", False, {"S"}),           # a lookahead is skipped (a superset is safe)
    (r"[a-c]d", True, set("abcABC")),
    (r"x+y", False, {"x"}),
])
def test_first_chars(pattern, ignore_case, expected):
    assert first_chars(pattern, ignore_case) == frozenset(expected)


@pytest.mark.parametrize("pattern", [
    r"\w+", r"x*", r"[^a]b", r"(?i:giao)", r"\p{L}+", r"(?:a|)", r"[\d]x", "",
])
def test_no_guard_when_it_cannot_be_told(pattern):
    assert first_chars(pattern) is None
    assert with_first_char_guard(pattern) == pattern


def test_too_many_first_chars_no_guard():
    assert with_first_char_guard("[a-z]x") == "[a-z]x"


def test_scanner_falls_back_to_regex_syntax():
    p = scanner(r"\p{Lu}\w+")
    assert isinstance(p, regex.Pattern)
    assert [m.group(0) for m in scan(p, "giao Sở Y tế")] == ["Sở"]
    assert isinstance(scanner(r"(?:[Gg]iao)\s+"), re.Pattern)


# real sentences of the corpus: the guarded scan finds exactly what the bare rule pattern finds
SENTENCES = [
    "Giao Sở Y tế chủ trì, phối hợp với các cơ quan liên quan tổ chức thực hiện.",
    "Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam thành phố và các tổ chức chính trị - xã hội phối hợp.",
    "Yêu cầu Giám đốc các sở, Thủ trưởng các ban, ngành tập trung chỉ đạo.",
    "Chủ tịch UBND thành phố chỉ đạo các sở, ngành triển khai; GIAO Công an thành phố theo dõi.",
    "Kiến nghị Bộ Tài chính xem xét; giao cho Ủy ban nhân dân các quận, huyện báo cáo kết quả.",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Nghị quyết số 59-NQ/TW.",
    "Thực hiện Chỉ thị số 05/CT-TTg, Công điện số 226/CĐ-TTg và thông báo kết luận số 627/TB-VPCP.",
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_scanners_keep_every_match(sentence):
    cue = assignment_rules()
    assert cue.cue_scan.pattern.startswith("(?=[")
    assert [m.span() for m in scan(cue.cue_scan, sentence)] == [m.span() for m in cue.cue.finditer(sentence)]
    anchor = citation_rules().anchor_lower
    bare = regex.compile(anchor.pattern[anchor.pattern.index("])") + 5:-1], regex.V0)
    low = sentence.lower()
    assert [m.span() for m in scan(anchor, low)] == [m.span() for m in bare.finditer(low)]


def test_scanners_find_the_corpus_forms():
    found = [m.group(0) for s in SENTENCES for m in scan(citation_rules().anchor_lower, s.lower())]
    assert {"luật", "nghị quyết", "chỉ thị", "công điện", "thông báo kết luận"} <= set(found)
    cues = [m.group(0).strip() for s in SENTENCES for m in scan(assignment_rules().cue_scan, s)]
    assert {"Giao", "Đề nghị", "Yêu cầu", "GIAO", "Kiến nghị", "giao cho"} <= set(cues)
