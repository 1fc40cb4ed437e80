"""Government agencies in text: who is assigned, who co-operates.

Recognises agency mentions in the small window where an assignment names its actors ("Giao Sở
Y tế chủ trì …", "4. Bộ Quốc phòng, Bộ Công an theo chức năng …", "phối hợp với X, Y và Z"),
splits lists without splitting a name ("Sở Văn hóa, Thể thao và Du lịch" is one), expands
distributed lists ("các Bộ: Công an, Tài chính"), keeps collective phrases whole ("các sở, ban,
ngành"), and gives each mention a canonical name (GOLD.md: "UBND" expanded, the head's title
dropped, everything else as written) and its successor after the 2025 reorganisation.

Data: rules/agencies.yaml (gazetteer, provinces), rules/agency_grammar.yaml (head nouns,
collectives, tails, cues), rules/titles.yaml. The gazetteer is matched on the folded syllable
tokens of the window only (a first-key index); underthesea's POS tagger is asked
only where a name not in the gazetteer continues in lower case and no rule decides where it ends.

API: parse_agency_list, find_agencies, canonical_name, current_name.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import regex

from .. import rules
from ..models import AgencyMention
from ..textutil import fold, modern_tones

__all__ = ["parse_agency_list", "find_agencies", "canonical_name", "current_name", "stats",
           "title_name", "warm_up"]

# --- tokens -----------------------------------------------------------------------------------

_TOKEN_RE = regex.compile(r"\w+(?:[&\-]\w+)*|[^\w\s]")
TOKEN_RE = _TOKEN_RE  # syllables and punctuation; the spaCy export tokenizes the same way
_PUNCT = frozenset(",;:.()[]\"'“”‘’!?…/")


@dataclass(slots=True)
class _Tok:
    text: str
    start: int
    end: int
    key: str      # fold(text)
    cap: bool     # starts with an upper-case letter
    nl: int       # newlines in the gap before the token (0, 1, 2 = two or more)
    word: bool    # a word (not punctuation)

    @property
    def abbrev(self) -> bool:
        t = self.text
        return len(t) >= 2 and (("&" in t) or (t.upper() == t and any(c.isalpha() for c in t)))


_fold = functools.lru_cache(maxsize=1 << 16)(fold)


def _tokenize(text: str, start: int, end: int) -> list[_Tok]:
    toks: list[_Tok] = []
    prev = start
    for m in _TOKEN_RE.finditer(text, start, end):
        s, e = m.span()
        t = m.group(0)
        gap = 0 if s - prev <= 1 and (s == prev or text[prev] == " ") else text.count("\n", prev, s)
        toks.append(_Tok(t, s, e, _fold(t), t[:1].isupper(), min(gap, 2), t[:1].isalnum()))
        prev = e
    return toks


def _keys(phrase: str) -> tuple[str, ...]:
    return tuple(_fold(m.group(0)) for m in _TOKEN_RE.finditer(phrase))


# --- rule tables ------------------------------------------------------------------------------

class _Phrases:
    """Phrases (token-key tuples) indexed by their first key; longest match first."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], Any]]] = {}

    def add(self, phrase: str | tuple[str, ...], payload: Any = None) -> None:
        keys = _keys(phrase) if isinstance(phrase, str) else phrase
        if not keys:
            return
        lst = self._by_first.setdefault(keys[0], [])
        lst.append((keys, payload))
        lst.sort(key=lambda kp: -len(kp[0]))

    def match(self, toks: list[_Tok], i: int, end: int | None = None) -> tuple[int, Any] | None:
        n = len(toks) if end is None else end
        if i >= n:
            return None
        cands = self._by_first.get(toks[i].key)
        if not cands:
            return None
        for keys, payload in cands:
            k = len(keys)
            if i + k > n:
                continue
            x = 1  # a plain loop: most phrases are one or two words, a generator costs more
            while x < k and toks[i + x].key == keys[x]:
                x += 1
            if x == k:
                return k, payload
        return None

    def __contains__(self, key: str) -> bool:
        return key in self._by_first


@dataclass
class _Entry:
    name: str
    kind: str
    local: bool
    current: str | None
    note: str | None = None


@dataclass
class _Tables:
    entries: list[_Entry]
    gaz_index: dict[tuple[str, ...], tuple[int, bool]]   # keys -> (entry, alias is abbreviation)
    gaz_first: frozenset[str]
    gazetteer: _Phrases          # payload: (entry, alias is abbreviation)
    provinces: _Phrases          # payload: (name, kind, current)
    province_by_name: dict[str, tuple[str, str]]  # name -> (kind, current name)
    titles: _Phrases             # payload: dict(name, body)
    heads: _Phrases              # payload: dict(text, name, local)
    collectives: _Phrases        # payload: dict(text, needs_det, standalone)
    dets: _Phrases
    honorifics: _Phrases
    admin: _Phrases
    province_units: _Phrases
    separators: _Phrases
    mode_words: _Phrases
    stops: _Phrases
    closing: _Phrases
    descriptive: _Phrases
    not_agencies: _Phrases
    closing_window: int
    tails_local: list[list[Any]]
    tails_any: list[list[Any]]
    tails_collective: list[list[Any]]
    abbreviations: dict[str, str]
    boundary: regex.Pattern
    max_window: int


def _tail_pattern(items: list[str]) -> list[Any]:
    out: list[Any] = []
    for it in items:
        it = str(it)
        if it in ("ADMIN", "NAME", "AGENCY"):
            out.append(it)
        else:
            out.extend(("W", k) for k in _keys(it))
    return out


