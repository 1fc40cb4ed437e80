"""Finding citations in text: anchored on type words, then read forward, eyecite style.

Every mention starts at a type word ("Nghị quyết", "văn bản", "Luật"). A template decides how
the head reads (a coded number, a named law, a quoted title); then the tail is read piece by
piece (date, issuer, term, quoted title) with small anchored patterns, so the work per type
word is constant and the whole scan stays linear in the text.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import regex

from .. import rules
from ..textutil import fold, is_upper_text, modern_tones, safe_date
from .citation_rules import CitationRules, Template, citation_rules, law_name_key

_WORD_RE = regex.compile(r"[\p{L}\p{N}]+(?:[&'’][\p{L}\p{N}]+|[./]\p{L}+)*")
_SPACE_RE = regex.compile(r"[ \t]+")
_WS_RE = regex.compile(r"\s+")
_DIGIT_RE = regex.compile(r"\d")
_LOWER_NEXT_RE = regex.compile(r" (?!của\s)\p{Ll}")
_VE_RE = regex.compile(r"\s(?i:về)\s")
_CAPS_NEXT_RE = regex.compile(r"[ \t]\p{Lu}{2}")
_LAW_SEP_RE = regex.compile(r" |, (?=\p{Ll})")
_SO_RE = regex.compile(r"(?i:số)\s*")
_SO_BEFORE_RE = regex.compile(r"(?i:số)\s*:?\s*$")
_LAW_SO_RE = regex.compile(r"\s*,?\s*(?:(?i:số)\s*:?\s*)?")
_LAW_LIST_SEP_RE = regex.compile(r",\s+|\s+và\s+")
_LETTERS_RE = regex.compile(r"\p{L}+")
# where the name of an amending law that lists no law by name ends
_AMENDING_END_RE = regex.compile(r"\s+(?:ngày|số|năm)\s+\d|\s*[;.:()\n“”]|,\s")
_JOINER_RE = regex.compile(r"[ \n]?[-–&][ \n]|[ \n]và[ \n]")
_SEG_SPLIT_RE = regex.compile(r"([/\-])")
# the end of an open-ended issuer name ("Ban Chỉ đạo thực hiện sắp xếp, … 2 cấp về việc …")
_OPEN_END_RE = regex.compile(r"[;.()“”\"]|\n\n|\s(?i:về việc|v/v)(?![\p{L}])|,\s+(?=\p{Lu})|:")


@dataclass
class Found:
    """A citation as read from the text, before relations and keys are settled."""
    start: int
    end: int
    cited_type: str
    cited_number: str | None = None
    cited_date: dt.date | None = None
    cited_issuer: str | None = None
    cited_title: str | None = None
    cited_term: str | None = None
    template: str = ""
    title_key: str | None = None      # the canonical spelling of a named law (gazetteer)
    list_index: int = 0               # position in a list sharing one type word
    extras: dict = field(default_factory=dict)


# --- numbers -----------------------------------------------------------------------------------

def normalize_number(raw: str, cr: CitationRules | None = None) -> str:
    """'78/2021/NĐ -CP' → '78/2021/NĐ-CP'; 'QD' → 'QĐ'; 'Ð' → 'Đ'. Same for every spelling."""
    cr = cr or citation_rules()
    s = _WS_RE.sub("", raw).replace("\u00d0", "Đ").replace("//", "/")
    parts = _SEG_SPLIT_RE.split(s)
    return "".join(cr.code_fixes.get(p, p) for p in parts)


def _has_code(number: str) -> bool:
    return any(ch.isalpha() for ch in number)


# --- dates -------------------------------------------------------------------------------------

def _read_date(text: str, pos: int, cr: CitationRules):
    """(end, date or None) for a date at `pos`, or None when there is none."""
    m = cr.date_numeric.match(text, pos, timeout=rules.REGEX_TIMEOUT)
    if m:
        return m.end(), safe_date(int(m.group(4)), int(m.group(3)), int(m.group(1)))
    m = cr.date_words.match(text, pos, timeout=rules.REGEX_TIMEOUT)
    if m:
        year = m.group(3)
        d = safe_date(int(year), int(m.group(2)), int(m.group(1))) if year else None
        return m.end(), d
    return None


# --- issuer ------------------------------------------------------------------------------------

def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _read_name(text: str, pos: int, cr: CitationRules, limit: int, joins: bool = True) -> int:
    """End of an agency name starting at `pos` (a head word is known to be there).

    Capitalised words always belong to the name, and so does the lower-case syllable right after
    one ("Chấp hành", "Chính phủ") and a listed unit ("nhân dân", "thành phố"). Other lower-case
    words belong to it only inside it: a short run of them is kept when a capitalised word or a
    unit follows ("Viện kiểm sát nhân dân tối cao", "Ban Chỉ đạo của Chính phủ"), dropped when the
    name ends after it ("… của Chính phủ xong"). A stop phrase ("về", "quy định", "khóa") ends it
    whatever its case.
    """
    i = end = pos
    words = lower_run = 0
    prev_cap = False
    prev_word = ""
    while i < limit and words < cr.issuer_max_words:
        if words:
            if text.startswith(", ", i) or text.startswith(",\n", i):
                if not joins or not _joinable(text, i + 2, cr):
                    break
                sub_end = _read_name(text, i + 2, cr, limit)
                if sub_end <= i + 2:
                    break
                # another issuer ("Bộ Chính trị, Ban Bí thư") must end like one, or it is the
                # subject of the next clause (", Ủy ban nhân dân tỉnh ban hành …"); a comma inside
                # one name ("Bộ Văn hóa, Thể thao và Du lịch") needs nothing more
                if cr.issuer_head.match(text, i + 2) and not _ends_issuer(text, sub_end, cr):
                    break
                return sub_end
            jm = _JOINER_RE.match(text, i)
            if jm:
                j = jm.end()
                if not joins or not _joinable(text, j, cr):
                    return end
            elif text.startswith(" ", i):
                j = i + 1
            elif text.startswith("\n", i) and not text.startswith("\n\n", i) and (
                    prev_cap and text[i + 1:i + 2].islower()
                    or cr.issuer_incomplete.search(text, pos, i) and _joinable(text, i + 1, cr)):
                j = i + 1  # a name broken across lines (PDF text): "Chính\nphủ", "Ban Chấp hành\nTrung ương"
            else:
                break
            i = j
        um = cr.issuer_unit.match(text, i)
        if um and words:
            i = end = um.end()
            words += 1
            lower_run, prev_cap = 0, False
            prev_word = um.group(0).rsplit(" ", 1)[-1]
            continue
        if words and (cr.issuer_stop_phrase.match(text, i) or cr.issuer_type_stop.match(text, i)):
            break
        wm = _WORD_RE.match(text, i)
        if not wm:
            break
        w = wm.group(0)
        if w[0].isdigit():
            if prev_word in cr.issuer_number_after and len(w) <= 3:
                i = end = wm.end()
                words += 1
                prev_word = w
                continue
            break
        if _is_cap(w):
            # an acronym ("TNHH", "UBND") has no second syllable; a title-case word may ("Chính phủ")
            prev_cap, lower_run = not (len(w) > 1 and w.isupper()), 0
            end = wm.end()
        elif prev_cap and fold(w) not in cr.issuer_not_second:
            prev_cap = False  # the second syllable of a capitalised word: "Chấp hành", "Chính phủ"
            end = wm.end()
        elif prev_cap:
            break
        else:
            if fold(w) in cr.issuer_stop_words:
                break
            lower_run += 1
            if lower_run > cr.issuer_max_lower_run:
                break
            # kept only if the name goes on after it (end is not moved)
        i = wm.end()
        prev_word = w
        words += 1
    return end


def _joinable(text: str, pos: int, cr: CitationRules) -> bool:
    """A joiner (", ", " và ", " - ") continues a name only into a capitalised word that starts
    neither a description nor another citation: "Bộ Chính trị, Ban Bí thư", "Bà Rịa - Vũng Tàu"."""
    wm = _WORD_RE.match(text, pos)
    return bool(wm and _is_cap(wm.group(0)) and not cr.issuer_stop_phrase.match(text, pos)
                and not cr.anchor.match(text, pos))


_ISSUER_END_RE = regex.compile(
    r"[,;.:)(“\"\n]|$| [(“\"]| (?i:về|v/v|khóa|khoá|quy định|hướng dẫn|sửa đổi|phê duyệt)(?![\p{L}])")


def _ends_issuer(text: str, pos: int, cr: CitationRules) -> bool:
    """True when what follows `pos` ends an issuer the usual way (punctuation, "về …", a term),
    not with the verb of a new clause (", Ủy ban nhân dân tỉnh ban hành …")."""
    return bool(_ISSUER_END_RE.match(text, pos))


def _read_issuer(text: str, pos: int, cr: CitationRules):
    """(end, raw issuer) for "của <issuer>" (or a party conference without "của") at `pos`."""
    m = cr.issuer_connector.match(text, pos)
    if m:
        start = m.end()
    else:
        m = cr.issuer_without_connector.match(text, pos)
        if not m:
            return None
        start = m.end()
    if not cr.issuer_head.match(text, start):
        return None
    para_end = text.find("\n\n", start)
    limit = len(text) if para_end < 0 else para_end
    if cr.issuer_open_ended.match(text, start):
        end = _read_name(text, start, cr, limit, joins=False)
        if _LOWER_NEXT_RE.match(text, end):
            end = _open_ended_end(text, end, cr)
    else:
        end = _read_name(text, start, cr, limit)
    if end <= start or cr.issuer_bare.fullmatch(text[start:end]):
        return None  # "của Bộ, cơ quan trung ương": a head word alone names no one
    return end, text[start:end], start


def _open_ended_end(text: str, pos: int, cr: CitationRules) -> int:
    """End of a committee named by its task: "Ban Chỉ đạo thực hiện sắp xếp, tổ chức lại … 2 cấp",
    "Ban Chỉ đạo Trung ương về tổng kết Nghị quyết số 18-NQ/TW"; it stops at the clause end, a
    second "về", or right after a document number it names."""
    limit = min(len(text), pos + 250)
    em = _OPEN_END_RE.search(text, pos, limit)
    end = em.start() if em else limit
    # one "về" may name the committee's subject when it comes first ("Ban Chỉ đạo Trung ương về
    # tổng kết …"); after a task ("Ban Chỉ đạo phát triển … và đề án 06 về Kế hoạch …") it starts
    # the description of the cited document
    first_ve = text[pos:pos + 4].strip().lower() == "về"
    v = _VE_RE.search(text, pos + 3 if first_ve else pos, end)
    if v:
        end = v.start()
    nm = _SO_RE.search(text, pos, end)
    if nm:
        num = cr.number.match(text, nm.end())
        if num and num.end() <= end + 1:
            end = num.end()
    while end > pos and text[end - 1] in " ,\n":
        end -= 1
    return end


def canonical_issuer(raw: str, cr: CitationRules | None = None, text: str = "") -> str:
    """'UBND thành phố' → 'Ủy ban nhân dân thành phố'; capitals → the spelling the document uses
    elsewhere, else the usual one."""
    cr = cr or citation_rules()
    s = _SPACE_RE.sub(" ", raw.replace("\n", " ")).strip(" ,;")
    s = cr.abbreviation_re.sub(lambda m: cr.abbreviations[m.group(0)], s)
    s = modern_tones(s)
    if is_upper_text(s):
        s = _spelled_elsewhere(s, text) or _restore_case(s, cr)
    return s


def _spelled_elsewhere(upper: str, text: str) -> str | None:
    if not text:
        return None
    pattern = r"(?<![\p{L}])" + r"\s+".join(regex.escape(w) for w in upper.split()) + r"(?![\p{L}])"
    for m in regex.finditer(pattern, text, regex.IGNORECASE):
        if not is_upper_text(m.group(0)):
            return " ".join(m.group(0).split())
    return None


_LEVEL_WORDS = {"tỉnh", "thành", "phố", "quận", "huyện", "xã", "phường", "thị", "trấn", "đặc", "khu"}


def _restore_case(s: str, cr: CitationRules) -> str:
    out, pos = [], 0
    for m in cr.canonical_names.finditer(s):
        out.append(_title_words(s[pos:m.start()]))
        out.append(cr.canonical_of.get(fold(m.group(0)), m.group(0)))
        pos = m.end()
    out.append(_title_words(s[pos:]))
    return "".join(out)


def _title_words(chunk: str) -> str:
    def one(w: str) -> str:
        lw = w.lower()
        return lw if lw in _LEVEL_WORDS or lw in {"và", "của"} else w[:1] + w[1:].lower()
    return _LETTERS_RE.sub(lambda m: one(m.group(0)), chunk)


def restore_title_case(title: str, text: str) -> str:
    """An upper-case quoted title takes the spelling it has elsewhere in the document, else
    sentence case. Line breaks inside a title (PDF text) become spaces."""
    title = " ".join(title.split())
    if not is_upper_text(title):
        return title
    target = fold(title)
    for m in regex.finditer(r"[“\"]([^“”\"\n]{2,600})[”\"]", text):
        cand = m.group(1)
        if not is_upper_text(cand) and fold(cand) == target:
            return cand
    low = title.lower()
    return low[:1].upper() + low[1:]


# --- tails -------------------------------------------------------------------------------------

@dataclass
class Tail:
    end: int
    date: dt.date | None = None
    has_date: bool = False
    issuer: str | None = None
    term: str | None = None
    title: str | None = None


def _read_term(text: str, pos: int, cr: CitationRules):
    m = cr.term.match(text, pos)
    if not m:
        return None
    return m.end(), f"khóa {m.group(3).upper()}"


def read_tail(text: str, pos: int, cr: CitationRules, allow_title: bool = True) -> Tail:
    """Date, issuer, term and quoted title after a number, in any order they come."""
    tail = Tail(end=pos)
    progress = True
    while progress:
        progress = False
        if not tail.has_date:
            r = _read_date(text, tail.end, cr)
            if r:
                tail.end, tail.date = r
                tail.has_date = True
                progress = True
                continue
        if tail.issuer is None:
            r = _read_issuer(text, tail.end, cr)
            if r:
                tail.end, raw, _ = r
                tail.issuer = canonical_issuer(raw, cr, text)
                progress = True
                continue
        if tail.term is None:
            r = _read_term(text, tail.end, cr)
            if r:
                tail.end, tail.term = r
                progress = True
                continue
        if allow_title and tail.title is None:
            m = cr.quoted_title.match(text, tail.end)
            if m and not cr.quoted_not_title_start.match(m.group(1)):
                tail.title = restore_title_case(m.group(1).strip(), text)
                tail.end = m.end()
                break  # nothing belongs to the mention after its title
    return tail


# --- named laws --------------------------------------------------------------------------------

def _law_name_at(text: str, pos: int, cited_type: str, cr: CitationRules):
    """(end, name as written, canonical key name) of a law name starting at `pos`."""
    gaz = cr.law_names.get(cited_type)
    if gaz is not None:
        m = gaz.match(text, pos)
        if m:
            canon = cr.law_canonical[cited_type].get(law_name_key(m.group(0)), m.group(0))
            return m.end(), m.group(0), canon
    # not in the gazetteer: capitalised words up to a stop word or punctuation
    wm = _WORD_RE.match(text, pos)
    if not wm or not _is_cap(wm.group(0)) or cr.law_not_a_name.match(text, pos) or cr.anchor.match(text, pos):
        return None
    first = wm.group(0)
    if is_upper_text(first) and len(first) > 1:
        # an acronym ("Luật PPP", "Luật NSNN") stands alone; a heading in capitals is no name
        if not (first.isascii() and len(first) <= 6) or _CAPS_NEXT_RE.match(text, wm.end()):
            return None
        return wm.end(), first, first
    end = i = wm.end()
    words = 1
    while words < cr.law_unknown_max:
        sep = _LAW_SEP_RE.match(text, i)
        if not sep or (sep.group(0) == ", " and words > 2):
            break  # "Phòng, chống …", "Cán bộ, công chức": a comma only early in a name
        m2 = _WORD_RE.match(text, i + len(sep.group(0)))
        if not m2:
            break
        w = m2.group(0)
        if fold(w) in cr.law_stop_words or w[0].isdigit() or cr.anchor.match(text, m2.start()):
            break
        end = i = m2.end()
        words += 1
    name = text[pos:end]
    return end, name, modern_tones(name)


def read_law(text: str, type_end: int, cited_type: str, cr: CitationRules):
    """A named law after its type word: (end, title, title_key, nested spans) or None.

    "Luật Đất đai", "Luật Sửa đổi, bổ sung một số điều của Luật A và Luật B", "Bộ luật Lao động".
    """
    if cited_type == "Hiến pháp":
        end = type_end
        m = cr.constitution_tail.match(text, end)
        if m:
            end = m.end()
        return end, None, None
    if text.startswith(" ", type_end):
        pos = type_end + 1
    elif text.startswith("\n", type_end) and (
            cited_type in cr.law_names and cr.law_names[cited_type].match(text, type_end + 1)
            or cr.law_amending.match(text, type_end + 1)):
        pos = type_end + 1  # "Luật\nViên chức" in PDF text: only a known name crosses the line
    else:
        return None
    am = cr.law_amending.match(text, pos)
    if am:
        # the amended laws: "Luật A, Luật B và Luật C"
        i = am.end()
        last = None
        while True:
            tm = cr.anchor.match(text, i)
            if not tm or cr.type_of.get(fold(tm.group(0))) not in cr.law_types:
                break
            r = _law_name_at(text, tm.end() + 1, cr.type_of[fold(tm.group(0))], cr) \
                if text.startswith(" ", tm.end()) else None
            if not r:
                break
            last = r[0]
            sm = _LAW_LIST_SEP_RE.match(text, last)
            if not sm:
                break
            i = sm.end()
        if last is None:
            # "Luật sửa đổi, bổ sung một số điều của 37 luật có liên quan đến quy hoạch ngày …"
            em = _AMENDING_END_RE.search(text, am.end(), min(len(text), am.end() + 160))
            if not em or em.start() <= am.end():
                return None
            last = em.start()
        title = " ".join(text[pos:last].split())
        key = modern_tones(title)
        key = key[:1].upper() + key[1:]
        return last, title, key
    r = _law_name_at(text, pos, cited_type, cr)
    if not r:
        return None
    end, name, canon = r
    return end, " ".join(name.split()), canon


# --- the scan ----------------------------------------------------------------------------------

def _own_numbers(text: str, own: str | None, cr: CitationRules) -> set[str]:
    out = set()
    if own:
        out.add(fold(normalize_number(own, cr)))
    m = cr.own_number_line.search(text, 0, min(len(text), cr.own_number_window))
    if m:
        raw = m.group(1) or m.group(2)
        if raw:
            out.add(fold(normalize_number(raw, cr)))
    return out


@functools.lru_cache(maxsize=4096)
def _type_of(word: str) -> str | None:
    return citation_rules().type_of.get(fold(word))


def find_raw(text: str, own_number: str | None = None, own_span: tuple[int, int] | None = None,
             header_end: int = 0) -> list[Found]:
    """All citations in `text`, in text order (nested ones after their container)."""
    cr = citation_rules()
    own = _own_numbers(text, own_number, cr)
    out: list[Found] = []
    # a type word inside the name and number of a mention already read is part of it
    # ("Luật Ban hành văn bản quy phạm pháp luật số 64/2025/QH15" holds no second "luật số …");
    # mentions nested in an amending law's name or in a quoted title are read on their own
    shadow_end = 0
    low = text.lower()
    if len(low) != len(text):  # a letter whose lower case is longer ("İ"): scan the text itself
        low, scanner = text, cr.anchor
    else:
        scanner = cr.anchor_lower
    for am in rules.scan(scanner, low):
        tstart, tend = am.span()
        if tstart < shadow_end:
            continue
        word = text[tstart:tend]
        cited_type = _type_of(word)
        if cited_type is None:
            continue
        capitalised = word[:1].isupper()
        found = _at_anchor(text, tstart, tend, cited_type, capitalised, cr)
        if found and cr.before_type.search(text[max(0, tstart - 24):tstart]):
            continue  # "Mẫu Báo cáo số 01", "Trường Đại học Luật Hà Nội"
        for f in found:
            if not f.extras.get("amending"):
                shadow_end = max(shadow_end, f.extras.get("shadow_end", f.start))
            if f.cited_number and fold(f.cited_number) in own:
                continue
            if own_span and f.start < own_span[1] and own_span[0] < f.end:
                continue
            out.append(f)
    out.sort(key=lambda f: (f.start, -f.end))
    _trim_shared_tails(out)
    return out


def _trim_shared_tails(found: list[Found]) -> None:
    """A mention nested in another one that ends where its container ends ("Luật Đê điều" in
    "Luật Sửa đổi … của Luật Phòng, chống thiên tai và Luật Đê điều ngày 17 tháng 6 năm 2020")
    does not own the container's date and issuer: it is cut back to its own head."""
    open_: list[Found] = []
    for f in found:
        while open_ and open_[-1].end <= f.start:
            open_.pop()
        c = open_[-1] if open_ else None
        if c is not None and c.start < f.start and f.end == c.end:
            head_end = f.extras.get("head_end")
            if head_end and f.start < head_end < f.end:
                f.end = head_end
                f.cited_date = f.cited_issuer = f.cited_term = None
                if f.template == "named_law":
                    f.cited_number = None  # the number after the container belongs to it
        open_.append(f)


