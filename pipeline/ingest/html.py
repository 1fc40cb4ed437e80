"""HTML pages: the document's text without the site's navigation, banners and footer (lxml).

The page chrome is cut in two ways: elements that are chrome by nature (script, nav, header,
footer, aside, forms, elements whose class or id says menu, breadcrumb, sidebar, share, …) are
dropped; then the main block is the element holding most paragraph text with few links (a
light version of the readability heuristic), unless the page marks it (<main>, <article>,
role="main"). Block elements become line breaks; tables go through the same renderer as PDF and
DOCX tables. Everything is walked iteratively, so deeply nested pages cannot overflow the stack.
"""
from __future__ import annotations

import regex

from ..models import RawDocument
from . import Context, IngestError, read_bytes, register
from .pdf_tables import render_table
from .text import DecodeError, decode, repair_legacy

_DROP_TAGS = {"script", "style", "noscript", "template", "iframe", "svg", "nav", "header", "footer", "aside",
              "form", "button", "select", "input", "textarea", "object", "embed", "canvas", "video", "audio",
              "map", "head", "title", "meta", "link"}
_CHROME_RE = regex.compile(
    r"(?:^|[\s_\-])(?:nav|navbar|navigation|menu|mainmenu|topmenu|breadcrumbs?|sidebar|side-bar|footer|site-header|"
    r"banner|share|social|comments?|related|advert|ads|quangcao|cookie|popup|modal|search|login|pagination|"
    r"tags?|toolbar)(?:$|[\s_\-])", regex.IGNORECASE)
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "address", "center", "dl", "dt", "dd", "figure", "figcaption", "tr", "body",
               "hr", "caption"}
_MAIN_HINT_RE = regex.compile(r"(?:^|[\s_\-])(?:content|noidung|noi-dung|toanvan|toan-van|vanban|fulltext|"
                              r"main|article|document|entry|post)(?:$|[\s_\-])", regex.IGNORECASE)


def _tag(el) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def _is_chrome(el) -> bool:
    tag = _tag(el)
    if tag in _DROP_TAGS:
        return True
    role = (el.get("role") or "").lower()
    if role in ("navigation", "banner", "contentinfo", "search", "menu", "menubar"):
        return True
    attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
    return bool(attrs.strip()) and bool(_CHROME_RE.search(attrs)) and not _MAIN_HINT_RE.search(attrs)


def _strip_chrome(root) -> None:
    """Remove chrome elements, keeping the text that follows each (its tail)."""
    doomed = [el for el in root.iter() if isinstance(el.tag, str) and _is_chrome(el)]
    for el in doomed:
        if el.getparent() is None:
            continue
        el.drop_tree()


def _main_block(root):
    """The element that holds the document: a marked main element, else the one with the most
    paragraph text (counted on its paragraphs' parents and grandparents) and few links."""
    for el in root.iter():
        tag = _tag(el)
        if tag in ("main", "article") or (el.get("role") or "").lower() == "main":
            if len(" ".join(el.itertext())) > 500:
                return el
    scores: dict = {}
    for el in root.iter():
        if _tag(el) not in ("p", "td", "div", "span", "li", "br", "pre"):
            continue
        own = (el.text or "") + "".join((c.tail or "") for c in el)
        n = len(own.strip())
        if n < 20:
            continue
        parent = el.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + n
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + n / 2
    if not scores:
        return root
    best = max(scores, key=scores.get)
    # climb while the parent holds clearly more of the text (the document is split in blocks)
    total = len(" ".join(best.itertext()))
    while best.getparent() is not None:
        parent = best.getparent()
        ptotal = len(" ".join(parent.itertext()))
        links = sum(len(" ".join(a.itertext())) for a in parent.iter("a"))
        if ptotal > 1.3 * total and links < 0.3 * ptotal:
            best, total = parent, ptotal
        else:
            break
    return best


