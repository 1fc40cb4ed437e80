"""`vanban run`: discover inputs, process what the cache does not hold, write the tables.

1. discovery: walk the inputs; what cannot be a document (unsupported type, fifo, broken link)
   becomes an error row right away;
2. hashing: sha256 of each input's bytes (remembered per path by (size, mtime, ctime, inode),
   so a re-run does not read unchanged inputs again); identical files are one document;
3. processing: an engine runs `engines.work` on every input the cache does not hold; workers
   write one cache entry per document and report a small outcome;
4. consolidation: cache entries are streamed in doc_id order into the table writers (citations
   linked within the run), then the tables are swapped in atomically, manifest last.

Memory stays bounded by the size of one document plus one row group per table: the parent
never holds the rows of more than one document at a time (it keeps a small header per
document for ordering and citation linking).
"""
from __future__ import annotations

import gc
import os
import signal
import stat
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import __version__
from .cache import Cache, CorruptEntry, HashIndex, config_key
from .engines import ENGINES, SchedulerUnreachable, Task
from .process import Options, sha256_file
from .schema import SCHEMA_VERSION
from .write import OutputBusy, OutputWriter, clean_stale_staging, output_lock

SUPPORTED_EXTENSIONS = (".txt", ".pdf", ".docx", ".doc", ".html", ".htm")


class UsageError(Exception):
    """Bad command line (exit status 2)."""


@dataclass
class RunSummary:
    documents: int = 0
    assignments: int = 0
    citations: int = 0
    targets: int = 0
    errors: int = 0
    seconds: float = 0.0
    processed: int = 0
    reused: int = 0
    out: str = ""
    run_id: str = ""
    error_rows: list[dict] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        return 1 if self.errors else 0

    def line(self) -> str:
        return (f"vanban: {self.documents} documents, {self.assignments} assignments, {self.citations} citations, "
                f"{self.targets} targets, {self.errors} errors in {self.seconds:.1f} s "
                f"({self.processed} processed, {self.reused} from cache) -> {self.out}")


class DocHead(NamedTuple):
    """What the parent keeps per document between processing and consolidation (about half a
    kilobyte): the order key, the error count and the fields the citation linker needs."""
    doc_id: str | None
    errors: int
    doc_type: str | None
    doc_number: str | None
    issuer: str | None
    issue_date: str | None
    title: str | None

    @classmethod
    def of(cls, meta: dict) -> "DocHead":
        def interned(v):
            return sys.intern(v) if isinstance(v, str) else v

        return cls(meta.get("doc_id"), int(meta.get("errors") or 0), interned(meta.get("doc_type")),
                   meta.get("doc_number"), interned(meta.get("issuer")), meta.get("issue_date"), meta.get("title"))


def _error(path: str, error_type: str, message: str, stage: str = "read", sha: str | None = None) -> dict:
    return {"source_path": path, "stage": stage, "error_type": error_type, "message": message, "source_sha256": sha}


# --- discovery -------------------------------------------------------------------------------------

def discover(inputs: list[str], out_dir: str) -> tuple[list[str], list[dict]]:
    """Files to process (as given, in walk order, unique) and error rows for what cannot be
    processed. Folders are walked recursively, following links to folders once each; hidden
    files and the output folder are left out."""
    out_real = os.path.realpath(out_dir)
    files: list[str] = []
    errors: list[dict] = []
    for given in inputs:
        if not os.path.lexists(given):
            raise UsageError(f"input path does not exist: {given}")
        if os.path.isdir(given):
            if os.path.realpath(given) == out_real:
                raise UsageError(f"the input folder {given} is the output folder; choose another --out")
            _walk(given, out_real, files, errors)
        else:
            _classify(given, files, errors)
    seen: set[str] = set()
    unique = []
    for f in files:
        key = os.path.normpath(f)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, errors


def _walk(top: str, out_real: str, files: list[str], errors: list[dict]) -> None:
    visited: set[tuple[int, int]] = set()
    for root, dirs, names in os.walk(top, followlinks=True, onerror=lambda e: errors.append(
            _error(e.filename or top, "unreadable", f"{e.filename or top}: cannot list the folder ({e.strerror}); "
                   "make it readable for this user"))):
        real = os.path.realpath(root)
        try:
            st = os.stat(root)
            ident = (st.st_dev, st.st_ino)
        except OSError:
            ident = (0, hash(real))
        if real == out_real or real.startswith(out_real + os.sep):
            dirs[:] = []
            continue
        if ident in visited:  # a folder already walked: through a link loop, or a second way in
            if _inside_itself(root, top, real):
                errors.append(_error(root, "symlink_loop", f"{root}: a link to a folder that contains it "
                                     "(a link loop); its files are read once, through the folder itself; "
                                     "remove the link"))
            dirs[:] = []
            continue
        visited.add(ident)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            _classify(os.path.join(root, name), files, errors)


