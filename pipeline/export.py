"""`vanban export`: the tables for tools that do not read Parquet, and a task-tracker sheet.

- jsonl / csv: one file per table (DIR/<table>.jsonl or .csv), every column; lists are JSON
  arrays (in CSV cells too), dates ISO, nulls empty in CSV and null in JSON. Rows are streamed,
  so a large output never sits in memory, and each file appears complete or not at all.
- spacy: the documents as spaCy Docs with the findings as span groups (pipeline/spacy_docs.py).
- tracker: one CSV row per assignment with the source document, agencies joined with "; ",
  the deadline and a status as of a date (TRACKER_COLUMNS; documented in docs/queries.md).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import click

from . import tables
from .schema import TABLE_NAMES
from .tables import cell, data_option, plain, reported_errors

DUE_SOON_DAYS = 30

STATUS_OVERDUE = "overdue"
STATUS_DUE_SOON = "due within 30 days"
STATUS_NOT_YET_DUE = "not yet due"
STATUS_NO_DEADLINE = "no deadline"

# (column, meaning): the tracker sheet, in order. docs/queries.md documents the same list.
TRACKER_COLUMNS: list[tuple[str, str]] = [
    ("assignment_id", "the assignment's id, `<doc_id>:a<n>` (stable while the text and the pipeline version are unchanged)"),
    ("doc_id", "the source document's id"),
    ("doc_type", "type of the source document (Chỉ thị, Kế hoạch, …)"),
    ("doc_number", "its number, e.g. 01/CT-UBND"),
    ("issue_date", "its date (ISO)"),
    ("issuer", "its issuing body"),
    ("doc_title", "its summary line"),
    ("source_path", "the input file it was read from"),
    ("section", "outline path of the item, e.g. 3.b"),
    ("mode", "giao, đề nghị, yêu cầu, chịu trách nhiệm, or empty"),
    ("task", "the task text without the agency preamble"),
    ("lead_agencies", "agencies in charge, joined with \"; \""),
    ("co_agencies", "co-operating agencies, joined with \"; \""),
    ("lead_agencies_current", "agencies in charge under today's names (after the 2025 reorganisation)"),
    ("deadline", "the last day the deadline allows (ISO), empty when none"),
    ("deadline_text", "the deadline as written"),
    ("recurrence", "daily, weekly, monthly, quarterly, semiannual or yearly for recurring duties"),
    ("status", f"as of --as-of: {STATUS_OVERDUE} (deadline before that day), {STATUS_DUE_SOON} "
               f"(deadline within {DUE_SOON_DAYS} days from it, inclusive), {STATUS_NOT_YET_DUE}, {STATUS_NO_DEADLINE}"),
    ("days_left", "days from --as-of to the deadline (negative when overdue), empty when none"),
    ("as_of", "the date the status was computed for"),
]


def status(deadline: dt.date | None, as_of: dt.date) -> str:
    if deadline is None:
        return STATUS_NO_DEADLINE
    if deadline < as_of:
        return STATUS_OVERDUE
    if (deadline - as_of).days <= DUE_SOON_DAYS:
        return STATUS_DUE_SOON
    return STATUS_NOT_YET_DUE


def _joined(v) -> str:
    return "; ".join(x for x in (v or []) if x)


def tracker_rows(data: str, as_of: dt.date):
    """The tracker sheet's rows (dicts keyed by TRACKER_COLUMNS), in assignments' table order."""
    docs = {r["doc_id"]: r for r in tables.read_rows(
        data, "documents", ["doc_id", "doc_type", "doc_number", "issue_date", "issuer", "title", "source_path"])}
    for a in tables.iter_rows(data, "assignments"):
        d = docs.get(a["doc_id"], {})
        deadline = a.get("deadline")
        yield {
            "assignment_id": a["assignment_id"], "doc_id": a["doc_id"],
            "doc_type": d.get("doc_type"), "doc_number": d.get("doc_number"), "issue_date": d.get("issue_date"),
            "issuer": d.get("issuer"), "doc_title": d.get("title"), "source_path": d.get("source_path"),
            "section": a.get("section"), "mode": a.get("mode"), "task": a.get("task"),
            "lead_agencies": _joined(a.get("lead_agencies")), "co_agencies": _joined(a.get("co_agencies")),
            "lead_agencies_current": _joined(a.get("lead_agencies_current")),
            "deadline": deadline, "deadline_text": a.get("deadline_text"), "recurrence": a.get("recurrence"),
            "status": status(deadline, as_of),
            "days_left": (deadline - as_of).days if deadline is not None else None,
            "as_of": as_of,
        }


def export_tracker(data: str, out: str | os.PathLike, as_of: dt.date, bom: bool = False) -> tuple[Path, int]:
    """Write the tracker CSV; `out` is a .csv file or a folder (then out/tracker.csv)."""
    tables.check_data(data)
    path = Path(out)
    if path.is_dir() or path.suffix.lower() != ".csv":
        path = path / "tracker.csv"
    count = 0

    def write(fh):
        nonlocal count
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([c for c, _ in TRACKER_COLUMNS])
        for row in tracker_rows(data, as_of):
            w.writerow([cell(row[c]) for c, _ in TRACKER_COLUMNS])
            count += 1

    tables.write_atomic(path, write, encoding="utf-8-sig" if bom else "utf-8")
    return path, count


def export_tables(data: str, fmt: str, out: str | os.PathLike, names: list[str] | None = None,
                  bom: bool = False) -> dict[str, tuple[Path, int]]:
    """Write DIR/<table>.jsonl or .csv for every table (or those named): {table: (path, rows)}.

    A table the run did not write is exported empty (CSV: its header from the schema)."""
    tables.check_data(data)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise tables.DataError(f"--out {out} is a file: give a folder for one file per table")
    written = {}
    for table in names or TABLE_NAMES:
        path = out / f"{table}.{fmt}"
        count = 0

        def write(fh, table=table):
            nonlocal count
            if fmt == "csv":
                w = csv.writer(fh, lineterminator="\n")
                columns = tables.table_columns(data, table)
                w.writerow(columns)
                for row in tables.iter_rows(data, table):
                    w.writerow([cell(row.get(c)) for c in columns])
                    count += 1
            else:
                for row in tables.iter_rows(data, table):
                    fh.write(json.dumps(plain(row), ensure_ascii=False, default=str) + "\n")
                    count += 1

        tables.write_atomic(path, write, encoding="utf-8-sig" if (bom and fmt == "csv") else "utf-8")
        written[table] = (path, count)
    return written


@click.command("export")
@data_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "tracker", "spacy"]), required=True,
              help="jsonl or csv: one file per table in --out; tracker: one CSV row per assignment; "
                   "spacy: DocBin files of the documents with their findings as span groups")
@click.option("--out", "out", required=True, type=click.Path(),
              help="folder for jsonl/csv/spacy; a .csv file or a folder (then tracker.csv) for tracker")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="DATE",
              help="tracker: the date the status is computed for, YYYY-MM-DD (default: today)")
@click.option("--table", "names", multiple=True, type=click.Choice(TABLE_NAMES),
              help="jsonl/csv: export only this table (repeatable; default: all)")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for spreadsheet programs)")
def command(data: str, fmt: str, out: str, as_of, names, bom: bool) -> None:
    """Export the tables as JSON lines or CSV, or the assignments as a task-tracker sheet.

    \b
      vanban export --format csv --out export/
      vanban export --format tracker --as-of 2025-07-01 --out tracker.csv
      vanban export --format spacy --out spacy/

    Lists become JSON arrays (also inside CSV cells), dates ISO. The tracker's columns and its
    status values are listed in docs/queries.md.
    """
    if fmt != "tracker" and as_of is not None:
        raise click.UsageError("--as-of is only used with --format tracker")
    if fmt in ("tracker", "spacy") and names:
        raise click.UsageError("--table is only used with --format jsonl or csv")
    with reported_errors():
        if fmt == "spacy":
            from .spacy_docs import export_spacy
            files, count = export_spacy(data, out)
            click.echo(f"vanban: {count} documents as spaCy Docs -> {len(files)} file(s) in {out}", err=True)
        elif fmt == "tracker":
            day = as_of.date() if as_of else dt.date.today()
            path, count = export_tracker(data, out, day, bom)
            click.echo(f"vanban: {count} assignments (status as of {day.isoformat()}) -> {path}", err=True)
        else:
            written = export_tables(data, fmt, out, list(names) or None, bom)
            listing = ", ".join(f"{t} {n}" for t, (_, n) in written.items())
            click.echo(f"vanban: {listing} rows -> {out}", err=True)
