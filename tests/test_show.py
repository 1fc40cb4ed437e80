"""`vanban show`: the review page of one document, checked as markup and in headless Chromium."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from collections import defaultdict

import pandas as pd
import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from pipeline.cli import main
from pipeline.show import KINDS, Span, build_page, find_document, find_word, highlight, load, spans_of
from pipeline.tables import DataError

from .fixtures_tables import data_dir, dataset_dir, tables_dir  # noqa: F401  (fixtures)

WIDTH, HEIGHT = 1280, 2000


def frame(data, table) -> pd.DataFrame:
    return pd.read_parquet(data / f"{table}.parquet")


def cli(*args):
    return CliRunner().invoke(main, list(args))


def fragments(root, kind: str) -> dict[str, str]:
    """Text of each highlighted span of `kind` in a parsed page: its fragments joined in order."""
    joined: dict[str, list[str]] = defaultdict(list)
    for el in root.xpath(f'//*[contains(concat(" ", @class, " "), " k-{kind} ")][@data-id]'):
        joined[el.get("data-id")].append(el.text_content())
    return {k: "".join(v) for k, v in joined.items()}


def text_container(root):
    return root.xpath('//div[@class="text"]')[0]


# --- finding the document -------------------------------------------------------------------------

def test_input_by_path_name_stem_and_doc_id(tables_dir):
    docs = frame(tables_dir, "documents")
    for _, d in docs.iterrows():
        path = d["source_path"]
        name = os.path.basename(path)
        for given in (path, os.path.abspath(path), name, os.path.splitext(name)[0], d["doc_id"], d["doc_id"][:8]):
            assert find_document(str(tables_dir), given)["doc_id"] == d["doc_id"], given


def test_unknown_input_is_an_error(tables_dir):
    with pytest.raises(DataError, match="no document"):
        find_document(str(tables_dir), "no_such_file.txt")
    out = cli("show", "no_such_file.txt", "--data", str(tables_dir), "--out", "x.html")
    assert out.exit_code == 1 and "no document" in out.stderr


# --- the page -------------------------------------------------------------------------------------

def test_page_holds_every_layer_of_every_document(data_dir):
    """Every citation, task, deadline and target of the output is highlighted with exactly its text."""
    for doc_id in frame(data_dir, "documents")["doc_id"]:
        page, markup = build_page(str(data_dir), doc_id)
        text = page["document"]["text"]
        root = lxml_html.fromstring(markup)
        assert text_container(root).text_content() == text  # the text itself is never altered
        shown = fragments(root, "citation")
        for c in page["citations"]:
            assert shown[c["citation_id"].rsplit(":", 1)[1]] == c["text"]
        bands = fragments(root, "task")
        for a in page["assignments"]:
            aid = a["assignment_id"].rsplit(":", 1)[1]
            assert bands[aid] == text[a["task_start"]:a["task_end"]]
            if a["deadline_start"] is not None:
                deadlines = fragments(root, "deadline")
                assert text[a["deadline_start"]:a["deadline_end"]] in deadlines.values()
        targets = fragments(root, "target")
        for t in page["targets"]:
            assert targets[t["target_id"].rsplit(":", 1)[1]] == t["text"]
        # the side table: one row per assignment
        assert len(root.xpath('//table[@class="assignments"]/tbody/tr')) == len(page["assignments"])


def test_counts_in_page_match_the_tables(tables_dir):
    doc_id = frame(tables_dir, "documents")["doc_id"][0]
    page = load(str(tables_dir), doc_id)
    for table in ("citations", "assignments", "targets", "sections"):
        df = frame(tables_dir, table)
        assert len(page[table]) == int((df["doc_id"] == doc_id).sum())


def test_agencies_are_marked_where_the_item_names_them(tables_dir):
    for doc_id in frame(tables_dir, "documents")["doc_id"]:
        page = load(str(tables_dir), doc_id)
        text = page["document"]["text"]
        spans, notes = spans_of(page)
        assert not notes
        agencies = [s for s in spans if s.kind in ("lead", "co")]
        raws = {r for a in page["assignments"] for r in list(a["lead_agencies_raw"]) + list(a["co_agencies_raw"])}
        assert {text[s.start:s.end] for s in agencies} <= raws
        # a name written in the item's own preamble is marked there
        for a in page["assignments"]:
            pre = text[a["start"]:a["task_start"]]
            for raw in a["lead_agencies_raw"]:
                if find_word(pre, raw, 0, len(pre)) >= 0:
                    assert any(a["start"] <= s.start < a["task_start"] and text[s.start:s.end] == raw
                               for s in agencies), raw


def test_page_is_self_contained(tables_dir):
    _, markup = build_page(str(tables_dir), frame(tables_dir, "documents")["doc_id"][0])
    assert "<script" not in markup.lower() and "<link" not in markup.lower()
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", markup)  # only in-page anchors
    assert "url(" not in markup.split("<style>")[1].split("</style>")[0]
    for kind in KINDS.values():
        assert kind.label in markup  # the legend


def _real_text() -> str:
    from .conftest import ROOT
    from pipeline.normalize import normalize

    return normalize((ROOT / "corpus" / "seed_000_ct_cantho_2025.txt").read_text(encoding="utf-8"))


def test_highlight_nested_and_crossing_spans_keep_text_and_spans():
    """Random spans over a real text, many of them crossing: the markup stays well formed, the
    text is unchanged, each span's fragments join to its text and it has one label."""
    text = _real_text()[:3000]
    rng = random.Random(8)
    kinds = list(KINDS)
    for _ in range(60):
        spans = []
        for i in range(rng.randint(1, 25)):
            a = rng.randrange(0, len(text) - 1)
            b = min(len(text), a + rng.randint(1, 400))
            spans.append(Span(a, b, rng.choice(kinds), f"s{i}", f"L{i}"))
        spans += [Span(s.start, s.end, s.kind, s.sid + "x", "dup") for s in spans[:2]]  # identical extents
        root = lxml_html.fromstring(f'<div class="text">{highlight(text, spans)}</div>')
        assert root.text_content() == text
        for s in spans:
            parts = root.xpath(f'//*[@data-id="{s.sid}"]')
            assert "".join(p.text_content() for p in parts) == text[s.start:s.end]
            assert sum("last" in p.get("class").split() for p in parts) == 1