def _at_anchor(text: str, tstart: int, tend: int, cited_type: str, capitalised: bool,
               cr: CitationRules) -> list[Found]:
    # every template of a lower-case type word needs a number close by
    has_digit = _DIGIT_RE.search(text, tend, tend + 28) is not None
    if not capitalised and not has_digit:
        return []
    word = text[tstart:tend]
    if word in cr.abbreviated_type_words:
        # "TT số 02/2025/TT-BLĐTBXH": an abbreviation counts only before "số" and a coded number
        if tstart and text[tstart - 1] in "/-0123456789":
            return []
        m = cr.templates[0].head.match(text, tend)
        if not m or not _SO_RE.search(text, tend, m.start("number")):
            return []
        number = normalize_number(m.group("number"), cr)
        return _numbered(text, tstart, m.end(), cited_type, number, cr.templates[0], cr) if _has_code(number) else []
    after = text[tend:tend + 90].lower()
    so_near = "số" in after
    for t in cr.templates:
        if t.capitalised and not capitalised:
            continue
        if t.head is not None and t.name != "quoted" and not has_digit:
            continue
        if t.needs_so and not so_near or t.name == "quoted" and "“" not in after[:3] and '"' not in after[:3]:
            continue
        if t.law:
            if cited_type not in cr.law_types or not capitalised or is_upper_text(text[tstart:tend]):
                continue  # "PHÁP LUẬT CẦN SỬA ĐỔI": a heading in capitals names no law
            r = _try_law(text, tstart, tend, cited_type, cr)
            if r:
                return r
            continue
        if t.name == "quoted" and cited_type not in cr.quoted_types:
            continue
        m = t.head.match(text, tend, timeout=rules.REGEX_TIMEOUT)
        if not m:
            continue
        if t.name == "quoted":
            title = m.group(1).strip()
            if cr.quoted_not_title_start.match(title) or cr.quoted_not_title_after.match(text, m.end()):
                continue
            tail = read_tail(text, m.end(), cr, allow_title=False)
            title = restore_title_case(title, text)
            return [Found(tstart, tail.end, cited_type, None, tail.date, tail.issuer, title, tail.term,
                          template=t.name)]
        number = normalize_number(m.group("number"), cr)
        if t.needs_code and not _has_code(number):
            continue
        if t.not_followed_by is not None and t.not_followed_by.match(text, m.end()):
            continue
        if not t.needs_code and _is_year(number):
            continue
        found = _numbered(text, tstart, m.end(), cited_type, number, t, cr)
        if "issuer" in t.head.groupindex and m.group("issuer"):
            r = _read_issuer(text, m.start("issuer"), cr)
            if r:
                issuer = canonical_issuer(r[1], cr, text)
                for f in found:
                    f.cited_issuer = f.cited_issuer or issuer
        return found
    # "“Đề án hỗ trợ đào tạo … đến năm 2030”": the quote opens before the type word
    if capitalised and cited_type in cr.quote_before_types and tstart > 0 and text[tstart - 1] in "“\"":
        m = cr.quote_before_body.match(text, tend)
        if m and not cr.quoted_not_title_start.match(m.group(1)) \
                and not cr.quoted_not_title_after.match(text, m.end()):
            # "“Chương trình hành động quốc gia về …”": the title is all that follows the type name
            body_start = tstart + len(cited_type) if fold(text[tstart:tend]).startswith(fold(cited_type)) \
                else m.start(1)
            title = text[body_start:m.end(1)].strip()
            return [Found(tstart, m.end(1), cited_type, None, None, None,
                          restore_title_case(title, text), template="quote_before")]
    return []


