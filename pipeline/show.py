"""`vanban show`: one document as a self-contained HTML page for a reviewer checking extraction.

The text is shown as the pipeline saw it (documents.text) with its layers highlighted in the
manner of spaCy's displaCy entity view: citations, lead and co-operating agencies, deadlines
and targets as coloured marks with a small label, each task as a background band. Spans may
nest or cross; crossing ones are split into fragments (closed and re-opened), so the markup
is always well formed and the text itself is never altered. A side table lists the
assignments. Inline CSS only: no script, no external asset, so the page opens anywhere.
"""
from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass, field

import click

from . import tables
from .tables import DataError, data_option, doc_filter, reported_errors


@dataclass(frozen=True)
class Kind:
    label: str
    colour: str
    meaning: str


# The mark kinds, in legend order; "task" is drawn as a band beneath the marks.
KINDS: dict[str, Kind] = {
    "citation": Kind("CITATION", "#aa9cfc", "mention of another legal document (relation in the label)"),
    "lead": Kind("LEAD", "#7aecec", "agency in charge (chủ trì, or the subject of the task)"),
    "co": Kind("CO", "#bfeeb7", "co-operating agency (phối hợp)"),
    "deadline": Kind("DEADLINE", "#feca74", "deadline as written (date it allows in the label)"),
    "target": Kind("TARGET", "#ff9561", "numeric target"),
    "task": Kind("TASK", "#e4ecfb", "task text of an assignment (band; id in the label)"),
}
# Nesting preference at equal extent: the band outermost, then the wider layers.
_RANK = {"task": 0, "target": 1, "citation": 2, "deadline": 3, "lead": 4, "co": 5}
AGENCY_LOOKBACK = 3000  # characters searched before an item for agencies it inherits


@dataclass
class Span:
    start: int
    end: int
    kind: str
    sid: str                 # id of the row it comes from (c3, a3, t2, a3.lead1, …)
    label: str
    title: str = ""          # tooltip: the row's fields
    attrs: dict = field(default_factory=dict)


# --- finding the document ------------------------------------------------------------------------

_DOC_COLUMNS = ["doc_id", "source_path", "source_sha256", "other_paths", "doc_type", "doc_number", "issuer", "issue_date",
                "place", "title", "signer_name", "signer_title", "pages", "ocr_pages", "n_chars",
                "source_format", "pipeline_version", "schema_version"]


