"""Reading the output tables of a `vanban run` folder, for query, show, export and graph.

`DIR/<table>.parquet` is a single file after an ordinary run and a folder of part files after
a distributed one; every reader here accepts both, so the commands never care which. Tables
are opened lazily (DuckDB views, pyarrow datasets) because `documents.text` of a large run
does not belong in memory all at once.
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .schema import TABLE_NAMES, arrow_schema

if TYPE_CHECKING:  # pyarrow.dataset costs a second to import: only the readers load it
    import pyarrow.dataset as pads

DEFAULT_DATA = "output"


class DataError(Exception):
    """The --data folder does not hold (readable) vanban output: exit status 1."""


def table_path(data: str | os.PathLike, table: str) -> Path | None:
    """`DIR/<table>.parquet` (file or dataset folder), or None when the run did not write it."""
    p = Path(data) / f"{table}.parquet"
    return p if p.is_file() or p.is_dir() else None


def part_files(path: Path) -> list[Path]:
    """The Parquet files of a table: the file itself, or a dataset folder's parts in name order
    (hidden and `_`-prefixed files such as `_SUCCESS` or `_metadata` are not parts)."""
    if path.is_file():
        return [path]
    parts = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        parts += [Path(root) / n for n in sorted(names)
                  if n.endswith(".parquet") and not n.startswith((".", "_"))]
    return parts


def check_data(data: str | os.PathLike) -> Path:
    """The --data folder, or DataError saying what to do when it holds no vanban output."""
    p = Path(data)
    if not p.is_dir():
        raise DataError(f"no output folder {str(p)!r}: run `vanban run INPUT --out {p}` first, or pass --data DIR")
    if not any(table_path(p, t) for t in TABLE_NAMES):
        raise DataError(f"{str(p)!r} holds no vanban tables (documents.parquet, assignments.parquet, …): "
                        f"run `vanban run INPUT --out {p}` first, or pass --data DIR")
    return p


def missing_tables(data: str | os.PathLike) -> list[str]:
    return [t for t in TABLE_NAMES if table_path(data, t) is None]


def dataset(data: str | os.PathLike, table: str) -> pads.Dataset:
    """A pyarrow dataset over the table (file or folder); an empty one with the schema when absent."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    path = table_path(data, table)
    files = part_files(path) if path is not None else []
    if not files:
        return pads.dataset(pa.table({f.name: pa.array([], f.type) for f in arrow_schema(table)}))
    try:
        return pads.dataset([str(f) for f in files], format="parquet")
    except (pa.ArrowInvalid, OSError) as e:
        raise DataError(f"cannot read {path}: {e}") from e


def read_table(data: str | os.PathLike, table: str, columns: list[str] | None = None,
               filter: pads.Expression | None = None):
    """The whole table (or the given columns / rows) as one Arrow table."""
    import pyarrow as pa

    ds = dataset(data, table)
    if columns is not None:
        columns = [c for c in columns if c in ds.schema.names]
    try:
        return ds.to_table(columns=columns, filter=filter)
    except (pa.ArrowInvalid, OSError) as e:
        raise DataError(f"cannot read {table}.parquet in {data}: {e}") from e


def read_rows(data: str | os.PathLike, table: str, columns: list[str] | None = None,
              filter: pads.Expression | None = None) -> list[dict]:
    """Rows as plain Python dicts (dates as datetime.date, lists as lists, nulls as None)."""
    return read_table(data, table, columns, filter).to_pylist()


def iter_rows(data: str | os.PathLike, table: str, batch_size: int = 2000) -> Iterator[dict]:
    """Rows streamed a batch at a time: memory stays bounded whatever the table's size."""
    import pyarrow as pa

    try:
        for batch in dataset(data, table).to_batches(batch_size=batch_size):
            yield from batch.to_pylist()
    except (pa.ArrowInvalid, OSError) as e:
        raise DataError(f"cannot read {table}.parquet in {data}: {e}") from e


def table_columns(data: str | os.PathLike, table: str) -> list[str]:
    return list(dataset(data, table).schema.names)


def doc_filter(doc_id: str) -> pads.Expression:
    import pyarrow.dataset as pads

    return pads.field("doc_id") == doc_id


# --- DuckDB ----------------------------------------------------------------------------------------

def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def connect(data: str | os.PathLike):
    """An in-memory DuckDB connection with one view per table present in `data`, named after it.

    A dataset folder without part files (an empty distributed table) becomes an empty view with
    the table's schema."""
    import duckdb
    import pyarrow as pa

    p = check_data(data)
    con = duckdb.connect(":memory:")
    for table in TABLE_NAMES:
        path = table_path(p, table)
        if path is None:
            continue
        files = part_files(path)
        if files:
            listing = ", ".join(_sql_str(str(f)) for f in files)
            con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM read_parquet([{listing}], union_by_name = true)')
        else:
            empty = pa.table({f.name: pa.array([], f.type) for f in arrow_schema(table)})
            con.register(f"_empty_{table}", empty)
            con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM "_empty_{table}"')
    return con


# --- plain values ----------------------------------------------------------------------------------

def plain(v):
    """A JSON-ready value: dates ISO, lists as lists, NaN as None."""
    if v is None:
        return None
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, bytes):
        return v.hex()
    if hasattr(v, "tolist"):  # numpy arrays and scalars
        return plain(v.tolist())
    return v


def cell(v) -> str:
    """A CSV cell: lists as JSON arrays, dates ISO, null as empty."""
    import json

    v = plain(v)
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write_atomic(path: str | os.PathLike, write, encoding: str | None = "utf-8") -> None:
    """Call `write(fh)` on a temporary file next to `path`, then move it over `path`: a failed
    or interrupted write never leaves a half-written file under the final name.
    `encoding=None`: `fh` is a binary file."""
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with (os.fdopen(fd, "wb") if encoding is None else os.fdopen(fd, "w", encoding=encoding, newline="")) as fh:
            write(fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- command-line pieces shared by query, show, export and graph ----------------------------------

def data_option(fn):
    """The --data DIR option every reading command takes (default ./output)."""
    import click

    return click.option("--data", "data", default=DEFAULT_DATA, show_default=True,
                        type=click.Path(file_okay=False),
                        help="output folder of `vanban run` (tables as DIR/<table>.parquet files or folders)")(fn)


class reported_errors:
    """Turns DataError (and OSError on outputs) into a one-line message and exit status 1."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        import click

        if exc is None:
            return False
        if isinstance(exc, DataError):
            raise click.ClickException(str(exc)) from exc
        if isinstance(exc, OSError) and not isinstance(exc, (BrokenPipeError,)):
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"{exc.strerror or exc}{where}") from exc
        return False
