"""Assignments on real items of the corpus (tests/cases/assignments.yaml), plus the dev gold
documents end to end and a property test on any text."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.components import run_components
from pipeline.document import Doc
from pipeline.extract.assignments import find_assignments
from pipeline.normalize import normalize

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "assignments.yaml").read_text(encoding="utf-8"))["cases"]


def _annotate(case: dict) -> Doc:
    doc = Doc(text=normalize(case["text"], hard_wrapped=False))
    run_components(doc, only=("header", "outline"))
    if case.get("issue_date"):
        doc.meta.issue_date = dt.date.fromisoformat(str(case["issue_date"]))
    if case.get("doc_type"):
        doc.meta.doc_type = case["doc_type"]
    run_components(doc, only=("citations", "deadlines", "assignments"))
    return doc


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_assignment_cases(case):
    doc = _annotate(case)
    got = doc.spans["assignments"]
    assert len(got) == len(case["expect"]), [(a.section, [m.canonical for m in a.lead], a.task[:40]) for a in got]
    for a, want in zip(got, case["expect"]):
        assert a.section == str(want["section"])
        if "mode" in want:
            assert a.mode == want["mode"]
        assert [m.canonical for m in a.lead] == want["lead"]
        if "co" in want:
            assert [m.canonical for m in a.co] == want["co"]
        assert a.task.startswith(want["task"]), a.task
        if "deadline" in want:
            expected = want["deadline"]
            assert (a.deadline.date if a.deadline else None) == (dt.date.fromisoformat(str(expected)) if expected else None)
        if "recurrence" in want:
            assert a.recurrence == want["recurrence"]
        # offsets point into the text: the item holds its task, the task is the text between
        assert a.start <= a.task_start < a.task_end <= a.end
        assert " ".join(doc.text[a.task_start:a.task_end].split()) == a.task
        for m in a.lead + a.co:
            assert doc.text[m.start:m.end] == m.raw


_PIECES = list("1234567890abcđ.,;:()-+\n ") + [
    "Giao ", "Sở Y tế ", "Bộ Tài chính ", "chủ trì, phối hợp với ", "a) ", "1. ", "UBND tỉnh ",
    "trước ngày 15/12/2025 ", "Cơ quan chủ trì: ", "các sở, ban, ngành ", "Đề nghị ", "có trách nhiệm "]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=120).map("".join))
def test_any_text_gives_exact_spans(text):
    doc = Doc(text=normalize(text))
    run_components(doc, only=("header", "outline", "citations", "deadlines"))
    for a in find_assignments(doc):
        assert 0 <= a.start <= a.task_start <= a.task_end <= a.end <= len(doc.text)
        for m in a.lead + a.co:
            assert doc.text[m.start:m.end] == m.raw
        if a.deadline:
            assert doc.text[a.deadline.start:a.deadline.end] == a.deadline.text