def test_text_is_escaped():
    text = 'Giao Sở Y tế <b>chủ trì</b> & "phối hợp" <script>alert(1)</script>'
    out = highlight(text, [Span(0, 12, "lead", "a1.lead1", "LEAD", 'title with "quotes" <x>')])
    assert "<script>" not in out and "<b>" not in out
    assert lxml_html.fromstring(f"<div>{out}</div>").text_content() == text


def test_bad_offsets_are_reported_not_drawn(tables_dir):
    page = load(str(tables_dir), frame(tables_dir, "documents")["doc_id"][0])
    n = len(page["document"]["text"])
    page["targets"] = page["targets"] + [dict(page["targets"][0] if page["targets"] else {}, target_id="x:t999",
                                              start=n + 5, end=n + 9, comparator="=", value_low=1.0,
                                              value_high=1.0)]
    spans, notes = spans_of(page)
    assert any("t999" in note for note in notes) and all(s.end <= n for s in spans)


def test_show_cli_writes_the_file(tables_dir, tmp_path):
    name = os.path.basename(frame(tables_dir, "documents")["source_path"][0])
    out = cli("show", name, "--data", str(tables_dir), "--out", str(tmp_path / "page.html"))
    assert out.exit_code == 0, out.output
    assert (tmp_path / "page.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert cli("show", name, "--data", str(tables_dir)).exit_code == 2  # --out is required
    assert cli("show", "--help").exit_code == 0


# --- in a real browser ----------------------------------------------------------------------------

def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is needed to test `vanban show` and was not found: install the Debian "
                "package (apt-get install -y chromium, or VANBAN_WITH_BROWSER=1 scripts/install-system-deps.sh)")


def _chromium_args(tmp_path) -> list[str]:
    return [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WIDTH},{HEIGHT}"]


def _first_citing_doc(data) -> str:
    """The document whose first citation comes earliest (so it is in the screenshot)."""
    c = frame(data, "citations")
    if len(c):
        return c.sort_values("start").iloc[0]["doc_id"]
    return frame(data, "documents")["doc_id"][0]


def test_page_renders_in_headless_chromium(tables_dir, tmp_path):
    import pymupdf

    doc_id = _first_citing_doc(tables_dir)
    page_file = tmp_path / "review.html"
    out = cli("show", doc_id, "--data", str(tables_dir), "--out", str(page_file))
    assert out.exit_code == 0, out.output
    url = page_file.resolve().as_uri()
    png = tmp_path / "shot.png"
    # one browser run: the screenshot and the DOM after rendering
    shot = subprocess.run(_chromium_args(tmp_path) + [f"--screenshot={png}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120)
    assert png.is_file(), f"chromium wrote no screenshot: {shot.stderr[-2000:]}"
    pix = pymupdf.Pixmap(str(png))
    assert (pix.width, pix.height) == (WIDTH, HEIGHT)
    samples = pix.samples
    n = pix.n
    colours = {tuple(samples[i:i + 3]) for i in range(0, len(samples), n * 7)}  # every 7th pixel
    assert len(colours) > 50, "the screenshot is (nearly) blank"

    def present(hex_colour: str) -> bool:
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return any(all(abs(c - r) <= 4 for c, r in zip(col, rgb)) for col in colours)

    drawn = [k for k, v in KINDS.items() if present(v.colour)]
    assert len(drawn) >= 3, f"highlight colours missing from the screenshot (found {drawn})"
    if len(frame(tables_dir, "citations")):
        assert "citation" in drawn

    assert shot.returncode == 0 and "</html>" in shot.stdout, shot.stderr[-2000:]
    root = lxml_html.fromstring(shot.stdout)
    shown = fragments(root, "citation")
    page = load(str(tables_dir), doc_id)
    for c in page["citations"]:
        assert shown.get(c["citation_id"].rsplit(":", 1)[1]) == c["text"]
    assert text_container(root).text_content() == page["document"]["text"]


def test_input_by_content_of_a_copied_file(tables_dir, tmp_path):
    d = frame(tables_dir, "documents").iloc[0]
    copy = tmp_path / "renamed.txt"
    shutil.copy(d["source_path"], copy)
    assert find_document(str(tables_dir), str(copy))["doc_id"] == d["doc_id"]
