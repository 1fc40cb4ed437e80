"""`vanban query`: SQL (DuckDB) over the output tables, each a view under its own name.

Views: documents, sections, citations, assignments, targets, errors. List columns
(lead_agencies, co_agencies, …) are DuckDB lists, so `list_contains(lead_agencies, 'Sở Y tế')`
and `unnest(lead_agencies)` work; dates are DATE. Examples in docs/queries.md.
"""
from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections.abc import Iterator

import click

from .tables import DataError, cell, connect, data_option, missing_tables, plain, reported_errors

FORMATS = ("table", "csv", "json")
MAX_CELL = 60          # characters of one cell in the table view (csv and json are never cut)
FETCH_ROWS = 2000


class QueryError(Exception):
    """The SQL failed (syntax, unknown table or column, type error): exit status 1."""


def describe_error(e: Exception, data: str | None = None) -> str:
    """DuckDB's message on one line: the first line plus its 'Did you mean' hint."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    msg = lines[0] if lines else type(e).__name__
    hints = [ln for ln in lines[1:] if ln.startswith(("Did you mean", "Candidate bindings"))]
    if hints:
        msg += " " + hints[0]
    if data is not None and "does not exist" in msg:
        missing = [t for t in missing_tables(data) if f"name {t} does" in msg]
        if missing:
            msg += f" ({data} has no {missing[0]}.parquet)"
    return msg


def execute(data: str, sql: str) -> tuple[list[str], Iterator[tuple]]:
    """Run `sql` over the tables of `data`: column names and a row iterator (fetched in batches).

    Raises DataError when `data` holds no output, QueryError when the SQL fails."""
    import duckdb

    con = connect(data)
    try:
        cur = con.execute(sql)
    except duckdb.Error as e:
        raise QueryError(describe_error(e, data)) from e
    if cur.description is None:  # a statement without a result (SET, CREATE VIEW, …)
        return [], iter(())
    columns = [d[0] for d in cur.description]

    def rows() -> Iterator[tuple]:
        try:
            while True:
                batch = cur.fetchmany(FETCH_ROWS)
                if not batch:
                    break
                yield from batch
        except duckdb.Error as e:  # errors raised while the result streams (e.g. a bad cast)
            raise QueryError(describe_error(e, data)) from e
        finally:
            con.close()

    return columns, rows()


def query(data: str, sql: str) -> tuple[list[str], list[tuple]]:
    """All rows of `sql` over the tables of `data` (for scripts and tests)."""
    columns, rows = execute(data, sql)
    return columns, list(rows)


# --- output formats -------------------------------------------------------------------------------

def _width(s: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _display(v) -> str:
    if v is None:
        return "NULL"
    s = cell(v).replace("\r", " ").replace("\n", " ")
    return s if len(s) <= MAX_CELL else s[:MAX_CELL - 1] + "…"


def format_table(columns: list[str], rows: list[tuple]) -> str:
    """A plain aligned text table with a row count, cells cut at MAX_CELL characters."""
    if not columns:
        return ""
    shown = [[_display(v) for v in r] for r in rows]
    numeric = [any(r[i] is not None for r in rows)
               and all(r[i] is None or (isinstance(r[i], (int, float)) and not isinstance(r[i], bool)) for r in rows)
               for i in range(len(columns))]
    widths = [max([_width(c)] + [_width(r[i]) for r in shown]) for i, c in enumerate(columns)]

    def line(cells):
        out = []
        for i, s in enumerate(cells):
            pad = " " * (widths[i] - _width(s))
            out.append(pad + s if numeric[i] else s + pad)
        return " │ ".join(out).rstrip()

    out = [line(columns), "─┼─".join("─" * w for w in widths)]
    out += [line(r) for r in shown]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def write_csv(columns: list[str], rows: Iterator[tuple], fh) -> None:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([cell(v) for v in r])


def write_json(columns: list[str], rows: Iterator[tuple], fh) -> None:
    """A JSON array of row objects, streamed."""
    fh.write("[")
    first = True
    for r in rows:
        fh.write("\n" if first else ",\n")
        fh.write(json.dumps({c: plain(v) for c, v in zip(columns, r)}, ensure_ascii=False, default=str))
        first = False
    fh.write("\n]\n" if not first else "]\n")


# --- command --------------------------------------------------------------------------------------

@click.command("query", context_settings={"ignore_unknown_options": True})  # SQL may open with "-- comment"
@data_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table (aligned text, long cells cut), csv (lists as JSON arrays) or json (array of objects)")
@click.argument("sql")
def command(data: str, fmt: str, sql: str) -> None:
    """Run SQL over the output tables (DuckDB dialect); SQL '-' reads it from stdin.

    Every table is a view under its own name: documents, sections, citations, assignments,
    targets, errors. List columns work with DuckDB list functions, e.g.

    \b
      vanban query "SELECT agency, count(*) AS tasks
                    FROM (SELECT unnest(lead_agencies) AS agency FROM assignments)
                    GROUP BY agency ORDER BY tasks DESC"
      vanban query --format csv "SELECT * FROM assignments
                    WHERE list_contains(lead_agencies, 'Sở Y tế')"

    Quote the column "end" (a SQL keyword). More examples: docs/queries.md.
    """
    if sql == "-":
        sql = sys.stdin.read()
    if not sql.strip():
        raise click.UsageError("empty SQL")
    out = sys.stdout
    with reported_errors():
        try:
            columns, rows = execute(data, sql)
            if fmt == "table":
                text = format_table(columns, list(rows))
                if text:
                    out.write(text + "\n")
            elif fmt == "csv":
                write_csv(columns, rows, out) if columns else None
            else:
                write_json(columns, rows, out) if columns else None
            out.flush()
        except QueryError as e:
            raise click.ClickException(f"query failed: {e}") from e
        except BrokenPipeError:  # `vanban query … | head`: the reader left, nothing is wrong
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)


__all__ = ["command", "execute", "query", "QueryError", "DataError", "format_table"]