def _descriptive(gram: dict) -> _Phrases:
    t = _Phrases()
    for w in gram.get("descriptive_words") or []:
        t.add(str(w), "word")
    for w in gram.get("descriptive_aux") or []:
        t.add(str(w), "aux")
    return t


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    gaz = rules.load("agencies.yaml")
    gram = rules.load("agency_grammar.yaml")
    tit = rules.load("titles.yaml")

    entries: list[_Entry] = []
    index: dict[tuple[str, ...], tuple[int, bool]] = {}
    gazetteer = _Phrases()
    for raw in gaz["agencies"]:
        e = _Entry(raw["name"], raw.get("kind", "other"), bool(raw.get("local")),
                   raw.get("current"), raw.get("note"))
        idx = len(entries)
        entries.append(e)
        name_keys = _keys(e.name)
        for variant, is_abbr in [(e.name, False)] + [(a, True) for a in raw.get("aliases") or []]:
            keys = _keys(str(variant))
            if not keys:
                continue
            if is_abbr:
                # an alias is an abbreviation when it has an upper-case token not in the name;
                # a bare acronym ("ACV", "EVN") is kept as written (GOLD.md)
                is_abbr = len(keys) > 1 and any(t.isupper() and len(t) >= 2 and fold(t) not in name_keys
                              for t in _TOKEN_RE.findall(str(variant)))
            if keys not in index:
                index[keys] = (idx, is_abbr)
                gazetteer.add(keys, (idx, is_abbr))
    provinces = _Phrases()
    by_name: dict[str, tuple[str, str]] = {}
    for p in gaz["provinces"]:
        cur = p.get("current") or p["name"]
        by_name[p["name"]] = (p["kind"], cur)
        for v in [p["name"]] + list(p.get("aliases") or []):
            provinces.add(str(v), (p["name"], p["kind"], cur))

    def table(words, payload_fn=None) -> _Phrases:
        t = _Phrases()
        for w in words:
            if isinstance(w, dict):
                t.add(w["text"], payload_fn(w) if payload_fn else w)
            else:
                t.add(str(w), payload_fn(w) if payload_fn else w)
        return t

    titles = _Phrases()
    for t in tit["titles"]:
        for v in [t["name"]] + list(t.get("aliases") or []):
            titles.add(str(v), {"name": t["name"], "body": t.get("body")})
    tails = gram["tails"]
    return _Tables(
        entries=entries, gaz_index=index,
        gaz_first=frozenset(k[0] for k in index), gazetteer=gazetteer,
        provinces=provinces, province_by_name=by_name, titles=titles,
        heads=table(gram["heads"]), collectives=table(gram["collectives"]),
        dets=table(gram["determiners"]), honorifics=table(gram["honorifics"]),
        admin=table(gram["admin_units"]), province_units=table(gram["province_units"]),
        separators=table(gram["separators"]), mode_words=table(gram["mode_words"]),
        stops=table(gram["stop_cues"]), closing=table(gram["closing_cues"]),
        descriptive=_descriptive(gram),
        not_agencies=table(gram.get("not_agencies") or []),
        closing_window=int(gram.get("closing_window", 16)),
        tails_local=[_tail_pattern(p) for p in tails["local"]],
        tails_any=[_tail_pattern(p) for p in tails["any"]],
        tails_collective=[_tail_pattern(p) for p in tails["collective"]],
        abbreviations={str(k): str(v) for k, v in gram["abbreviations"].items()},
        boundary=regex.compile(gram["boundary"]),
        max_window=int(gram.get("max_window", 700)),
    )


# --- gazetteer matching on the window ---------------------------------------------------------

def _gazetteer_matches(toks: list[_Tok]) -> dict[int, tuple[int, int, bool]]:
    """The longest gazetteer name starting at each token: start -> (end, entry, abbr).

    Names are looked up by their folded syllables in a first-key index (`_Tables.gazetteer`,
    longest first), like every other phrase table here. (Until 0.9 this was a spaCy
    PhraseMatcher over a spaCy Doc built for each window: the same matches, but importing spaCy
    cost a second of start-up and building the Docs two seconds over the bulk corpus.)"""
    T = _tables()
    first = T.gaz_first
    best: dict[int, tuple[int, int, bool]] = {}
    for i, t in enumerate(toks):
        if t.key in first:
            m = T.gazetteer.match(toks, i)
            if m:
                best[i] = (i + m[0], *m[1])
    return best


# --- underthesea (where a name ends, only when rules cannot tell) -----------------------------

_STATS = {"lists": 0, "finds": 0, "pos_calls": 0, "pos_cache_misses": 0}


@functools.lru_cache(maxsize=1)
def _pos_tagger():
    from underthesea import pos_tag
    return pos_tag


@functools.lru_cache(maxsize=4096)
def _pos_tags(sentence: str) -> tuple[tuple[str, str], ...]:
    _STATS["pos_cache_misses"] += 1
    try:
        return tuple((w, t) for w, t in _pos_tagger()(sentence))
    except Exception:  # a tagger failure must not fail the document
        return ()


def _first_verb(toks: list[_Tok], start: int, run_start: int, run_end: int) -> int:
    """Index in [run_start, run_end] of the first token the POS tagger calls a verb or a
    preposition (the task begins there); run_end when none. Tokens [start, run_start) are the
    name's known part, given as context."""
    _STATS["pos_calls"] += 1
    ctx_end = min(len(toks), run_end + 2)
    words = [toks[k].text for k in range(start, ctx_end)]
    tags = _pos_tags(" ".join(words))
    if not tags:
        return run_start
    k = start
    for w, tag in tags:
        n = max(1, len(_TOKEN_RE.findall(w)))
        if k >= run_start and k < run_end and tag in ("V", "E", "R"):
            return k
        k += n
        if k >= run_end:
            break
    return run_end


def warm_up(tagger: bool = True) -> None:
    """Load the rule tables and (optionally) the POS tagger now, e.g. in the
    parent process before a fork-based pool starts, so that workers share them."""
    _tables()
    _openers()
    _gaz_prefixes()
    if tagger:
        _pos_tags("Cục Kiểm tra văn bản quy phạm pháp luật")


def stats() -> dict[str, int]:
    """Counters: lists parsed, spans searched, POS-tagger consultations (for reports)."""
    return dict(_STATS)


# --- the parser -------------------------------------------------------------------------------

@dataclass
class _M:
    start: int                 # token index
    end: int                   # token index (exclusive)
    kind: str
    canonical: str | None = None   # when synthesized (distributed, head alone)
    agency_start: int | None = None  # first token of the agency itself (after a dropped title)
    shared: tuple[str, str] | None = None  # (agency, unit) a distributed province list shares