def _inside_itself(root: str, top: str, real: str) -> bool:
    """Whether `root` (real path `real`) is reached again below itself: a link loop."""
    parent = os.path.dirname(root)
    while len(parent) >= len(top) and parent != root:
        if os.path.realpath(parent) == real:
            return True
        root, parent = parent, os.path.dirname(parent)
    return False


def _classify(path: str, files: list[str], errors: list[dict]) -> None:
    try:
        st = os.stat(path)
    except OSError as e:
        from .ingest import os_error

        if os.path.islink(path):
            errors.append(_error(path, "broken_link", f"{path}: a symbolic link that does not lead to a file "
                                 f"({e.strerror}): a link loop or a missing target; fix or remove the link"))
        else:
            err = os_error(path, e)
            errors.append(_error(path, err.error_type, str(err)))
        return
    if stat.S_ISDIR(st.st_mode):
        errors.append(_error(path, "is_directory", f"{path}: a folder where a file was expected"))
        return
    if not stat.S_ISREG(st.st_mode):
        errors.append(_error(path, "not_a_file", f"{path}: not a regular file (a device, pipe or socket); "
                             "copy the document into a regular file"))
        return
    if not path.lower().endswith(SUPPORTED_EXTENSIONS):
        ext = os.path.splitext(path)[1] or "(none)"
        errors.append(_error(path, "unsupported", f"{path}: unsupported file type {ext}: vanban reads .txt, .pdf, "
                             ".docx, .doc, .html and .htm; convert the file or leave it out"))
        return
    files.append(path)


# --- hashing ---------------------------------------------------------------------------------------

def hash_inputs(files: list[str], index: HashIndex, errors: list[dict]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """sha256 -> paths (identical files are one document) and sha256 -> size."""
    from .ingest import Limits, os_error

    max_bytes = Limits.from_env().max_bytes
    by_sha: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for path in files:
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                errors.append(_error(path, "not_a_file", f"{path}: no longer a regular file"))
                continue
            if st.st_size > max_bytes:
                errors.append(_error(path, "too_large", f"{path}: the file is {st.st_size / 2**20:.0f} MB, over the "
                                     f"{max_bytes / 2**20:.0f} MB limit (VANBAN_MAX_FILE_MB); split it or raise the limit"))
                continue
            sha = index.sha_of(path, st, sha256_file)
        except OSError as e:
            err = os_error(path, e)
            errors.append(_error(path, err.error_type, str(err)))
            continue
        by_sha.setdefault(sha, []).append(path)
        sizes[sha] = st.st_size
    return by_sha, sizes


# --- the run ---------------------------------------------------------------------------------------

def run(inputs: list[str], out: str, *, workers: int | None = None, engine: str = "local",
        scheduler: str | None = None, ocr: str = "auto", force: bool = False, time_limit: float = 300.0,
        progress: bool = True) -> RunSummary:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: choose local or dask")
    if ocr not in ("auto", "always", "never"):
        raise UsageError(f"unknown --ocr {ocr!r}: choose auto, always or never")
    if engine == "local" and scheduler:
        raise UsageError("--scheduler is only used with --engine dask")
    if time_limit <= 0:
        raise UsageError("--time-limit must be positive")
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} is a file, not a folder")
    t0 = time.time()
    options = Options(ocr=ocr, time_limit=time_limit)
    files, error_rows = discover(inputs, out)
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the output folder {out}: {e.strerror or e}") from None
    try:
        with output_lock(out), _sigterm_as_interrupt():
            return _run_locked(files, error_rows, inputs, out, options, engine=engine, scheduler=scheduler,
                               workers=workers, force=force, progress=progress, t0=t0)
    except OutputBusy as e:
        raise UsageError(str(e)) from None
    except SchedulerUnreachable as e:
        raise UsageError(str(e)) from None


