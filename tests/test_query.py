"""`vanban query` over real output: counts agree with the Parquet files, list columns work with
DuckDB's list functions, every example of docs/queries.md runs and returns what pandas finds."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import Counter

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline import schema
from pipeline.cli import main
from pipeline.query import QueryError, format_table, query
from pipeline.tables import DataError

from .conftest import ROOT
from .fixtures_tables import data_dir, dataset_dir, tables_dir  # noqa: F401  (fixtures)


def frame(data, table) -> pd.DataFrame:
    return pd.read_parquet(data / f"{table}.parquet")


def cli(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def doc_examples() -> dict[str, str]:
    """The ```sql blocks of docs/queries.md by their first-line comment."""
    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    return {b.splitlines()[0].lstrip("- ").strip(): b for b in blocks}


@pytest.mark.parametrize("table", schema.TABLE_NAMES)
def test_counts_equal_the_parquet_files(data_dir, table):
    _, rows = query(str(data_dir), f"SELECT count(*) FROM {table}")
    assert rows[0][0] == len(frame(data_dir, table))


def test_views_have_the_schema_columns_and_types(tables_dir):
    _, rows = query(str(tables_dir), "SELECT column_name, column_type FROM (DESCRIBE assignments)")
    types = dict(rows)
    assert list(types) == schema.column_names("assignments")
    assert types["lead_agencies"] == "VARCHAR[]" and types["deadline"] == "DATE"


def test_the_seed_run_is_not_empty(tables_dir):
    # the bar is about real output: make sure the fixture is not a trivially empty run
    assert len(frame(tables_dir, "documents")) == 2
    assert len(frame(tables_dir, "assignments")) > 0


def test_tasks_per_lead_agency_equals_pandas(data_dir):
    cols, rows = query(str(data_dir), doc_examples()["tasks per lead agency"])
    assert cols == ["agency", "tasks"]
    expected = Counter(x for lst in frame(data_dir, "assignments")["lead_agencies"] for x in lst)
    assert dict(rows) == dict(expected)
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)


def test_list_contains_equals_pandas(tables_dir):
    a = frame(tables_dir, "assignments")
    agency = Counter(x for lst in a["lead_agencies"] for x in lst).most_common(1)[0][0]
    _, rows = query(str(tables_dir), "SELECT count(*) FROM assignments WHERE list_contains(lead_agencies, $$%s$$)" % agency)
    assert rows[0][0] == sum(agency in list(lst) for lst in a["lead_agencies"])


def test_every_docs_example_runs(tables_dir):
    examples = doc_examples()
    assert len(examples) >= 10
    for name, sql in examples.items():
        result = cli("query", "--data", str(tables_dir), "--format", "json", sql)
        assert result.exit_code == 0, (name, result.output)
        assert isinstance(json.loads(result.stdout), list), name


def test_docs_rows_per_table(tables_dir):
    _, rows = query(str(tables_dir), doc_examples()["rows per table"])
    assert {t: n for t, n in rows} == {t: len(frame(tables_dir, t)) for t, _ in rows}


def test_docs_tasks_due_in_a_quarter(tables_dir):
    cols, rows = query(str(tables_dir), doc_examples()["tasks due in a given quarter"])
    a = frame(tables_dir, "assignments").dropna(subset=["deadline"])
    d = pd.to_datetime(a["deadline"])
    assert len(rows) == int(((d.dt.year == 2025) & (d.dt.quarter == 4)).sum())
    for r in rows:
        deadline = r[cols.index("deadline")]
        assert deadline.year == 2025 and deadline.month >= 10


def test_docs_overdue_as_of_a_date(tables_dir):
    cols, rows = query(str(tables_dir), doc_examples()["overdue tasks as of a date"])
    a = frame(tables_dir, "assignments").dropna(subset=["deadline"])
    assert len(rows) == int((pd.to_datetime(a["deadline"]) < pd.Timestamp("2026-01-15")).sum())
    assert all(r[cols.index("days_late")] > 0 for r in rows)


def test_docs_targets_for_one_indicator(tables_dir):
    _, rows = query(str(tables_dir), doc_examples()["targets for one indicator across documents and years"])
    t = frame(tables_dir, "targets")
    assert len(rows) == int((t["indicator_key"] == "grdp_growth").sum())


def test_docs_documents_implementing_a_resolution(tables_dir):
    _, rows = query(str(tables_dir), doc_examples()["documents that implement a given resolution"])
    c = frame(tables_dir, "citations")
    hits = c[(c["relation"] == "implements") & (c["cited_key"] == "Kết luận 42-KL/TW")]
    assert sorted(r[0] for r in rows) == sorted(set(hits["doc_id"]))


def test_docs_span_check_holds(tables_dir):
    # offsets are code points and DuckDB's substr counts code points from 1
    _, rows = query(str(tables_dir), doc_examples()["spans checked against the text"])
    total, exact = rows[0]
    assert total == len(frame(tables_dir, "citations")) and exact == total


def test_csv_and_json_formats(tables_dir):
    sql = "SELECT assignment_id, lead_agencies, deadline FROM assignments ORDER BY assignment_id"
    a = frame(tables_dir, "assignments").sort_values("assignment_id")
    out = cli("query", "--data", str(tables_dir), "--format", "csv", sql)
    assert out.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == len(a)
    for row, (_, ref) in zip(rows, a.iterrows()):
        assert json.loads(row["lead_agencies"]) == list(ref["lead_agencies"])
        assert row["deadline"] == (ref["deadline"].isoformat() if ref["deadline"] is not None else "")
    out = cli("query", "--data", str(tables_dir), "--format", "json", sql)
    data = json.loads(out.stdout)
    assert [r["assignment_id"] for r in data] == list(a["assignment_id"])
    assert all(isinstance(r["lead_agencies"], list) for r in data)


def test_table_format_counts_rows(tables_dir):
    out = cli("query", "--data", str(tables_dir), "SELECT doc_id, n_chars FROM documents")
    assert out.exit_code == 0 and out.stdout.rstrip().endswith("(2 rows)")
    assert format_table(["x"], []) .endswith("(0 rows)")


def test_sql_from_stdin(tables_dir):
    out = cli("query", "--data", str(tables_dir), "--format", "csv", "-", input="SELECT count(*) AS n FROM sections")
    assert out.exit_code == 0 and out.stdout.splitlines()[1] == str(len(frame(tables_dir, "sections")))


@pytest.mark.parametrize("sql, words", [
    ("SELEC * FROM documents", "Parser Error"),
    ("SELECT * FROM documentz", "documentz"),
    ("SELECT no_such_column FROM assignments", "no_such_column"),
])
def test_bad_sql_is_one_clear_line_and_exit_1(tables_dir, sql, words):
    out = cli("query", "--data", str(tables_dir), sql)
    assert out.exit_code == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in out.output
    with pytest.raises(QueryError):
        query(str(tables_dir), sql)


def test_missing_table_file_is_named(tables_dir, tmp_path):
    data = tmp_path / "out"
    shutil.copytree(tables_dir, data, ignore=shutil.ignore_patterns("targets.parquet"))
    out = cli("query", "--data", str(data), "SELECT count(*) FROM targets")
    assert out.exit_code == 1 and "no targets.parquet" in out.stderr
    assert cli("query", "--data", str(data), "SELECT count(*) FROM citations").exit_code == 0


def test_no_output_folder_exit_1(tmp_path):
    out = cli("query", "--data", str(tmp_path / "missing"), "SELECT 1")
    assert out.exit_code == 1 and "vanban run" in out.stderr
    (tmp_path / "empty").mkdir()
    assert cli("query", "--data", str(tmp_path / "empty"), "SELECT 1").exit_code == 1
    with pytest.raises(DataError):
        query(str(tmp_path / "empty"), "SELECT 1")


def test_usage_errors_exit_2(tables_dir):
    assert cli("query", "--data", str(tables_dir), "--format", "xml", "SELECT 1").exit_code == 2
    assert cli("query", "--data", str(tables_dir)).exit_code == 2
    assert cli("query", "--data", str(tables_dir), "   ").exit_code == 2
    helped = cli("query", "--help")
    assert helped.exit_code == 0 and "list_contains" in helped.output


def test_dataset_folder_without_parts_is_an_empty_view(dataset_dir, tmp_path):
    # a distributed run whose table got no rows may leave an empty folder
    data = tmp_path / "out"
    shutil.copytree(dataset_dir, data)
    for part in (data / "targets.parquet").iterdir():
        part.unlink()
    cols, rows = query(str(data), "SELECT * FROM targets")
    assert rows == [] and cols == schema.column_names("targets")
    _, rows = query(str(data), "SELECT count(*) FROM assignments")
    assert rows[0][0] == len(frame(dataset_dir, "assignments"))
