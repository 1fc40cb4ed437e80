"""Document metadata from the header block, the date line and the signature block.

Only what the document itself states is read (GOLD.md): a document without a header (the seed
texts) gets nulls, never a guess. The same pass marks the regions that are not body text
(header blocks of the document and of attached documents, recipients lists, signature blocks)
so that the outline and the extractors skip them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from .. import rules
from ..components import component
from ..document import Doc
from ..models import DocumentMeta
from ..textutil import fold, has_lower, is_upper_text, line_spans, safe_date

HEADER_LINES = 45  # the header block never runs further than this many lines


@dataclass(frozen=True)
class _HeaderRules:
    number_line: regex.Pattern
    date_line: regex.Pattern
    body_start: regex.Pattern
    authority: regex.Pattern
    signature_noise: regex.Pattern
    name_line: regex.Pattern
    motto: regex.Pattern
    separator: regex.Pattern
    sub_issuer: regex.Pattern
    attached_note: regex.Pattern
    recipients: regex.Pattern
    authority_line: regex.Pattern
    types: dict[str, str]            # folded type line -> canonical type name
    codes: dict[str, str]            # number code (upper) -> type name
    titles: dict[str, str]           # folded title -> properly cased title
    proper_words: list[tuple[str, regex.Pattern]]
    admin_units: list[str]
    completions: list[str]


@functools.lru_cache(maxsize=1)
def header_rules() -> _HeaderRules:
    h = rules.load("header.yaml")
    chrome = rules.load("chrome.yaml")
    dt = rules.load("doc_types.yaml")
    types: dict[str, str] = {}
    codes: dict[str, str] = {}
    for t in dt["types"]:
        if not t.get("header", True):
            continue
        for name in [t["name"], *t.get("aliases", []), *t.get("header_aliases", [])]:
            types[fold(name)] = t["name"]
        for code in t.get("codes", []):
            codes.setdefault(code.upper(), t["name"])
    titles: dict[str, str] = {}
    try:
        for t in rules.load("titles.yaml").get("titles", []):
            for name in [t["name"], *t.get("aliases", [])]:
                titles[fold(name)] = t["name"]
    except FileNotFoundError:
        pass
    alt = lambda xs: "|".join(f"(?:{x})" for x in xs)
    heads = sorted(h["sub_issuer_heads"], key=len, reverse=True)
    return _HeaderRules(
        number_line=regex.compile(h["number_line"]),
        date_line=regex.compile(h["date_line"]),
        body_start=regex.compile(rf"^(?:{alt(h['body_starts'])})"),
        authority=regex.compile(h["authority_prefix"]),
        signature_noise=regex.compile(h["signature_noise"]),
        name_line=regex.compile(h["name_line"]),
        motto=regex.compile(alt(chrome["header_mottos"])),
        separator=regex.compile(r"^[-_=*.–—~…\s]{3,}$"),
        sub_issuer=regex.compile(rf"^(?:{alt(regex.escape(x) for x in heads)})\b"),
        attached_note=regex.compile(h["attached_note"]),
        recipients=regex.compile(r"^(?:Nơi\s+nhận|NƠI\s+NHẬN)\s*:?"),
        authority_line=regex.compile(rf"^(?:{alt(regex.escape(x) for x in h['authority_lines'])})\s*$"),
        types=types,
        codes=codes,
        titles=titles,
        proper_words=[(w, regex.compile(rf"(?<!\w){regex.escape(w)}(?!\w)", regex.IGNORECASE))
                      for w in h["proper_words"]],
        admin_units=h["admin_units"],
        completions=h["issuer_completions"],
    )


# --- casing ---------------------------------------------------------------------------------------

def recase(upper: str, text: str) -> str:
    """Proper case for an upper-case header phrase: the form the body text uses when it writes the
    same words in mixed case, else Vietnamese naming rules (proper names after admin units)."""
    words = upper.split()
    if not words:
        return upper
    r = header_rules()
    found = _mixed_case_occurrence(" ".join(words), text)
    if found:
        return _proper_words(found, r)
    low = upper.lower()
    out = low[:1].upper() + low[1:]
    for unit in sorted(r.admin_units, key=len, reverse=True):
        m = regex.search(rf"(?<!\w){regex.escape(unit)}\s+(.+)$", out)
        if m and m.start() > 0:
            name = " ".join(w[:1].upper() + w[1:] for w in m.group(1).split())
            out = out[: m.start(1)] + name
            break
    return _proper_words(out, r)


def _mixed_case_occurrence(phrase: str, text: str) -> str | None:
    """The first occurrence of `phrase` in `text`, case aside, that is written in mixed case.
    A lower-cased copy of the text is searched with str.find (a case-insensitive regex over a
    whole document is slow); texts whose lower case changes length fall back to the regex."""
    low_text, key = text.lower(), phrase.lower()
    if len(low_text) != len(text):
        pattern = r"(?<!\w)" + r"\s+".join(regex.escape(w) for w in phrase.split()) + r"(?!\w)"
        hits = (m.group(0) for m in regex.finditer(pattern, text, flags=regex.IGNORECASE))
    else:
        def scan():
            i = low_text.find(key)
            while i >= 0:
                j = i + len(key)
                if (i == 0 or not low_text[i - 1].isalnum()) and (j >= len(low_text) or not low_text[j].isalnum()):
                    yield text[i:j]
                i = low_text.find(key, i + 1)
        hits = scan()
    for found in hits:
        if has_lower(found) and not is_upper_text(found):
            return " ".join(found.split())
    return None


def _proper_words(name: str, r: _HeaderRules) -> str:
    """Words that keep their capitals inside a name ("Chính phủ", "Thành phố Hồ Chí Minh")."""
    for word, pattern in r.proper_words:
        name = pattern.sub(word, name)
    return name


def case_title(raw: str) -> str:
    """'PHÓ CHỦ TỊCH' → 'Phó Chủ tịch' (titles.yaml casing, else 'Phó ' + sentence case)."""
    key = fold(raw)
    r = header_rules()
    if key in r.titles:
        return r.titles[key]
    parts = [p.strip() for p in raw.split(",")]
    cased = []
    for p in parts:
        k = fold(p)
        if k in r.titles:
            cased.append(r.titles[k])
            continue
        low = p.lower()
        if low.startswith("phó "):
            rest = low[4:]
            cased.append("Phó " + rest[:1].upper() + rest[1:])
        else:
            cased.append(low[:1].upper() + low[1:])
    return ", ".join(cased)


# --- the parts ------------------------------------------------------------------------------------

_CODE_RE = regex.compile(r"[/\-]([A-ZĐ][A-Za-zĐđ]*)")
_TITLE_PREFIX_RE = regex.compile(r"^(?:PHÓ|Q\.|KT\.|TM\.)\s*")
_ON_BEHALF_RE = regex.compile(r"^(?:TM|T/M|T\.M)")
_ITEM_START_RE = regex.compile(r"^(?:[IVX]+|\d+)[.\-–]\s")
_DIGIT_RE = regex.compile(r"\d")
_VV_RE = regex.compile(r"^(?:V/v|V/V|v/v|Về việc)\b\s*\S")
_BARE_NUMBER_RE = regex.compile(r"(?P<number>\d{1,6}[A-Za-z]?(?:\s*[/\-–]\s*[0-9A-Za-zĐđÐ&.]+)+)\s*$")
# "UBND THÀNH PHỐ HÀ NỘI TRUNG TÂM PHỤC VỤ …" joined on one line: the unit after its parent body
_PARENT_UNIT_RE = regex.compile(
    r"^(?:BỘ|ỦY BAN NHÂN DÂN|UBND|TỔNG CỤC|TỈNH ỦY|THÀNH ỦY|HUYỆN ỦY|ĐẢNG ỦY|BAN CHẤP HÀNH)\b.*?\s+"
    r"(?P<unit>(?:SỞ|CỤC|CHI CỤC|TỔNG CỤC|VỤ|VĂN PHÒNG|THANH TRA|BAN QUẢN LÝ|BAN|TRUNG TÂM|PHÒNG|KHO BẠC|"
    r"BỆNH VIỆN|TRƯỜNG|VIỆN)\b.*)$")
_LUU_ITEM_RE = regex.compile(r"^[-–]\s*Lưu\s*[:.]?\s*\S")
_LUU_RE = regex.compile(r"^[-–]\s*Lưu")


def _may_hold_motto(line: str) -> bool:
    return "CỘNG" in line or "ĐẢNG" in line
_NUMBER_SPACES_RE = regex.compile(r"\s*([/\-–])\s*")


def clean_number(raw: str) -> str:
    n = _NUMBER_SPACES_RE.sub(r"\1", raw.strip().replace("Ð", "Đ")).replace("–", "-")
    return n.rstrip(".,;:")


def type_from_number(number: str) -> str | None:
    codes = header_rules().codes
    for code in _CODE_RE.findall(number):
        if code.upper() in codes:
            return codes[code.upper()]
    return None


_FOOTNOTE_MARK_RE = regex.compile(r"(?<=\D)\d{1,2}$")


def _is_type_line(line: str) -> str | None:
    r = header_rules()
    key = fold(_FOOTNOTE_MARK_RE.sub("", line.strip(" .:*")))  # "NGHỊ ĐỊNH1": a footnote mark
    return r.types.get(key)


@dataclass
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    return [_Line(s, e, text[s:e]) for s, e in line_spans(text)]


def _find_signature(lines: list[_Line], begin: int) -> tuple[int, int, list[str], str] | None:
    """First signature block at or after line `begin`: (first line, name line, title lines, name)."""
    r = header_rules()
    for i in range(begin, len(lines)):
        name = lines[i].text.strip()
        if len(name) > 45 or not name or not name[0].isupper() or not r.name_line.match(name):
            continue
        # walk back over noise and blank lines to the title lines
        j = i - 1
        while j >= 0 and i - j <= 4 and (not lines[j].text.strip() or r.signature_noise.match(lines[j].text.strip())):
            j -= 1
        titles: list[int] = []
        while j >= 0 and len(titles) < 4:
            t = lines[j].text.strip()
            if t and is_upper_text(t) and len(t) <= 80 and not r.separator.match(t):
                titles.append(j)
                j -= 1
                continue
            break
        if not titles:
            continue
        top = lines[titles[-1]].text.strip()
        last = lines[titles[0]].text.strip()
        if not (r.authority.match(top) or r.authority.match(last) or fold(last) in r.titles
                or _looks_like_title(last)):
            continue
        return titles[-1], i, [lines[k].text.strip() for k in reversed(titles)], name
    return None


_TITLE_WORDS = ("CHỦ TỊCH", "THỦ TƯỚNG", "BỘ TRƯỞNG", "THỨ TRƯỞNG", "BÍ THƯ", "CHỦ NHIỆM", "GIÁM ĐỐC",
                "TRƯỞNG BAN", "CHÁNH VĂN PHÒNG", "CỤC TRƯỞNG", "VỤ TRƯỞNG", "THỐNG ĐỐC", "CHÁNH ÁN",
                "VIỆN TRƯỞNG", "TỔNG KIỂM TOÁN", "TỔNG THƯ KÝ", "TRƯỞNG", "CHỦ TỊCH NƯỚC")


def _looks_like_title(line: str) -> bool:
    s = _TITLE_PREFIX_RE.sub("", line.strip())
    return any(s.startswith(w) for w in _TITLE_WORDS)


def _authority_body(line: str) -> str | None:
    """'TM. ỦY BAN NHÂN DÂN' → 'ỦY BAN NHÂN DÂN'; None for 'KT. CHỦ TỊCH' (a person's title)."""
    r = header_rules()
    m = r.authority.match(line)
    if not m or not _ON_BEHALF_RE.match(line):
        return None
    return line[m.end():].strip()


def _title_block_end(lines: list[_Line], i: int, r: _HeaderRules, issuer_keys: set[str] = frozenset()) -> int:
    """Index after the title lines that follow the type line at index i. The issuing authority
    repeated under a title ("ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH" / "Căn cứ …") is not title."""
    j = i + 1
    taken = 0
    upper_title = None
    while j < len(lines) and taken < 8:
        t = lines[j].text.strip()
        if not t:
            # a blank line ends an upper-case title only when what follows is not upper case
            if taken and j + 1 < len(lines) and upper_title and not is_upper_text(lines[j + 1].text):
                break
            j += 1
            continue
        if r.separator.match(t) or r.attached_note.match(t):
            break
        if taken and (fold(t) in issuer_keys or r.authority_line.match(t)
                      or (is_upper_text(t) and _looks_like_title(t) and len(t) <= 80)):
            break
        if r.body_start.match(t) or _ITEM_START_RE.match(t):
            break
        is_up = is_upper_text(t)
        if upper_title is None:
            upper_title = is_up
        elif upper_title and not is_up:
            break
        if not is_up and (len(t) > 220 or (taken and t.endswith((".", ";", ":")))):
            break
        if t.endswith(":") and not is_up:
            break
        taken += 1
        j += 1
        if not is_up and t.endswith((".", ";")):
            break
    return j


def _date_search(r: _HeaderRules, line: str):
    """The date line's pattern, tried only from shortly before "ngày" (its place is at most 45
    characters long), so a long line is not scanned from every position."""
    k = line.find("ngày")
    while k >= 0:
        m = r.date_line.search(line, max(0, k - 50), k + 48)
        if m:
            return m
        k = line.find("ngày", k + 4)
    return None


def read_header(text: str) -> DocumentMeta:
    r = header_rules()
    meta = DocumentMeta(body_end=len(text))
    lines = _lines(text)
    head = lines[:HEADER_LINES]
    motto_i = next((i for i, ln in enumerate(head) if _may_hold_motto(ln.text) and r.motto.search(ln.text)), None)

    # number ("Số: 09/CT-UBND"; "Số:" alone with the number on the next line)
    scan = head[: (motto_i or 0) + 12]
    for k, ln in enumerate(scan):
        m = r.number_line.match(ln.text.strip(" |"))
        offset = ln.start + (len(ln.text) - len(ln.text.lstrip(" |")))
        if m and not m.group("number").strip() and k + 1 < len(scan):
            nxt = scan[k + 1]
            m = _BARE_NUMBER_RE.match(nxt.text.strip(" |"))
            offset = nxt.start + (len(nxt.text) - len(nxt.text.lstrip(" |")))
        if m and _DIGIT_RE.search(m.group("number")):
            meta.doc_number = clean_number(m.group("number"))
            meta.number_span = (offset + m.start("number"), offset + m.end("number"))
            break

    # date line
    date_i = None
    for i, ln in enumerate(head):
        if "ngày" not in ln.text and not ln.text.rstrip().endswith(","):
            continue  # a date line names the day ("…, ngày …"), or ends with its place ("Hà Nội,")
        m = _date_search(r, ln.text)
        if not m and i + 1 < len(head) and ("ngày" in ln.text or ln.text.rstrip().endswith(",")):
            # "Hà Nội, ngày 20" / "tháng 11 năm 2025" when the text was not re-joined
            m = _date_search(r, f"{ln.text} {head[i + 1].text}")
        if m:
            place = m.group("place").strip()
            if len(place.split()) <= 6 and not _DIGIT_RE.search(place):
                meta.place = place
            try:
                meta.issue_date = safe_date(int(m.group("year")), int(m.group("month")), int(m.group("day")))
            except (TypeError, ValueError):
                meta.issue_date = None
            date_i = i
            break

    # issuer lines: upper-case lines before the motto / number line
    issuer_keys: set[str] = set()
    if motto_i is not None:
        issuer_lines: list[str] = []
        for ln in head[:motto_i + 1]:
            t = ln.text.strip()
            if ln is head[motto_i]:
                mm = r.motto.search(t)
                t = t[: mm.start()].strip() if mm else ""
            if not t or r.separator.match(t) or r.number_line.match(t):
                continue
            if not is_upper_text(t) or r.date_line.search(t):
                continue
            if issuer_lines and fold(issuer_lines[-1]) == fold(t):
                continue  # the gazette repeats the issuer as a banner
            issuer_lines.append(t)
        issuer_keys = {fold(x) for x in issuer_lines} | {fold(" ".join(issuer_lines))}
        if issuer_lines:
            sub = next((k for k in range(1, len(issuer_lines)) if r.sub_issuer.match(issuer_lines[k])), None)
            chosen = " ".join(" ".join(issuer_lines[sub:] if sub is not None else issuer_lines).split())
            unit = _PARENT_UNIT_RE.match(chosen)
            if unit:
                chosen = unit.group("unit")
            meta.issuer = recase(chosen, text)

    # type line and title
    type_i = None
    start_from = max(x for x in (motto_i, date_i, -1) if x is not None) + 1 if (motto_i is not None or date_i is not None) else 0
    for i in range(start_from, min(len(lines), start_from + 15)):
        t = _is_type_line(lines[i].text)
        if t:
            meta.doc_type, type_i = t, i
            break
    if meta.doc_type is None:
        vv = next((ln for ln in head if _VV_RE.match(ln.text.strip())), None)
        if vv is not None:
            # "V/v …" (về việc) heads an official letter: a Công văn, whatever its number's code
            meta.doc_type = "Công văn"
            meta.title = " ".join(vv.text.split())
            meta.title_span = (vv.start, vv.end)
        elif meta.doc_number:
            meta.doc_type = type_from_number(meta.doc_number)
    body_line = 0
    if type_i is not None:
        j = _title_block_end(lines, type_i, r, issuer_keys)
        title_lines = [ln for ln in lines[type_i + 1: j] if ln.text.strip()]
        if title_lines:
            meta.title = " ".join(" ".join(ln.text.split()) for ln in title_lines)
            meta.title_span = (title_lines[0].start, title_lines[-1].end)
        body_line = j
        # separators and "(Kèm theo …)" under the title
        while body_line < len(lines) and (not lines[body_line].text.strip()
                                          or r.separator.match(lines[body_line].text.strip())):
            body_line += 1
    elif date_i is not None or motto_i is not None:
        body_line = max(x for x in (date_i, motto_i) if x is not None) + 1

    zones: list[tuple[int, int, str]] = []
    if body_line and body_line < len(lines):
        zones.append((0, lines[body_line].start, "header"))
        meta.body_start = lines[body_line].start
    elif body_line >= len(lines):
        meta.body_start = len(text)

    # signature block and recipients of the main document
    sig = _find_signature(lines, body_line)
    if sig:
        first, name_i, title_lines, name = sig
        meta.signer_name = name
        meta.signer_title = case_title(title_lines[-1].split(".", 1)[-1].strip()
                                       if r.authority.match(title_lines[-1]) else title_lines[-1])
        meta.signer_authority = " / ".join(title_lines[:-1]) or None
        zones.append((lines[first].start, lines[name_i].end, "signature"))
        if meta.issuer is None:
            body = next((b for b in map(_authority_body, title_lines) if b), None)
            if body:
                meta.issuer = _complete_issuer(recase(body, text), text)
    rec = next((ln for ln in lines[body_line:] if r.recipients.match(ln.text)), None)
    ends = [ln.start for ln in ([rec] if rec else [])] + ([lines[sig[0]].start] if sig else [])
    if ends:
        meta.body_end = min(ends)
    for z in recipient_zones(text, lines, r):
        zones.append(z)
    zones.extend(_attached_headers(lines, body_line, r))
    addressees = _addressee_zone(lines, body_line)
    if addressees:
        zones.append(addressees)
    for s in _more_signatures(lines, sig, r):
        zones.append(s)
    meta.zones = _merge(zones)
    return meta


def _complete_issuer(issuer: str, text: str) -> str:
    """'Ban Thường vụ' → 'Ban Thường vụ Thành ủy' when the text names the committee with it."""
    r = header_rules()
    alts = "|".join(regex.escape(c) for c in r.completions)
    m = regex.search(rf"{regex.escape(issuer)}\s+({alts})(?!\w)", text, flags=regex.IGNORECASE)
    return f"{issuer} {m.group(1)}" if m else issuer


def recipient_zones(text: str, lines: list[_Line], r: _HeaderRules) -> list[tuple[int, int, str]]:
    """'Nơi nhận:' lists, and bare recipient lists ending in '- Lưu: …' (no label)."""
    zones = []
    i = 0
    while i < len(lines):
        t = lines[i].text.strip()
        if not t or t[0] not in "NnN-–":
            i += 1
            continue  # only "Nơi nhận" and "- Lưu" lines open a recipients zone
        is_label = bool(r.recipients.match(t))
        if is_label or _LUU_ITEM_RE.match(t):
            if is_label:
                j = i + 1
                while j < len(lines) and (lines[j].text.strip().startswith(("-", "–", "+", "•"))
                                          or not lines[j].text.strip() and j + 1 < len(lines)
                                          and lines[j + 1].text.strip().startswith(("-", "–"))):
                    j += 1
                # a wrapped recipient line ("…, các Vụ: NN,\nTH;") continues until "Lưu"
                while j < len(lines) and not _LUU_RE.match(lines[j - 1].text.strip()) \
                        and lines[j].text.strip() and not is_upper_text(lines[j].text) and j - i < 40 \
                        and not r.name_line.match(lines[j].text.strip()):
                    j += 1
                    while j < len(lines) and lines[j].text.strip().startswith(("-", "–")):
                        j += 1
                zones.append((lines[i].start, lines[j - 1].end, "recipients"))
                i = j
                continue
            # walk back over the dash lines above "- Lưu"
            k = i
            while k - 1 >= 0 and lines[k - 1].text.strip().startswith(("-", "–")) \
                    and lines[k - 1].text.strip().endswith((";", ",", ".", ")")) is not None:
                prev = lines[k - 1].text.strip()
                if len(prev) > 120:
                    break
                k -= 1
            if i - k >= 2:
                zones.append((lines[k].start, lines[i].end, "recipients"))
        i += 1
    return zones


_ADDRESSEE_RE = regex.compile(r"^(?:Kính\s+gửi\s*:|[^\n]{0,60}\bđiện\s*:\s*$)")


def _addressee_zone(lines: list[_Line], body_line: int) -> tuple[int, int, str] | None:
    """'Kính gửi: …' and the recipients of a telegram ('THỦ TƯỚNG CHÍNH PHỦ điện: - Bộ trưởng …'):
    a list of addressees, not of tasks."""
    for i in range(body_line, min(len(lines), body_line + 4)):
        t = lines[i].text.strip()
        if not t:
            continue
        if not _ADDRESSEE_RE.match(t):
            return None
        j, last = i + 1, i
        prev_open = t.endswith(":")
        while j < len(lines):
            u = lines[j].text.strip()
            if not u:
                j += 1
                continue
            is_item = u.startswith(("-", "–", "+", "•"))
            if is_item or (prev_open and len(u.split()) <= 20) or (t.startswith("Kính") and j == i + 1 and len(u.split()) <= 30):
                last = j
                prev_open = u.endswith(":")
                j += 1
                continue
            break
        return (lines[i].start, lines[last].end, "addressees")
    return None


def _attached_headers(lines: list[_Line], body_line: int, r: _HeaderRules) -> list[tuple[int, int, str]]:
    """Header blocks of documents attached after the main one (a programme issued with a
    resolution): from their issuer lines through the title and the "(Kèm theo …)" note."""
    zones = []
    i = body_line
    while i < len(lines):
        if _may_hold_motto(lines[i].text) and r.motto.search(lines[i].text):
            k = i
            while k - 1 >= body_line and i - k < 4 and (is_upper_text(lines[k - 1].text)
                                                    or not lines[k - 1].text.strip()
                                                    or r.separator.match(lines[k - 1].text.strip())):
                k -= 1
            j = i + 1
            type_i = None
            while j < min(len(lines), i + 12):
                if _is_type_line(lines[j].text):
                    type_i = j
                    break
                j += 1
            end = _title_block_end(lines, type_i, r) if type_i is not None else i + 1
            while end < len(lines) and (not lines[end].text.strip() or r.separator.match(lines[end].text.strip())
                                        or r.attached_note.match(lines[end].text.strip())
                                        or (end > 0 and r.attached_note.match(lines[end - 1].text.strip())
                                            and not lines[end - 1].text.strip().endswith(")"))):
                end += 1
            end = min(end, len(lines))
            zones.append((lines[k].start, lines[end - 1].end if end > 0 else lines[k].end, "header"))
            i = end
            continue
        i += 1
    return zones


def _more_signatures(lines: list[_Line], first, r: _HeaderRules) -> list[tuple[int, int, str]]:
    out = []
    begin = (first[1] + 1) if first else len(lines)
    while begin < len(lines):
        sig = _find_signature(lines, begin)
        if not sig:
            break
        out.append((lines[sig[0]].start, lines[sig[1]].end, "signature"))
        begin = sig[1] + 1
    return out


def _merge(zones: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    zones = sorted(z for z in zones if z[1] > z[0])
    out: list[tuple[int, int, str]] = []
    for z in zones:
        if out and z[0] < out[-1][1]:
            s, e, k = out[-1]
            out[-1] = (s, max(e, z[1]), k)
        else:
            out.append(z)
    return out


@component("header", stage="structure")
def header(doc: Doc) -> None:
    doc.meta = read_header(doc.text)
