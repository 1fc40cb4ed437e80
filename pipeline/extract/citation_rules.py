"""rules/citations.yaml (+ doc_types.yaml) compiled once into the patterns the finder uses.

Tokens are named regex pieces (`{number}`, `{so}`); templates refer to them by name, citeurl
style, so a new way of writing a number or a date is a change to the YAML, not to the code.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import regex

from .. import rules
from ..textutil import fold

_FLAGS = regex.V0


def _expand(pattern: str, tokens: dict[str, str], depth: int = 0) -> str:
    """Replace `{name}` by the token's pattern (tokens may use other tokens)."""
    if depth > 8:
        raise ValueError(f"token recursion in {pattern!r}")

    def repl(m: regex.Match) -> str:
        name = m.group(1)
        if name not in tokens:
            return m.group(0)  # a regex quantifier like {1,5}
        return _expand(tokens[name], tokens, depth + 1)

    return regex.sub(r"\{([a-z_]+)\}", repl, pattern)


def _alt(items, escape: bool = True) -> str:
    items = sorted(set(items), key=len, reverse=True)
    return "|".join(regex.escape(i) if escape else i for i in items)


# Old and new tone placements match each other in gazetteer patterns ("Thủy"/"Thuỷ").
_TONE_PAIRS = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}
_TONE_RE = regex.compile("|".join(list(_TONE_PAIRS) + list(_TONE_PAIRS.values())), regex.IGNORECASE)
_TONE_ANY = {**{k: (k, v) for k, v in _TONE_PAIRS.items()}, **{v: (k, v) for k, v in _TONE_PAIRS.items()}}


def law_name_key(name: str) -> str:
    """'Phòng, chống thiên tai' and 'phòng chống  thiên tai' give one key."""
    return " ".join(fold(name).replace(",", " ").split())


def _units(phrase: str) -> list[str]:
    """A phrase as regex units (lower case): a tone-placement pair, optional comma + spaces, a char."""
    p = phrase.lower()
    out: list[str] = []
    i = 0
    while i < len(p):
        two = p[i:i + 2]
        if two in _TONE_ANY:
            a, b = _TONE_ANY[two]
            out.append(f"(?:{a}|{b})")
            i += 2
        elif p[i] == "," and p[i + 1:i + 2] == " ":
            out.append(r",?\s+")
            i += 2
        elif p[i] == " ":
            out.append(r"\s+")
            i += 1
        else:
            out.append(regex.escape(p[i]))
            i += 1
    return out


def phrase_union(phrases) -> str:
    """One regex (for case-insensitive use) matching any of `phrases`, longest first, built as a
    trie so that a scan over a whole document tries each position once, not once per phrase."""
    trie: dict = {}
    for ph in phrases:
        node = trie
        for u in _units(ph):
            node = node.setdefault(u, {})
        node[None] = {}

    def emit(node: dict) -> str:
        alts = [u + emit(child) for u, child in node.items() if u is not None]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if None in node else body

    return "(?:" + emit(trie) + ")"


@dataclass(frozen=True)
class Template:
    name: str
    head: regex.Pattern | None
    needs_code: bool
    capitalised: bool
    is_list: bool
    law: bool
    not_followed_by: regex.Pattern | None
    needs_so: bool
    key: str
    key_without_number: str | None


