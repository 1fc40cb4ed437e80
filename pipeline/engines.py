"""Engines run `work` over many inputs and leave one cache entry per document.

Every engine runs the same `work(path, sha, options, out_dir, config)` on each input: it
processes the file, writes the result to the cache (disk to disk, so workers may be other
machines sharing the output folder) and returns a small outcome (doc_id, header fields, error
rows), never the rows themselves. The run's parent consolidates the entries into the tables.

- local: a pebble process pool forked from the warmed-up parent (workers share the loaded
  models); a document that runs past the time limit has its worker killed and becomes a
  "timeout" error row; a worker that dies (segfault, OOM kill) costs only its document.
  At most a few tasks per worker are in flight, so a million inputs never sit in memory.
- dask: batches of documents are submitted to a dask.distributed cluster; on each Dask worker
  a small "guard" pool (pebble, forkserver) runs `work` in a subprocess per document, which
  enforces the same per-document time limit and isolates crashes. Batches that lose their
  worker are retried, then split so that one poisonous document cannot sink its batch.
"""
from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait
from dataclasses import dataclass

from .cache import Cache, encode_entry
from .models import ErrorRecord
from .process import DocResult, Options, process

# Errors that depend on the moment or the machine, not on the file's bytes and the code: a
# result holding one is not cached, so the next run tries the document again.
TRANSIENT_ERRORS = {"timeout", "memory", "MemoryError", "not_found", "permission", "symlink_loop", "is_directory",
                    "os_error", "bad_path", "unreadable", "doc_unsupported", "no_tesseract", "ocr_failed",
                    "worker_died", "worker_lost", "internal_error", "changed", "version_mismatch"}
TRANSIENT_STAGES = {"ocr"}

# Local engine: tasks in flight per worker; a worker is replaced after this many documents
# (Python keeps the memory a large document needed; a fresh fork gives it back).
IN_FLIGHT_PER_WORKER = 4
MAX_TASKS_PER_WORKER = 200


@dataclass(frozen=True)
class Task:
    path: str
    sha: str
    size: int = 0


def entry_meta(result: DocResult) -> dict:
    """The cache entry's header: what the consolidation needs before it reads any rows."""
    doc = result.tables.get("documents", [{}])
    d = doc[0] if doc else {}
    return {
        "doc_id": result.doc_id,
        "doc_type": d.get("doc_type"), "doc_number": d.get("doc_number"), "issuer": d.get("issuer"),
        "issue_date": d["issue_date"].isoformat() if d.get("issue_date") else None,
        "title": d.get("title"),
        "counts": result.counts(),
        "errors": len(result.errors),
    }


def cacheable(result: DocResult) -> bool:
    return not any(e.stage in TRANSIENT_STAGES or e.error_type in TRANSIENT_ERRORS for e in result.errors)


def work(path: str, sha: str, options: Options, out_dir: str, config: str) -> dict:
    """Process one input and store its result in the cache under `out_dir` (runs in a worker).

    Every result is stored, errors included; one that holds a transient error (a vanished file,
    an OCR tool missing) is marked so and used by this run only. When `out_dir` is not visible
    here (a Dask worker without the shared folder), the entry's bytes travel back in the outcome
    and the client stores them. `sha` may differ from the result's when the file changed since
    the parent hashed it: the outcome says so and the parent re-files the path."""
    result = process(path, options, sha)
    actual = result.source_sha256 or sha
    meta = entry_meta(result)
    meta["transient"] = not cacheable(result)
    outcome = {"sha": actual, "task_sha": sha, "path": path, "doc_id": result.doc_id, "meta": meta,
               "errors": [_error_dict(e) for e in result.errors], "stored": False, "entry": None}
    data = encode_entry(meta, result)
    if os.path.isdir(out_dir):
        Cache(out_dir, config).store_bytes(actual, data)
        outcome["stored"] = True
    else:
        outcome["entry"] = data
    return outcome


def _error_dict(e: ErrorRecord) -> dict:
    return {"source_path": e.source_path, "stage": e.stage, "error_type": e.error_type,
            "message": e.message, "source_sha256": e.source_sha256}


def failed_outcome(task: Task, error: dict) -> dict:
    return {"sha": task.sha, "task_sha": task.sha, "path": task.path, "doc_id": None, "meta": {}, "errors": [error],
            "stored": False, "entry": None}


