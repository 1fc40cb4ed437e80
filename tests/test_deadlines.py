"""Deadlines and recurrences (pipeline/extract/deadlines.py) on real sentences of the corpus.

The cases live in tests/cases/deadlines.yaml, each with the file it comes from.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import Doc
from pipeline.extract.deadlines import (
    DeadlinePhrase, deadline_for_task, deadlines_component, find_deadlines, find_recurrences,
    pick_deadline, recurrence_of)
from pipeline.models import Citation, Deadline, Section

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "deadlines.yaml").read_text(encoding="utf-8"))
from .conftest import SHARED

CORPUS = SHARED / "corpus"


def _date(v) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v))


def _run(case: dict, **kw) -> list[DeadlinePhrase]:
    issue = _date(case.get("issue_date"))
    return find_deadlines(case["text"], issue_date=issue, doc_year=issue.year if issue else None, **kw)


def _check(found: list[DeadlinePhrase], case: dict) -> None:
    text = case["text"]
    got = [(d.text, d.date) for d in found]
    want = [(e["text"], _date(e["date"])) for e in case["expect"]]
    assert got == want, case["source"]
    for d, e in zip(found, case["expect"]):
        assert text[d.start:d.end] == d.text
        for key in ("kind", "recurrence", "strength"):
            if key in e:
                assert getattr(d, key) == e[key], (case["source"], d.text, key)


@pytest.mark.parametrize("case", CASES["find"], ids=lambda c: f'{c["source"][:24]}:{c["text"][:40]}')
def test_find_deadlines(case):
    _check(_run(case), case)


@pytest.mark.parametrize("case", CASES["field"], ids=lambda c: f'{c["source"][:24]}:{c["text"][:30]}')
def test_field_values(case):
    _check(_run(case, field_value=True), case)


@pytest.mark.parametrize("case", CASES["pick"], ids=lambda c: f'{c["source"][:24]}:{c["text"][:40]}')
def test_pick_deadline(case):
    found = _run(case)
    picked = pick_deadline(found, 0, len(case["text"]))
    if case["expect"] is None:
        assert picked is None, picked
    else:
        assert picked is not None
        assert (picked.text, picked.date) == (case["expect"]["text"], _date(case["expect"]["date"]))


@pytest.mark.parametrize("case", CASES["recurrence"], ids=lambda c: f'{c["source"][:24]}:{c["text"][:40]}')
def test_recurrence(case):
    rec = recurrence_of(case["text"])
    assert (rec[0] if rec else None) == case["expect"], case["source"]
    if rec:
        assert 0 <= rec[1] < rec[2] <= len(case["text"])


def test_bare_periods_need_a_field_or_a_cell():
    # p01 (c_nghi-quyet-so-105): the time column of the task table holds bare periods
    assert find_deadlines("Thực hiện quản lý, sử dụng hiệu quả tài sản công Năm 2026 và các năm sau") == []
    table = "Các bộ, ngành, cơ quan liên quan\nCấp có thẩm quyền\nQuý II/2026\n4\nBan hành các quy định"
    cells = find_deadlines(table, issue_date=dt.date(2026, 4, 8))
    assert [(d.text, d.date, d.strength) for d in cells] == [("Quý II/2026", dt.date(2026, 6, 30), 1)]
    # a column head without a year ("Quý\nI" in a statistics form) is not a cell deadline
    assert find_deadlines("Năm báo cáo\nQuý\nI\nQuý\nII\n", issue_date=dt.date(2026, 4, 8)) == []


def test_strength_orders_the_pick():
    # d13: "trong năm 2025" (period) loses to an explicit "trước ngày" later in the same task
    text = ("đẩy nhanh tiến độ trong năm 2025 và báo cáo Phó Thủ tướng Trần Hồng Hà trước ngày 15 tháng 11 "
            "năm 2025.")
    found = find_deadlines(text, issue_date=dt.date(2025, 11, 1))
    assert [d.strength for d in found] == [2, 3]
    assert pick_deadline(found, 0, len(text)).text == "trước ngày 15 tháng 11 năm 2025"
    # outside the task: not picked
    assert pick_deadline(found, 0, found[0].start) is None


def test_relative_deadlines_need_the_issue_date():
    # "trong 10 ngày kể từ ngày ký" computed from the issue date, null without it
    text = "Thông tư này có hiệu lực thi hành sau 45 ngày kể từ ngày ký."  # c_thong-tu-so-15-2023
    assert find_deadlines(text)[0].date is None
    assert find_deadlines(text, issue_date=dt.date(2023, 12, 26))[0].date == dt.date(2024, 2, 9)
    # working days skip weekends: 26/12/2023 is a Tuesday, 5 working days later is Tuesday 2/1/2024
    text = "trong thời hạn 05 ngày làm việc kể từ ngày ban hành."  # c_thong-tu (Điều 21)
    assert find_deadlines(text, issue_date=dt.date(2023, 12, 26))[0].date == dt.date(2024, 1, 2)


def test_yearless_dates_take_the_document_year_or_the_next():
    text = "báo cáo kết quả về Sở Nông nghiệp và Môi trường chậm nhất ngày 17 tháng 12."  # t_bffd9da6f0d3
    assert find_deadlines(text, issue_date=dt.date(2025, 11, 20))[0].date == dt.date(2025, 12, 17)
    assert find_deadlines(text)[0].date is None
    text = "hoàn thành trước ngày 15/01."
    assert find_deadlines(text, issue_date=dt.date(2025, 11, 20))[0].date == dt.date(2026, 1, 15)


def test_before_a_period_ends_the_period_before():
    text = "các bộ, ngành hoàn thành trước năm 2030"
    assert find_deadlines(text)[0].date == dt.date(2029, 12, 31)
    text = "hoàn thành trước quý III/2026"
    assert find_deadlines(text)[0].date == dt.date(2026, 6, 30)


def test_offsets_are_absolute_and_limited_to_the_range():
    text = "Mở đầu. hoàn thành trong năm 2025. Kết thúc: trước ngày 31/12/2026."
    k = text.index("Kết")
    found = find_deadlines(text, k, len(text))
    assert [(d.start, d.text) for d in found] == [(text.index("trước"), "trước ngày 31/12/2026")]


def test_component_skips_citations_and_covers_appendices():
    # d03 (Kế hoạch 153): the programme period; then an appendix after the signature
    body = "3. Thời gian thực hiện\nChương trình: Từ năm 2025 đến hết năm 2030.\n"
    sign = "Nơi nhận:\n- Như trên;\n"
    appendix = "PHỤ LỤC\n1 Rà soát quy định | Bộ Nội vụ | Quý II/2026\n"
    text = body + sign + appendix
    doc = Doc(text=text)
    doc.meta.issue_date = dt.date(2025, 11, 17)
    doc.meta.body_end = len(body)
    k = len(body) + len(sign)
    doc.set_sections([Section("PL", "PL", 1, "PHỤ LỤC", k, len(text), "appendix")])
    deadlines_component(doc)
    assert [d.text for d in doc.spans["deadlines"]] == ["Từ năm 2025 đến hết năm 2030", "Quý II/2026"]
    doc.spans["citations"] = [Citation(body.index("Chương"), len(body) - 1, "", "Chương trình")]
    deadlines_component(doc)
    assert [d.text for d in doc.spans["deadlines"]] == ["Quý II/2026"]
    for d in doc.spans["deadlines"]:
        assert isinstance(d, Deadline) and text[d.start:d.end] == d.text


def test_deadline_for_task_gives_deadline_and_recurrence():
    # seed_000 closing paragraph: monthly reporting, no deadline; 15: "cuối năm 2025"
    text = ("Tăng cường kiểm tra, theo dõi, giám sát thường xuyên tiến độ; định kỳ hàng tháng, quý, báo cáo "
            "kết quả về Sở Kế hoạch và Đầu tư để tổng hợp.\nphấn đấu cuối năm 2025, tỷ lệ thu gom đạt 100%.")
    doc = Doc(text=text)
    k = text.index("\n")
    assert deadline_for_task(doc, 0, k) == (None, "monthly")
    deadlines_component(doc)
    deadline, rec = deadline_for_task(doc, k + 1, len(text))
    assert (deadline.text, deadline.date, rec) == ("cuối năm 2025", dt.date(2025, 12, 31), None)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_case_texts_are_real():
    """Every case text is a passage of the source file it names (compared with whitespace collapsed:
    the sources are hard-wrapped, the cases are normalized text)."""
    cache: dict[str, str] = {}
    for section in ("find", "field", "pick", "recurrence"):
        for case in CASES[section]:
            src = case["source"]
            if src not in cache:
                path = next((CORPUS / d / src for d in ("dev", "bulk") if (CORPUS / d / src).exists()), None)
                if path is None:
                    pytest.skip(f"{src} not in the corpus")
                cache[src] = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
            assert " ".join(case["text"].split()) in cache[src], (section, src, case["text"][:60])


_WORDS = ["trước", "ngày", "chậm nhất", "trong", "năm", "quý", "tháng", "hằng", "hàng", "cuối", "đến hết",
          "từ", "đến", "vào", "kể từ ngày ký", "ngày làm việc", "IV", "II", "I", "6", "15", "31", "12",
          "2025", "2026", "1999", "/", "-", ",", ".", "\n", "Thời hạn hoàn thành:", "định kỳ", "một lần",
          "đầu", "nay", "giai đoạn", "0", "99", "(", ")", "hoàn thành", "thông xe", "của", "sau"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200),
                 st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join)),
       st.booleans(), st.booleans())
def test_any_text_gives_exact_spans_and_valid_dates(text, field, with_issue):
    issue = dt.date(2025, 11, 20) if with_issue else None
    found = find_deadlines(text, issue_date=issue, doc_year=2025 if with_issue else None, field_value=field)
    last_end = -1
    for d in found:
        assert 0 <= d.start < d.end <= len(text)
        assert text[d.start:d.end] == d.text
        assert d.start >= last_end  # sorted, no overlaps
        last_end = d.end
        assert d.date is None or (isinstance(d.date, dt.date) and d.date.year >= 2000)
        assert d.recurrence in (None, "daily", "weekly", "monthly", "quarterly", "semiannual", "yearly")
        assert d.strength in (1, 2, 3)
    for rec, s, e in find_recurrences(text):
        assert 0 <= s < e <= len(text)
        assert rec in ("daily", "weekly", "monthly", "quarterly", "semiannual", "yearly")