@dataclass
class _Parser:
    text: str
    toks: list[_Tok]
    gaz: dict[int, tuple[int, int, bool]]
    localities: bool = True          # bare provinces count as actors (assignment lists)
    T: _Tables = field(default_factory=_tables)

    # -- small predicates ---------------------------------------------------------------------
    def is_(self, i: int, *texts: str) -> bool:
        return i < len(self.toks) and self.toks[i].key in texts

    def gaz_at(self, i: int) -> tuple[int, int, bool] | None:
        return self.gaz.get(i)

    def head_at(self, i: int) -> tuple[int, dict] | None:
        """A capitalized head noun ("Sở", "Bộ Chỉ huy") at i."""
        if i < len(self.toks) and self.toks[i].cap:
            return self.T.heads.match(self.toks, i)
        return None

    def starts_agency(self, i: int) -> bool:
        """Something at i opens a named agency (used to stop name continuation)."""
        if i >= len(self.toks):
            return False
        if i in self.gaz and self.toks[i].cap:
            return True
        if self.head_at(i):
            return True
        t = self.T.titles.match(self.toks, i)
        return bool(t and self.toks[i].cap)

    def name_word(self, i: int) -> bool:
        """A capitalized word that may continue a proper name."""
        if i >= len(self.toks):
            return False
        t = self.toks[i]
        return t.word and (t.cap or t.text[:1].isdigit()) and t.nl == 0 and not self.starts_agency(i)

    # -- tails ----------------------------------------------------------------------------------
    def admin_run(self, i: int, with_name: bool = True) -> int | None:
        """ADMIN (, ADMIN)* [NAME] at i; returns end."""
        m = self.T.admin.match(self.toks, i)
        if not m:
            return None
        j = i + m[0]
        while self.is_(j, ",", "/") and self.T.admin.match(self.toks, j + 1):
            j = j + 1 + self.T.admin.match(self.toks, j + 1)[0]
        if self.is_(j, ".") and self.toks[j - 1].text in ("TP", "Tp"):
            j += 1
        if with_name:
            pm = self.T.provinces.match(self.toks, j)   # a known province, even hard-wrapped
            k = j + pm[0] if pm else self.proper_name(j)
            if k:
                j = k
        return j

    def proper_name(self, i: int, allow_nl: bool = False) -> int | None:
        """NAME: 1-6 capitalized syllables (hyphens allowed), not an agency head; end or None."""
        j = i
        while j < len(self.toks) and j - i < 8:
            t = self.toks[j]
            if t.word and (t.cap or t.text.isdigit()) and (t.nl == 0 or allow_nl) \
                    and not self.starts_agency(j) and not self.T.province_units.match(self.toks, j) \
                    and not (self.T.stops.match(self.toks, j) and j == i and not t.text.isupper()
                             and not self.T.provinces.match(self.toks, j)):
                j += 1
            elif t.text in ("-", "–") and j > i and self.name_word(j + 1):
                j += 1
            else:
                break
        return j if j > i else None

    def match_tail(self, pat: list[Any], i: int) -> int | None:
        j = i
        for el in pat:
            if j >= len(self.toks):
                return None
            if el == "ADMIN":
                k = self.admin_run(j)
                if k is None:
                    return None
                j = k
            elif el == "NAME":
                k = self.proper_name(j)
                if k is None:
                    return None
                j = k
            elif el == "AGENCY":
                r = self.named(j, nested=True)
                if r is None:
                    return None
                j = r.end
            else:
                if self.toks[j].key != el[1]:
                    return None
                if j > i and self.toks[j].nl and self.toks[j].cap:
                    return None
                j += 1
        return j if j > i else None

    def tails(self, j: int, local: bool, collective: bool = False) -> int:
        """Extend a name over locality and qualifier tails (agency_grammar.yaml `tails`)."""
        T = self.T
        for _ in range(12):
            if j >= len(self.toks):
                return j
            # "(UBND)" defining an abbreviation inside a name
            if self.is_(j, "(") and j + 2 < len(self.toks) and self.toks[j + 1].abbrev \
                    and self.is_(j + 2, ")"):
                j += 3
                continue
            pats = T.tails_any + (T.tails_local if local else []) \
                + (T.tails_collective if collective else [])
            for pat in pats:
                if collective and pat[0] == "NAME":
                    continue            # "Các công ty Chứng khoán": no proper name after a generic
                e = self.match_tail(pat, j)
                if e:
                    j = e
                    break
            else:
                return j
        return j

    # -- names ----------------------------------------------------------------------------------
    def name_cont(self, start: int, k: int, lower_ok: bool) -> int:
        """Continue a grammar name from k (the head ends before k); returns its end."""
        toks, T = self.toks, self.T
        j = k
        if j >= len(toks):
            return j
        t = toks[j]
        if not (self.name_word(j) or t.abbrev and t.nl == 0 or
                (lower_ok and t.word and not t.cap and t.nl == 0 and not T.stops.match(toks, j))):
            return k
        j += 1
        while j < len(toks):
            t = toks[j]
            if t.nl and t.cap:
                break
            if t.cap and T.admin.match(toks, j):
                break                   # "… Thành phố", "… Tỉnh": a locality tail, not the name
            if self.name_word(j) or (t.abbrev and not self.starts_agency(j)):
                j += 1
            elif t.text in ("-", "–", "&") and self.name_word(j + 1):
                j += 2
            elif t.text == "," and self.name_word(j + 1) and not T.admin.match(toks, j + 1) \
                    and not T.provinces.match(toks, j + 1):
                j += 2
            elif t.key == "và" and self.name_word(j + 1) and not T.provinces.match(toks, j + 1):
                j += 2
            elif t.word and not t.cap:
                # lower-case continuation: a tail, a cue or a determiner ends the name here
                if self.tails(j, True, False) > j or T.stops.match(toks, j) or \
                        T.dets.match(toks, j) or T.separators.match(toks, j) or \
                        T.closing.match(toks, j) or T.collectives.match(toks, j) and \
                        T.dets.match(toks, j - 1):
                    break
                r = j
                while r < len(toks) and r - j < 8 and toks[r].word and not toks[r].cap \
                        and not T.stops.match(toks, r) and not T.dets.match(toks, r) \
                        and not T.separators.match(toks, r) and self.tails(r, True) == r:
                    r += 1
                if r == j + 1 and toks[j - 1].cap and toks[j - 1].word and not self.head_at(j - 1):
                    # one lower-case syllable completing a capitalized word ("Kiểm tra",
                    # "Quốc gia", "Công tác"): part of the name, no tagger needed
                    j = r
                    continue
                v = _first_verb(toks, start, j, r)
                if v == j:
                    break
                j = v
                if v < r:
                    break
            else:
                break
        return j

    def person(self, i: int) -> int | None:
        """A person's name after a title: 2-4 capitalized syllables, not an agency."""
        j = i
        while j < len(self.toks) and j - i < 4 and self.name_word(j) \
                and not self.T.provinces.match(self.toks, j) and not self.T.admin.match(self.toks, j) \
                and not self.toks[j].abbrev:
            j += 1
        return j if j - i >= 2 else None

    # -- mentions -------------------------------------------------------------------------------
    def named(self, i: int, nested: bool = False) -> _M | None:
        """Gazetteer name or head noun + name, with tails."""
        toks, T = self.toks, self.T
        if i >= len(toks) or not toks[i].word:
            return None
        g = self.gaz_at(i)
        h = self.head_at(i)
        if g and (toks[i].cap or toks[i].abbrev):
            e, idx, _ = g
            ent = T.entries[idx]
            # a head + a longer grammar name beats a shorter gazetteer prefix ("Cục Thuế" < "Cục
            # Thuế tỉnh" is a tail; "Ban Tuyên giáo Thành ủy" is in the gazetteer)
            j = e
            if h and h[0] == e - i and h[1].get("name") != "tail":
                j2 = self.head_name(i, h)
                if j2 and j2 > j:
                    return _M(i, self.tails(j2, bool(h[1].get("local"))), "named")
            return _M(i, self.tails(j, ent.local), "named")
        if h:
            j = self.head_name(i, h)
            if j:
                return _M(i, self.tails(j, bool(h[1].get("local"))), "named")
            if nested and h[0] >= 2:
                return _M(i, i + h[0], "named")
        return None

    def head_name(self, i: int, h: tuple[int, dict]) -> int | None:
        """End of head + name at i, or None when no name follows (bare head)."""
        n, spec = h
        k = i + n
        mode = spec.get("name", "required")
        if k < len(self.toks) and self.toks[k].nl == 0 and self.starts_agency(k) \
                and not self.T.titles.match(self.toks, k):
            sub = self.named(k, nested=True)
            if sub:
                return sub.end
        j = self.name_cont(i, k, lower_ok=(mode == "lower"))
        if j > k:
            return j
        if mode == "tail" and self.tails(k, True) > k:
            return k
        return None

    def collective(self, i: int, after_title: bool) -> _M | None:
        toks, T = self.toks, self.T
        d = T.dets.match(toks, i)
        j = i + (d[0] if d else 0)
        c = T.collectives.match(toks, j)
        if not c or T.not_agencies.match(toks, j):
            return None
        if c[1].get("needs_det") and not d and not after_title:
            return None
        first = j
        standalone = bool(c[1].get("standalone"))
        j += c[0]
        nouns = 1
        while j < len(toks):
            before_tails = j
            j = self.tails(j, True, collective=True)
            qualified = j > before_tails  # "có liên quan", "thành phố": the qualifier closes a series
            if c[1].get("takes_agency") and nouns == 1:
                sub = self.named(j, nested=True)    # "các thành viên Ban Chỉ đạo"
                if sub:
                    j = self.tails(sub.end, True, collective=True)
            if standalone:
                break
            k = j
            joined = self.is_(k, ",", "và")
            if qualified and self.is_(k, ","):
                break  # "cơ quan, tổ chức có liên quan, cơ sở khám bệnh …": a new mention starts
            if joined:
                k += 1
            if k < len(toks) and toks[k].word and not T.dets.match(toks, k):
                c2 = T.collectives.match(toks, k)
                # "cơ quan ban, ngành" joins without a comma; "… liên quan tổ chức tập huấn" not;
                # after "và" only persons join ("tổ chức, cá nhân và hộ gia đình"), a new kind of
                # body starts a new mention ("các bộ, cơ quan ngang bộ và cơ quan, tổ chức …")
                and_ok = not self.is_(j, "và") or bool(c2 and c2[1].get("needs_det"))
                if c2 and and_ok and not c2[1].get("standalone") and (joined or not c2[1].get("needs_det")) \
                        and not (toks[k].cap and self.head_at(k)
                                 and self.head_name(k, self.head_at(k))):
                    j = k + c2[0]
                    nouns += 1
                    continue
            break
        # "Bộ xử lý", "Sở giao dịch", "Ban hành": one generic noun glued to a lower-case word is
        # not an agency unless that word opens a descriptive clause closed by a cue (below)
        glued = j < len(toks) and toks[j].word and not toks[j].cap and toks[j].nl == 0 \
            and nouns == 1 and c[0] == 1 and j == first + c[0] and not (
                T.stops.match(toks, j) or T.closing.match(toks, j) or
                T.separators.match(toks, j) or T.collectives.match(toks, j))
        # a subject with a descriptive clause up to its closing cue ("… có trách nhiệm")
        if j < len(toks) and toks[j].word and not toks[j].cap and not T.closing.match(toks, j) \
                and toks[j].nl == 0:
            k = j
            while k < min(len(toks), j + T.closing_window):
                tk = toks[k]
                if k > j and (tk.text == ":" or tk.nl):
                    j, glued = k, False        # a header "11. Các đơn vị cấp nước …:"
                    break
                if not tk.word:
                    break
                if k > j and T.closing.match(toks, k):
                    j, glued = k, False
                    break
                e = self.tails(k, True, collective=True) if k > j else k
                if e > k and (e >= len(toks) or not toks[e].word or T.stops.match(toks, e)
                              or T.closing.match(toks, e)):
                    # "các đơn vị cấp nước thuộc phạm vi quản lý" + the task's verb
                    j, glued = e, False
                    break
                dw = T.descriptive.match(toks, k)
                if dw:
                    k += dw[0]
                    if dw[1] == "aux":         # "đang triển khai thi công": the verb is descriptive
                        k += 1
                    continue
                if T.stops.match(toks, k) or T.separators.match(toks, k):
                    break
                k += 1
            else:
                if k == len(toks) and k > j:
                    j, glued = k, False        # "4. Các doanh nghiệp viễn thông" (the whole line)
        if glued or (nouns == 1 and c[0] == 1 and not d and not after_title
                     and j == first + 1):
            return None    # a bare "Bộ", "Sở", "ngành" opening a sentence is no agency
        m = _M(i, j, "collective")
        # distributed: "các bộ, cơ quan: Công an, Quốc phòng"
        if self.is_(j, ":"):
            head = self.T.heads.match([_Tok(toks[first].text, 0, 0, toks[first].key, True, 0, True)], 0)
            if head and head[0] == 1 and head[1].get("name") == "required":
                word = toks[first].text
                items = self.distribute(j + 1, head_text=word[:1].upper() + word[1:])
                if items:
                    return items  # type: ignore[return-value]
        return m

    def distribute(self, k: int, head_text: str | None = None,
                   unit: str | None = None, agency: str | None = None) -> list[_M] | None:
        """Items of a distributed list after ':' (or after "các tỉnh"): each gets the shared head."""
        toks, T = self.toks, self.T
        out: list[_M] = []
        j = k
        for _ in range(40):
            if j >= len(toks) or not toks[j].word:
                break
            if toks[j].nl >= 2:
                break
            if unit is not None:
                pm = T.provinces.match(toks, j)
                e = self.proper_name(j, allow_nl=True)
                if pm and (not e or j + pm[0] >= e):
                    e = j + pm[0]
                if not e:
                    break
                pname = " ".join(" ".join(toks[x].text for x in range(j, e)).split())
                several = "," in unit or "/" in unit
                kind = unit.split(",")[0].split("/")[0].strip() if several else unit
                if pm:
                    pkind = pm[1][1]
                    if several or pkind == "Thành phố":
                        kind = pkind
                if toks[j].key in ("thành", "tp") or T.province_units.match(toks, j):
                    canon = pname  # already "Thành phố Hồ Chí Minh"
                else:
                    canon = f"{kind} {pname}"
                if agency:
                    canon = f"{agency} {canon}"
                out.append(_M(j, e, "named" if agency else "locality", canonical=canon))
                j = e
            else:
                hk = _keys(head_text or "")
                best = None
                for x in range(min(len(toks), j + 12), j, -1):
                    key = hk + tuple(t.key for t in toks[j:x])
                    if key in T.gaz_index:
                        best = x
                        break
                if best is None and self.starts_agency(j):
                    r = self.named(j)
                    if not r:
                        break
                    out.append(r)
                    j = r.end
                else:
                    if best is None:
                        best = self.name_cont(j, j, lower_ok=False)
                        if best == j:
                            break
                    text = " ".join(" ".join(toks[x].text for x in range(j, best)).split())
                    text = text.replace(" ,", ",")
                    canon = f"{head_text} {text}"
                    g = T.gaz_index.get(hk + tuple(t.key for t in toks[j:best]))
                    if g and g[1]:
                        canon = T.entries[g[0]].name
                    out.append(_M(j, best, "named", canonical=canon))
                    j = best
            if self.is_(j, ",", ";", "và"):
                if self.is_(j + 1, "và"):
                    j += 1
                j += 1
                continue
            break
        return out or None

    def locality(self, i: int) -> list[_M] | None:
        """Provinces named as actors: "tỉnh Nghệ An", "Thành phố Hà Nội", "các tỉnh X, Y"."""
        toks, T = self.toks, self.T
        d = T.dets.match(toks, i)
        j = i + (d[0] if d else 0)
        u = T.province_units.match(toks, j)
        if not u:
            # "các xã, phường": lower units named as a whole (no names follow them)
            e = self.admin_run(j, with_name=False) if d else None
            if e and e > j and (e >= len(toks) or not toks[e].word or T.stops.match(toks, e)
                                or T.closing.match(toks, e)) and toks[j].key not in ("địa", "khu"):
                return [_M(i, e, "collective")]
            return None
        k = j + u[0]
        if self.is_(k, "."):
            k += 1
        unit_text = toks[j].text if u[0] == 1 else " ".join(t.text for t in toks[j:k])
        if d:
            items = self.distribute(k, unit=unit_text)
            if items:
                return items
            # "Các tỉnh, thành phố:" with no names after it: the localities as a whole
            e = self.admin_run(j, with_name=False)
            if e and e > j and (e >= len(toks) or not toks[e].word or T.stops.match(toks, e)
                                or T.closing.match(toks, e)):
                return [_M(i, e, "collective")]
            return None
        pm = T.provinces.match(toks, k)   # a known province first: "Hải Phòng" is no "Phòng …"
        e = k + pm[0] if pm else self.proper_name(k)
        if not e or all(toks[x].text.isupper() for x in range(j, e)):
            return None        # "TỈNH CAO BẰNG" is a heading, not an actor
        return [_M(i, e, "locality")]

    def mention(self, i: int, find: bool = False) -> tuple[list[_M], int] | None:
        """Mentions starting at token i (several for a distributed list) and the next index."""
        toks, T = self.toks, self.T
        if i >= len(toks):
            return None
        h = T.honorifics.match(toks, i)
        if h:
            i += h[0]
        s = i
        d = T.dets.match(toks, i)
        j = i + (d[0] if d else 0)
        t = T.titles.match(toks, j) if j < len(toks) and toks[j].word else None
        lower_title = bool(t) and not (toks[j].cap or toks[j].abbrev)
        g = self.gaz_at(j)
        if t and g and g[0] - j >= t[0]:
            # "Thủ tướng Chính phủ", "Chủ tịch nước" are bodies too: the body unless a name follows
            p = self.person(j + t[0])
            if p:
                return [_M(s, p, "head")], p
            t = None
        if t:
            k = j + t[0]
            body = t[1].get("body")
            bk = _keys(body) if body else ()
            if bk and tuple(x.key for x in toks[k - len(bk):k]) == bk:
                # "Chánh Văn phòng UBND tỉnh", "Trưởng Ban Tuyên giáo": the title ends with the
                # body's head, which starts the agency
                sub = self.agency(k - len(bk), after_title=True)
                if sub and sub[0][0].canonical is None and sub[0][0].end > k:
                    sub[0][0].start = s
                    sub[0][0].agency_start = k - len(bk)
                    return sub
            sub = self.agency(k, after_title=True)
            if sub:
                ms, e = sub
                if ms[0].canonical is None or len(ms) == 1 and ms[0].start == k:
                    ms[0].start = s
                    ms[0].agency_start = ms[0].agency_start if ms[0].agency_start is not None else k
                return ms, e
            if lower_title:      # "thủ trưởng" in running text counts only before its body
                return self.agency(i, after_title=False, find=find)
            p = self.person(k)
            if p:
                return [_M(s, p, "head")], p
            det = " ".join(tk.text for tk in toks[i:j])
            if body:
                canon = f"{det} {body}".strip()
            else:
                canon = " ".join(tk.text for tk in toks[i:k])
            if not d and not body:
                # "Bí thư, Chủ tịch UBND tỉnh": titles sharing the body named after the last one
                if self.is_(k, ",", "và") and T.titles.match(toks, k + 1):
                    return self.mention(k + 1, find=find)
                return None
            return [_M(s, k, "head", canonical=canon)], k
        r = self.agency(i, after_title=False, find=find)
        if r:
            return r
        return None

    def agency(self, i: int, after_title: bool, find: bool = False) -> tuple[list[_M], int] | None:
        toks, T = self.toks, self.T
        if i >= len(toks):
            return None
        d = T.dets.match(toks, i)
        j = i + (d[0] if d else 0)
        if j >= len(toks):
            return None
        # distributed over ministries/departments: "các Bộ: …", "Bộ trưởng các Bộ: …"
        h = self.head_at(j)
        if d and h and self.is_(j + h[0], ":") and h[1].get("name") == "required":
            items = self.distribute(j + h[0] + 1, head_text=" ".join(x.text for x in toks[j:j + h[0]]))
            if items:
                return items, items[-1].end
        m = self.named(j)
        if m:
            m.start = i
            # distributed over units: "UBND các tỉnh, thành phố: Tuyên Quang, …"
            if self.is_(m.end, ":"):
                items = self.units_distribution(j, m.end)
                if items:
                    return items, items[-1].end
            return [m], m.end
        c = self.collective(i, after_title)
        if c:
            if isinstance(c, list):
                return c, c[-1].end
            return [c], c.end
        c0 = T.collectives.match(toks, j)
        if c0 and self.is_(j + c0[0], "("):
            # "Nhà đầu tư (Tập đoàn Đèo Cả) rà soát …": the body named in brackets
            inner = self.named(j + c0[0] + 1)
            if inner and self.is_(inner.end, ")"):
                return [inner], inner.end + 1
        if after_title and h:
            # "Giám đốc Sở, …": the bare head stands for the body
            e = self.tails(j + h[0], bool(h[1].get("local")))
            return [_M(i, e, "named")], e
        if self.localities and not find and not after_title:
            loc = self.locality(i)
            if loc:
                return loc, loc[-1].end
        return None

    def provinces_after(self, prev: _M, k: int) -> list[_M] | None:
        """"Ủy ban nhân dân các tỉnh Hà Tĩnh, Quảng Trị, Huế": bare province names after a body
        "… các <unit> <Province>" are more of the same bodies (distributed without a colon)."""
        toks, T = self.toks, self.T
        pm = T.provinces.match(toks, k)
        if not pm or prev.kind != "named":
            return None
        if prev.shared:
            agency, unit = prev.shared
            return [_M(k, k + pm[0], "named", canonical=f"{agency} {unit} {self.render(k, k + pm[0])}",
                       shared=prev.shared)]
        x = next((x for x in range(prev.start, prev.end) if toks[x].key == "các"), None)
        if x is None:
            return None
        u = T.province_units.match(toks, x + 1)
        if not u or not T.provinces.match(toks, x + 1 + u[0]):
            return None
        a = prev.agency_start if prev.agency_start is not None else prev.start
        agency = self.render(a, x)
        unit = self.render(x + 1, x + 1 + u[0])
        if prev.canonical is None:
            prev.canonical = f"{agency} {unit} {self.render(x + 1 + u[0], prev.end)}"
        return [_M(k, k + pm[0], "named", canonical=f"{agency} {unit} {self.render(k, k + pm[0])}",
                   shared=(agency, unit))]

    def units_distribution(self, j: int, colon: int) -> list[_M] | None:
        """After "<agency> các tỉnh, thành phố:" give each province its own mention."""
        toks, T = self.toks, self.T
        for x in range(j, colon):
            if toks[x].key == "các":
                u = self.admin_run(x + 1, with_name=False)
                if u is None:
                    continue
                unit = self.render(x + 1, u)
                agency = self.render(j, x)
                if not T.province_units.match(toks, x + 1):
                    return None
                return self.distribute(colon + 1, unit=unit, agency=agency)
        return None

    # -- canonical names ------------------------------------------------------------------------
    def render(self, i: int, j: int) -> str:
        """Canonical text of tokens [i, j): abbreviations expanded, spaces collapsed."""
        toks, A = self.toks, self.T.abbreviations
        parts: list[str] = []
        k = i
        while k < j:
            t = toks[k]
            if t.text == "(" and k + 2 < j and toks[k + 1].abbrev and toks[k + 2].text == ")":
                k += 3
                continue
            if t.text == "." and k > i and toks[k - 1].text in ("TP", "Tp"):
                k += 1
                continue
            txt = A.get(t.text, t.text)
            if txt == "thành phố" and k + 1 < j and toks[k + 1].key in ("hcm", "hồ") or \
                    txt == "thành phố" and k + 2 < j and toks[k + 1].text == "." and \
                    toks[k + 2].key in ("hcm", "hồ"):
                txt = "Thành phố"
            glue = parts and (t.start > toks[k - 1].end or (k > i and toks[k - 1].text == "."))
            if parts and t.text in _PUNCT and t.text not in "(“\"‘":
                glue = t.text in ("-", "–") and t.start > toks[k - 1].end
            if parts and toks[k - 1].text in "(“‘":
                glue = False
            parts.append((" " if glue else "") + txt)
            k += 1
        return modern_tones("".join(parts).strip())

    def finish(self, m: _M) -> AgencyMention:
        toks = self.toks
        s, e = toks[m.start].start, toks[m.end - 1].end
        raw = self.text[s:e]
        if m.canonical is not None:
            canon = m.canonical
            canon = self.render_str(canon)
        else:
            a = m.agency_start if m.agency_start is not None else m.start
            # a honorific before the agency itself
            h = self.T.honorifics.match(toks, a)
            if h:
                a += h[0]
            canon = self.render(a, m.end)
        return AgencyMention(start=s, end=e, raw=raw, canonical=canon,
                             current=current_name(canon), kind=m.kind)

    def render_str(self, s: str) -> str:
        A = self.T.abbreviations
        out = " ".join(A.get(w, w) for w in s.split())
        return modern_tones(out)


