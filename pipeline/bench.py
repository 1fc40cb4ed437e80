"""`make bench`: throughput and peak memory of `vanban run`, with a reference measured in the
same run over the same text: underthesea.word_tokenize alone.

    python -m pipeline.bench FOLDER [FOLDER...] [--limit N] [--workers 1] [--runs 3]
                             [--skip-reference] [--skip-stages] [--json FILE]

- Each timed run is a fresh `vanban run --force` process (start-up included) into a temporary
  folder; then runs without --force measure the re-use of the cache. Figures are medians over
  --runs. Wall time and CPU time (user + system, summed over the process tree) are both given:
  on a shared machine CPU time is the steadier measure.
- Peak memory is the largest sum of RSS over the process tree, sampled every 50 ms (shared
  pages of forked workers count once per process, so this over-states the real use).
- The code and rules are copied into the temporary folder first and run from there, so edits
  made while the bench runs cannot change the code under test (nor the cache key).
- Stages: one more pass in a single process that times (CPU) reading, normalizing and every
  component per document: where the time goes. PDF and OCR pages/s come from the reading
  time of PDF documents (text layer) and of OCR'd documents.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

EXTENSIONS = (".txt", ".pdf", ".docx", ".doc", ".html", ".htm")
PACKAGE = Path(__file__).resolve().parent


def _inputs(folders: list[str], limit: int | None) -> list[str]:
    files: list[str] = []
    for folder in folders:
        p = Path(folder)
        if p.is_file():
            files.append(str(p))
            continue
        files += sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in EXTENSIONS
                        and not f.name.endswith(".page1.txt"))
    return files[:limit] if limit else files


def snapshot_env(work: Path) -> dict[str, str]:
    """Environment for subprocesses that run a copy of the package and rules made now (in
    `work/snap`), so that every run measured or compared comes from one version of the code
    even while the working tree is being edited."""
    from .rules import RULES_DIR

    snap = work / "snap"
    if not snap.exists():
        shutil.copytree(PACKAGE, snap / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(RULES_DIR, snap / "rules")
    env = dict(os.environ, PYTHONPATH=str(snap), VANBAN_RULES=str(snap / "rules"))
    env.pop("PYTHONSTARTUP", None)
    return env


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class PeakTreeRSS:
    """Samples, in a thread, the RSS summed over a process and all its descendants every
    `interval` seconds while the `with` block runs; `.peak` is the largest sum (bytes)."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> dict:
    """Wall seconds, CPU seconds of the process tree, peak tree RSS (bytes) and exit status."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True)
    with PeakTreeRSS(proc.pid) as memory:
        out, err = proc.communicate()
        wall = time.perf_counter() - t0
    return {"wall": wall, "cpu": _children_cpu() - cpu0, "peak": memory.peak, "rc": proc.returncode,
            "stdout": out, "stderr": err}


# --- per-stage profile (runs in its own process, from the snapshot) --------------------------------

def profile_stages(files: list[str]) -> dict:
    """CPU seconds per stage over `files`, in this process: start-up, reading (per format),
    normalize, each component, tabulating and storing the rows."""
    def pt() -> float:  # this process and its finished subprocesses (tesseract, LibreOffice)
        return time.process_time() + _children_cpu()

    t = pt()
    from . import components  # noqa: F401
    from .cache import encode_entry
    from .components import pipeline_components
    from .document import Doc
    from .engines import entry_meta
    from .ingest import read
    from .normalize import normalize
    from .process import DocResult, rows_of, warm_up

    stages: dict[str, float] = {"import": pt() - t}
    t = pt()
    warm_up()
    stages["warm_up"] = pt() - t
    comps = pipeline_components()
    formats: dict[str, dict] = {}
    chars = docs = 0
    for path in files:
        t = pt()
        try:
            raw = read(path)
        except Exception:
            stages["read"] = stages.get("read", 0.0) + pt() - t
            continue
        dt = pt() - t
        stages["read"] = stages.get("read", 0.0) + dt
        kind = "ocr" if raw.ocr_pages else raw.source_format
        f = formats.setdefault(kind, {"documents": 0, "seconds": 0.0, "pages": 0, "ocr_pages": 0})
        f["documents"] += 1
        f["seconds"] += dt
        f["pages"] += raw.pages or 0
        f["ocr_pages"] += raw.ocr_pages or 0
        t = pt()
        text = normalize(raw.text, raw.hard_wrapped)
        stages["normalize"] = stages.get("normalize", 0.0) + pt() - t
        doc = Doc(text=text, source_path=path, source_format=raw.source_format)
        for c in comps:
            t = pt()
            try:
                c.fn(doc)
            except Exception:
                pass
            stages[c.name] = stages.get(c.name, 0.0) + pt() - t
        t = pt()
        result = DocResult(None, doc.doc_id, rows_of(doc, raw, None))
        encode_entry(entry_meta(result), result)
        stages["tabulate+store"] = stages.get("tabulate+store", 0.0) + pt() - t
        chars += len(text)
        docs += 1
    return {"stages": stages, "formats": formats, "chars": chars, "documents": docs}


def _profile_main(listfile: str) -> None:
    files = Path(listfile).read_text(encoding="utf-8").split("\n")
    print(json.dumps(profile_stages([f for f in files if f])))


# --- the bench -------------------------------------------------------------------------------------

def _machine() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    try:
        import psutil

        mem = f", {psutil.virtual_memory().total / 2**30:.0f} GB RAM"
    except ImportError:
        mem = ""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{model}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, load average {load:.1f} at start"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", metavar="FOLDER")
    ap.add_argument("--limit", type=int, default=None, help="only the first N files (sorted by name)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-reference", action="store_true", help="do not time underthesea.word_tokenize")
    ap.add_argument("--skip-stages", action="store_true", help="no per-stage CPU profile")
    ap.add_argument("--json", default=None, help="also write the figures as JSON to this file")
    args = ap.parse_args(argv)

    files = _inputs(args.folders, args.limit)
    if not files:
        print(f"no input files under {' '.join(args.folders)}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="vanban-bench-"))
    report: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": _machine(), "inputs": len(files),
                    "folders": args.folders, "workers": args.workers, "runs": args.runs}
    try:
        env = snapshot_env(work)
        indir = work / "in"  # a folder of links keeps the command line short
        indir.mkdir()
        for i, f in enumerate(files):
            os.symlink(os.path.abspath(f), indir / f"{i:06d}{Path(f).suffix.lower()}")
        listfile = work / "inputs"
        listfile.write_text("\n".join(os.path.abspath(f) for f in files), encoding="utf-8")
        out = work / "out"
        cmd = [sys.executable, "-m", "pipeline", "run", str(indir), "--out", str(out), "--workers",
               str(args.workers), "--no-progress"]
        print(f"vanban bench: {len(files)} files from {' '.join(args.folders)}; {report['machine']}", flush=True)
        firsts, reruns = [], []
        for i in range(args.runs):
            m = run_measured(cmd + ["--force"], env=env, cwd=str(work))
            if m["rc"] not in (0, 1):
                print(f"vanban run failed with status {m['rc']}:\n{m['stderr'][-2000:]}", file=sys.stderr)
                return 1
            firsts.append(m)
            print(f"  run {i + 1}: {m['wall']:.1f} s wall, {m['cpu']:.1f} s CPU, peak {m['peak'] / 2**20:.0f} MiB",
                  flush=True)
        for _ in range(args.runs):
            reruns.append(run_measured(cmd, env=env, cwd=str(work)))
        first_link = sorted(indir.iterdir())[0]  # one document changed: re-done, tables made again
        data = first_link.read_bytes()
        first_link.unlink()
        first_link.write_bytes(data + b"\n")
        one = run_measured(cmd, env=env, cwd=str(work))

        import pandas as pd

        docs = pd.read_parquet(out / "documents.parquet", columns=["text", "pages", "ocr_pages"])
        n_err = len(pd.read_parquet(out / "errors.parquet"))
        n_docs, n_chars = len(docs), int(docs["text"].str.len().sum())
        wall = statistics.median(m["wall"] for m in firsts)
        cpu = statistics.median(m["cpu"] for m in firsts)
        peak = statistics.median(m["peak"] for m in firsts)
        re_wall = statistics.median(m["wall"] for m in reruns)
        re_cpu = statistics.median(m["cpu"] for m in reruns)
        report.update(documents=n_docs, errors=n_err, chars=n_chars, wall=wall, cpu=cpu, peak_rss=peak,
                      peak_rss_max=max(m["peak"] for m in firsts), rerun_wall=re_wall, rerun_cpu=re_cpu,
                      one_changed_wall=one["wall"], one_changed_cpu=one["cpu"],
                      walls=[m["wall"] for m in firsts], cpus=[m["cpu"] for m in firsts])
        print(f"inputs: {len(files)} files ({n_docs} documents, {n_err} error rows, {n_chars / 1e6:.1f} M characters)")
        print(f"pipeline ({args.workers} worker(s), start-up included, median of {args.runs}): {wall:.1f} s wall "
              f"= {n_docs / wall:.1f} documents/s, {n_chars / wall / 1e6:.3f} Mchar/s; "
              f"{cpu:.1f} s CPU = {n_chars / cpu / 1e6:.3f} Mchar/s of CPU")
        print(f"  peak memory (RSS summed over the process tree): {peak / 2**20:.0f} MiB "
              f"(max {report['peak_rss_max'] / 2**20:.0f} MiB)")
        print(f"re-run with nothing changed: {re_wall:.2f} s wall, {re_cpu:.2f} s CPU "
              f"({wall / re_wall:.1f}x faster than the first run)")
        print(f"re-run with one document changed: {one['wall']:.2f} s wall, {one['cpu']:.2f} s CPU "
              f"({wall / one['wall']:.1f}x faster than the first run)")

        if not args.skip_stages:
            m = run_measured([sys.executable, "-c", "import sys; from pipeline.bench import _profile_main; "
                              "_profile_main(sys.argv[1])", str(listfile)], env=env, cwd=str(work))
            if m["rc"] == 0:
                prof = json.loads(m["stdout"].strip().splitlines()[-1])
                report["profile"] = prof
                _print_profile(prof)
            else:
                print(f"stage profile failed:\n{m['stderr'][-2000:]}", file=sys.stderr)

        if not args.skip_reference:
            from underthesea import word_tokenize

            texts = list(docs["text"])
            word_tokenize("khởi động")  # model load outside the timing
            t0, c0 = time.perf_counter(), time.process_time()
            for t in texts:
                word_tokenize(t)
            ref_wall, ref_cpu = time.perf_counter() - t0, time.process_time() - c0
            report.update(reference_wall=ref_wall, reference_cpu=ref_cpu)
            print(f"reference: underthesea.word_tokenize over the same text: {ref_wall:.1f} s wall "
                  f"({n_chars / ref_wall / 1e6:.3f} Mchar/s), {ref_cpu:.1f} s CPU; the pipeline is "
                  f"{ref_wall / wall:.1f}x faster (wall), {ref_cpu / cpu:.1f}x (CPU)")
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _print_profile(prof: dict) -> None:
    stages, chars = prof["stages"], prof["chars"] or 1
    work = {k: v for k, v in stages.items() if k not in ("import", "warm_up")}
    total = sum(work.values()) or 1e-9
    print(f"stages (CPU, one process, {prof['documents']} documents; start-up: import {stages.get('import', 0):.1f} s, "
          f"warm-up {stages.get('warm_up', 0):.1f} s):")
    for k, v in sorted(work.items(), key=lambda kv: -kv[1]):
        print(f"  {k:15s} {v:8.2f} s {100 * v / total:5.1f}%  {chars / v / 1e6 if v else float('inf'):8.2f} Mchar/s")
    print(f"  {'total':15s} {total:8.2f} s        {chars / total / 1e6:8.3f} Mchar/s")
    for kind, f in sorted(prof["formats"].items()):
        line = f"  read {kind}: {f['documents']} documents, {f['seconds']:.2f} s"
        if kind == "pdf" and f["pages"]:
            line += f", {f['pages']} pages = {f['pages'] / max(f['seconds'], 1e-9):.1f} PDF pages/s"
        if kind == "ocr" and f["ocr_pages"]:
            line += f", {f['ocr_pages']} OCR pages = {f['ocr_pages'] / max(f['seconds'], 1e-9):.2f} OCR pages/s"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
