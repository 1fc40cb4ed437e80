"""`vanban export`: one file per table (jsonl, csv) and the task-tracker sheet, on real output."""
from __future__ import annotations

import csv
import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline import schema
from pipeline.cli import main
from pipeline.export import (STATUS_DUE_SOON, STATUS_NO_DEADLINE, STATUS_NOT_YET_DUE, STATUS_OVERDUE,
                             TRACKER_COLUMNS, status)

from .conftest import ROOT
from .fixtures_tables import data_dir, dataset_dir, tables_dir  # noqa: F401  (fixtures)

LIST_COLUMNS = {t: [c.name for c in cols if c.type == schema.LIST_STR] for t, cols in schema.TABLES.items()}
DATE_COLUMNS = {t: [c.name for c in cols if str(c.type) == "date32[day]"] for t, cols in schema.TABLES.items()}


def frame(data, table) -> pd.DataFrame:
    return pd.read_parquet(data / f"{table}.parquet")


def cli(*args):
    return CliRunner().invoke(main, list(args))


def _iso(v):
    return None if v is None or v != v else v.isoformat()


def test_csv_one_file_per_table(data_dir, tmp_path):
    out = tmp_path / "csv"
    res = cli("export", "--data", str(data_dir), "--format", "csv", "--out", str(out))
    assert res.exit_code == 0, res.output
    for t in schema.TABLE_NAMES:
        with open(out / f"{t}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        ref = frame(data_dir, t)
        assert len(rows) == len(ref)
        assert list(csv.reader(open(out / f"{t}.csv", encoding="utf-8")))[0] == list(ref.columns)
        for row, (_, r) in zip(rows, ref.iterrows()):
            for c in LIST_COLUMNS[t]:
                assert json.loads(row[c]) == list(r[c])
            for c in DATE_COLUMNS[t]:
                assert row[c] == (_iso(r[c]) or "")


def test_jsonl_one_file_per_table(data_dir, tmp_path):
    out = tmp_path / "jsonl"
    res = cli("export", "--data", str(data_dir), "--format", "jsonl", "--out", str(out))
    assert res.exit_code == 0, res.output
    for t in schema.TABLE_NAMES:
        lines = (out / f"{t}.jsonl").read_text(encoding="utf-8").splitlines()
        ref = frame(data_dir, t)
        assert len(lines) == len(ref)
        for line, (_, r) in zip(lines, ref.iterrows()):
            obj = json.loads(line)
            assert list(obj) == list(ref.columns)
            for c in LIST_COLUMNS[t]:
                assert obj[c] == list(r[c])
            for c in DATE_COLUMNS[t]:
                assert obj[c] == _iso(r[c])
    docs = [json.loads(x) for x in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["text"] for d in docs] == list(frame(data_dir, "documents")["text"])


def test_export_only_named_tables(tables_dir, tmp_path):
    res = cli("export", "--data", str(tables_dir), "--format", "jsonl", "--table", "citations", "--out", str(tmp_path))
    assert res.exit_code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["citations.jsonl"]


@pytest.mark.parametrize("deadline, as_of, expected", [
    (None, dt.date(2025, 6, 1), STATUS_NO_DEADLINE),
    (dt.date(2025, 5, 31), dt.date(2025, 6, 1), STATUS_OVERDUE),
    (dt.date(2025, 6, 1), dt.date(2025, 6, 1), STATUS_DUE_SOON),     # due today is not overdue
    (dt.date(2025, 7, 1), dt.date(2025, 6, 1), STATUS_DUE_SOON),     # 30 days ahead
    (dt.date(2025, 7, 2), dt.date(2025, 6, 1), STATUS_NOT_YET_DUE),  # 31 days ahead
    (dt.date(2025, 12, 31), dt.date(2025, 6, 1), STATUS_NOT_YET_DUE),
])
def test_status(deadline, as_of, expected):
    assert status(deadline, as_of) == expected


@pytest.mark.parametrize("as_of", ["2025-01-01", "2025-12-15", "2026-02-01"])
def test_tracker_rows(tables_dir, tmp_path, as_of):
    out = tmp_path / "tracker.csv"
    res = cli("export", "--data", str(tables_dir), "--format", "tracker", "--as-of", as_of, "--out", str(out))
    assert res.exit_code == 0, res.output
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        assert fh.seek(0) == 0 and next(csv.reader(fh)) == [c for c, _ in TRACKER_COLUMNS]
    a = frame(tables_dir, "assignments")
    docs = frame(tables_dir, "documents").set_index("doc_id")
    assert [r["assignment_id"] for r in rows] == list(a["assignment_id"])
    day = dt.date.fromisoformat(as_of)
    for row, (_, ref) in zip(rows, a.iterrows()):
        assert row["lead_agencies"] == "; ".join(ref["lead_agencies"])
        assert row["co_agencies"] == "; ".join(ref["co_agencies"])
        assert row["deadline"] == (_iso(ref["deadline"]) or "")
        assert row["status"] == status(ref["deadline"], day)
        assert row["days_left"] == ("" if ref["deadline"] is None else str((ref["deadline"] - day).days))
        assert row["source_path"] == docs.loc[ref["doc_id"], "source_path"]
        assert row["doc_type"] == (docs.loc[ref["doc_id"], "doc_type"] or "")
        assert row["as_of"] == as_of


def test_tracker_default_as_of_today_and_folder_out(tables_dir, tmp_path):
    res = cli("export", "--data", str(tables_dir), "--format", "tracker", "--out", str(tmp_path))
    assert res.exit_code == 0
    rows = list(csv.DictReader(open(tmp_path / "tracker.csv", encoding="utf-8", newline="")))
    assert len(rows) == len(frame(tables_dir, "assignments"))
    assert all(r["as_of"] == dt.date.today().isoformat() for r in rows)


def test_tracker_columns_are_documented():
    doc = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    for column, _ in TRACKER_COLUMNS:
        assert f"\n| {column} |" in doc, column
    for value in (STATUS_OVERDUE, STATUS_DUE_SOON, STATUS_NOT_YET_DUE, STATUS_NO_DEADLINE):
        assert value in doc


def test_bom_for_spreadsheets(tables_dir, tmp_path):
    res = cli("export", "--data", str(tables_dir), "--format", "tracker", "--bom", "--as-of", "2025-01-01",
              "--out", str(tmp_path / "t.csv"))
    assert res.exit_code == 0 and (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbfassignment_id,")


def test_export_errors_and_usage(tables_dir, tmp_path):
    assert cli("export", "--data", str(tables_dir), "--format", "csv", "--as-of", "2025-01-01",
               "--out", str(tmp_path)).exit_code == 2
    assert cli("export", "--data", str(tables_dir), "--format", "xml", "--out", str(tmp_path)).exit_code == 2
    assert cli("export", "--data", str(tables_dir), "--format", "tracker", "--as-of", "1/2/2025",
               "--out", str(tmp_path)).exit_code == 2
    assert cli("export", "--data", str(tables_dir), "--format", "csv").exit_code == 2
    (tmp_path / "file").write_text("x")
    res = cli("export", "--data", str(tables_dir), "--format", "csv", "--out", str(tmp_path / "file"))
    assert res.exit_code == 1 and "is a file" in res.stderr
    res = cli("export", "--data", str(tmp_path / "nothing"), "--format", "csv", "--out", str(tmp_path / "o"))
    assert res.exit_code == 1 and "vanban run" in res.stderr
    assert cli("export", "--help").exit_code == 0
