"""Small but real output tables for the tests of query, show, export and graph.

The tables are built by running the pipeline in-process over the seed documents in corpus/
(`pipeline.run.run`), once per test session. While the ingest stage cannot read them (it is
being written), the same rows are produced from the text with `process_text` and written with
`OutputWriter`, the way `run.consolidate` does, so every row is real pipeline output.

Fixtures (import them into a test module: `from .fixtures_tables import tables_dir`):
- tables_dir: DIR with DIR/<table>.parquet single files;
- dataset_dir: the same tables as dataset folders DIR/<table>.parquet/part-*.parquet, as a
  distributed run writes them (rows split over two parts; an empty table keeps one empty part).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import schema

from .conftest import ROOT

SEED_DIR = ROOT / "corpus"
_BUILT: dict[str, Path] = {}


def seed_files() -> list[Path]:
    files = sorted(SEED_DIR.glob("*.txt"))
    assert files, f"no seed documents in {SEED_DIR}"
    return files


def build_tables(out: Path) -> Path:
    """Run the pipeline over the seed documents into `out`; returns `out`."""
    from pipeline import components
    from pipeline.run import run

    # every component, even when a test module imported one component module early (the registry
    # then is not empty and pipeline_components() would not load the others)
    components._load_all()

    try:
        from pipeline.ingest import read  # noqa: F401  (the reader `run` needs)
        summary = run([str(SEED_DIR)], str(out), workers=1, progress=False)
        if summary.documents == len(seed_files()):
            return out
    except ImportError:
        pass
    return _build_from_text(out)


def _build_from_text(out: Path) -> Path:
    """The rows `run` would write, from the decoded text (see run.consolidate)."""
    from pipeline.extract.linking import CitationLinker
    from pipeline.models import RawDocument
    from pipeline.process import process_text, sha256_file
    from pipeline.write import OutputWriter

    if out.exists():
        shutil.rmtree(out)
    results = []
    for path in seed_files():
        raw = RawDocument(text=path.read_text(encoding="utf-8"), source_format="txt", encoding="utf-8")
        result = process_text(raw, str(path), sha256_file(str(path)))
        assert result.doc_id, f"the pipeline produced no document for {path}: {result.errors}"
        for row in result.tables["documents"]:
            row["source_path"] = str(path)
            row["other_paths"] = []
        results.append(result)
    results.sort(key=lambda r: r.doc_id)
    linker = CitationLinker([(r.doc_id, _summary(r)) for r in results])
    writer = OutputWriter(out)
    errors = []
    for r in results:
        linker.link(r.tables.get("citations", []))
        writer.add_document(r.tables)
        errors += [{"source_path": e.source_path, "stage": e.stage, "error_type": e.error_type,
                    "message": e.message, "source_sha256": e.source_sha256} for e in r.errors]
    writer.add_errors(errors)
    writer.commit({"fixture": "process_text"})
    return out


def _summary(result) -> dict:
    d = result.tables["documents"][0]
    return {"doc_type": d.get("doc_type"), "doc_number": d.get("doc_number"), "issuer": d.get("issuer"),
            "issue_date": d["issue_date"].isoformat() if d.get("issue_date") else None}


def to_dataset_folders(src: Path, dst: Path) -> Path:
    """Copy the tables of `src` into `dst` as dataset folders of part files."""
    dst.mkdir(parents=True, exist_ok=True)
    for t in schema.TABLE_NAMES:
        table = pq.read_table(src / f"{t}.parquet")
        folder = dst / f"{t}.parquet"
        folder.mkdir()
        half = table.num_rows // 2
        parts = [table.slice(0, half), table.slice(half)] if table.num_rows > 1 else [table]
        for i, part in enumerate(parts):
            pq.write_table(part, folder / f"part-{i:05d}.parquet")
        (folder / "_SUCCESS").write_text("")  # what some writers leave: not a part
    return dst


@pytest.fixture(scope="session")
def tables_dir(tmp_path_factory) -> Path:
    if "files" not in _BUILT:
        _BUILT["files"] = build_tables(tmp_path_factory.mktemp("tables") / "out")
    return _BUILT["files"]


@pytest.fixture(scope="session")
def dataset_dir(tables_dir, tmp_path_factory) -> Path:
    if "dataset" not in _BUILT:
        _BUILT["dataset"] = to_dataset_folders(tables_dir, tmp_path_factory.mktemp("dataset") / "out")
    return _BUILT["dataset"]


@pytest.fixture(params=["files", "dataset"])
def data_dir(request, tables_dir, dataset_dir) -> Path:
    """Both layouts of the same tables, one after the other."""
    return tables_dir if request.param == "files" else dataset_dir