def _run_locked(files, error_rows, inputs, out, options: Options, *, engine, scheduler, workers, force, progress,
                t0) -> RunSummary:
    clean_stale_staging(out, locked=True)
    cache = Cache(out, config_key(options.ocr))
    index = HashIndex(cache.root)
    by_sha, sizes = hash_inputs(files, index, error_rows)

    metas: dict[str, DocHead] = {}
    todo: list[Task] = []
    for sha, paths in by_sha.items():
        meta = None if force else cache.read_meta(sha)
        if meta is not None and not meta.get("transient"):
            metas[sha] = DocHead.of(meta)
        else:
            todo.append(Task(paths[0], sha, sizes.get(sha, 0)))
    summary = RunSummary(out=out, processed=len(todo), reused=len(by_sha) - len(todo))

    failures: dict[str, list[dict]] = {}
    if todo:
        if engine == "local":
            from .process import warm_up

            warm_up()  # before the fork: workers share the loaded rules and models
            gc.freeze()  # and the collector of each worker no longer walks them (nor copies their pages)
            args = (todo, options, out, cache.config, workers or os.cpu_count() or 1)
        else:
            args = (todo, options, out, cache.config, scheduler)
        bar = _progress(len(todo), progress)
        try:
            for outcome in ENGINES[engine](*args):
                _file_outcome(outcome, cache, by_sha, metas, failures, index)
                bar.update(1)
        finally:
            bar.close()
            gc.unfreeze()  # a caller that runs again in this process gets its garbage collected

    digest = _inputs_digest(inputs, cache.config, by_sha, error_rows)
    previous = None if (todo or force) else _unchanged_output(out, digest)
    if previous is not None:  # nothing changed since the last complete run: its tables stand
        counts, run_id = previous["tables"], previous["run_id"]
    else:
        counts, run_id = consolidate(out, cache, by_sha, metas, failures, error_rows, inputs, options, engine,
                                     digest=digest)
        cache.prune(keep=set(by_sha))
    index.save()
    summary.documents = counts.get("documents", 0)
    summary.assignments = counts.get("assignments", 0)
    summary.citations = counts.get("citations", 0)
    summary.targets = counts.get("targets", 0)
    summary.errors = counts.get("errors", 0)
    summary.run_id = run_id
    summary.seconds = time.time() - t0
    return summary


def _file_outcome(outcome: dict, cache: Cache, by_sha: dict[str, list[str]], metas: dict[str, DocHead],
                  failures: dict[str, list[dict]], index: HashIndex) -> None:
    """Record one engine outcome: an entry in the cache (stored by the worker or sent back), or
    error rows when the document produced no entry (time limit, dead worker)."""
    sha, task_sha, path = outcome["sha"], outcome["task_sha"], outcome["path"]
    if outcome.get("entry") is not None:
        cache.store_bytes(sha, outcome["entry"])
        outcome["stored"] = True
    if not outcome.get("stored"):
        failures[task_sha] = outcome["errors"]
        return
    metas[sha] = DocHead.of(outcome["meta"])
    if sha != task_sha:  # the file changed after it was hashed: file the path under its new content
        index.forget(path)
        rest = [p for p in by_sha.get(task_sha, []) if p != path]
        by_sha.setdefault(sha, []).append(path)
        if rest:
            by_sha[task_sha] = rest
            failures[task_sha] = [_error(p, "changed", f"{path}: a file with the same content as this one changed "
                                         "during the run; run again", sha=task_sha) for p in rest[:1]]
        else:
            by_sha.pop(task_sha, None)


def _inputs_digest(inputs: list[str], config: str, by_sha: dict[str, list[str]], error_rows: list[dict]) -> str:
    """A hash of everything the tables are made from: the inputs as given, every path with its
    content hash, the refused paths and the configuration."""
    import hashlib
    import json

    h = hashlib.sha256(json.dumps([list(inputs), config], ensure_ascii=False).encode())
    for path, sha in sorted((p, sha) for sha, paths in by_sha.items() for p in paths):
        h.update(f"{path}\0{sha}\n".encode("utf-8", "surrogateescape"))
    for e in sorted(json.dumps(e, sort_keys=True, ensure_ascii=False) for e in error_rows):
        h.update(e.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _unchanged_output(out: str, digest: str) -> dict | None:
    """The manifest of the tables in `out` when they were made from exactly these inputs and are
    all there, from that run (each table carries the run's id)."""
    import json

    import pyarrow.parquet as pq

    from .write import MANIFEST
    from .schema import TABLE_NAMES

    try:
        manifest = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("inputs_digest") != digest or not manifest.get("run_id"):
            return None
        for t in TABLE_NAMES:
            meta = pq.read_schema(Path(out) / f"{t}.parquet").metadata or {}
            if meta.get(b"vanban.run_id", b"").decode() != manifest["run_id"]:
                return None
        return manifest
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", file=sys.stderr, disable=(not enabled) or None, dynamic_ncols=True,
                desc="vanban", mininterval=0.5)


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM stops a run the way Ctrl-C does (workers stopped, previous output kept)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old if old is not None else signal.SIG_DFL)


