"""`vanban export --format spacy`: the documents as spaCy Docs with the findings as span groups,
on real output of the seed documents."""
from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from pipeline.cli import main
from pipeline.spacy_docs import agency_offsets, export_spacy, make_doc

from .fixtures_tables import data_dir, dataset_dir, tables_dir  # noqa: F401, F811  (fixtures)


def load(files):
    vocab = Vocab()
    return [d for f in files for d in DocBin().from_disk(f).get_docs(vocab)]


def frame(data, table) -> pd.DataFrame:
    return pd.read_parquet(data / f"{table}.parquet")


@pytest.mark.parametrize("text", [
    "Giao Sở Y tế chủ trì,  phối hợp với\nUBND các huyện; hoàn thành trước ngày 30/6/2025.",
    "  Điều 1.\n\n\tNghị quyết số 59-NQ/TW ngày 05/8/2020 …",
    "",
])
def test_doc_text_is_the_input_text(text):
    assert make_doc(Vocab(), text).text == text


def test_agency_offsets_follow_the_list_order():
    text = "Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế, Sở Tài chính tỉnh thực hiện"
    spans = agency_offsets(text, 0, len(text), ["Sở Tài chính", "Sở Y tế", "Sở Tài chính tỉnh", "Bộ Công an"])
    assert [text[s:e] for s, e in spans] == ["Sở Tài chính", "Sở Y tế", "Sở Tài chính tỉnh"]
    assert spans[0][0] == 5 and spans[2][0] > spans[1][0]


def test_every_document_with_its_span_layers(data_dir, tmp_path):
    files, count = export_spacy(str(data_dir), tmp_path / "spacy", docs_per_file=1)
    docs = load(files)
    documents = frame(data_dir, "documents")
    assert count == len(docs) == len(documents) == len(files) >= 2
    by_id = {d.user_data["doc_id"]: d for d in docs}
    for row in documents.itertuples():
        assert by_id[row.doc_id].text == row.text
    cit = frame(data_dir, "citations")
    assert len(cit) > 0
    for doc_id, rows in cit.groupby("doc_id"):
        spans = by_id[doc_id].spans["citations"]
        assert len(spans) == len(rows)
        starts = sorted(zip(rows["start"], rows["end"], rows["cited_type"]))
        for s, (start, end, cited_type) in zip(spans, starts):
            # expanded to whole tokens, never cut
            assert s.start_char <= start and s.end_char >= end and s.label_ == cited_type
    asg = frame(data_dir, "assignments")
    n_tasks = sum(len(d.spans["tasks"]) for d in docs)
    assert n_tasks == len(asg) > 0
    agencies = [s for d in docs for s in d.spans["agencies"]]
    assert agencies and {s.label_ for s in agencies} <= {"LEAD", "CO"}
    written = set(asg["lead_agencies_raw"].explode().dropna()) | set(asg["co_agencies_raw"].explode().dropna())
    assert all(s.text in written for s in agencies)
    ents = [e for d in docs for e in d.ents]
    assert ents and all(e.label_ == "ORG" for e in ents)


def test_cli_and_dataset_folders(dataset_dir, tmp_path):
    out = tmp_path / "sp"
    r = CliRunner().invoke(main, ["export", "--data", str(dataset_dir), "--format", "spacy", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "spaCy Docs" in r.output
    assert len(load(sorted(out.glob("docs-*.spacy")))) == len(pd.read_parquet(dataset_dir / "documents.parquet"))
    assert not list(out.glob(".*.tmp"))
    r = CliRunner().invoke(main, ["export", "--data", str(dataset_dir), "--format", "spacy", "--out", str(out),
                                  "--table", "citations"])
    assert r.exit_code == 2

