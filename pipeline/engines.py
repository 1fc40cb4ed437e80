"""Engines run `process` over many inputs and leave one cache entry per document.

Every engine runs the same `work` function on (path, sha) tasks; it writes the result to the
cache (disk to disk, so workers may be other machines sharing the output folder) and returns a
small summary. The local engine is a process pool that kills a worker whose document runs past
the time limit; the Dask engine submits the same function to a dask.distributed cluster.
"""
from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from .cache import Cache
from .models import ErrorRecord
from .process import DocResult, Options, process

# Errors that depend on the file's bytes only; results holding other errors (unreadable file,
# OCR tool missing, time limit) are not cached, so the next run tries again.
_TRANSIENT_STAGES = {"read", "ocr"}
_DETERMINISTIC_READ_ERRORS = {"empty", "unsupported", "encrypted", "corrupt", "too_large", "no_pages",
                              "zip_bomb", "binary"}


@dataclass
class Task:
    path: str
    sha: str


@dataclass
class Outcome:
    """What an engine reports per task: enough to plan the consolidation without the rows."""
    sha: str
    path: str
    doc_id: str | None
    meta: dict
    errors: list[dict]
    cached: bool


def summary_of(result: DocResult) -> dict:
    doc = result.tables.get("documents", [{}])
    d = doc[0] if doc else {}
    return {
        "doc_id": result.doc_id,
        "doc_type": d.get("doc_type"), "doc_number": d.get("doc_number"), "issuer": d.get("issuer"),
        "issue_date": d["issue_date"].isoformat() if d.get("issue_date") else None,
        "counts": result.counts(),
    }


def cacheable(result: DocResult) -> bool:
    return all(e.stage not in _TRANSIENT_STAGES or e.error_type in _DETERMINISTIC_READ_ERRORS
               for e in result.errors)


def work(path: str, sha: str, options: Options, out_dir: str) -> dict:
    """Process one input and store the result in the cache under `out_dir` (runs in a worker)."""
    cache = Cache(out_dir, options.ocr)
    result = process(path, options, sha)
    if cacheable(result):
        cache.store(sha, result)
        meta_path = cache.path_for(sha).with_suffix(".json")
        tmp = meta_path.with_name(meta_path.name + f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(summary_of(result)), encoding="utf-8")
        os.replace(tmp, meta_path)
    return {"sha": sha, "doc_id": result.doc_id, "meta": summary_of(result),
            "errors": [_error_dict(e) for e in result.errors]}


def _error_dict(e: ErrorRecord) -> dict:
    return {"source_path": e.source_path, "stage": e.stage, "error_type": e.error_type,
            "message": e.message, "source_sha256": e.source_sha256}


def _timeout_error(task: Task, limit: float) -> dict:
    return {"source_path": task.path, "stage": "extract", "error_type": "timeout",
            "message": f"stopped after the {limit:g} s per-document time limit (--time-limit); "
                       "the document is pathological or very large: split it or raise the limit",
            "source_sha256": task.sha}


def _crash_error(task: Task, exc: BaseException) -> dict:
    return {"source_path": task.path, "stage": "extract", "error_type": type(exc).__name__,
            "message": f"the worker processing this document died: {exc}"[:1000], "source_sha256": task.sha}


def _init_worker() -> None:
    # Ctrl-C is handled by the parent, which stops the pool; workers just die with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def run_local(tasks: list[Task], options: Options, out_dir: str, workers: int) -> Iterator[dict]:
    """A process pool; each document has `options.time_limit` seconds before its worker is killed."""
    if not tasks:
        return
    from pebble import ProcessPool

    with ProcessPool(max_workers=max(1, workers), initializer=_init_worker) as pool:
        futures = [(t, pool.schedule(work, args=(t.path, t.sha, options, out_dir), timeout=options.time_limit))
                   for t in tasks]
        try:
            for task, fut in futures:
                try:
                    yield fut.result()
                except FutureTimeout:
                    yield {"sha": task.sha, "doc_id": None, "meta": {}, "errors": [_timeout_error(task, options.time_limit)]}
                except Exception as exc:  # the worker died (segfault, OOM kill, …)
                    yield {"sha": task.sha, "doc_id": None, "meta": {}, "errors": [_crash_error(task, exc)]}
        except BaseException:
            pool.stop()
            raise


def run_dask(tasks: list[Task], options: Options, out_dir: str, scheduler: str | None) -> Iterator[dict]:
    """The same `work` on a dask.distributed cluster; workers read inputs and write cache entries
    by path, so the input and output folders must be visible to them at the same paths."""
    from dask.distributed import Client, as_completed

    client = Client(scheduler) if scheduler else Client(processes=True, dashboard_address=None)
    try:
        futures = {client.submit(work, t.path, t.sha, options, os.path.abspath(out_dir), key=f"vanban-{t.sha}-{i}",
                                 pure=False): t for i, t in enumerate(tasks)}
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                yield fut.result(timeout=options.time_limit)
            except Exception as exc:
                yield {"sha": task.sha, "doc_id": None, "meta": {}, "errors": [_crash_error(task, exc)]}
    finally:
        client.close()


ENGINES: dict[str, Callable[..., Iterator[dict]]] = {"local": run_local, "dask": run_dask}
