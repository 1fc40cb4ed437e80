"""From decoded text to `documents.text`: the one place where the text is changed.

Everything that alters characters or lines happens here, once, before any offset is taken:
Unicode NFC and look-alike letters, line endings, gazette running headers and signature stamps,
the website page around a document, and hard-wrapped lines re-joined into paragraphs. Later
stages only read the result, so their offsets always index `documents.text`.
"""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

import regex

from . import cell_tables, rules
from .textutil import has_lower, is_upper_text

# --- characters -------------------------------------------------------------------------------

_CHAR_MAP = {
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ",
    "\u2003": " ", "\u3000": " ", "\t": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
    "\u00d0": "Đ",  # Latin capital eth, printed for Đ by many PDF producers and OCR engines
    "\u00f0": "đ",
    "\u0189": "Đ",  # African D
    "\u2028": "\n", "\u2029": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n",
    "\uf0b7": "•", "\uf0a7": "▪", "\uf02d": "-",  # private-use bullets from Word/PDF symbol fonts
}
_SPACES_RE = regex.compile(r" {2,}")


_CHAR_RE = regex.compile("[" + "".join(regex.escape(c) for c in _CHAR_MAP) + r"\x00-\x08\x0e-\x1f\x7f]")


def _char_repl(m: regex.Match) -> str:
    return _CHAR_MAP.get(m.group(), "")