def _is_year(number: str) -> bool:
    return number.isdigit() and len(number) == 4 and number[:2] in ("19", "20")


def _has_coded_number(text: str, start: int, end: int, cr: CitationRules) -> bool:
    for m in cr.number.finditer(text, start, end):
        if _has_code(m.group(0)):
            return True
    return False


def _code_fits_type(number: str, cited_type: str, cr: CitationRules) -> bool:
    """A number in a list shared by one type word must not carry another type's code."""
    if cited_type in cr.list_generic_types:
        return True
    segs = {fold(x) for x in _SEG_SPLIT_RE.split(number) if x and x not in "/-"}
    own = cr.codes_of.get(cited_type, frozenset())
    if segs & own:
        return True
    return not any(segs & codes for t, codes in cr.codes_of.items() if t != cited_type)


def _numbered(text: str, tstart: int, head_end: int, cited_type: str, number: str, t: Template,
              cr: CitationRules) -> list[Found]:
    tail = read_tail(text, head_end, cr)
    items = [Found(tstart, tail.end, cited_type, number, tail.date, tail.issuer, tail.title, tail.term,
                   template=t.name)]
    items[0].extras.update(has_date=tail.has_date, head_end=head_end, shadow_end=head_end)
    if t.is_list:
        pos = tail.end
        while True:
            lm = cr.list_item.match(text, pos, timeout=rules.REGEX_TIMEOUT)
            if not lm:
                # "… số 63/2010/NĐ-CP ngày 08/6/2010 về kiểm soát thủ tục hành chính; số 48/2013/NĐ-CP …":
                # after an item's description, "; số N" goes on with the list
                lm = cr.list_item_after_description.match(text, pos, timeout=rules.REGEX_TIMEOUT)
                if not lm or _has_coded_number(text, pos, lm.start(1) - 1, cr):
                    break
            num = normalize_number(lm.group(1), cr)
            if not _has_code(num) or not _code_fits_type(num, cited_type, cr):
                break  # "… Quyết định số 142/2008/QĐ-TTg; số 05/2010/TTLT-…": another type's list
            # the row starts at "số" when written, else at the number
            start = lm.start(1)
            so = _SO_BEFORE_RE.search(text, lm.start(), lm.start(1))
            if so:
                start = so.start()
            tl = read_tail(text, lm.end(1), cr)
            f = Found(start, tl.end, cited_type, num, tl.date, tl.issuer, tl.title, tl.term,
                      template=t.name, list_index=len(items))
            f.extras.update(has_date=tl.has_date, head_end=lm.end(1), shadow_end=lm.end(1))
            items.append(f)
            pos = tl.end
        if len(items) > 1:
            # issuer / date written once at the end are shared by the items before it
            last = items[-1]
            for f in items[:-1]:
                if f.cited_issuer is None and last.cited_issuer is not None:
                    f.cited_issuer = last.cited_issuer
            if last.extras.get("has_date") and not any(f.extras.get("has_date") for f in items[:-1]):
                for f in items[:-1]:
                    f.cited_date = last.cited_date
    return items