def timeout_error(task: Task, limit: float) -> dict:
    return {"source_path": task.path, "stage": "extract", "error_type": "timeout",
            "message": f"{task.path}: stopped after the {limit:g} s per-document time limit (--time-limit); "
                       "the document is pathological or very large: split it or raise the limit",
            "source_sha256": task.sha}


def crash_error(task: Task, exc: BaseException) -> dict:
    code = getattr(exc, "exitcode", None)
    if code is None:  # not a death: the work raised (a result that does not pickle, a full disk, …)
        return {"source_path": task.path, "stage": "write", "error_type": "internal_error",
                "message": f"{task.path}: vanban could not finish this document ({type(exc).__name__}: {exc}); "
                           "check the disk space of the output folder, else please report it"[:1000],
                "source_sha256": task.sha}
    why = {-9: "killed (SIGKILL), most likely out of memory", -11: "crashed (segmentation fault)",
           -6: "aborted"}.get(code, f"exit status {code}")
    return {"source_path": task.path, "stage": "extract", "error_type": "worker_died",
            "message": f"{task.path}: the worker process died while processing this document ({why}); "
                       "the other documents are not affected; check the file, or give the workers more memory",
            "source_sha256": task.sha}


def lost_error(task: Task, exc: BaseException) -> dict:
    return {"source_path": task.path, "stage": "extract", "error_type": "worker_lost",
            "message": f"{task.path}: the Dask task for this document failed after retries "
                       f"({type(exc).__name__}: {exc}); the workers may be running out of memory or cannot read "
                       "the path; run again to retry"[:1000],
            "source_sha256": task.sha}


def _outcome_of(fut, task: Task, limit: float) -> dict:
    try:
        return fut.result()
    except FutureTimeout:
        return failed_outcome(task, timeout_error(task, limit))
    except Exception as exc:  # the worker died (segfault, OOM kill, …) or the result did not pickle
        return failed_outcome(task, crash_error(task, exc))


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group; the parent stops the pool, workers just die with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


# --- local ------------------------------------------------------------------------------------------

def run_local(tasks: list[Task], options: Options, out_dir: str, config: str, workers: int) -> Iterator[dict]:
    """A process pool; each document has `options.time_limit` seconds before its worker is killed.
    Outcomes come in completion order."""
    if not tasks:
        return
    from pebble import ProcessPool

    workers = max(1, min(workers, len(tasks)))
    window = workers * IN_FLIGHT_PER_WORKER
    pending: dict = {}
    queue = iter(tasks)
    pool = ProcessPool(max_workers=workers, max_tasks=MAX_TASKS_PER_WORKER, initializer=_init_worker)
    try:
        def top_up() -> None:
            while len(pending) < window:
                t = next(queue, None)
                if t is None:
                    return
                pending[pool.schedule(work, args=(t.path, t.sha, options, out_dir, config),
                                      timeout=options.time_limit)] = t

        top_up()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                yield _outcome_of(fut, pending.pop(fut), options.time_limit)
            top_up()
        pool.close()
    except BaseException:
        pool.stop()
        raise
    finally:
        pool.join()


# --- dask -------------------------------------------------------------------------------------------

# Inputs per Dask task: a few seconds of work, never too many documents at once.
BATCH_BYTES = int(float(os.environ.get("VANBAN_DASK_BATCH_MB", "4")) * 1024 * 1024)
BATCH_DOCS = int(os.environ.get("VANBAN_DASK_BATCH_DOCS", "32"))
TASK_RETRIES = 2

_GUARD = None
_GUARD_LOCK = threading.Lock()


def _warm_guard_worker() -> None:
    _init_worker()
    from .process import warm_up

    warm_up()


def _guard_pool(size: int):
    """One process pool per Dask worker process (created on its first task), forked from a
    forkserver that has the pipeline imported: each document runs in a subprocess that can be
    killed at the time limit, and a crash costs one document, not the Dask worker."""
    global _GUARD
    with _GUARD_LOCK:
        if _GUARD is None or not _GUARD.active:
            import multiprocessing

            from pebble import ProcessPool

            try:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["pipeline.engines", "pipeline.process", "pipeline.components",
                                            "pipeline.ingest", "underthesea"])
            except ValueError:  # pragma: no cover - platforms without forkserver
                ctx = multiprocessing.get_context("spawn")
            _GUARD = ProcessPool(max_workers=max(1, size), max_tasks=MAX_TASKS_PER_WORKER,
                                 initializer=_warm_guard_worker, context=ctx)
        return _GUARD


