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