# --- windows ---------------------------------------------------------------------------------

_FIRST_WINDOW = 200   # characters tried first; most lists are shorter (longer ones re-parse)


def _window_end(text: str, pos: int, limit: int, size: int) -> tuple[int, bool]:
    """End of the window for a list at pos, and whether it was cut only by its size."""
    end = min(limit, len(text), pos + size)
    m = _tables().boundary.search(text, pos, end)
    if m:
        return m.start(), False
    return end, end < min(limit, len(text))


@functools.lru_cache(maxsize=1)
def _openers() -> frozenset[str]:
    """Keys of every token that may open an agency list (a cheap pre-check)."""
    T = _tables()
    keys = set(T.gaz_first) | {"cho"}
    for tab in (T.titles, T.heads, T.collectives, T.dets, T.honorifics, T.province_units):
        keys |= set(tab._by_first)
    return frozenset(keys)


@functools.lru_cache(maxsize=1)
def _gaz_prefixes() -> frozenset[tuple[str, ...]]:
    """First two keys of every gazetteer name (one key for one-word names)."""
    return frozenset(k[:2] for k in _tables().gaz_index)


def _may_open(text: str, pos: int, limit: int) -> bool:
    """Cheap test on the first few words: can an agency list start at pos? Most clause starts
    ("Trường hợp …", "Tổ chức thực hiện …", "Các khoản chi …") are rejected here."""
    T = _tables()
    openers = _openers()
    first = _TOKEN_RE.search(text, pos, min(limit, pos + 48))
    if not first or _fold(first.group(0)) not in openers:
        return False  # most clause starts end here, before any list is built
    words = _TOKEN_RE.findall(text, pos, min(limit, pos + 48))[:7]
    toks = [_Tok(w, 0, 0, _fold(w), w[:1].isupper(), 0, w[:1].isalnum()) for w in words]
    i = 1 if toks[0].key == "cho" else 0
    h = T.honorifics.match(toks, i)
    i += h[0] if h else 0
    d = T.dets.match(toks, i)
    i += d[0] if d else 0
    if i >= len(toks):
        return False
    if T.titles.match(toks, i) or T.province_units.match(toks, i):
        return True
    if tuple(t.key for t in toks[i:i + 2]) in _gaz_prefixes() or (toks[i].key,) in _gaz_prefixes():
        return True
    if toks[i].cap and T.heads.match(toks, i):
        return True
    c = T.collectives.match(toks, i)
    if c and not T.not_agencies.match(toks, i) and (d or not c[1].get("needs_det")):
        return True
    # "Nhà đầu tư (Tập đoàn Đèo Cả)": a generic noun naming its body in brackets
    return bool(c and i + c[0] < len(toks) and toks[i + c[0]].text == "(")