def clean_chars(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _CHAR_RE.search(text):  # most texts have none: skip the substitution pass
        text = _CHAR_RE.sub(_char_repl, text)
        text = unicodedata.normalize("NFC", text)
    return text


# --- rule data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LineRules:
    website: regex.Pattern
    website_tail: regex.Pattern
    motto: regex.Pattern
    motto_words: tuple[str, ...]  # the literal word each motto starts with (a cheap screen)
    gazette_header: regex.Pattern
    gazette_banner: regex.Pattern
    stamp_key: regex.Pattern
    stamp_initials: str          # first letters of the stamp keys (a cheap screen)
    stamp_signer: regex.Pattern
    stamp_time: regex.Pattern
    strong_marker: regex.Pattern
    weak_marker: regex.Pattern
    doc_type_line: regex.Pattern
    preamble_start: regex.Pattern
    authority: regex.Pattern
    signer_title_end: regex.Pattern
    signer_title_last: frozenset[str]  # last letters of the signer titles (a cheap screen)
    doc_type_max: int                   # length of the longest document type name (a cheap screen)
    authority_initials: str      # first letters the patterns can start with (cheap screens)
    preamble_initials: str
    field_line: regex.Pattern


def _alt(items) -> str:
    return "|".join(f"(?:{p})" for p in items)


def _initials(patterns: list[str]) -> str:
    """First letters of the alternatives of literal-led patterns ("^(?:TM|KT|Q)…" → "TKQ")."""
    out = set()
    for p in patterns:
        p = p.lstrip("^")
        if p.startswith("(?:"):
            depth, alt, alts = 0, "", []
            for ch in p[3:]:
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    if depth == 0:
                        break
                    depth -= 1
                if ch == "|" and depth == 0:
                    alts.append(alt)
                    alt = ""
                else:
                    alt += ch
            alts.append(alt)
        else:
            alts = [p]
        for a in alts:
            out.add(a[:1])
    return "".join(sorted(out))


@functools.lru_cache(maxsize=1)
def line_rules() -> _LineRules:
    chrome = rules.load("chrome.yaml")
    outline = rules.load("outline.yaml")
    types = rules.load("doc_types.yaml")
    header = rules.load("header.yaml")
    fields = rules.load("assignments.yaml")["fields"]
    field_labels = sorted({x for kind in fields.values() for x in kind}, key=len, reverse=True)
    strong = [m["pattern"] for m in outline["markers"] if m.get("strong")]
    weak = [m["pattern"] for m in outline["markers"] if not m.get("strong")]
    type_names = sorted({t["name"] for t in types["types"]} | {a for t in types["types"] for a in t.get("header_aliases", [])},
                        key=len, reverse=True)
    keys = lambda ks: _alt(regex.escape(k) for k in ks)
    return _LineRules(
        website=regex.compile(_alt(chrome["website_markers"]), regex.MULTILINE),
        website_tail=regex.compile(_alt(chrome["website_tail"]), regex.IGNORECASE),
        motto=regex.compile(_alt(chrome["header_mottos"])),
        motto_words=tuple(regex.match(r"[^\W\d_]*", m).group(0) for m in chrome["header_mottos"]),
        gazette_header=regex.compile(chrome["gazette_header"]),
        gazette_banner=regex.compile(_alt(chrome["gazette_banners"])),
        stamp_key=regex.compile(rf"^(?:{keys(chrome['stamp_keys'])})\s*:"),
        stamp_initials="".join(sorted({k[0] for k in chrome["stamp_keys"]})),
        stamp_signer=regex.compile(rf"^(?:{keys(chrome['stamp_signer_keys'])})\s*:"),
        stamp_time=regex.compile(rf"^(?:{keys(chrome['stamp_time_keys'])})\s*:"),
        strong_marker=regex.compile(rf"^(?:{_alt(strong)})"),
        weak_marker=regex.compile(rf"^(?:{_alt(weak)})"),
        doc_type_line=regex.compile(rf"^(?i:{_alt(regex.escape(n) for n in type_names)})\s*$"),
        preamble_start=regex.compile(rf"^(?:{_alt(outline.get('paragraph_starts', ['Căn cứ']))})"),
        authority=regex.compile(header["authority_prefix"]),
        authority_initials=_initials([header["authority_prefix"]]),
        preamble_initials=_initials(outline.get("paragraph_starts", ["Căn cứ"])),
        signer_title_end=regex.compile(rf"(?:^|\s)(?:{_alt(header['signer_title_ends'])})$"),
        signer_title_last=frozenset(t[-1] for t in header["signer_title_ends"]),
        doc_type_max=max(len(n) for n in type_names),
        field_line=regex.compile(rf"^(?:[-–+•]\s*)?(?i:{_alt(regex.escape(x) for x in field_labels)})\s*(?:\([^)]{{0,40}}\)\s*)?:"),
    )


# --- artefacts: gazette headers, page numbers, stamps ------------------------------------------

_PAGE_NO_RE = regex.compile(r"^(?:-\s*)?\d{1,4}(?:\s*-)?$")
_SEPARATOR_RE = regex.compile(r"^[-_=*.–—~…\s]{3,}$")
_SEPARATOR_INITIALS = frozenset("-_=*.–—~… \t")


def remove_artefacts(lines: list[str]) -> list[str]:
    """Drop gazette running headers (with the page number and banners beside them) and
    digital-signature stamps; they are page furniture, not document text."""
    lr = line_rules()
    drop = [False] * len(lines)
    for i, line in enumerate(lines):
        if line.startswith("CÔNG") and lr.gazette_header.match(line):
            drop[i] = True
            # the page number and the gazette's section banner sit within two lines of it
            for j in (i - 2, i - 1, i + 1, i + 2, i + 3):
                if 0 <= j < len(lines) and (_PAGE_NO_RE.match(lines[j]) or lr.gazette_banner.match(lines[j])):
                    drop[j] = True
    i = 0
    while i < len(lines):
        if lines[i][:1] in lr.stamp_initials and lr.stamp_key.match(lines[i]):
            j = i
            while j < len(lines) and lr.stamp_key.match(lines[j]):
                j += 1
            run = lines[i:j]
            if any(lr.stamp_signer.match(x) for x in run) and any(lr.stamp_time.match(x) for x in run):
                for k in range(i, j):
                    drop[k] = True
            i = max(j, i + 1)
        else:
            i += 1
    return [line for line, d in zip(lines, drop) if not d]


# --- website page around the document ----------------------------------------------------------

MOTTO_SEARCH_LINES = 400  # a header motto follows at most a website page's worth of lines


def _motto_line(lines: list[str], start: int = 0) -> int | None:
    """Index of the first line where a header motto begins (it may run over two lines)."""
    lr = line_rules()
    for i in range(start, min(len(lines), start + MOTTO_SEARCH_LINES)):
        if not lines[i]:
            continue
        joined = lines[i] if i + 1 >= len(lines) else f"{lines[i]} {lines[i + 1]}"
        m = lr.motto.search(joined)
        if m and m.start() < len(lines[i]) and (m.start() == 0 or is_upper_text(lines[i][: m.start()])):
            return i
    return None


def cut_website(lines: list[str]) -> list[str]:
    """Drop a website's banner, metadata panel and summary before the document header, and its
    footer after the document."""
    lr = line_rules()
    motto = _motto_line(lines)
    if motto is not None and motto > 0 and lr.website.search("\n".join(lines[:motto])):
        # step back over the issuer block: upper-case lines, separators and blanks
        start = motto
        j = motto - 1
        while j >= 0 and motto - j <= 10:
            line = lines[j]
            if not line or _SEPARATOR_RE.match(line) or is_upper_text(line):
                if line and not _SEPARATOR_RE.match(line):
                    start = j
                j -= 1
                continue
            break
        lines = lines[start:]
    for i, line in enumerate(lines):
        if lr.website_tail.match(line):
            lines = lines[:i]
            break
    return lines


# --- markdown emphasis left by converters ------------------------------------------------------

# "**bold**" from Markdown converters; "__" is left alone (it draws separator lines).
_MD_EMPH_RE = regex.compile(r"\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*")
_MD_OPEN_RE = regex.compile(r"^\*\*(?=[^\s*])|(?<=[^\s*])\*\*$")
_MD_HEADING_RE = regex.compile(r"^#{1,6}\s+")


def strip_markdown(line: str) -> str:
    if "**" not in line and not line.startswith("#"):
        return line
    line = _MD_HEADING_RE.sub("", line)
    line = _MD_EMPH_RE.sub(r"\1", line)
    return _MD_OPEN_RE.sub("", line)


# --- hard-wrapped lines ------------------------------------------------------------------------

_TERMINAL_RE = regex.compile(r"[.;!?…](?:[\"”’)\]]*|/\.)?$|\./\.$")
_COLON_END_RE = regex.compile(r":[\"”’)\]]*$")
_ALNUM_RE = regex.compile(r"[\p{L}\p{N}]")  # what str.isalnum accepts
_NUMBER_LINE_RE = regex.compile(r"^Số\s*:?\s*\d")
_BARE_MARKER_RE = regex.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*|[IVXL]{1,6}|[a-zđ]|\(\d{1,3}\))\s*[.)\-–:]?$|^[-–+•]$|^Điều \d+\.?$")
_CONTINUATION_END = frozenset(
    "và của với các về cho tại trong theo số sở bộ cục ban ngày tháng năm hoặc để từ đến những là có "
    "được bằng trên dưới nhằm như mà thì nhưng vì do qua khi sau trước nếu ủy ubnd hđnd chi viện "
    "tổng trung văn phòng một hai ba đốc tịch trưởng thư nhiệm thủ chủ phó chánh giám viện".split()
)


