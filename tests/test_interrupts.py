"""Interrupted runs lose nothing (issue 9): SIGKILL at random moments of a real `vanban run`
leaves every table equal to the previous or the new complete output; the next run completes;
Ctrl-C and SIGTERM stop cleanly with exit status 130; two runs never write one folder."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from pipeline import schema
from pipeline.run import UsageError, run

from .conftest import DEV, ROOT
from .hostile import big_text, snapshot_env

OLD = ["seed_000_ct_cantho_2025.txt", "d09_cd_226_ttg.txt", "d11_cd_234_ttg.txt", "d13_tb_627_vpcp.txt"]
NEW = ["seed_000_ct_cantho_2025.txt", "d09_cd_226_ttg.txt", "d01_ct_09_ubnd.txt", "d12_qd_2853_ubnd.txt"]
CLI = [sys.executable, "-m", "pipeline", "run"]


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in schema.TABLE_NAMES}


def _fill(folder: Path, names: list[str], changed: str | None = None) -> None:
    for p in folder.glob("*"):
        p.unlink()
    for n in names:
        data = (DEV / n).read_bytes()
        if n == changed:
            data = data.replace("Ủy ban".encode(), "UBND".encode(), 1) + "\nPhụ lục.\n".encode()
        (folder / n).write_bytes(data)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        assert_frame_equal(a, b)
        return True
    except AssertionError:
        return False


def _start(inputs: Path, out: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(CLI + [str(inputs), "--out", str(out), "--workers", "2", "--no-progress", *extra],
                            cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)


def _complete(inputs: Path, out: Path, env: dict) -> float:
    t0 = time.monotonic()
    p = _start(inputs, out, env=env)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err[-3000:]
    return time.monotonic() - t0


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """One input folder, the complete output of its old content and of its new content (from
    real runs of one snapshot of the code), and how long the new run took."""
    base = tmp_path_factory.mktemp("interrupts")
    env = snapshot_env(base)
    src = base / "in"
    src.mkdir()
    _fill(src, OLD)
    old = base / "old"
    _complete(src, old, env)
    _fill(src, NEW, changed="d09_cd_226_ttg.txt")
    new = base / "new"
    shutil.copytree(old, new)
    seconds = _complete(src, new, env)  # re-uses the unchanged documents, as the killed runs will
    return base, src, old, new, env, seconds


def _check_each_table_old_or_new(out: Path, old: dict, new: dict, what: str) -> set[str]:
    seen = set()
    for t in schema.TABLE_NAMES:
        df = pd.read_parquet(out / f"{t}.parquet")  # must be readable
        if _same(df, new[t]):
            seen.add("new")
        elif _same(df, old[t]):
            seen.add("old")
        else:
            raise AssertionError(f"{what}: {t}.parquet is neither the old nor the new output")
    json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return seen


def test_sigkill_at_random_moments_never_damages_the_tables(states):
    base, src, old_out, new_out, env, processing = states
    old, new = _tables(old_out), _tables(new_out)
    rng = random.Random()
    seed = rng.randrange(10**6)
    rng.seed(seed)

    def prepared(k: int, cached: bool) -> Path:
        out = base / f"kill{k}"
        shutil.copytree(old_out, out)
        if cached:  # the documents are all done: the run hashes, consolidates and swaps the tables
            shutil.rmtree(out / ".vanban-cache")
            shutil.copytree(new_out / ".vanban-cache", out / ".vanban-cache")
        return out

    durations = {False: processing, True: _complete(src, prepared(9, True), env)}
    assert _check_each_table_old_or_new(base / "kill9", old, new, "complete cached run") == {"new"}

    for k in range(6):
        cached = k % 2 == 1
        out = prepared(k, cached)
        delay = rng.uniform(0.1, 1.0) * durations[cached]
        p = _start(src, out, env=env)
        time.sleep(delay)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate()
        what = f"kill {k} after {delay:.2f} s ({'cached' if cached else 'processing'} run; seed {seed})"
        _check_each_table_old_or_new(out, old, new, what)

    procs = [_start(src, base / f"kill{k}", env=env) for k in range(6)]  # the next run completes normally
    for k, p in enumerate(procs):
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, f"run after kill {k} (seed {seed}): {err[-2000:]}"
    for k in range(6):
        out = base / f"kill{k}"
        assert _check_each_table_old_or_new(out, old, new, f"run after kill {k}") == {"new"}
        assert not list(out.glob(".staging-*"))


def test_death_in_the_middle_of_the_swap_leaves_whole_tables(states, monkeypatch):
    """The moment a random kill rarely hits: between two table swaps (in this process)."""
    base, src, old_out, _, _, _ = states
    new_out = base / "swap-new"
    run([str(src)], str(new_out), workers=2, progress=False)
    old, new = _tables(old_out), _tables(new_out)
    out = base / "swap"
    shutil.copytree(old_out, out)
    from pipeline import write

    real = os.replace
    calls = []

    def dies_after_three(a, b):
        if str(b).endswith(".parquet") and Path(b).parent == out:
            calls.append(b)
            if len(calls) == 4:
                raise SystemExit("killed")
        return real(a, b)

    monkeypatch.setattr(write.os, "replace", dies_after_three)
    with pytest.raises(SystemExit):
        run([str(src)], str(out), workers=2, progress=False)
    monkeypatch.setattr(write.os, "replace", real)
    assert _check_each_table_old_or_new(out, old, new, "mid-swap") == {"old", "new"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] != _run_id(out / "documents.parquet")  # a reader can tell the mix
    s = run([str(src)], str(out), workers=2, progress=False)
    assert s.processed == 0
    assert _check_each_table_old_or_new(out, old, new, "after") == {"new"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {_run_id(out / f"{t}.parquet") for t in schema.TABLE_NAMES} == {manifest["run_id"]}


def _run_id(path: Path) -> str:
    import pyarrow.parquet as pq

    return pq.read_schema(path).metadata[b"vanban.run_id"].decode()


def _wait_for_entries(out: Path, n: int, proc: subprocess.Popen, limit: float = 120) -> None:
    t0 = time.monotonic()
    while len(list((out / ".vanban-cache").glob("*/*/*.vbc"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < limit, "the run made no progress"
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_cleanly_and_keep_the_previous_output(states, sig):
    base, src, _, _, env, _ = states
    slow = base / f"slow-{sig.name}"
    shutil.copytree(src, slow)
    (slow / "zz_long.txt").write_text(big_text(8), encoding="utf-8")  # still running when the signal comes
    out = base / f"sig-{sig.name}"
    run([str(src)], str(out), workers=2, progress=False)
    before = _tables(out)
    shutil.rmtree(out / ".vanban-cache")
    p = _start(slow, out, env=env)
    _wait_for_entries(out, 2, p)  # processing is under way
    with pytest.raises(UsageError, match="another vanban run"):
        run([str(slow)], str(out), progress=False)  # the folder is locked by the running one
    t0 = time.monotonic()
    if sig == signal.SIGINT:
        os.killpg(p.pid, sig)  # Ctrl-C in a terminal reaches the whole process group
    else:
        p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert time.monotonic() - t0 < 30
    after = _tables(out)
    for t in schema.TABLE_NAMES:
        assert_frame_equal(before[t], after[t])
    assert not list(out.glob(".staging-*"))
    time.sleep(0.5)
    leftover = subprocess.run(["pgrep", "-s", str(p.pid)], capture_output=True, text=True).stdout.split()
    assert not leftover, f"worker processes left behind: {leftover}"
