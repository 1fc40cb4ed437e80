"""`make bench`: throughput and peak memory of `vanban run`, with a reference measured in the
same run over the same text: underthesea.word_tokenize alone.

    python -m pipeline.bench FOLDER [--limit N] [--workers 1] [--runs 3] [--skip-reference]

Each run is a fresh `vanban run --force` process (start-up included) into a temporary folder;
a second run without --force measures the cache. Peak memory is the largest sum of RSS over the
process tree, sampled every 50 ms. Figures are medians over --runs.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _inputs(folder: str, limit: int | None) -> list[str]:
    exts = (".txt", ".pdf", ".docx", ".html", ".htm")
    files = sorted(str(p) for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in exts)
    return files[:limit] if limit else files


def _run_measured(cmd: list[str]) -> tuple[float, int, int]:
    """(seconds, peak tree RSS bytes, exit status) of a command."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
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
            peak = max(peak, total)
            stop.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    rc = proc.wait()
    stop.set()
    th.join()
    return time.perf_counter() - t0, peak, rc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--limit", type=int, default=None, help="only the first N files (sorted by name)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-reference", action="store_true", help="do not time underthesea.word_tokenize")
    args = ap.parse_args(argv)

    files = _inputs(args.folder, args.limit)
    if not files:
        print(f"no input files under {args.folder}", file=sys.stderr)
        return 2
    vanban = [sys.executable, "-m", "pipeline", "run"]
    work = Path(tempfile.mkdtemp(prefix="vanban-bench-"))
    listfile = work / "inputs"
    try:
        # inputs are passed through a folder of symlinks, so the command line stays short
        indir = work / "in"
        indir.mkdir()
        for i, f in enumerate(files):
            os.symlink(os.path.abspath(f), indir / f"{i:06d}_{Path(f).name}")
        listfile.write_text("\n".join(files))
        out = work / "out"
        cmd = vanban + [str(indir), "--out", str(out), "--workers", str(args.workers), "--no-progress", "--force"]
        firsts, peaks = [], []
        for _ in range(args.runs):
            secs, peak, rc = _run_measured(cmd)
            if rc not in (0, 1):
                print(f"vanban run failed with status {rc}", file=sys.stderr)
                return 1
            firsts.append(secs)
            peaks.append(peak)
        reruns = [_run_measured(cmd[:-1])[0] for _ in range(args.runs)]

        import pandas as pd

        docs = pd.read_parquet(out / "documents.parquet", columns=["text", "pages", "ocr_pages", "source_format"])
        errors = pd.read_parquet(out / "errors.parquet")
        n_docs, n_chars = len(docs), int(docs["text"].str.len().sum())
        pages = int(docs["pages"].fillna(0).sum())
        ocr_pages = int(docs["ocr_pages"].sum())
        first = statistics.median(firsts)
        rerun = statistics.median(reruns)
        print(f"inputs: {len(files)} files from {args.folder} ({n_docs} documents, {len(errors)} error rows)")
        print(f"pipeline ({args.workers} worker(s), start-up included, median of {args.runs}): {first:.1f} s "
              f"= {n_docs / first:.1f} documents/s, {n_chars / first / 1e6:.3f} Mchar/s")
        if pages:
            print(f"  PDF pages: {pages} ({pages / first:.1f} pages/s over the whole run)")
        if ocr_pages:
            print(f"  OCR pages: {ocr_pages} ({ocr_pages / first:.2f} pages/s over the whole run)")
        print(f"  peak memory (RSS summed over the process tree): {statistics.median(peaks) / 2**20:.0f} MiB "
              f"(max {max(peaks) / 2**20:.0f} MiB)")
        print(f"re-run with nothing changed: {rerun:.2f} s ({first / rerun:.1f}x faster than the first run)")
        if not args.skip_reference:
            from underthesea import word_tokenize

            texts = list(docs["text"])
            word_tokenize("khởi động")  # model load outside the timing
            t0 = time.perf_counter()
            for t in texts:
                word_tokenize(t)
            ref = time.perf_counter() - t0
            print(f"reference: underthesea.word_tokenize over the same text: {ref:.1f} s "
                  f"({n_chars / ref / 1e6:.3f} Mchar/s); the pipeline is {ref / first:.1f}x faster")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
