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
import time
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from pipeline import schema
from pipeline.run import UsageError, run

from .conftest import DEV, ROOT
from .hostile import big_text, snapshot_env

DASK = [sys.executable, "-m", "dask"]
TIME_LIMIT = 4.0


class Cluster:
    def __init__(self, folder: Path):
        self.folder = folder
        self.env = snapshot_env(folder)  # workers, client and the local reference run one version
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
                                            start_new_session=True, env=self.env)

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


def _vanban(cluster: Cluster, cwd: Path, *args: str, wait: bool = True, env: dict | None = None):
    cmd = [sys.executable, "-m", "pipeline", "run", *args, "--no-progress", "--time-limit", str(TIME_LIMIT)]
    p = subprocess.Popen(cmd, cwd=str(cwd), env=env or cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    if not wait:
        return p
    out, err = p.communicate(timeout=600)
    return p.returncode, out, err


GOOD_DOCS = ["seed_000_ct_cantho_2025.txt", "seed_002_ctr_cantho_kl42.txt", "d01_ct_09_ubnd.txt",
             "d09_cd_226_ttg.txt", "d12_qd_2853_ubnd.txt", "d13_tb_627_vpcp.txt", "p04_nq_113_cp.pdf"]


def test_dask_gives_the_same_rows_as_local(cluster, tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    for n in GOOD_DOCS:
        shutil.copy(DEV / n, src / "sub" / n)
    shutil.copy(DEV / GOOD_DOCS[0], src / "copy_of_seed.txt")  # the same bytes twice: one document
    (src / "empty.txt").write_bytes(b"")
    (src / "notes.xyz").write_text("x")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 100)
    (src / "huge.txt").write_text(big_text(8), encoding="utf-8")  # stopped by the time limit on a worker
    # relative inputs: the workers get them absolute, the tables keep them as given
    rc, local, err = _vanban(cluster, tmp_path, "in", "--out", "local", "--workers", "2")
    assert rc == 1, err
    rc, dask, err = _vanban(cluster, tmp_path, "in", "--out", "dask", "--engine", "dask",
                            "--scheduler", cluster.address)
    assert rc == 1, err
    assert dask.split(" in ")[0] == local.split(" in ")[0]  # the same counts in the summary line
    assert f"{len(GOOD_DOCS)} documents" in local
    _assert_same_tables(tmp_path / "local", tmp_path / "dask")
    errors = pd.read_parquet(tmp_path / "dask" / "errors.parquet").set_index("source_path")
    assert errors.loc["in/huge.txt", "error_type"] == "timeout"
    assert set(errors["error_type"]) == {"timeout", "empty", "unsupported", "binary"}
    docs = pd.read_parquet(tmp_path / "dask" / "documents.parquet")
    assert any(list(p) == ["in/sub/seed_000_ct_cantho_2025.txt"] for p in docs["other_paths"])

    rc, again, err = _vanban(cluster, tmp_path, "in", "--out", "dask", "--engine", "dask",
                             "--scheduler", cluster.address)
    assert rc == 1 and f"1 processed, {len(GOOD_DOCS) + 2} from cache" in again  # only the time-out is retried
    _assert_same_tables(tmp_path / "local", tmp_path / "dask")


def test_unreachable_scheduler_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("VANBAN_DASK_CONNECT_TIMEOUT", "2")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(DEV / GOOD_DOCS[0], src)
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler"):
        run([str(src)], str(tmp_path / "out"), engine="dask", scheduler="tcp://127.0.0.1:9", progress=False)


def test_dask_tolerates_a_lost_worker(cluster, tmp_path):
    """Runs last in this module: a worker is killed while the run is going on."""
    src = tmp_path / "in"
    src.mkdir()
    for p in sorted(DEV.glob("d*.txt")):
        shutil.copy(p, src / p.name)
    rc, _, err = _vanban(cluster, tmp_path, "in", "--out", "local", "--workers", "2")
    assert rc == 0, err
    out = tmp_path / "dask"
    p = _vanban(cluster, tmp_path, "in", "--out", "dask", "--engine", "dask", "--scheduler", cluster.address,
                wait=False, env=dict(cluster.env, VANBAN_DASK_BATCH_DOCS="1"))
    t0 = time.monotonic()
    while not list((out / ".vanban-cache").glob("*/*/*.vbc")):
        assert p.poll() is None and time.monotonic() - t0 < 120, p.communicate()
        time.sleep(0.02)
    running = p.poll() is None
    cluster.kill("w0")
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    assert running  # the worker died while the run was going on
    _assert_same_tables(tmp_path / "local", out)
    cluster.start_worker("w2")  # leave a two-worker cluster behind


# --- the pieces a worker runs, without a cluster --------------------------------------------------

def test_batches_bound_documents_and_bytes():
    from pipeline.engines import Task, batches

    tasks = [Task(f"f{i}", f"{i:064x}", size) for i, size in enumerate([10, 10, 50, 10, 10, 10, 10])]
    got = [[t.path for t in b] for b in batches(tasks, max_bytes=60, max_docs=3)]
    assert got == [["f0", "f1"], ["f2", "f3"], ["f4", "f5", "f6"]]
    assert [len(b) for b in batches(tasks, max_bytes=10**9, max_docs=32)] == [7]


def test_worker_without_the_output_folder_sends_the_entry_back(tmp_path):
    from pipeline.cache import Cache, config_key
    from pipeline.engines import work
    from pipeline.process import Options, sha256_file

    path = str(DEV / GOOD_DOCS[0])
    outcome = work(path, sha256_file(path), Options(), str(tmp_path / "not-on-this-worker"), "cfg")
    assert outcome["stored"] is False and isinstance(outcome["entry"], bytes)
    cache = Cache(tmp_path / "client-out", config_key("auto"))
    cache.store_bytes(outcome["sha"], outcome["entry"])
    assert cache.load(outcome["sha"]).doc_id == outcome["doc_id"]
    assert cache.read_meta(outcome["sha"])["doc_id"] == outcome["doc_id"]


def test_worker_of_another_version_refuses_with_error_rows(tmp_path):
    from pipeline.engines import work_batch
    from pipeline.process import Options

    outcomes = work_batch([("a.txt", "0" * 64), ("b.txt", "1" * 64)], Options(), str(tmp_path), "cfg",
                          version="0.0.0-other")
    assert [o["errors"][0]["error_type"] for o in outcomes] == ["version_mismatch"] * 2
    assert "same version" in outcomes[0]["errors"][0]["message"]