def _table_rows(table) -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    for tr in table.iter("tr"):
        # skip rows of nested tables (they are read with their cells' text)
        if next((a for a in tr.iterancestors("table")), None) is not table:
            continue
        cells: list[str | None] = []
        for td in tr:
            if _tag(td) not in ("td", "th"):
                continue
            cells.append(_block_text(td))
            try:
                span = int(td.get("colspan") or 1)
            except ValueError:
                span = 1
            cells.extend([None] * max(0, min(span, 50) - 1))
        rows.append(cells)
    return rows


def _block_text(el) -> str:
    """Text of an element with its block structure as line breaks (iterative walk)."""
    from lxml import etree

    out: list[str] = []
    skip_el = None
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if not isinstance(node.tag, str):
            if event == "end" and node.tail and skip_el is None:
                out.append(node.tail)
            continue
        tag = _tag(node)
        if skip_el is not None:
            if event == "end" and node is skip_el:
                skip_el = None
                if node.tail:
                    out.append(node.tail)
            continue
        if event == "start":
            if tag == "table" and node is not el:
                rows = render_table(_table_rows(node))
                out.append("\n" + "\n".join(rows) + "\n")
                skip_el = node
                continue
            if tag in _BLOCK_TAGS or tag in ("td", "th"):
                out.append("\n")
            if tag == "br":
                out.append("\n")
            if node.text and tag not in _DROP_TAGS:
                out.append(node.text)
        else:
            if tag in _BLOCK_TAGS:
                out.append("\n")
            if node is not el and node.tail:
                out.append(node.tail)
    text = "".join(out)
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def html_text(data: bytes, path: str = "") -> str:
    import lxml.html
    from lxml import etree

    try:
        dec = decode(data)
        source = dec.text
    except DecodeError:
        source = data.decode("utf-8", errors="replace")
    # drop a meta charset that no longer applies to the decoded string
    source = regex.sub(r"^\s*<\?xml[^>]*>", "", source)
    parser = lxml.html.HTMLParser(recover=True, huge_tree=True, remove_comments=True)
    try:
        root = lxml.html.document_fromstring(source, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(f"{path}: the HTML cannot be parsed ({exc})", stage="decode", error_type="bad_html", path=path) from None
    _strip_chrome(root)
    main = _main_block(root)
    text = _block_text(main)
    if not text.strip():
        # libxml2 gives up on absurdly deep nesting (thousands of levels): fall back to tag
        # stripping, which is linear and keeps the words
        text = _strip_tags(source)
    text, _legacy = repair_legacy(text)
    return _tidy_blank_lines(text)


_SCRIPT_RE = regex.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", regex.IGNORECASE | regex.DOTALL)
_BLOCK_TAG_RE = regex.compile(r"</?(?:p|div|br|li|tr|h[1-6]|table|section|article)\b[^>]*>", regex.IGNORECASE)
_ANY_TAG_RE = regex.compile(r"<[^>]*>")


def _strip_tags(source: str) -> str:
    import html as html_lib

    text = _SCRIPT_RE.sub(" ", source)
    text = _BLOCK_TAG_RE.sub("\n", text)
    text = _ANY_TAG_RE.sub("", text)
    text = html_lib.unescape(text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def _tidy_blank_lines(text: str) -> str:
    """Blocks come out separated by blank lines. When every block is a single line (the usual
    <p> per paragraph) the blank lines carry nothing and would hide a motto broken over two
    blocks ("CỘNG" / "HÒA XÃ HỘI …"), so they go; when blocks hold <br>-wrapped lines they
    mark the paragraph ends for re-joining and stay."""
    blocks = [b for b in regex.split(r"\n[ \t]*\n+", text) if b.strip()]
    if all("\n" not in b.strip() for b in blocks):
        return "\n".join(b.strip() for b in blocks)
    return regex.sub(r"\n[ \t]*\n+", "\n\n", text).strip()


@register(".html", ".htm")
def read_html(ctx: Context) -> RawDocument:
    data = read_bytes(ctx.path, ctx.limits)
    text = html_text(data, ctx.path)
    if not text.strip():
        raise IngestError(f"{ctx.path}: the page holds no text outside its navigation and page chrome",
                          stage="read", error_type="no_text", path=ctx.path)
    return RawDocument(text=text, source_format="html", encoding="html", hard_wrapped=None)