@dataclass(frozen=True)
class CitationRules:
    anchor: regex.Pattern               # every type word, case-insensitive
    anchor_lower: re.Pattern | regex.Pattern  # the same, case-sensitive, for lower-cased text (rules.scanner)
    type_of: dict[str, str]             # fold(type word) -> cited_type
    templates: tuple[Template, ...]
    number: regex.Pattern
    list_item: regex.Pattern            # ", 130-KL/TW", "; số 218/CĐ-TTg", " và số 02/NQ-CP"
    list_item_after_description: regex.Pattern  # "… về kiểm soát thủ tục hành chính; số 48/2013/NĐ-CP"
    abbreviated_type_words: frozenset[str]
    date_words: regex.Pattern
    date_numeric: regex.Pattern
    year_only: regex.Pattern
    term: regex.Pattern
    quoted_title: regex.Pattern
    law_suffix: regex.Pattern
    quoted_types: frozenset[str]
    quote_before_types: frozenset[str]
    quote_before_body: regex.Pattern
    quoted_not_title_after: regex.Pattern
    quoted_not_title_start: regex.Pattern
    # laws
    law_types: frozenset[str]
    law_names: dict[str, regex.Pattern]      # cited_type -> gazetteer alternation
    law_canonical: dict[str, dict[str, str]]  # cited_type -> fold(name) -> canonical spelling
    law_amending: regex.Pattern
    law_not_a_name: regex.Pattern
    law_stop_words: frozenset[str]
    law_unknown_max: int
    constitution_tail: regex.Pattern
    # issuer
    issuer_connector: regex.Pattern
    issuer_without_connector: regex.Pattern
    issuer_head: regex.Pattern
    issuer_open_ended: regex.Pattern
    issuer_bare: regex.Pattern
    issuer_incomplete: regex.Pattern
    issuer_not_second: frozenset[str]
    issuer_type_stop: regex.Pattern
    issuer_unit: regex.Pattern
    issuer_stop_phrase: regex.Pattern
    issuer_stop_words: frozenset[str]
    issuer_number_after: frozenset[str]
    issuer_max_words: int
    issuer_max_lower_run: int
    abbreviations: dict[str, str]
    abbreviation_re: regex.Pattern
    canonical_names: regex.Pattern
    canonical_of: dict[str, str]
    # not citations
    own_number_line: regex.Pattern
    own_number_window: int
    before_type: regex.Pattern
    code_fixes: dict[str, str]
    codes_of: dict[str, frozenset[str]]   # cited_type -> fold(code segments its numbers carry)
    list_generic_types: frozenset[str]     # types whose lists may hold any code ("các văn bản số …")
    # the standalone type line of a header ("CHƯƠNG TRÌNH", "QUYẾT ĐỊNH") and annex headings
    type_line: regex.Pattern
    annex_heading: regex.Pattern


@dataclass(frozen=True)
class RelationRules:
    basis_paragraph: regex.Pattern
    implements_paragraph: regex.Pattern
    implements_paragraph_reach: int
    title_implements_before: regex.Pattern
    implements_before: regex.Pattern
    implements_self_before: regex.Pattern
    implements_self_after: regex.Pattern
    replaces_before: regex.Pattern
    amends_before: regex.Pattern
    repeals_before: regex.Pattern
    act_context_before: regex.Pattern
    act_subject: regex.Pattern
    repeals_after: regex.Pattern
    abbreviation_before: regex.Pattern
    list_separator: regex.Pattern
    tail_start: regex.Pattern


def _type_words() -> dict[str, str]:
    """Every spelling of a type word (fold) -> canonical cited_type."""
    data = rules.load("doc_types.yaml")
    cit = rules.load("citations.yaml")
    out: dict[str, str] = {}
    for t in data["types"]:
        if t.get("cite", True) is False:
            continue
        for w in [t["name"], *t.get("aliases", []), *t.get("cite_aliases", [])]:
            out[fold(w)] = t["name"]
    for name, words in (cit.get("extra_type_words") or {}).items():
        for w in words:
            out[fold(w)] = name
    return out