def wrap_width(lines: list[str]) -> int | None:
    """The column the text was hard-wrapped at, or None when lines are whole paragraphs."""
    lengths = sorted(len(x) for x in lines if len(x) > 0)
    if len(lengths) < 8:
        return None
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    if p90 > 140 or p90 < 40:
        return None
    near = sum(1 for n in lengths if n >= p90 - 12) / len(lengths)
    return p90 if near >= 0.2 else None


_TERMINAL_LAST = frozenset(".;!?…\"”’)]")  # the characters _TERMINAL_RE can end on
_COLON_LAST = frozenset(':"”’)]')          # and _COLON_END_RE


def _ends_sentence(line: str) -> bool:
    """Whether the line ends a sentence (only its tail is looked at: the pattern is end-anchored)."""
    return line[-1:] in _TERMINAL_LAST and bool(_TERMINAL_RE.search(line, max(0, len(line) - 6)))


def _ends_colon(line: str) -> bool:
    return line[-1:] in _COLON_LAST and bool(_COLON_END_RE.search(line, max(0, len(line) - 6)))


def _starts_lower(s: str) -> bool:
    for ch in s:
        if ch.isalpha():
            return ch.islower()
        if ch.isdigit():
            return True  # "7619/QĐ-BCA", "2025" continue a sentence
        if ch in "“\"(‘'":
            continue
        return False
    return False


def _first_word(s: str) -> str:
    return s.split(" ", 1)[0] if s else ""


@functools.lru_cache(maxsize=8192)
def _is_header_line(line: str) -> bool:
    lr = line_rules()
    return bool(
        line[:1] in _SEPARATOR_INITIALS and _SEPARATOR_RE.match(line)
        or len(line) <= lr.doc_type_max + 2 and lr.doc_type_line.match(line)
        or line.startswith(("Số:", "Số :", "Số ")) and _NUMBER_LINE_RE.match(line)
        or any(w in line for w in lr.motto_words) and lr.motto.search(line) or line.startswith("Độc lập")
    )


class _Line(NamedTuple):
    """What the joining decision needs to know about one line, computed once per line."""
    header: bool
    symbols_only: bool
    field: bool
    authority: bool
    signer_end: bool
    upper: bool
    first_word_lower: bool
    lower: bool
    words2: bool
    strong: bool
    weak: bool
    preamble: bool
    ends_sentence: bool
    colon_end: bool
    starts_lower: bool


_WEAK_INITIALS = "-–—+•●▪■◦·*"


def _may_mark(line: str) -> bool:
    """Cheap screen for a strong item marker: a line that starts with a lower-case word is one
    only as a letter marker ("a)", "đ.")."""
    c = line[:1]
    return not c.islower() or line[1:2] in (")", ".", " ")