def parse_agency_list(text: str, pos: int, limit: int) -> tuple[list[AgencyMention], int]:
    """Parse the agency list that starts at `pos` (after "Giao", "Đề nghị", an item marker, or
    "phối hợp với"); returns its mentions and the offset where the task begins (the verb or cue
    after the list, e.g. "chủ trì", "theo chức năng", ":"). ([], pos) when no agency starts here.
    """
    _STATS["lists"] += 1
    if pos < 0 or pos >= len(text) or limit <= pos:
        return [], pos
    if not _may_open(text, pos, limit):
        return [], pos
    end, cut = _window_end(text, pos, limit, _FIRST_WINDOW)
    mentions, end_off = _parse_window(text, pos, end)
    if cut and mentions and end_off >= end - 40:
        # the list may run past the first window (a long distributed list): parse it whole
        end, _ = _window_end(text, pos, limit, _tables().max_window)
        mentions, end_off = _parse_window(text, pos, end)
    return _named_in_brackets(text, mentions, end_off, limit)


_BRACKET_AFTER_RE = regex.compile(r"[^():;.\n]{0,80}?\(")


def _named_in_brackets(text: str, mentions: list[AgencyMention], end_off: int,
                       limit: int) -> tuple[list[AgencyMention], int]:
    """"Các cơ quan đăng ký đầu tư (Sở Tài chính, Ban quản lý Khu Kinh tế …):": a generic
    collective that names its members in brackets stands for them."""
    if len(mentions) != 1 or mentions[0].kind != "collective":
        return mentions, end_off
    m = _BRACKET_AFTER_RE.match(text, end_off, limit)
    if not m:
        return mentions, end_off
    close = text.find(")", m.end(), limit)
    if close < 0:
        return mentions, end_off
    inner = _bracket_list(text, m.end(), close)
    if not inner:
        return mentions, end_off
    return inner, close + 1


