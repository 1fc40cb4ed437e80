"""`vanban graph`: the citation network of a run, as GraphML or a self-contained HTML page.

Nodes are the run's documents (keyed by doc_id) and, for citations that do not resolve to a
document of the run, the cited documents themselves (keyed by cited_key, so every mention of
"Nghị quyết 59-NQ/TW" meets in one node). Edges go from the citing to the cited document, one
per relation (implements, basis, amends, replaces, repeals, mentions), with the number of
mentions and their citation ids.
"""
from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import tables
from .tables import data_option, reported_errors

if TYPE_CHECKING:
    import networkx as nx

RELATION_COLOURS = {
    "implements": "#c62828", "basis": "#2e7d32", "amends": "#ef6c00", "replaces": "#6a1b9a",
    "repeals": "#4e342e", "mentions": "#90a4ae",
}
OTHER_COLOUR = "#607d8b"
MAX_DRAWN_NODES = 400  # beyond this the HTML page keeps the lists and leaves drawing to GraphML tools


def _iso(v) -> str:
    return v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else str(v))


def _doc_label(d: dict) -> str:
    """"Chỉ thị 01/CT-UBND"; without a number, the type and the file name."""
    if d.get("doc_number"):
        return " ".join(x for x in (d.get("doc_type"), d["doc_number"]) if x)
    name = Path(d.get("source_path") or d["doc_id"]).name
    return f"{d['doc_type']} ({name})" if d.get("doc_type") else name


def citation_target(c: dict, in_run: set[str]) -> str:
    """The node a citation points to: the cited document of the run, else its cited_key."""
    if c.get("cited_doc_id") and c["cited_doc_id"] in in_run:
        return c["cited_doc_id"]
    return c.get("cited_key") or " ".join(x for x in (c.get("cited_type"), c.get("cited_number")) if x) or c.get("text") or "?"


def build_graph(data: str) -> nx.MultiDiGraph:
    """The citation graph of the output in `data` (attribute values are never null: GraphML)."""
    import networkx as nx

    tables.check_data(data)
    g = nx.MultiDiGraph(name="vanban citations")
    docs = tables.read_rows(data, "documents", ["doc_id", "source_path", "doc_type", "doc_number", "issuer",
                                                "issue_date", "title"])
    for d in docs:
        g.add_node(d["doc_id"], kind="document", label=_doc_label(d), doc_type=d.get("doc_type") or "",
                   doc_number=d.get("doc_number") or "", issuer=d.get("issuer") or "",
                   issue_date=_iso(d.get("issue_date")), title=d.get("title") or "",
                   source_path=d.get("source_path") or "")
    in_run = {d["doc_id"] for d in docs}
    edges: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    external: dict[str, list[dict]] = defaultdict(list)
    for c in tables.iter_rows(data, "citations"):
        target = citation_target(c, in_run)
        if target not in in_run:
            external[target].append(c)
        edges[(c["doc_id"], target, c.get("relation") or "mentions")].append(c)
    for key, cs in sorted(external.items()):
        def most_common(field):
            values = Counter(c[field] for c in cs if c.get(field))
            return _iso(values.most_common(1)[0][0]) if values else ""
        g.add_node(key, kind="external", label=key, cited_type=most_common("cited_type"),
                   cited_number=most_common("cited_number"), cited_date=most_common("cited_date"),
                   cited_issuer=most_common("cited_issuer"), cited_title=most_common("cited_title"))
    for (src, dst, rel), cs in sorted(edges.items()):
        if src not in g:  # a citation row of a document missing from documents.parquet
            g.add_node(src, kind="document", label=src)
        g.add_edge(src, dst, key=rel, relation=rel, mentions=len(cs),
                   citation_ids=" ".join(c["citation_id"] for c in cs), text=cs[0].get("text") or "")
    return g


# --- HTML -----------------------------------------------------------------------------------------

def _esc(s) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _colour(rel: str) -> str:
    return RELATION_COLOURS.get(rel, OTHER_COLOUR)


