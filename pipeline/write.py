"""Writing the tables: streamed, sorted, typed by `schema.py`, and replaced atomically.

Every table is first written completely under a staging directory inside the output folder,
then moved over the previous file with `os.replace`; a run manifest is written last. A crash
or a kill at any moment leaves each table either the previous complete file or the new one.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .schema import SORT_KEYS, TABLE_NAMES, arrow_schema, column_names

ROW_GROUP_ROWS = 20_000


def _sort_rows(table: str, rows: list[dict]) -> list[dict]:
    keys = SORT_KEYS[table]
    return sorted(rows, key=lambda r: tuple((r.get(k) is None, r.get(k) if r.get(k) is not None else 0) for k in keys))


class TableWriter:
    """Streams rows of one table into a Parquet file, a row group at a time."""

    def __init__(self, table: str, path: Path):
        self.table = table
        self.schema = arrow_schema(table)
        self.columns = column_names(table)
        self.path = path
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.buffer: list[dict] = []
        self.rows = 0

    def add(self, rows: Iterable[dict]) -> None:
        self.buffer.extend(rows)
        if len(self.buffer) >= ROW_GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        cols = {c: [r.get(c) for r in self.buffer] for c in self.columns}
        batch = pa.Table.from_pydict(cols, schema=self.schema)
        self.writer.write_table(batch)
        self.rows += len(self.buffer)
        self.buffer = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


class OutputWriter:
    """Writes all tables of a run into a staging folder, then swaps them into `out_dir`."""

    def __init__(self, out_dir: str | os.PathLike):
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=self.out))
        self.writers = {t: TableWriter(t, self.stage / f"{t}.parquet") for t in TABLE_NAMES}

    def add_document(self, tables: dict[str, list[dict]]) -> None:
        """Rows of one document, in the order documents are added (callers add by doc_id)."""
        for table, rows in tables.items():
            if rows:
                self.writers[table].add(_sort_rows(table, rows))

    def add_errors(self, rows: list[dict]) -> None:
        self.writers["errors"].add(_sort_rows("errors", rows))

    def commit(self, manifest: dict) -> dict[str, int]:
        counts = {}
        for t, w in self.writers.items():
            w.close()
            counts[t] = w.rows
        for t in TABLE_NAMES:
            target = self.out / f"{t}.parquet"
            if target.is_dir():  # a previous distributed run wrote a dataset folder
                old = self.stage / f"old-{t}"
                os.replace(target, old)
            os.replace(self.stage / f"{t}.parquet", target)
            _fsync_dir(self.out)
        manifest = dict(manifest, tables=counts, finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        tmp = self.stage / "manifest.json"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, self.out / "manifest.json")
        shutil.rmtree(self.stage, ignore_errors=True)
        return counts

    def abort(self) -> None:
        for w in self.writers.values():
            try:
                w.writer.close()
            except Exception:
                pass
        shutil.rmtree(self.stage, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def clean_stale_staging(out_dir: str | os.PathLike) -> None:
    """Remove staging folders left by killed runs (their process is gone)."""
    out = Path(out_dir)
    if not out.is_dir():
        return
    for p in out.glob(".staging-*"):
        try:
            pid = int(p.name.split("-")[1])
        except (IndexError, ValueError):
            pid = -1
        if pid > 0 and _alive(pid):
            continue
        shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