# --- consolidation ---------------------------------------------------------------------------------

def consolidate(out: str, cache: Cache, by_sha: dict[str, list[str]], metas: dict[str, DocHead],
                failures: dict[str, list[dict]], error_rows: list[dict], inputs: list[str], options: Options,
                engine: str, digest: str = "") -> tuple[dict[str, int], str]:
    """Stream cache entries in doc_id order into the tables; link citations within the run."""
    from .extract.linking import CitationLinker

    all_errors = list(error_rows)
    # documents in doc_id order; the same text from several files is one document
    first_sha: dict[str, str] = {}
    other_paths: dict[str, list[str]] = {}
    for sha, m in metas.items():
        if isinstance(m, dict):  # entry headers as read from the cache
            metas[sha] = DocHead.of(m)
    for doc_id, sha in sorted((m.doc_id, sha) for sha, m in metas.items() if m.doc_id and sha in by_sha):
        if doc_id in first_sha:
            other_paths.setdefault(doc_id, []).extend(by_sha[sha])
        else:
            first_sha[doc_id] = sha
    linker = CitationLinker([metas[sha] for sha in first_sha.values()])

    def entry_errors(sha: str, result) -> None:
        for p in sorted(by_sha[sha]):
            for e in result.errors:
                old = e.source_path or ""
                msg = e.message.replace(old, p) if old and old != p else e.message
                all_errors.append({"source_path": p, "stage": e.stage, "error_type": e.error_type, "message": msg,
                                   "source_sha256": e.source_sha256 or sha})

    def corrupt(sha: str, exc: Exception) -> None:
        cache.discard(sha)
        for p in by_sha[sha]:
            all_errors.append(_error(p, "cache_corrupt", f"{p}: the stored result of this document could not be "
                                     f"read back ({exc}); it was removed: run again", stage="write", sha=sha))

    for sha, paths in by_sha.items():
        if sha in failures:
            for p in sorted(paths):
                for e in failures[sha]:
                    old = e.get("source_path") or ""
                    msg = e["message"].replace(old, p) if old and old != p else e["message"]
                    all_errors.append(dict(e, source_path=p, message=msg))
        elif sha not in metas:
            for p in paths:
                all_errors.append(_error(p, "missing_result", f"{p}: no result came back for this document; with "
                                         "--engine dask the output folder must be the same shared folder on the "
                                         "workers; run again", stage="write", sha=sha))
        elif first_sha.get(metas[sha].doc_id) != sha and metas[sha].errors:
            try:  # error-only entries and duplicates: only their error rows are needed
                entry_errors(sha, cache.load(sha))
            except CorruptEntry as exc:
                corrupt(sha, exc)

    writer = OutputWriter(out)
    try:
        for doc_id, sha in sorted(first_sha.items()):
            try:
                result = cache.load(sha)
            except CorruptEntry as exc:
                corrupt(sha, exc)
                continue
            paths = sorted(by_sha[sha])
            tables = result.tables
            for row in tables.get("documents", []):
                row["source_path"] = paths[0]
                row["other_paths"] = sorted(paths[1:] + other_paths.get(doc_id, []))
            linker.link(tables.get("citations", []))
            writer.add_document(tables)
            entry_errors(sha, result)
            del result, tables
        writer.add_errors(all_errors)
        manifest = {"pipeline_version": __version__, "schema_version": SCHEMA_VERSION, "inputs": list(inputs),
                    "engine": engine, "ocr": options.ocr, "documents": len(first_sha), "cache_config": cache.config,
                    "inputs_digest": "" if failures else digest}
        return writer.commit(manifest), writer.run_id
    except BaseException:
        writer.abort()
        raise