def _bracket_list(text: str, start: int, close: int) -> list[AgencyMention]:
    """Names listed in brackets: each runs to its separator even where the grammar would stop
    ("Ban quản lý Khu Nông nghiệp ứng dụng Công nghệ cao Phú Yên")."""
    out: list[AgencyMention] = []
    pos = start
    while pos < close:
        ms, e = parse_agency_list(text, pos, close)
        sep = min((i for i in (text.find(",", max(e, pos), close), text.find(";", max(e, pos), close)) if i >= 0),
                  default=close)
        if ms:
            out.extend(ms)
        if out and text[out[-1].end:sep].strip():
            last = out[-1]
            raw_end = sep
            while raw_end > last.start and text[raw_end - 1] in " \t":
                raw_end -= 1
            raw = text[last.start:raw_end]
            canon = canonical_name(raw, whole=True)
            out[-1] = AgencyMention(last.start, raw_end, raw, canon, current_name(canon), last.kind)
        pos = sep + 1
        while pos < close and text[pos] in " \t":
            pos += 1
    return out


def _parse_window(text: str, pos: int, end: int) -> tuple[list[AgencyMention], int]:
    toks = _tokenize(text, pos, end)
    if not toks:
        return [], pos
    # the list must start right here (only spaces, or a leading "cho", before it)
    i = 0
    if toks[0].key == "cho" and len(toks) > 1:
        i = 1
    gaz = _gazetteer_matches(toks)
    p = _Parser(text, toks, gaz, localities=True)
    found = p.mention(i)
    if not found:
        return [], pos
    ms, i = found
    T = p.T
    while i < len(toks):
        j = i
        if p.is_(j, "(") :
            close = next((x for x in range(j + 1, min(len(toks), j + 40)) if toks[x].text == ")"), None)
            if close is None:
                break
            j = close + 1
        sep = T.separators.match(toks, j)
        if not sep and p.is_(j, "các") and ms and ms[-1].kind in ("named", "locality"):
            sep = (0, None)   # "Bộ Quốc phòng các tỉnh Ninh Bình, …": a missing comma
        if not sep:
            i = j if j > i and j < len(toks) and not toks[j].word else i
            if j > i:
                i = j
            break
        k = j + sep[0]
        if p.is_(k, "và") and toks[j].text in (",", ";"):
            k += 1
        mw = T.mode_words.match(toks, k)
        if mw:
            k += mw[0]
        nxt = p.mention(k)
        if not nxt:
            more = p.provinces_after(ms[-1], k)
            if more:
                ms.extend(more)
                i = more[-1].end
                continue
            if j > i:
                i = j
            break
        ms.extend(nxt[0])
        i = nxt[1]
    mentions = _share_heads([p.finish(m) for m in ms])
    while i < len(toks) and toks[i].text == ",":
        i += 1
    end_off = toks[i].start if i < len(toks) else end
    return mentions, end_off


