"""`vanban eval` against a second, independent scorer (tests/independent_scorer.py, written from
GOLD.md alone): on real output for the dev gold and both held-out sets, every table's F1 agrees
within 0.05 (issue 8)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluate import evaluate

from .conftest import BULK, DEV, ROOT
from .independent_scorer import score

GOLD_SETS = {"dev": DEV, "heldout": ROOT / "tests" / "heldout", "heldout2": ROOT / "tests" / "heldout2"}
TABLES = ["citations", "assignments", "lead_agencies", "deadlines", "targets"]


def _sources(gold_dir: Path) -> list[str]:
    out = []
    for g in sorted(gold_dir.glob("*.gold.json")):
        name = g.name[: -len(".gold.json")]
        found = [p for base in (DEV, BULK) for p in base.glob(f"{name}.*") if not p.name.endswith(".gold.json")]
        assert found, f"no source for {g}"
        out.append(str(found[0]))
    return out


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    from pipeline.run import run

    out = tmp_path_factory.mktemp("eval-agreement")
    inputs = sorted({s for d in GOLD_SETS.values() for s in _sources(d)})
    summary = run(inputs, str(out), workers=2, progress=False)
    assert summary.documents == len(inputs)
    return out


@pytest.mark.parametrize("name", list(GOLD_SETS))
def test_eval_agrees_with_an_independent_scorer(output, name):
    ours = evaluate(str(GOLD_SETS[name]), str(output))
    theirs = score(GOLD_SETS[name], output)
    assert ours["documents_matched"] == len(list(GOLD_SETS[name].glob("*.gold.json")))
    for table in TABLES:
        assert abs(ours[table]["f1"] - theirs[table]) <= 0.05, (name, table, ours[table]["f1"], theirs[table])


def test_the_independent_scorer_can_tell_bad_output(output, tmp_path):
    """The check is not vacuous: output with every other assignment dropped scores lower."""
    import pyarrow.parquet as pq

    for table in ("documents", "citations", "targets"):
        pq.write_table(pq.read_table(output / f"{table}.parquet"), tmp_path / f"{table}.parquet")
    asg = pq.read_table(output / "assignments.parquet")
    pq.write_table(asg.take(list(range(0, asg.num_rows, 2))), tmp_path / "assignments.parquet")
    full, half = score(DEV, output), score(DEV, tmp_path)
    assert half["assignments"] < full["assignments"] - 0.2
    assert abs(evaluate(str(DEV), str(tmp_path))["assignments"]["f1"] - half["assignments"]) <= 0.05
