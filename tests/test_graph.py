"""`vanban graph`: the citation network of real output, as GraphML and as an HTML page."""
from __future__ import annotations

import re

import networkx as nx
import pandas as pd
from click.testing import CliRunner
from lxml import etree

from pipeline.cli import main
from pipeline.graph import build_graph, citation_target

from .fixtures_tables import data_dir, dataset_dir, tables_dir  # noqa: F401  (fixtures)


def frame(data, table) -> pd.DataFrame:
    return pd.read_parquet(data / f"{table}.parquet")


def cli(*args):
    return CliRunner().invoke(main, list(args))


def test_every_citation_is_an_edge_mention(data_dir):
    g = build_graph(str(data_dir))
    docs = frame(data_dir, "documents")
    cits = frame(data_dir, "citations")
    assert {n for n, a in g.nodes(data=True) if a["kind"] == "document"} == set(docs["doc_id"])
    assert sum(a["mentions"] for _, _, a in g.edges(data=True)) == len(cits)
    ids = sorted(i for _, _, a in g.edges(data=True) for i in a["citation_ids"].split())
    assert ids == sorted(cits["citation_id"])
    for u, v, key, a in g.edges(keys=True, data=True):
        assert key == a["relation"]
    # one edge per (citing document, cited node, relation)
    in_run = set(docs["doc_id"])
    expected = {(r.doc_id, citation_target(r._asdict(), in_run), r.relation) for r in cits.itertuples()}
    assert set(g.edges(keys=True)) == expected


def test_cited_documents_outside_the_run_are_keyed_by_cited_key(tables_dir):
    g = build_graph(str(tables_dir))
    cits = frame(tables_dir, "citations")
    unlinked = cits[cits["cited_doc_id"].isna()]
    externals = {n for n, a in g.nodes(data=True) if a["kind"] == "external"}
    assert externals == set(unlinked["cited_key"])
    for key in externals:
        assert g.in_degree(key) >= 1 and g.out_degree(key) == 0


def test_linked_citations_point_at_the_run_document():
    in_run = {"aaaa000011112222"}
    row = {"cited_doc_id": "aaaa000011112222", "cited_key": "Kết luận 42-KL/TW"}
    assert citation_target(row, in_run) == "aaaa000011112222"
    assert citation_target(dict(row, cited_doc_id=None), in_run) == "Kết luận 42-KL/TW"


def test_graphml_file_reads_back(tables_dir, tmp_path):
    out = tmp_path / "cites.graphml"
    res = cli("graph", "--data", str(tables_dir), "--out", str(out))
    assert res.exit_code == 0, res.output
    g = build_graph(str(tables_dir))
    back = nx.read_graphml(out, force_multigraph=True)
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
    assert sorted(a["relation"] for _, _, a in back.edges(data=True)) == \
        sorted(a["relation"] for _, _, a in g.edges(data=True))


def test_html_page_is_self_contained(tables_dir, tmp_path):
    out = tmp_path / "cites.html"
    res = cli("graph", "--data", str(tables_dir), "--out", str(out))
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page.lower() and not re.search(r"""(src|href)\s*=\s*["'](?!#)""", page)
    root = etree.HTML(page.encode("utf-8"))
    g = build_graph(str(tables_dir))
    svg_edges = root.xpath('//*[local-name()="path"][@class="edge"]')
    assert len(svg_edges) == g.number_of_edges()
    cards = root.xpath('//section[@class="card"]')
    assert len(cards) == len(frame(tables_dir, "documents"))
    body = etree.tostring(root, encoding="unicode", method="text")
    for key in {n for n, a in g.nodes(data=True) if a["kind"] == "external"}:
        assert key in body


def test_graph_usage_and_errors(tables_dir, tmp_path):
    assert cli("graph", "--data", str(tables_dir), "--out", str(tmp_path / "g.png")).exit_code == 2
    assert cli("graph", "--data", str(tables_dir)).exit_code == 2
    res = cli("graph", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "g.html"))
    assert res.exit_code == 1 and "vanban run" in res.stderr
    assert cli("graph", "--help").exit_code == 0
