"""`vanban run`: discover inputs, process what the cache does not hold, write the tables.

Memory stays bounded by the size of one document: engines leave results in the cache and
report small summaries; the consolidation streams cache entries into the table writers in
doc_id order.
"""
from __future__ import annotations

import json
import os
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .cache import Cache
from .engines import ENGINES, Task
from .process import Options, sha256_file
from .schema import SCHEMA_VERSION
from .write import OutputWriter, clean_stale_staging

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
    error_rows: list[dict] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        return 1 if self.errors else 0

    def line(self) -> str:
        return (f"vanban: {self.documents} documents, {self.assignments} assignments, {self.citations} citations, "
                f"{self.targets} targets, {self.errors} errors in {self.seconds:.1f} s "
                f"({self.processed} processed, {self.reused} from cache) -> {self.out}")


# --- discovery -------------------------------------------------------------------------------------

def discover(inputs: list[str], out_dir: str) -> tuple[list[str], list[dict]]:
    """Files to process (as given, sorted, unique) and error rows for what cannot be processed."""
    out_real = os.path.realpath(out_dir)
    files: list[str] = []
    errors: list[dict] = []
    for given in inputs:
        if not os.path.lexists(given):
            raise UsageError(f"input path does not exist: {given}")
        if os.path.isdir(given):
            for root, dirs, names in os.walk(given, followlinks=False):
                if os.path.realpath(root).startswith(out_real + os.sep) or os.path.realpath(root) == out_real:
                    dirs[:] = []
                    continue
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith("."):
                        continue
                    _classify(os.path.join(root, name), files, errors)
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


def _classify(path: str, files: list[str], errors: list[dict]) -> None:
    def err(error_type: str, message: str) -> None:
        errors.append({"source_path": path, "stage": "read", "error_type": error_type, "message": message,
                       "source_sha256": None})

    try:
        st = os.stat(path)
    except OSError as e:
        if os.path.islink(path):
            err("broken_link", f"symbolic link that does not resolve ({e.strerror}): a loop or a missing target")
        else:
            err("unreadable", f"cannot stat the file: {e.strerror}")
        return
    if not stat.S_ISREG(st.st_mode):
        err("unsupported", "not a regular file (device, fifo or socket)")
        return
    if not path.lower().endswith(SUPPORTED_EXTENSIONS):
        ext = os.path.splitext(path)[1] or "(none)"
        err("unsupported", f"unsupported file type {ext}: vanban reads .txt, .pdf, .docx, .doc, .html and .htm")
        return
    files.append(path)


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
    t0 = time.time()
    options = Options(ocr=ocr, time_limit=time_limit)
    files, error_rows = discover(inputs, out)
    Path(out).mkdir(parents=True, exist_ok=True)
    clean_stale_staging(out)
    cache = Cache(out, ocr)

    # content hashes (a file that vanishes or cannot be read becomes an error row)
    by_sha: dict[str, list[str]] = {}
    for path in files:
        try:
            sha = sha256_file(path)
        except OSError as e:
            error_rows.append({"source_path": path, "stage": "read", "error_type": "unreadable",
                               "message": f"cannot read the file: {e.strerror or e}", "source_sha256": None})
            continue
        by_sha.setdefault(sha, []).append(path)

    todo = [Task(paths[0], sha) for sha, paths in by_sha.items() if force or not _cached(cache, sha)]
    summary = RunSummary(out=out, processed=len(todo), reused=len(by_sha) - len(todo))
    fresh_errors: dict[str, list[dict]] = {}
    if todo:
        if engine == "local":
            from .process import warm_up

            warm_up()
        runner = ENGINES[engine]
        args = (todo, options, out, workers or os.cpu_count() or 1) if engine == "local" else (todo, options, out, scheduler)
        bar = _progress(len(todo), progress)
        try:
            for outcome in runner(*args):
                if outcome["errors"]:
                    fresh_errors[outcome["sha"]] = outcome["errors"]
                bar.update(1)
        finally:
            bar.close()

    summary_counts = consolidate(out, cache, by_sha, fresh_errors, error_rows, inputs, options, engine)
    summary.documents = summary_counts.get("documents", 0)
    summary.assignments = summary_counts.get("assignments", 0)
    summary.citations = summary_counts.get("citations", 0)
    summary.targets = summary_counts.get("targets", 0)
    summary.errors = summary_counts.get("errors", 0)
    summary.seconds = time.time() - t0
    return summary


def _cached(cache: Cache, sha: str) -> bool:
    return cache.has(sha) and cache.path_for(sha).with_suffix(".json").is_file()


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", file=sys.stderr, disable=(not enabled) or None, dynamic_ncols=True,
                desc="vanban")


def consolidate(out: str, cache: Cache, by_sha: dict[str, list[str]], fresh_errors: dict[str, list[dict]],
                error_rows: list[dict], inputs: list[str], options: Options, engine: str) -> dict[str, int]:
    """Stream cache entries in doc_id order into the tables; link citations within the run."""
    from .extract.linking import CitationLinker

    metas: dict[str, dict] = {}
    for sha in by_sha:
        meta_path = cache.path_for(sha).with_suffix(".json")
        if meta_path.is_file():
            metas[sha] = json.loads(meta_path.read_text(encoding="utf-8"))
    # documents in doc_id order; the same text from several files is one document
    order: list[tuple[str, str]] = sorted((m["doc_id"], sha) for sha, m in metas.items() if m.get("doc_id"))
    first_sha: dict[str, str] = {}
    other_paths: dict[str, list[str]] = {}
    for doc_id, sha in order:
        if doc_id in first_sha:
            other_paths.setdefault(doc_id, []).extend(by_sha[sha])
        else:
            first_sha[doc_id] = sha
    linker = CitationLinker([(doc_id, metas[sha]) for doc_id, sha in first_sha.items()])

    writer = OutputWriter(out)
    try:
        all_errors = list(error_rows)
        for sha, paths in by_sha.items():
            if sha in fresh_errors:
                errs = fresh_errors[sha]
            elif sha in metas and cache.has(sha):
                errs = None  # read from the entry below
            else:
                errs = []
            if errs:
                all_errors.extend(dict(e, source_path=p) for e in errs for p in paths)
        for doc_id, sha in sorted(first_sha.items()):
            result = cache.load(sha)
            paths = sorted(by_sha[sha])
            tables = result.tables
            for row in tables.get("documents", []):
                row["source_path"] = paths[0]
                row["other_paths"] = sorted(paths[1:] + other_paths.get(doc_id, []))
            linker.link(tables.get("citations", []))
            writer.add_document(tables)
            if sha not in fresh_errors:
                all_errors.extend(dict(_err(e), source_path=p) for e in result.errors for p in paths)
        # error-only entries (nothing tabulated) read back from the cache
        for sha, paths in by_sha.items():
            if sha not in fresh_errors and sha in metas and not metas[sha].get("doc_id") and cache.has(sha):
                result = cache.load(sha)
                all_errors.extend(dict(_err(e), source_path=p) for e in result.errors for p in paths)
        writer.add_errors(all_errors)
        manifest = {"pipeline_version": __version__, "schema_version": SCHEMA_VERSION, "inputs": list(inputs),
                    "engine": engine, "ocr": options.ocr, "documents": len(first_sha), "cache_config": cache.config}
        return writer.commit(manifest)
    except BaseException:
        writer.abort()
        raise


def _err(e) -> dict:
    return {"source_path": e.source_path, "stage": e.stage, "error_type": e.error_type, "message": e.message,
            "source_sha256": e.source_sha256}
