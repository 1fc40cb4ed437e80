"""Writing the tables: streamed, sorted, typed by `schema.py`, and replaced atomically.

Every table is first written completely under a staging directory inside the output folder
(flushed to disk), then moved over the previous file with `os.replace`; the run manifest is
written last. A crash or a kill at any moment leaves each table either the previous complete
file or the new one, never a partial file; the manifest and every table carry the run's id
(Parquet key-value metadata `vanban.run_id`), so a reader can tell whether all tables come
from the same run. Ctrl-C (or SIGTERM) during the swap is held back until the swap is done.

Memory: rows are buffered per table up to ROW_GROUP_ROWS rows (documents: up to
ROW_GROUP_BYTES of text, which is large), then written as one row group.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .schema import SORT_KEYS, TABLE_NAMES, arrow_schema, column_names

ROW_GROUP_ROWS = 20_000
ROW_GROUP_BYTES = 32 * 1024 * 1024
LOCK_NAME = ".vanban-lock"
MANIFEST = "manifest.json"

_ERROR_KEYS = ["source_path", "stage", "error_type", "message"]


def _sort_key(keys: list[str]):
    return lambda r: tuple((r.get(k) is None, r.get(k) if r.get(k) is not None else 0) for k in keys)


def _sort_rows(table: str, rows: list[dict]) -> list[dict]:
    keys = _ERROR_KEYS if table == "errors" else SORT_KEYS[table]
    try:  # sort keys are non-null columns: a C-level key is ten times faster
        return sorted(rows, key=itemgetter(*keys))
    except (TypeError, KeyError):  # a None or a missing key after all
        return sorted(rows, key=_sort_key(keys))


class TableWriter:
    """Streams rows of one table into a Parquet file, a row group at a time."""

    def __init__(self, table: str, path: Path, run_id: str = ""):
        self.table = table
        schema = arrow_schema(table)
        if run_id:
            schema = schema.with_metadata({**(schema.metadata or {}), b"vanban.run_id": run_id.encode()})
        self.schema = schema
        self.columns = column_names(table)
        self.path = path
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.buffer: list[dict] = []
        self.buffered_bytes = 0
        self.rows = 0
        self.max_buffered_bytes = 0  # for tests: the streaming bound actually reached

    def add(self, rows: Iterable[dict]) -> None:
        rows = list(rows)
        self.buffer.extend(rows)
        if self.table == "documents":  # the text dominates; other rows are small and bounded by count
            self.buffered_bytes += sum(len(r.get("text") or "") + 512 for r in rows)
        self.max_buffered_bytes = max(self.max_buffered_bytes, self.buffered_bytes)
        if len(self.buffer) >= ROW_GROUP_ROWS or self.buffered_bytes >= ROW_GROUP_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        cols = {c: [r.get(c) for r in self.buffer] for c in self.columns}
        batch = pa.Table.from_pydict(cols, schema=self.schema)
        self.writer.write_table(batch)
        self.rows += len(self.buffer)
        self.buffer = []
        self.buffered_bytes = 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


class OutputWriter:
    """Writes all tables of a run into a staging folder, then swaps them into `out_dir`."""

    def __init__(self, out_dir: str | os.PathLike, run_id: str | None = None):
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id or new_run_id()
        self.stage = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=self.out))
        self.writers = {t: TableWriter(t, self.stage / f"{t}.parquet", self.run_id) for t in TABLE_NAMES}

    def add_document(self, tables: dict[str, list[dict]]) -> None:
        """Rows of one document, in the order documents are added (callers add by doc_id)."""
        for table, rows in tables.items():
            if rows and table in self.writers:
                self.writers[table].add(_sort_rows(table, rows))

    def add_errors(self, rows: list[dict]) -> None:
        self.writers["errors"].add(_sort_rows("errors", rows))

    def commit(self, manifest: dict) -> dict[str, int]:
        counts = {}
        for t, w in self.writers.items():
            w.close()
            counts[t] = w.rows
            _fsync_file(w.path)
        manifest = dict(manifest, run_id=self.run_id, tables=counts,
                        finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        tmp = self.stage / MANIFEST
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        _fsync_file(tmp)
        with _signals_held():
            for t in TABLE_NAMES:
                target = self.out / f"{t}.parquet"
                if target.is_dir():  # a previous distributed run wrote a dataset folder
                    os.replace(target, self.stage / f"old-{t}")
                os.replace(self.stage / f"{t}.parquet", target)
            os.replace(tmp, self.out / MANIFEST)
            _fsync_dir(self.out)
        shutil.rmtree(self.stage, ignore_errors=True)
        return counts

    def abort(self) -> None:
        for w in self.writers.values():
            try:
                w.writer.close()
            except Exception:
                pass
        shutil.rmtree(self.stage, ignore_errors=True)


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


@contextmanager
def _signals_held():
    """Hold back SIGINT/SIGTERM (re-delivered afterwards) while the tables are swapped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            old[sig] = signal.signal(sig, lambda s, f: received.append(s)) or signal.SIG_DFL
        except (ValueError, OSError):
            pass
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for sig in received[:1]:
            os.kill(os.getpid(), sig)


def _fsync_file(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def _fsync_dir(path: Path) -> None:
    _fsync_file(path)


def clean_stale_staging(out_dir: str | os.PathLike, locked: bool = False) -> None:
    """Remove staging folders left by killed runs: all of them when this process holds the
    output lock (no other run can be writing), else those whose process is gone."""
    out = Path(out_dir)
    if not out.is_dir():
        return
    for p in out.glob(".staging-*"):
        try:
            pid = int(p.name.split("-")[1])
        except (IndexError, ValueError):
            pid = -1
        if not locked and pid > 0 and pid != os.getpid() and _alive(pid):
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


class OutputBusy(Exception):
    """Another run is writing into the same output folder."""


@contextmanager
def output_lock(out_dir: str | os.PathLike):
    """An exclusive lock on the output folder for the whole run (released by the kernel when the
    process dies, so a killed run never blocks the next one)."""
    import fcntl

    path = Path(out_dir) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
            raise OutputBusy(f"another vanban run (pid {holder or '?'}) is writing into {out_dir}; "
                             "wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