def _try_law(text: str, tstart: int, tend: int, cited_type: str, cr: CitationRules) -> list[Found] | None:
    # a numbered law goes to the numbered template ("Luật số 90/2025/QH15")
    r = read_law(text, tend, cited_type, cr)
    if not r:
        return None
    end, title, key = r
    pos = end
    m = cr.law_suffix.match(text, pos)
    if m:
        pos = m.end()
    number = None
    nm = _LAW_SO_RE.match(text, pos)  # "Luật Hải quan số 54/2014/QH13", "Luật Hải quan 54/2014/QH13"
    if nm:
        num_m = cr.number.match(text, nm.end())
        if num_m and _has_code(normalize_number(num_m.group(0), cr)):
            number = normalize_number(num_m.group(0), cr)
            pos = num_m.end()
    ym = cr.year_only.match(text, pos)
    if ym:
        pos = ym.end()
    tail = read_tail(text, pos, cr, allow_title=False)
    f = Found(tstart, tail.end, cited_type, number, tail.date, tail.issuer, title, tail.term,
              template="named_law", title_key=key)
    f.extras["head_end"] = end
    f.extras["shadow_end"] = pos if number else end
    if title is not None and cr.law_amending.match(text, tend + 1):
        f.extras["amending"] = True
    return [f]
