"""`--engine dask` against a real local cluster started by the test (`dask scheduler` and two
`dask worker` processes on 127.0.0.1): the same six tables as the local engine, the
per-document time limit enforced on the workers, errors as rows, a lost worker tolerated."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from pipeline import engines, schema
from pipeline.run import UsageError, run

from .conftest import DEV, ROOT
from .hostile import big_text

DASK = [sys.executable, "-m", "dask"]
TIME_LIMIT = 4.0


class Cluster:
    def __init__(self, folder: Path):
        self.folder = folder
        self.procs: dict[str, subprocess.Popen] = {}
        sched_file = folder / "scheduler.json"
        self._start("scheduler", DASK + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                         "--scheduler-file", str(sched_file)])
        t0 = time.monotonic()
        while not sched_file.is_file() or not sched_file.read_text().strip().endswith("}"):
            assert time.monotonic() - t0 < 60, self.log("scheduler")
            assert self.procs["scheduler"].poll() is None, self.log("scheduler")
            time.sleep(0.1)
        self.address = json.loads(sched_file.read_text())["address"]
        for i in range(2):
            self.start_worker(f"w{i}")
        self.wait_for_workers(2)

    def _start(self, name: str, cmd: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "w")
        self.procs[name] = subprocess.Popen(cmd, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def start_worker(self, name: str) -> None:
        self._start(name, DASK + ["worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                  "--memory-limit", "0", "--name", name, "--death-timeout", "60",
                                  "--local-directory", str(self.folder / name)])

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as c:
            c.wait_for_workers(n, timeout=120)

    def kill(self, name: str) -> None:
        """The machine is gone: the worker and its guard processes die at once."""
        try:
            os.killpg(self.procs[name].pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.procs[name].wait()

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]

    def close(self) -> None:
        for name in reversed(list(self.procs)):
            try:
                os.killpg(self.procs[name].pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in self.procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        yield c
    finally:
        c.close()


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in schema.TABLE_NAMES}


def _assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = _tables(a), _tables(b)
    for t in schema.TABLE_NAMES:
        assert_frame_equal(ta[t], tb[t], obj=t)


GOOD_DOCS = ["seed_000_ct_cantho_2025.txt", "seed_002_ctr_cantho_kl42.txt", "d01_ct_09_ubnd.txt",
             "d09_cd_226_ttg.txt", "d12_qd_2853_ubnd.txt", "d13_tb_627_vpcp.txt", "p04_nq_113_cp.pdf"]


def test_dask_gives_the_same_rows_as_local(cluster, tmp_path, monkeypatch):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    for n in GOOD_DOCS:
        shutil.copy(DEV / n, src / "sub" / n)
    shutil.copy(DEV / GOOD_DOCS[0], src / "copy_of_seed.txt")  # the same bytes twice: one document
    (src / "empty.txt").write_bytes(b"")
    (src / "notes.xyz").write_text("x")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 100)
    (src / "huge.txt").write_text(big_text(8), encoding="utf-8")  # stopped by the time limit on a worker
    monkeypatch.chdir(tmp_path)  # relative inputs: workers get them absolute, the tables keep them as given
    local = run(["in"], "local", workers=2, time_limit=TIME_LIMIT, progress=False)
    dask = run(["in"], "dask", engine="dask", scheduler=cluster.address, time_limit=TIME_LIMIT, progress=False)
    assert (dask.documents, dask.errors, dask.exit_status) == (local.documents, local.errors, 1)
    assert local.documents == len(GOOD_DOCS)
    _assert_same_tables(tmp_path / "local", tmp_path / "dask")
    errors = pd.read_parquet(tmp_path / "dask" / "errors.parquet").set_index("source_path")
    assert errors.loc["in/huge.txt", "error_type"] == "timeout"
    assert set(errors["error_type"]) == {"timeout", "empty", "unsupported", "binary"}
    docs = pd.read_parquet(tmp_path / "dask" / "documents.parquet")
    assert any(list(p) == ["in/sub/seed_000_ct_cantho_2025.txt"] for p in docs["other_paths"])

    again = run(["in"], "dask", engine="dask", scheduler=cluster.address, time_limit=TIME_LIMIT, progress=False)
    assert again.processed == 1 and again.reused == len(GOOD_DOCS) + 2  # only the timed-out one is tried again
    _assert_same_tables(tmp_path / "local", tmp_path / "dask")


def test_unreachable_scheduler_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("VANBAN_DASK_CONNECT_TIMEOUT", "2")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(DEV / GOOD_DOCS[0], src)
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler"):
        run([str(src)], str(tmp_path / "out"), engine="dask", scheduler="tcp://127.0.0.1:9", progress=False)


def test_dask_tolerates_a_lost_worker(cluster, tmp_path, monkeypatch):
    """Runs last in this module: a worker is killed while the run is going on."""
    src = tmp_path / "in"
    src.mkdir()
    for p in sorted(DEV.glob("d*.txt")):
        shutil.copy(p, src / p.name)
    run([str(src)], str(tmp_path / "local"), workers=2, progress=False)
    monkeypatch.setattr(engines, "BATCH_DOCS", 1)
    out = tmp_path / "dask"
    result: dict = {}

    def go():
        try:
            result["summary"] = run([str(src)], str(out), engine="dask", scheduler=cluster.address, progress=False)
        except BaseException as e:  # pragma: no cover - reported below
            result["error"] = e

    th = threading.Thread(target=go)
    th.start()
    t0 = time.monotonic()
    while not list((out / ".vanban-cache").glob("*/*/*.vbc")):
        assert th.is_alive() and time.monotonic() - t0 < 120, result
        time.sleep(0.02)
    running = th.is_alive()
    cluster.kill("w0")
    th.join(timeout=300)
    assert not th.is_alive() and "error" not in result, result
    assert running  # the worker died while the run was going on
    assert result["summary"].exit_status == 0
    _assert_same_tables(tmp_path / "local", out)
    cluster.start_worker("w2")  # leave a two-worker cluster behind