def _cut(s: str, n: int) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def svg(g: nx.MultiDiGraph, width: int = 1200, height: int = 820) -> str:
    """The graph drawn as inline SVG: a seeded spring layout, arrows coloured by relation."""
    import networkx as nx

    if g.number_of_nodes() == 0:
        return ""
    pos = nx.spring_layout(nx.Graph(g), seed=7, k=1.6 / math.sqrt(max(g.number_of_nodes(), 1)))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad, label_room = 40, 190  # labels are drawn to the right of their node
    def sx(x): return pad + (x - min(xs)) / ((max(xs) - min(xs)) or 1) * (width - pad - label_room)
    def sy(y): return pad + (y - min(ys)) / ((max(ys) - min(ys)) or 1) * (height - 2 * pad)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="citation graph">', "<defs>"]
    for rel, colour in list(RELATION_COLOURS.items()) + [("other", OTHER_COLOUR)]:
        parts.append(f'<marker id="arrow-{rel}" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" '
                     f'markerWidth="9" markerHeight="9" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    parts.append("</defs>")

    def radius(n):
        return 11 if g.nodes[n].get("kind") == "document" else 6 + min(6, g.in_degree(n))

    # parallel edges (one per relation between the same two documents) bend apart; "mentions" underneath
    order = sorted(g.edges(keys=True, data=True), key=lambda e: (e[2] != "mentions", e[2]))
    siblings: dict[tuple[str, str], list[str]] = defaultdict(list)
    for u, v, rel, _ in order:
        siblings[(u, v)].append(rel)
    for u, v, rel, a in order:
        x1, y1, x2, y2 = sx(pos[u][0]), sy(pos[u][1]), sx(pos[v][0]), sy(pos[v][1])
        dist = math.hypot(x2 - x1, y2 - y1) or 1
        group = siblings[(u, v)]
        bend = (group.index(rel) - (len(group) - 1) / 2) * 26
        cx, cy = (x1 + x2) / 2 - (y2 - y1) / dist * bend, (y1 + y2) / 2 + (x2 - x1) / dist * bend
        r = radius(v) + 2  # stop the arrow at the node's rim
        dc = math.hypot(x2 - cx, y2 - cy) or 1
        x2e, y2e = x2 - (x2 - cx) * r / dc, y2 - (y2 - cy) * r / dc
        marker = rel if rel in RELATION_COLOURS else "other"
        w = 1 + math.log2(a.get("mentions", 1))
        parts.append(f'<path class="edge" data-relation="{_esc(rel)}" d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} '
                     f'{x2e:.1f},{y2e:.1f}" fill="none" stroke="{_colour(rel)}" stroke-width="{w:.1f}" '
                     f'stroke-opacity="0.85" marker-end="url(#arrow-{marker})"><title>{_esc(g.nodes[u].get("label"))} → '
                     f'{_esc(g.nodes[v].get("label"))}: {_esc(rel)} ×{a.get("mentions", 1)}</title></path>')
    for n, a in g.nodes(data=True):
        x, y = sx(pos[n][0]), sy(pos[n][1])
        doc = a.get("kind") == "document"
        fill, stroke = ("#1565c0", "#0d47a1") if doc else ("#eceff1", "#78909c")
        tip = a.get("label", n) + (f"\n{a.get('issuer')}" if a.get("issuer") else "") + \
            (f"\n{a.get('title')}" if a.get("title") else "") + f"\ncited {g.in_degree(n)}×, cites {g.out_degree(n)}×"
        link = f'<a href="#n-{_anchor(n)}">' if doc else ""
        weight = ' font-weight="600"' if doc else ""
        parts.append(f'<g class="node {"doc" if doc else "ext"}">{link}<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius(n)}" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"><title>{_esc(tip)}</title></circle>'
                     f'<text x="{x + radius(n) + 3:.1f}" y="{y + 4:.1f}" font-size="{12 if doc else 10}" '
                     f'fill="{"#0d47a1" if doc else "#455a64"}"{weight}>'
                     f'{_esc(_cut(a.get("label", n), 34))}</text>{"</a>" if doc else ""}</g>')
    parts.append("</svg>")
    return "\n".join(parts)


def _anchor(node: str) -> str:
    import hashlib

    return hashlib.sha1(node.encode("utf-8")).hexdigest()[:12]


def _node_ref(g, n) -> str:
    label = _esc(g.nodes[n].get("label", n))
    return f'<a href="#n-{_anchor(n)}">{label}</a>'


def _edge_list(g, items) -> str:
    if not items:
        return '<span class="none">—</span>'
    lis = []
    for other, rel, a in items:
        times = f" ×{a['mentions']}" if a.get("mentions", 1) > 1 else ""
        lis.append(f'<li><span class="rel" style="background:{_colour(rel)}">{_esc(rel)}</span> '
                   f'{_node_ref(g, other)}{times}</li>')
    return f"<ul>{''.join(lis)}</ul>"


def html_page(g: nx.MultiDiGraph, title: str = "vanban: citation graph") -> str:
    docs = sorted((n for n, a in g.nodes(data=True) if a.get("kind") == "document"),
                  key=lambda n: (g.nodes[n].get("issue_date") or "9999", g.nodes[n].get("label", n)))
    exts = sorted((n for n, a in g.nodes(data=True) if a.get("kind") != "document"),
                  key=lambda n: (-g.in_degree(n), n))
    rel_counts = Counter(rel for _, _, rel in g.edges(keys=True))
    legend = "".join(f'<span class="rel" style="background:{_colour(r)}">{_esc(r)} ({rel_counts.get(r, 0)})</span> '
                     for r in list(RELATION_COLOURS) + sorted(set(rel_counts) - set(RELATION_COLOURS)))
    drawing = (svg(g) if g.number_of_nodes() <= MAX_DRAWN_NODES else
               f'<p class="none">{g.number_of_nodes()} nodes are too many to draw legibly here: open the GraphML '
               '(<code>vanban graph --out FILE.graphml</code>) in Gephi or yEd; the lists below are complete.</p>')

    def out_items(n):
        return sorted(((v, rel, a) for _, v, rel, a in g.out_edges(n, keys=True, data=True)),
                      key=lambda t: (list(RELATION_COLOURS).index(t[1]) if t[1] in RELATION_COLOURS else 99,
                                     g.nodes[t[0]].get("label", t[0])))

    def in_items(n):
        return sorted(((u, rel, a) for u, _, rel, a in g.in_edges(n, keys=True, data=True)),
                      key=lambda t: g.nodes[t[0]].get("label", t[0]))

    doc_rows = []
    for n in docs:
        a = g.nodes[n]
        sub = ", ".join(x for x in (a.get("issuer"), a.get("issue_date")) if x)
        title_html = f'<p class="sub">{_esc(a["title"])}</p>' if a.get("title") else ""
        doc_rows.append(f'<section class="card" id="n-{_anchor(n)}"><h3>{_esc(a.get("label", n))}</h3>'
                        f'<p class="sub">{_esc(sub)} · <code>{_esc(n)}</code> · {_esc(a.get("source_path", ""))}</p>'
                        f'{title_html}'
                        f'<div class="cols"><div><b>cites</b>{_edge_list(g, out_items(n))}</div>'
                        f'<div><b>cited by</b>{_edge_list(g, in_items(n))}</div></div></section>')
    ext_rows = []
    for n in exts:
        a = g.nodes[n]
        extra = ", ".join(x for x in (a.get("cited_issuer"), a.get("cited_date")) if x)
        ext_rows.append(f'<tr id="n-{_anchor(n)}"><td>{_esc(n)}</td><td>{_esc(extra)}</td><td>{g.in_degree(n)}</td>'
                        f'<td>{_edge_list(g, in_items(n))}</td></tr>')
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>
body {{ margin: 0; font: 14px/1.45 "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1f2328; }}
header, main {{ padding: 12px 24px; }}
header {{ background: #f6f8fa; border-bottom: 1px solid #d0d7de; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }} h2 {{ font-size: 16px; margin: 20px 0 8px; }} h3 {{ font-size: 15px; margin: 0; }}
.rel {{ display: inline-block; color: #fff; border-radius: 3px; padding: 0 5px; font-size: 11px; font-weight: 600; }}
.legend .rel {{ margin-right: 6px; }}
.legend .key {{ display: inline-block; width: 12px; height: 12px; border-radius: 50%; vertical-align: middle; margin: 0 4px 0 10px; }}
svg {{ border: 1px solid #d0d7de; border-radius: 6px; background: #fff; max-height: 860px; }}
.card {{ border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }}
.sub {{ color: #667085; margin: 2px 0; font-size: 13px; }}
.cols {{ display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }}
ul {{ margin: 4px 0; padding-left: 18px; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #d0d7de; padding: 4px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f6f8fa; }}
.none {{ color: #667085; }}
a {{ color: #0b57d0; text-decoration: none; }}
</style>
</head>
<body>
<header>
<h1>{_esc(title)}</h1>
<p>{len(docs)} documents of the run, {len(exts)} cited documents outside it, {g.number_of_edges()} links
({sum(a.get("mentions", 1) for _, _, a in g.edges(data=True))} mentions).</p>
<p class="legend">{legend}
<span class="key" style="background:#1565c0"></span>document of the run
<span class="key" style="background:#eceff1;border:1px solid #78909c"></span>cited, not in the run</p>
</header>
<main>
{drawing}
<h2>Documents of the run ({len(docs)})</h2>
{''.join(doc_rows) or '<p class="none">none</p>'}
<h2>Cited documents outside the run ({len(exts)})</h2>
<table><thead><tr><th>cited_key</th><th>issuer, date</th><th>cited by</th><th>citing documents</th></tr></thead>
<tbody>{''.join(ext_rows)}</tbody></table>
</main>
</body>
</html>
"""


def write_graph(g: nx.MultiDiGraph, out: str) -> str:
    """Write GraphML or HTML by the file's suffix; returns the format written."""
    suffix = Path(out).suffix.lower()
    if suffix in (".graphml", ".xml"):
        import io

        import networkx as nx

        buf = io.BytesIO()
        nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True)
        tables.write_atomic(out, lambda fh: fh.write(buf.getvalue().decode("utf-8")))
        return "graphml"
    tables.write_atomic(out, lambda fh: fh.write(html_page(g)))
    return "html"


@click.command("graph")
@data_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="FILE.graphml (Gephi, yEd, networkx) or FILE.html (a page with the drawing and lists)")
def command(data: str, out: str) -> None:
    """Write the citation graph: documents as nodes, citations as edges labelled with their relation.

    Cited documents outside the run are nodes of their own, keyed by cited_key. Node attribute
    `kind` is "document" or "external"; edge attributes: relation, mentions, citation_ids, text.
    """
    if Path(out).suffix.lower() not in (".graphml", ".xml", ".html", ".htm"):
        raise click.UsageError(f"--out {out}: give a .graphml or .html file name")
    with reported_errors():
        g = build_graph(data)
        fmt = write_graph(g, out)
    docs = sum(1 for _, a in g.nodes(data=True) if a.get("kind") == "document")
    click.echo(f"vanban: {docs} documents, {g.number_of_nodes() - docs} cited outside the run, "
               f"{g.number_of_edges()} links -> {out} ({fmt})", err=True)