@functools.lru_cache(maxsize=1)
def citation_rules() -> CitationRules:
    cfg = rules.load("citations.yaml")
    tokens = dict(cfg["tokens"])
    tokens["modifier"] = "(?i:\\s+(?:" + _alt(cfg.get("modifiers", [])) + "))?"
    type_of = _type_words()
    abbreviated = {fold(w) for w in cfg.get("abbreviated_type_words", [])}
    type_words = sorted({w for w in type_of if w not in abbreviated}, key=len, reverse=True)
    # an abbreviation ("TT", "NĐ") is a type word only right before "số"
    abbrev = "|".join(regex.escape(w) for w in sorted(abbreviated, key=len, reverse=True)) or "(?!)"
    anchor = regex.compile(
        r"(?<![\p{L}\p{N}])(?i:" + phrase_union(type_words) + r"|(?:" + abbrev + r")(?=[ \t]+số))(?![\p{L}\p{N}])",
        _FLAGS)
    # the same words for a scan over the lower-cased text (much faster than a case-insensitive scan)
    anchor_lower = rules.scanner(r"\b(?:" + phrase_union(type_words) + r"|(?:" + abbrev + r")(?=[ \t]+số))\b")

    templates = []
    for t in cfg["templates"]:
        head = regex.compile(_expand(t["head"], tokens), _FLAGS) if t.get("head") else None
        nfb = t.get("not_followed_by")
        templates.append(Template(
            name=t["name"], head=head, needs_code=t.get("needs") == "code",
            capitalised=bool(t.get("capitalised")), is_list=bool(t.get("list")), law=bool(t.get("law")),
            not_followed_by=regex.compile(nfb, _FLAGS) if nfb else None,
            needs_so=bool(t.get("needs_so")),
            key=t["key"], key_without_number=t.get("key_without_number")))

    number = _expand("{number}", tokens)
    list_item = regex.compile(
        r"(?:\s*[,;]\s*(?:và\s+|hoặc\s+)?|\s+(?:và|hoặc)\s+)(?:(?i:số)\s*:?\s*)?(" + number + r")", _FLAGS)

    list_item_after_description = regex.compile(
        r"[^;.\n“”()]{1,200}?;\s*(?:và\s+)?(?i:số)\s*:?\s*(" + number + r")", _FLAGS)
    laws = cfg["laws"]
    law_names, law_canonical = {}, {}
    for typ, names in laws["names"].items():
        law_canonical[typ] = {law_name_key(n): n for n in names}
        law_names[typ] = regex.compile(
            r"(?i:" + phrase_union(names) + r")(?![\p{L}])", _FLAGS)  # a footnote number may stick to the name: "Luật Nhà ở11"

    iss = cfg["issuer"]
    canonical = iss.get("canonical_names", [])
    abbreviations = iss.get("abbreviations", {})

    rel_cfg = cfg["not_citation"]
    type_names_upper = sorted({t["name"].upper() for t in rules.load("doc_types.yaml")["types"]}
                              | {a.upper() for t in rules.load("doc_types.yaml")["types"]
                                 for a in t.get("header_aliases", [])}, key=len, reverse=True)
    return CitationRules(
        anchor=anchor,
        anchor_lower=anchor_lower,
        type_of=type_of,
        templates=tuple(templates),
        number=regex.compile(number, _FLAGS),
        list_item=list_item,
        list_item_after_description=list_item_after_description,
        abbreviated_type_words=frozenset(cfg.get("abbreviated_type_words", [])),
        date_words=regex.compile(_expand(tokens["date_words"], tokens), _FLAGS),
        date_numeric=regex.compile(_expand(tokens["date_numeric"], tokens), _FLAGS),
        year_only=regex.compile(tokens["year_only"], _FLAGS),
        term=regex.compile(tokens["term"], _FLAGS),
        quoted_title=regex.compile(tokens["quoted_title"], _FLAGS),
        law_suffix=regex.compile(tokens["law_suffix"], _FLAGS),
        quoted_types=frozenset(cfg.get("quoted_types", [])),
        quote_before_types=frozenset(cfg.get("quote_before_types", [])),
        quote_before_body=regex.compile(r"\s+((?:[^“”\"\n]|\n(?!\n)){3,600})[”\"]", _FLAGS),
        quoted_not_title_after=regex.compile(cfg["quoted_not_title_after"], _FLAGS),
        quoted_not_title_start=regex.compile(cfg["quoted_not_title_start"], _FLAGS),
        law_types=frozenset(laws["types"]),
        law_names=law_names,
        law_canonical=law_canonical,
        law_amending=regex.compile(laws["amending_prefix"], _FLAGS),
        law_not_a_name=regex.compile(laws["not_a_name"], _FLAGS),
        law_stop_words=frozenset(fold(w) for w in laws["name_stop_words"]),
        law_unknown_max=int(laws.get("unknown_max_words", 8)),
        constitution_tail=regex.compile(laws["constitution_tail"], _FLAGS),
        issuer_connector=regex.compile(iss["connector"], _FLAGS),
        issuer_without_connector=regex.compile(iss["without_connector"], _FLAGS),
        issuer_head=regex.compile(r"(?i:" + phrase_union(iss["heads"]) + r")(?![\p{L}\p{N}])", _FLAGS),
        issuer_open_ended=regex.compile(r"(?i:" + _alt(iss.get("open_ended_heads", [])) + r")(?![\p{L}\p{N}])", _FLAGS),
        issuer_bare=regex.compile(r"(?i:" + _alt(iss.get("bare_heads", [])) + r")", _FLAGS),
        issuer_incomplete=regex.compile(r"(?i:" + _alt(iss.get("incomplete_endings", [])) + r")\s*$", _FLAGS),
        issuer_not_second=frozenset(fold(w) for w in iss.get("not_second_syllable", [])),
        # a type word in its written case ends an issuer ("… Văn phòng Chính phủ Kết luận …"),
        # except the ones that occur inside agency names ("Bộ Kế hoạch và Đầu tư")
        issuer_type_stop=regex.compile(r"(?:" + _alt({w for t in rules.load("doc_types.yaml")["types"]
                                                     for n in [t["name"], *t.get("aliases", [])]
                                                     for w in (n, n.upper())
                                                     if n not in set(iss.get("type_words_in_names", []))})
                                       + r")(?![\p{L}\p{N}])", _FLAGS),
        issuer_unit=regex.compile(r"(?:" + _alt(iss.get("units", []), escape=False) + r")(?![\p{L}\p{N}])", _FLAGS),
        issuer_stop_phrase=regex.compile(
            r"(?i:" + phrase_union(iss["stop_phrases"]) + r")(?![\p{L}\p{N}])", _FLAGS),
        issuer_stop_words=frozenset(fold(w) for w in iss["stop_words"]),
        issuer_number_after=frozenset(iss.get("number_after", [])),
        issuer_max_words=int(iss.get("max_words", 16)),
        issuer_max_lower_run=int(iss.get("max_lower_run", 3)),
        abbreviations=abbreviations,
        abbreviation_re=regex.compile(r"(?<![\p{L}\p{N}/\-])(?:" + _alt(abbreviations) + r")(?![\p{L}\p{N}/\-])", _FLAGS),
        canonical_names=regex.compile(r"(?<![\p{L}])(?i:" + phrase_union(canonical) + r")(?![\p{L}])", _FLAGS),
        canonical_of={fold(n): n for n in canonical},
        own_number_line=regex.compile(_expand(rel_cfg["own_number_line"], tokens), _FLAGS),
        own_number_window=int(rel_cfg.get("own_number_window", 4000)),
        before_type=regex.compile(rel_cfg["before_type"], _FLAGS),
        code_fixes=dict(cfg.get("code_fixes", {})),
        codes_of={t["name"]: frozenset(fold(p) for c in t.get("codes", []) for p in regex.split(r"[/\-]", c))
                  for t in rules.load("doc_types.yaml")["types"]},
        list_generic_types=frozenset(cfg.get("list_generic_types", [])),
        type_line=regex.compile(r"(?m)^[ \t]*(?:" + _alt(type_names_upper) + r")(?:\s+HÀNH ĐỘNG)?[ \t]*$", _FLAGS),
        annex_heading=regex.compile(cfg["annex_heading"], _FLAGS),
    )


@functools.lru_cache(maxsize=1)
def relation_rules() -> RelationRules:
    r = rules.load("citations.yaml")["relations"]
    fields = {k: (int(r[k]) if k.endswith("_reach") else regex.compile(r[k], _FLAGS))
              for k in RelationRules.__dataclass_fields__}
    return RelationRules(**fields)
