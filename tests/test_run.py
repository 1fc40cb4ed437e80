"""`vanban run` end to end on the seed documents: tables, types, order, cache, atomicity, exits."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.run import UsageError, run

from .conftest import DEV, ROOT


@pytest.fixture()
def corpus(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("seed_000_ct_cantho_2025.txt", "seed_002_ctr_cantho_kl42.txt", "d09_cd_226_ttg.txt"):
        shutil.copy(DEV / name, src / name)
    return src


def _tables(out):
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in schema.TABLE_NAMES}


def test_run_writes_six_typed_tables(corpus, tmp_path):
    out = tmp_path / "out"
    summary = run([str(corpus)], str(out), workers=2, progress=False)
    assert summary.exit_status == 0 and summary.documents == 3
    for t in schema.TABLE_NAMES:
        assert pq.read_schema(out / f"{t}.parquet").remove_metadata() == schema.arrow_schema(t).remove_metadata()
    tables = _tables(out)
    docs = tables["documents"].set_index("doc_id")
    assert list(tables["documents"]["doc_id"]) == sorted(tables["documents"]["doc_id"])
    for t in ("citations", "assignments", "targets", "sections"):
        df = tables[t]
        assert len(df) > 0, t
        assert list(zip(df["doc_id"], df["start"])) == sorted(zip(df["doc_id"], df["start"])), t
        for row in df.itertuples():
            text = docs.loc[row.doc_id, "text"]
            assert 0 <= row.start <= row.end <= len(text)
            if t in ("citations", "targets"):
                assert text[row.start:row.end] == row.text
    assert (out / "manifest.json").is_file()


def test_rerun_reuses_cache_and_is_identical(corpus, tmp_path):
    out = tmp_path / "out"
    run([str(corpus)], str(out), workers=1, progress=False)
    before = _tables(out)
    again = run([str(corpus)], str(out), workers=1, progress=False)
    assert again.processed == 0 and again.reused == 3
    after = _tables(out)
    for t in schema.TABLE_NAMES:
        pd.testing.assert_frame_equal(before[t], after[t])
    forced = run([str(corpus)], str(out), workers=1, force=True, progress=False)
    assert forced.processed == 3


def test_removed_and_changed_inputs(corpus, tmp_path):
    out = tmp_path / "out"
    run([str(corpus)], str(out), workers=1, progress=False)
    (corpus / "d09_cd_226_ttg.txt").unlink()
    seed = corpus / "seed_002_ctr_cantho_kl42.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nPhụ lục thêm.\n", encoding="utf-8")
    s = run([str(corpus)], str(out), workers=1, progress=False)
    assert s.documents == 2 and s.processed == 1 and s.reused == 1
    docs = pd.read_parquet(out / "documents.parquet")
    assert not docs["source_path"].str.contains("d09").any()


def test_bad_inputs_become_error_rows(corpus, tmp_path):
    (corpus / "notes.xyz").write_text("x")
    (corpus / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    s = run([str(corpus)], str(out), workers=1, progress=False)
    assert s.exit_status == 1 and s.documents == 3
    errors = pd.read_parquet(out / "errors.parquet")
    assert set(errors["error_type"]) >= {"unsupported", "empty"}
    assert all(errors["message"].str.len() > 10)


def test_failed_consolidation_keeps_previous_output(corpus, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run([str(corpus)], str(out), workers=1, progress=False)
    before = _tables(out)
    from pipeline import write

    def boom(self, tables):
        raise RuntimeError("disk full")

    monkeypatch.setattr(write.OutputWriter, "add_document", boom)
    with pytest.raises(RuntimeError):
        run([str(corpus)], str(out), workers=1, force=True, progress=False)
    after = _tables(out)
    for t in schema.TABLE_NAMES:
        pd.testing.assert_frame_equal(before[t], after[t])
    assert not list(out.glob(".staging-*"))


def test_missing_input_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        run([str(tmp_path / "nope")], str(tmp_path / "out"), progress=False)


def test_cli_exit_statuses(corpus, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cli = [sys.executable, "-m", "pipeline"]
    ok = subprocess.run(cli + ["run", str(corpus), "--out", str(tmp_path / "o"), "--no-progress"], env=env,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("vanban: 3 documents,")
    usage = subprocess.run(cli + ["run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")], env=env,
                           capture_output=True, text=True)
    assert usage.returncode == 2 and "does not exist" in usage.stderr
    badflag = subprocess.run(cli + ["run", str(corpus), "--out", str(tmp_path / "o"), "--workers", "0"], env=env,
                             capture_output=True, text=True)
    assert badflag.returncode == 2


# --- incremental runs, the cache and the hash index ----------------------------------------------

def test_rerun_reads_no_unchanged_input_and_redoes_a_touched_one(corpus, tmp_path, monkeypatch):
    from pipeline.cache import HashIndex

    monkeypatch.setattr(HashIndex, "RACY_SECONDS", -1.0)  # the files were written a moment ago
    out = tmp_path / "out"
    run([str(corpus)], str(out), workers=1, progress=False)
    import pipeline.run as run_mod

    hashed = []
    real = run_mod.sha256_file
    monkeypatch.setattr(run_mod, "sha256_file", lambda p: hashed.append(p) or real(p))
    s = run([str(corpus)], str(out), workers=1, progress=False)
    assert hashed == [] and s.reused == 3  # unchanged (size, mtime, inode): the bytes are not read
    target = corpus / "d09_cd_226_ttg.txt"
    os.utime(target, (1, 1))  # same bytes, new stat: hashed again, still re-used
    s = run([str(corpus)], str(out), workers=1, progress=False)
    assert [os.path.basename(p) for p in hashed] == ["d09_cd_226_ttg.txt"] and s.reused == 3


def test_identical_files_are_one_document(corpus, tmp_path):
    shutil.copy(corpus / "d09_cd_226_ttg.txt", corpus / "again.txt")
    out = tmp_path / "out"
    s = run([str(corpus)], str(out), workers=2, progress=False)
    assert s.documents == 3 and s.exit_status == 0
    docs = pd.read_parquet(out / "documents.parquet")
    row = docs[docs["source_path"].str.endswith("again.txt")].iloc[0]
    assert list(row["other_paths"]) == [str(corpus / "d09_cd_226_ttg.txt")]


def test_damaged_cache_entry_is_reported_and_redone(corpus, tmp_path):
    out = tmp_path / "out"
    run([str(corpus)], str(out), workers=1, progress=False)
    entry = sorted((out / ".vanban-cache").glob("*/*/*.vbc"))[0]
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2])  # header intact, body cut
    s = run([str(corpus)], str(out), workers=1, progress=False)
    assert s.exit_status == 0 and s.processed == 0  # nothing changed: the tables stand, no entry is read
    shutil.copy(DEV / "d11_cd_234_ttg.txt", corpus)  # a new input: the tables are made again
    s = run([str(corpus)], str(out), workers=1, progress=False)
    assert s.exit_status == 1 and s.documents == 3 and s.processed == 1
    err = pd.read_parquet(out / "errors.parquet")
    assert list(err["error_type"]) == ["cache_corrupt"] and "run again" in err["message"][0]
    s = run([str(corpus)], str(out), workers=1, progress=False)
    assert s.exit_status == 0 and s.processed == 1 and s.documents == 4


def test_cache_keeps_current_inputs_and_configuration_only(corpus, tmp_path):
    out = tmp_path / "out"
    run([str(corpus)], str(out), workers=1, progress=False)
    stale = out / ".vanban-cache" / "0123456789ab" / "aa"
    stale.mkdir(parents=True)
    (stale / ("a" * 64 + ".vbc")).write_bytes(b"old configuration")
    (corpus / "d09_cd_226_ttg.txt").unlink()
    run([str(corpus)], str(out), workers=1, progress=False)
    assert not (out / ".vanban-cache" / "0123456789ab").exists()
    assert len(list((out / ".vanban-cache").glob("*/*/*.vbc"))) == 2


def test_linked_folders_are_read_once_and_reported(corpus, tmp_path):
    os.symlink(corpus, corpus / "loop")  # a folder link back to its parent
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(DEV / "d11_cd_234_ttg.txt", outside / "d11.txt")
    os.symlink(outside, corpus / "linked")
    os.symlink(outside, corpus / "linked_again")  # a second way into a folder: read once, no error
    s = run([str(corpus)], str(tmp_path / "out"), workers=2, progress=False)
    assert s.documents == 4
    errors = pd.read_parquet(tmp_path / "out" / "errors.parquet")
    assert list(errors["error_type"]) == ["symlink_loop"] and errors["source_path"][0].endswith("loop")


def test_consolidation_streams_documents(corpus, tmp_path, monkeypatch):
    """Many documents with a large text: the writer holds one row group, never all documents."""
    import copy
    import tracemalloc

    from pipeline import write
    from pipeline.cache import Cache, config_key
    from pipeline.engines import entry_meta
    from pipeline.process import Options
    from pipeline.run import consolidate

    out = tmp_path / "out"
    run([str(corpus)], str(out), workers=1, progress=False)
    cache = Cache(out, config_key("auto"))
    base = cache.load(next(iter(sorted(p.stem for p in (out / ".vanban-cache").glob("*/*/*.vbc")))))
    n, filler = 120, "Nội dung phụ lục kéo dài để kiểm tra bộ nhớ. " * 23_000  # ~1 M characters each
    by_sha, metas = {}, {}
    for i in range(n):
        r = copy.deepcopy(base)
        sha = f"{i:064x}"
        r.doc_id = f"{i:016x}"
        for rows in r.tables.values():
            for row in rows:
                row["doc_id"] = r.doc_id
        r.tables["documents"][0]["text"] = r.tables["documents"][0]["text"] + filler + str(i)
        cache.store(sha, r, entry_meta(r))
        by_sha[sha] = [f"doc{i}.txt"]
        metas[sha] = entry_meta(r)
    monkeypatch.setattr(write, "ROW_GROUP_BYTES", 8 * 2**20)
    writers = []
    real_init = write.OutputWriter.__init__

    def keep(self, *a, **k):
        real_init(self, *a, **k)
        writers.append(self)

    monkeypatch.setattr(write.OutputWriter, "__init__", keep)
    tracemalloc.start()
    try:
        counts, _ = consolidate(str(out), cache, by_sha, metas, {}, [], ["x"], Options(), "local")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts["documents"] == n
    held = n * len(filler) * 2  # bytes all texts would take as Python strings (2 bytes a character here)
    assert writers[0].writers["documents"].max_buffered_bytes < 12 * 2**20
    assert peak < 64 * 2**20 < held / 3, f"peak {peak / 2**20:.0f} MiB for {held / 2**20:.0f} MiB of text"
    docs = pd.read_parquet(out / "documents.parquet", columns=["doc_id", "n_chars"])
    assert list(docs["doc_id"]) == sorted(docs["doc_id"]) and len(docs) == n


# --- make bench -------------------------------------------------------------------------------------

def test_stage_profile_names_every_stage():
    from pipeline.bench import profile_stages

    prof = profile_stages([str(DEV / "seed_000_ct_cantho_2025.txt"), str(DEV / "p04_nq_113_cp.pdf")])
    assert prof["documents"] == 2 and prof["chars"] > 10_000
    assert {"read", "normalize", "header", "outline", "citations", "deadlines", "assignments", "targets",
            "tabulate+store", "import", "warm_up"} <= set(prof["stages"])
    assert prof["formats"]["pdf"]["pages"] > 0


def test_bench_prints_the_figures(tmp_path, capsys):
    from pipeline.bench import main

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DEV / "seed_000_ct_cantho_2025.txt", folder)
    assert main([str(folder), "--runs", "1", "--skip-reference", "--skip-stages", "--json",
                 str(tmp_path / "b.json")]) == 0
    printed = capsys.readouterr().out
    for figure in ("documents/s", "Mchar/s", "s CPU", "peak memory", "re-run with nothing changed"):
        assert figure in printed
    import json

    report = json.loads((tmp_path / "b.json").read_text())
    assert report["documents"] == 1 and report["peak_rss"] > 0 and report["rerun_wall"] < report["wall"]
