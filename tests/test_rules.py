"""pipeline/rules.py: the first-character guard put in front of whole-document scans."""
from __future__ import annotations

import pytest
import regex

from pipeline.extract.assignments import _rules as assignment_rules
from pipeline.rules import first_chars, with_first_char_guard


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


# real sentences of the corpus: the guarded cue scan finds exactly what the bare one finds
SENTENCES = [
    "Giao Sở Y tế chủ trì, phối hợp với các cơ quan liên quan tổ chức thực hiện.",
    "Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam thành phố và các tổ chức chính trị - xã hội phối hợp.",
    "Yêu cầu Giám đốc các sở, Thủ trưởng các ban, ngành tập trung chỉ đạo.",
    "Chủ tịch UBND thành phố chỉ đạo các sở, ngành triển khai; GIAO Công an thành phố theo dõi.",
    "Kiến nghị Bộ Tài chính xem xét; giao cho Ủy ban nhân dân các quận, huyện báo cáo kết quả.",
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_guard_keeps_every_match(sentence):
    cue = assignment_rules().cue
    assert cue.pattern.startswith("(?=[")
    bare = regex.compile(cue.pattern[cue.pattern.index("])") + 2:])
    assert [m.span() for m in cue.finditer(sentence)] == [m.span() for m in bare.finditer(sentence)]
    assert list(cue.finditer(sentence))