_HEAD_AND_UNIT_RE = regex.compile(r"^(?P<head>.+?)\s+(?P<unit>(?:tỉnh|thành phố|Thành phố|huyện|quận|thị xã|xã|phường|đặc khu)\s.+)$")
_UNIT_START_RE = regex.compile(r"^(?:tỉnh|thành phố|Thành phố|TP\.?|Tp\.?)\s")


def _share_heads(mentions: list[AgencyMention]) -> list[AgencyMention]:
    """"Ủy ban nhân dân thành phố Hà Nội, thành phố Hồ Chí Minh, tỉnh Quảng Ninh": a bare
    locality after a body of a locality is the same kind of body there."""
    out: list[AgencyMention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if m.kind == "locality" and prev is not None and _UNIT_START_RE.match(m.canonical):
            hm = _HEAD_AND_UNIT_RE.match(prev.canonical)
            if hm and prev.kind == "named":
                canon = f"{hm.group('head')} {m.canonical}"
                m = AgencyMention(m.start, m.end, m.raw, canon, current_name(canon), "named")
        out.append(m)
    return out


def find_agencies(text: str, start: int, end: int) -> list[AgencyMention]:
    """Every agency mention in text[start:end] (e.g. the "phối hợp với X, Y và Z" tail)."""
    _STATS["finds"] += 1
    start, end = max(0, start), min(len(text), end)
    if end <= start:
        return []
    toks = _tokenize(text, start, end)
    if not toks:
        return []
    gaz = _gazetteer_matches(toks)
    p = _Parser(text, toks, gaz, localities=False)
    out: list[_M] = []
    i = 0
    T = p.T
    while i < len(toks):
        t = toks[i]
        r = None
        if t.word and (t.cap or t.abbrev or T.dets.match(toks, i) or T.collectives.match(toks, i)
                       or T.honorifics.match(toks, i)):
            # a code such as "26-CTr/TU" is not an agency
            if not (t.start > 0 and text[t.start - 1] in "/-"):
                r = p.mention(i, find=True)
        if r and r[1] > i:
            out.extend(r[0])
            i = r[1]
        else:
            i += 1
    return [p.finish(m) for m in out]


# --- canonical and current names --------------------------------------------------------------

@functools.lru_cache(maxsize=8192)
def canonical_name(raw: str, whole: bool = False) -> str:
    """Canonical name of one mention as written: abbreviations expanded ("UBND" -> "Ủy ban nhân
    dân"), the head's title and honorifics dropped ("Giám đốc Sở Y tế" -> "Sở Y tế"), spaces
    collapsed, modern tone placement; everything else as written. `whole`: `raw` is known to be
    one name to its end (a bracketed list item), even where the grammar would stop earlier."""
    toks = _tokenize(raw, 0, len(raw))
    if not toks:
        return ""
    gaz = _gazetteer_matches(toks)
    p = _Parser(raw, toks, gaz, localities=True)
    r = p.mention(0)
    if r and len(r[0]) == 1:
        m = r[0][0]
        if m.canonical is not None:
            return p.render_str(m.canonical)
        a = m.agency_start if m.agency_start is not None else m.start
        h = p.T.honorifics.match(toks, a)
        if h:
            a += h[0]
        return p.render(a, len(toks) if whole or r[1] >= len(toks) - 1 else m.end)
    h = p.T.honorifics.match(toks, 0)
    return p.render(h[0] if h else 0, len(toks))


@functools.lru_cache(maxsize=8192)
def current_name(canonical: str) -> str:
    """The body that holds the function today (after the 2025 reorganisation): renamed or merged
    bodies replaced ("Sở Kế hoạch và Đầu tư" -> "Sở Tài chính"), merged provinces replaced
    ("… tỉnh Hậu Giang" -> "… thành phố Cần Thơ"). Equal to `canonical` when nothing changed."""
    T = _tables()
    toks = _tokenize(canonical, 0, len(canonical))
    if not toks:
        return canonical
    out: list[str] = []
    last = 0
    i = 0
    changed = False
    while i < len(toks):
        repl = None
        # a renamed or merged body
        for x in range(min(len(toks), i + 14), i, -1):
            g = T.gaz_index.get(tuple(t.key for t in toks[i:x]))
            if g:
                ent = T.entries[g[0]]
                if ent.current:
                    repl = (x, ent.current)
                break
        # a merged province after its unit word
        if repl is None and T.province_units.match(toks, i):
            u = T.province_units.match(toks, i)
            k = i + u[0]
            pm = T.provinces.match(toks, k)
            if pm:
                name, kind, cur = pm[1]
                if cur != name:
                    ckind = T.province_by_name.get(cur, (kind, cur))[0]
                    repl = (k + pm[0], f"{ckind} {cur}")
        if repl:
            out.append(canonical[last:toks[i].start])
            out.append(repl[1])
            last = toks[repl[0] - 1].end
            i = repl[0]
            changed = True
        else:
            i += 1
    if not changed:
        return canonical
    out.append(canonical[last:])
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def title_name(text: str) -> str | None:
    """Proper casing of an official title ("PHÓ CHỦ TỊCH" -> "Phó Chủ tịch"), or None."""
    toks = _tokenize(text, 0, len(text))
    m = _tables().titles.match(toks, 0)
    if m and m[0] == len(toks):
        return m[1]["name"]
    return None