def _worker_threads() -> int:
    try:
        from distributed import get_worker

        w = get_worker()
        return int(getattr(w, "nthreads", None) or w.state.nthreads)
    except Exception:
        return 1


def work_batch(items: list[tuple[str, str]], options: Options, out_dir: str, config: str,
               version: str = "") -> list[dict]:
    """Run on a Dask worker: `work` for each (path, sha) under the per-document time limit.
    Outcomes come back in the order of `items`."""
    from . import __version__

    if version and version != __version__:
        return [failed_outcome(Task(p, s), {
            "source_path": p, "stage": "extract", "error_type": "version_mismatch",
            "message": f"{p}: the Dask worker runs vanban {__version__} but the client runs {version}; install the "
                       "same version on the client and the workers", "source_sha256": s}) for p, s in items]
    pool = _guard_pool(_worker_threads())
    futures = [(Task(p, s), pool.schedule(work, args=(p, s, options, out_dir, config), timeout=options.time_limit))
               for p, s in items]
    return [_outcome_of(fut, task, options.time_limit) for task, fut in futures]


def batches(tasks: list[Task], max_bytes: int = BATCH_BYTES, max_docs: int = BATCH_DOCS) -> Iterator[list[Task]]:
    """Consecutive tasks grouped up to `max_bytes` of input or `max_docs` documents."""
    batch: list[Task] = []
    size = 0
    for t in tasks:
        if batch and (size + t.size > max_bytes or len(batch) >= max_docs):
            yield batch
            batch, size = [], 0
        batch.append(t)
        size += t.size
    if batch:
        yield batch


class SchedulerUnreachable(Exception):
    """The Dask scheduler address does not answer (a usage error: exit status 2)."""


def connect(scheduler: str | None, timeout: float | None = None):
    from distributed import Client

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not address:
        return Client(processes=True, dashboard_address=None, threads_per_worker=1)
    if timeout is None:
        timeout = float(os.environ.get("VANBAN_DASK_CONNECT_TIMEOUT", "30"))
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {address}: {e}") from None


def run_dask(tasks: list[Task], options: Options, out_dir: str, config: str, scheduler: str | None,
             batch_bytes: int | None = None, batch_docs: int | None = None) -> Iterator[dict]:
    """The same `work` on a dask.distributed cluster. Workers read the inputs and write the cache
    entries by path, so the input and output folders must be visible to them at the same paths
    (a shared filesystem); without a shared output folder the entries travel back to the client.
    Outcomes come in completion order."""
    if not tasks:
        return
    from distributed import as_completed

    from . import __version__

    client = connect(scheduler)
    out_abs = os.path.abspath(out_dir)
    try:
        threads = max(1, sum(client.nthreads().values()))
        window = 2 * threads
        queue = iter(batches(tasks, batch_bytes or BATCH_BYTES, batch_docs or BATCH_DOCS))
        pending: dict = {}
        ac = as_completed(loop=client.loop)

        def submit(batch: list[Task]) -> None:
            fut = client.submit(work_batch, [(os.path.abspath(t.path), t.sha) for t in batch], options, out_abs,
                                config, __version__, pure=False, retries=TASK_RETRIES)
            pending[fut] = batch
            ac.add(fut)

        def top_up() -> None:
            while len(pending) < window:
                b = next(queue, None)
                if b is None:
                    return
                submit(b)

        top_up()
        for fut in ac:
            batch = pending.pop(fut)
            try:
                outcomes = fut.result()
            except Exception as exc:  # KilledWorker after retries, an unpicklable result, …
                if len(batch) > 1:  # isolate the document that sinks its batch
                    for t in batch:
                        submit([t])
                else:
                    yield failed_outcome(batch[0], lost_error(batch[0], exc))
            else:
                for task, outcome in zip(batch, outcomes):
                    outcome["path"] = task.path  # as given (workers got it absolute)
                    yield outcome
            fut.release()
            top_up()
    finally:
        client.close()


ENGINES: dict[str, Callable[..., Iterator[dict]]] = {"local": run_local, "dask": run_dask}