def find_document(data: str, given: str) -> dict:
    """The documents row (without text) that INPUT names: a source path as given to `run`, the
    same file by another path or with the same bytes, a file name or stem, or a doc_id (or a
    unique prefix of one)."""
    rows = tables.read_rows(data, "documents", _DOC_COLUMNS)
    if not rows:
        raise DataError(f"{data} holds no documents")

    def paths(r):
        return [r.get("source_path") or ""] + list(r.get("other_paths") or [])

    sha: list[str | None] = []

    def sha_of_given() -> str | None:
        """The input file's content hash: the same bytes under another name or folder."""
        if not sha:
            from .process import sha256_file

            try:
                sha.append(sha256_file(given) if os.path.isfile(given) else None)
            except OSError:
                sha.append(None)
        return sha[0]

    def real(p):
        try:
            return os.path.realpath(p)
        except (OSError, ValueError):
            return p

    tests = [
        ("doc_id", lambda r: r["doc_id"] == given),
        ("path", lambda r: given in paths(r)),
        ("path", lambda r: os.path.normpath(given) in [os.path.normpath(p) for p in paths(r) if p]),
        ("path", lambda r: real(given) in [real(p) for p in paths(r) if p]),
        ("content", lambda r: r.get("source_sha256") == sha_of_given()),
        ("file name", lambda r: os.path.basename(given) in [os.path.basename(p) for p in paths(r)]),
        ("file stem", lambda r: given in [os.path.splitext(os.path.basename(p))[0] for p in paths(r)]),
        ("doc_id prefix", lambda r: len(given) >= 4 and r["doc_id"].startswith(given.lower())),
    ]
    for what, test in tests:
        hits = [r for r in rows if test(r)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            listing = "; ".join(f"{r['doc_id']} {r.get('source_path')}" for r in hits[:5])
            raise DataError(f"{given!r} matches {len(hits)} documents by {what} ({listing}"
                            f"{'; …' if len(hits) > 5 else ''}): give the doc_id")
    raise DataError(f"no document {given!r} in {data}: give a source path as passed to `vanban run`, "
                    "a file name or a doc_id (`vanban query \"SELECT doc_id, source_path FROM documents\"`)")


def load(data: str, given: str) -> dict:
    """Everything the page shows of one document: its row (with text) and its rows of the layers."""
    doc = find_document(data, given)
    f = doc_filter(doc["doc_id"])
    text_rows = tables.read_rows(data, "documents", ["text"], f)
    doc["text"] = text_rows[0]["text"] if text_rows else ""
    layers = {t: sorted(tables.read_rows(data, t, None, f), key=lambda r: (r.get("start") or 0, r.get("end") or 0))
              for t in ("citations", "assignments", "targets", "sections")}
    return {"document": doc, **layers}


# --- spans ----------------------------------------------------------------------------------------

def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def find_word(text: str, needle: str, lo: int, hi: int, last: bool = False) -> int:
    """Offset of `needle` as a whole word in text[lo:hi] (first, or last), else -1."""
    if not needle:
        return -1
    pos = text.rfind(needle, lo, hi) if last else text.find(needle, lo, hi)
    while pos >= 0:
        end = pos + len(needle)
        before_ok = pos == 0 or not (_is_word_char(text[pos - 1]) and _is_word_char(needle[0]))
        after_ok = end >= len(text) or not (_is_word_char(text[end]) and _is_word_char(needle[-1]))
        if before_ok and after_ok:
            return pos
        pos = text.rfind(needle, lo, pos + len(needle) - 1) if last else text.find(needle, pos + 1, hi)
    return -1


def _item_scope_start(a: dict, sections: list[dict]) -> int:
    """Where agencies an item inherits may be named: the start of its top-level section."""
    starts = [s["start"] for s in sections
              if s.get("start") is not None and s["start"] <= a["start"] < (s.get("end") or 0) and s.get("level") == 1]
    return min(starts) if starts else max(0, a["start"] - AGENCY_LOOKBACK)


def agency_spans(text: str, a: dict, sections: list[dict]) -> list[Span]:
    """Spans of an assignment's lead and co-operating agencies: each raw name is looked up in
    the item's preamble (before the task text), in order; a name the item inherits is the
    nearest earlier occurrence in the enclosing top-level section."""
    out: list[Span] = []
    pre_end = a.get("task_start") if a.get("task_start") is not None else a["start"]
    pre_end = max(a["start"], min(pre_end, a["end"]))
    scope = _item_scope_start(a, sections)
    aid = _short(a["assignment_id"])
    for role in ("lead", "co"):
        raws = list(a.get(f"{role}_agencies_raw") or [])
        canon = list(a.get(f"{role}_agencies") or [])
        cursor = a["start"]
        for i, raw in enumerate(raws):
            pos = find_word(text, raw, cursor, pre_end)
            if pos >= 0:
                cursor = pos + len(raw)
            else:
                pos = find_word(text, raw, scope, a["start"], last=True)
            if pos < 0:
                continue
            name = canon[i] if i < len(canon) else raw
            out.append(Span(pos, pos + len(raw), role, f"{aid}.{role}{i + 1}", KINDS[role].label,
                            f"{'lead' if role == 'lead' else 'co-operating'} agency of {aid}: {name}"))
    return out


def _short(row_id: str) -> str:
    return row_id.rsplit(":", 1)[-1]


def _iso(v) -> str:
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else ("" if v is None else str(v))


def _num(v) -> str:
    if v is None:
        return "?"
    return f"{v:g}" if isinstance(v, float) else str(v)


def spans_of(page: dict) -> tuple[list[Span], list[str]]:
    """Every highlighted span of the page and notes on rows whose offsets do not fit the text."""
    text = page["document"]["text"]
    spans: list[Span] = []
    notes: list[str] = []
    for c in page["citations"]:
        rel = c.get("relation") or "mentions"
        tip = [c.get("cited_key") or "", f"relation: {rel}"]
        tip += [f"{k}: {_iso(c.get(k))}" for k in ("cited_date", "cited_issuer", "cited_title", "cited_doc_id") if c.get(k)]
        label = KINDS["citation"].label + ("" if rel == "mentions" else f" · {rel.upper()}")
        spans.append(Span(c["start"], c["end"], "citation", _short(c["citation_id"]), label, "\n".join(tip),
                          {"data-relation": rel, "data-cited-key": c.get("cited_key") or ""}))
    seen_deadlines: set[tuple[int, int]] = set()
    for a in page["assignments"]:
        aid = _short(a["assignment_id"])
        if a.get("task_start") is not None and a.get("task_end") is not None:
            lead = "; ".join(a.get("lead_agencies") or [])
            spans.append(Span(a["task_start"], a["task_end"], "task", aid, f"{aid} · {a.get('section') or ''}",
                              f"{aid} ({a.get('section')}), mode {a.get('mode')!r}, lead: {lead}"))
        spans.extend(agency_spans(text, a, page["sections"]))
        ds, de = a.get("deadline_start"), a.get("deadline_end")
        if ds is not None and de is not None and (ds, de) not in seen_deadlines:
            seen_deadlines.add((ds, de))
            date = _iso(a.get("deadline"))
            spans.append(Span(ds, de, "deadline", f"{aid}.deadline", KINDS["deadline"].label + (f" {date}" if date else ""),
                              f"deadline of {aid}: {date or 'no date'}" + (f", {a['recurrence']}" if a.get("recurrence") else "")))
    for t in page["targets"]:
        val = _num(t.get("value_low")) if t.get("comparator") != "range" else f"{_num(t.get('value_low'))}–{_num(t.get('value_high'))}"
        tip = f"{t.get('indicator')}: {t.get('comparator')} {val} {t.get('unit') or ''} ({t.get('direction')}, {t.get('year') or 'no year'})"
        if t.get("indicator_key"):
            tip += f"\nindicator_key: {t['indicator_key']}"
        spans.append(Span(t["start"], t["end"], "target", _short(t["target_id"]), KINDS["target"].label, tip))
    # agencies found twice (an inherited name shared by several items) are one mark
    unique: dict[tuple[int, int, str], Span] = {}
    for s in spans:
        unique.setdefault((s.start, s.end, s.kind), s)
    good = []
    for s in unique.values():
        if isinstance(s.start, int) and isinstance(s.end, int) and 0 <= s.start < s.end <= len(text):
            good.append(s)
        else:
            notes.append(f"{s.kind} {s.sid}: offsets {s.start}–{s.end} outside the text (length {len(text)}), not shown")
    return good, notes


# --- markup ---------------------------------------------------------------------------------------

def _esc(s) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _open_tag(s: Span, first: bool, last: bool) -> str:
    cls = ["band" if s.kind == "task" else "m", f"k-{s.kind}"]
    if last:
        cls.append("last")
    attrs = [f'class="{" ".join(cls)}"', f'data-id="{_esc(s.sid)}"', f'title="{_esc(s.title)}"']
    if last:
        attrs.append(f'data-label="{_esc(s.label)}"')
    if first and s.kind == "task":
        attrs.append(f'id="{_esc(s.sid)}"')
    attrs += [f'{k}="{_esc(v)}"' for k, v in s.attrs.items()]
    tag = "span" if s.kind == "task" else "mark"
    return f"<{tag} {' '.join(attrs)}>"


def highlight(text: str, spans: list[Span]) -> str:
    """HTML of `text` with every span wrapped; crossing spans are split into fragments, each
    fragment carries data-id, and only a span's last fragment carries its label."""
    by_start: dict[int, list[Span]] = {}
    for s in spans:
        by_start.setdefault(s.start, []).append(s)
    bounds = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    out: list[str] = []
    stack: list[tuple[Span, int, bool]] = []  # open spans, index of their open tag, first fragment?
    opened: set[int] = set()                  # id(span) of spans whose first fragment is out
    pos = 0

    def open_span(s: Span) -> None:
        first = id(s) not in opened
        opened.add(id(s))
        out.append(_open_tag(s, first, False))
        stack.append((s, len(out) - 1, first))

    def close_top(b: int) -> Span:
        s, idx, first = stack.pop()
        if s.end == b:  # the span's last fragment carries its label
            out[idx] = _open_tag(s, first, True)
        out.append("</span>" if s.kind == "task" else "</mark>")
        return s

    for b in bounds:
        if b > pos:
            out.append(_esc(text[pos:b]))
            pos = b
        reopen = []
        while any(s.end <= b for s, _, _ in stack):
            s = close_top(b)
            if s.end > b:
                reopen.append(s)
        for s in reversed(reopen):
            open_span(s)
        for s in sorted(by_start.get(b, []), key=lambda s: (-s.end, _RANK.get(s.kind, 9))):
            open_span(s)
    return "".join(out)


CSS = """
:root { --ink: #1f2328; --muted: #667085; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); background: #f6f8fa; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 18px 0 6px; }
.doc-title { margin: 0 0 6px; font-style: italic; }
.meta { color: var(--muted); font-size: 13px; margin: 0; }
.meta code { font-size: 12px; }
.legend { display: flex; flex-wrap: wrap; gap: 8px 14px; padding: 10px 24px; border-bottom: 1px solid var(--line); font-size: 13px; }
.legend .item { display: inline-flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 28px; height: 16px; border-radius: 4px; border: 1px solid rgba(0,0,0,.15); }
.notes { color: #9a3412; font-size: 13px; padding: 0 24px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.1fr); gap: 20px; padding: 16px 24px 40px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 2.15; font-size: 15px; margin: 0; }
mark.m { color: inherit; padding: 1px 3px; border-radius: 4px; -webkit-box-decoration-break: clone; box-decoration-break: clone; }
mark.m mark.m { padding: 0 2px; outline: 1px solid rgba(0,0,0,.18); }
mark.last::after, span.band.last::after {
  content: attr(data-label); font-size: 9px; font-weight: 700; letter-spacing: .02em; line-height: 1;
  vertical-align: middle; margin-left: 4px; padding: 2px 3px; border-radius: 3px;
  background: rgba(255,255,255,.72); color: #333; text-transform: uppercase; white-space: nowrap; }
span.band { border-radius: 2px; -webkit-box-decoration-break: clone; box-decoration-break: clone; }
span.band.last::after { background: #5b6b8c; color: #fff; text-transform: none; }
aside { font-size: 12px; }
aside .scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.task { min-width: 12em; }
td.agencies { min-width: 7em; }
td.deadline { min-width: 6.5em; }
.nowrap, td.nowrap { white-space: nowrap; }
a { color: #0b57d0; }
.empty { color: var(--muted); font-style: italic; }
""" + "".join(f"\n.k-{k} {{ background: {v.colour}; }}" for k, v in KINDS.items()) \
    + "\n.k-citation[data-relation=\"basis\"], .k-citation[data-relation=\"implements\"] { font-weight: 600; }\n"

TASK_PREVIEW = 400  # characters of a task shown in the side table (the full text is highlighted)


def _cut(s: str | None, n: int) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[:n - 1] + "…"


def _list(v) -> str:
    return "; ".join(v or [])


def _assignments_table(rows: list[dict]) -> str:
    if not rows:
        return '<p class="empty">no assignments found</p>'
    head = "".join(f"<th>{h}</th>" for h in ("#", "section", "mode", "lead", "co", "task", "deadline", "recurrence"))
    body = []
    for a in rows:
        aid = _short(a["assignment_id"])
        deadline = _iso(a.get("deadline"))
        dtext = a.get("deadline_text")
        cell_deadline = f'<span class="nowrap">{_esc(deadline)}</span>' + (f"<br><small>{_esc(dtext)}</small>" if dtext else "")
        body.append(
            f'<tr><td class="nowrap"><a href="#{_esc(aid)}">{_esc(aid)}</a></td><td class="nowrap">{_esc(a.get("section"))}</td>'
            f'<td class="nowrap">{_esc(a.get("mode"))}</td><td class="agencies">{_esc(_list(a.get("lead_agencies")))}</td>'
            f'<td class="agencies">{_esc(_list(a.get("co_agencies")))}</td><td class="task">{_esc(_cut(a.get("task"), TASK_PREVIEW))}</td>'
            f'<td class="deadline">{cell_deadline}</td><td>{_esc(a.get("recurrence") or "")}</td></tr>')
    return f'<div class="scroll"><table class="assignments"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _citations_table(rows: list[dict]) -> str:
    if not rows:
        return '<p class="empty">no citations found</p>'
    body = "".join(
        f'<tr><td class="nowrap">{_esc(_short(c["citation_id"]))}</td><td>{_esc(c.get("cited_key"))}</td>'
        f'<td class="nowrap">{_esc(c.get("relation"))}</td><td class="nowrap">{_esc(_iso(c.get("cited_date")))}</td>'
        f'<td>{_esc(c.get("cited_issuer") or "")}</td><td class="nowrap">{_esc(c.get("cited_doc_id") or "")}</td></tr>'
        for c in rows)
    return ('<div class="scroll"><table class="citations"><thead><tr><th>#</th><th>cited_key</th><th>relation</th>'
            f'<th>date</th><th>issuer</th><th>in this output</th></tr></thead><tbody>{body}</tbody></table></div>')


def _targets_table(rows: list[dict]) -> str:
    if not rows:
        return '<p class="empty">no targets found</p>'
    body = []
    for t in rows:
        val = _num(t.get("value_low")) if t.get("comparator") != "range" else f"{_num(t.get('value_low'))}–{_num(t.get('value_high'))}"
        body.append(
            f'<tr><td class="nowrap">{_esc(_short(t["target_id"]))}</td><td>{_esc(t.get("indicator"))}</td>'
            f'<td class="nowrap">{_esc(t.get("comparator"))} {_esc(val)} {_esc(t.get("unit") or "")}</td>'
            f'<td class="nowrap">{_esc(t.get("year") or "")}</td><td class="nowrap">{_esc(t.get("direction"))}</td>'
            f'<td class="nowrap">{_esc(t.get("assignment_id") and _short(t["assignment_id"]) or "")}</td></tr>')
    return ('<div class="scroll"><table class="targets"><thead><tr><th>#</th><th>indicator</th><th>value</th>'
            f'<th>year</th><th>direction</th><th>task</th></tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def render(page: dict) -> str:
    """The HTML page of one loaded document (see `load`)."""
    doc = page["document"]
    text = doc.get("text") or ""
    spans, notes = spans_of(page)
    counts = {k: sum(1 for s in spans if s.kind == k) for k in KINDS}
    name = " ".join(x for x in (doc.get("doc_type"), doc.get("doc_number")) if x) or os.path.basename(doc.get("source_path") or "") or doc["doc_id"]
    sub = ", ".join(x for x in (doc.get("issuer"), _iso(doc.get("issue_date")), doc.get("place")) if x)
    legend = "".join(
        f'<span class="item"><span class="swatch k-{k}"></span><b>{_esc(v.label)}</b> {_esc(v.meaning)} ({counts[k]})</span>'
        for k, v in KINDS.items())
    note_html = "".join(f"<p>{_esc(n)}</p>" for n in notes)
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vanban show {_esc(doc.get('pipeline_version') or '')}">
<title>{_esc(name)} — vanban</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{_esc(name)}{(' — ' + _esc(sub)) if sub else ''}</h1>
{f'<p class="doc-title">{_esc(doc.get("title"))}</p>' if doc.get("title") else ''}
<p class="meta">doc_id <code>{_esc(doc['doc_id'])}</code> · source <code>{_esc(doc.get('source_path'))}</code> ·
{len(text)} characters · {len(page['assignments'])} assignments · {len(page['citations'])} citations ·
{len(page['targets'])} targets · {len(page['sections'])} sections</p>
</header>
<div class="legend">{legend}</div>
{f'<div class="notes">{note_html}</div>' if notes else ''}
<div class="layout">
<main><h2>Text</h2><div class="text">{highlight(text, spans)}</div></main>
<aside>
<h2>Assignments ({len(page['assignments'])})</h2>
{_assignments_table(page['assignments'])}
<h2>Citations ({len(page['citations'])})</h2>
{_citations_table(page['citations'])}
<h2>Targets ({len(page['targets'])})</h2>
{_targets_table(page['targets'])}
</aside>
</div>
</body>
</html>
"""


def build_page(data: str, given: str) -> tuple[dict, str]:
    page = load(data, given)
    return page, render(page)


@click.command("show")
@click.argument("input_", metavar="INPUT")
@data_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="the HTML file to write, e.g. review.html")
def command(input_: str, data: str, out: str) -> None:
    """Write one document as a self-contained HTML page with its extraction highlighted.

    INPUT is a source path as given to `vanban run` (or a copy of that file), a file name, or
    a doc_id. Citations,
    agencies, deadlines and targets are coloured marks with a label (see the legend); each
    task is a band; a side table lists the assignments (click an id to jump to its text).
    """
    with reported_errors():
        page, markup = build_page(data, input_)
        tables.write_atomic(out, lambda fh: fh.write(markup))
    doc = page["document"]
    click.echo(f"vanban: {doc['doc_id']} ({doc.get('source_path')}): {len(page['assignments'])} assignments, "
               f"{len(page['citations'])} citations, {len(page['targets'])} targets -> {out}", err=True)