@functools.lru_cache(maxsize=16384)
def _features(line: str) -> _Line:
    lr = line_rules()
    return _Line(
        header=_is_header_line(line),
        symbols_only=not (line[:1].isalnum() or _ALNUM_RE.search(line)),
        field=":" in line[:64] and bool(lr.field_line.match(line)),
        authority=line[:1] in lr.authority_initials and bool(lr.authority.match(line)),
        signer_end=line[-1:] in lr.signer_title_last and bool(lr.signer_title_end.search(line, max(0, len(line) - 24))),
        upper=is_upper_text(line),
        first_word_lower=has_lower(_first_word(line)),
        lower=has_lower(line),
        words2=" " in line.strip(),
        strong=_may_mark(line) and bool(lr.strong_marker.match(line)),
        weak=line[:1] in _WEAK_INITIALS and bool(lr.weak_marker.match(line)),
        preamble=line[:1] in lr.preamble_initials and bool(lr.preamble_start.match(line)),
        ends_sentence=_ends_sentence(line),
        colon_end=_ends_colon(line),
        starts_lower=_starts_lower(line),
    )


def _should_join(prev: str, nxt: str, prev_is_first: bool, width: int) -> bool:
    """Decide whether `nxt` continues the paragraph whose last line is `prev`."""
    p, n = _features(prev), _features(nxt)
    if p.header or n.header:
        return False
    if p.symbols_only or n.symbols_only:
        return False  # stray symbols ("[" left by a signature image) stand alone
    if n.field:
        return False  # "Cơ quan chủ trì: …" of a table row or a field-style item
    if n.authority or p.signer_end:
        return False  # signature block lines: "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH"
    if p.upper and not n.upper and n.first_word_lower:
        return False  # "THỦ TƯỚNG" / "Phạm Minh Chính", "CHỈ THỊ" / "Căn cứ"
    if not p.upper and n.upper and p.lower and n.words2:
        return False  # "…năm 2025" / "CÔNG ĐIỆN"
    full = len(prev) >= width - 12
    if n.strong:
        last = prev.rsplit(" ", 1)[-1].lower()
        return full and not p.ends_sentence and last in {"điều", "khoản", "điểm", "số", "mục", "tại"}
    if n.weak:
        # "… kinh tế\n- xã hội" is a wrap; "…;\n- Rà soát" starts a bullet
        return full and not (p.ends_sentence or p.colon_end)
    if n.preamble and (p.ends_sentence or not full):
        return False
    if p.ends_sentence:
        return full
    if p.colon_end:
        return full and n.starts_lower
    if full:
        return True
    if prev_is_first:
        # A short first line: the website wrapped it early. A heading ("1. Mục đích") followed by
        # a capitalised sentence is not continued unless it visibly breaks off mid-phrase.
        if p.strong and not n.starts_lower and not p.upper:
            last = prev.rsplit(" ", 1)[-1]
            return prev.endswith(",") or last.lower() in _CONTINUATION_END
        return True
    return False


def unwrap(lines: list[str], width: int) -> list[str]:
    """Re-join hard-wrapped lines into paragraphs (one per line); blank lines are kept."""
    out: list[str] = []
    prev_line = ""          # the last physical line (joining looks at it, not the paragraph)
    prev_is_first = True    # whether prev_line opened its paragraph
    for line in lines:
        if not line:
            out.append("")
            prev_line, prev_is_first = "", True
            continue
        if prev_line and _BARE_MARKER_RE.match(prev_line):
            out[-1] = f"{out[-1]} {line}"   # "1." alone, then the item's first line
        elif prev_line and _should_join(prev_line, line, prev_is_first, width):
            out[-1] = f"{out[-1]} {line}"
            prev_is_first = False
        else:
            out.append(line)
            prev_is_first = True
        prev_line = line
    return out


# --- the whole normalization -------------------------------------------------------------------

def _clean_line(line: str) -> str:
    line = strip_markdown(line.strip())
    return _SPACES_RE.sub(" ", line).strip() if "  " in line else line


def normalize(text: str, hard_wrapped: bool | None = None) -> str:
    """Decoded text → the normalized `documents.text`."""
    text = clean_chars(text)
    lines = [_clean_line(line) for line in text.split("\n")]
    lines = remove_artefacts(lines)
    lines = cut_website(lines)
    # task tables open with an "STT"/"TT" line; joining wrapped lines never makes one
    has_table = any(line in ("STT", "TT", "Stt") for line in lines)
    if has_table:
        lines = cell_tables.rebuild_fragments(lines)
    if hard_wrapped is not False:
        width = wrap_width(lines)
        if width is not None or hard_wrapped:
            lines = unwrap(lines, width or 80)
    if has_table:
        lines = cell_tables.rebuild(lines)
    # collapse runs of blank lines, trim blank lines at both ends
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
