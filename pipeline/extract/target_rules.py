"""The compiled rule data of the targets finder: units, cue words, indicator keys.

Everything here is read from rules/units.yaml, rules/targets.yaml and rules/indicators.yaml
once per process (cached), so a new unit, cue or indicator is a data change.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from .. import rules
from ..textutil import fold
from .target_numbers import NUMBER_RE, WORD_NUMBERS

_FLAGS = regex.IGNORECASE | regex.V0


def _alt(words: list[str]) -> str:
    """An alternation of literal phrases, longest first, spaces matching any horizontal run."""
    parts = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(r"\h+".join(regex.escape(p) for p in w.split()) for w in parts)


@dataclass(frozen=True)
class UnitInfo:
    norm: str
    kind: str
    needs_before: regex.Pattern | None
    lower_only: bool = False
    not_before: regex.Pattern | None = None


_TOKEN_RE = regex.compile(r"\h?(%|[^\W\d_]+)")


def first_token(text: str, pos: int) -> str:
    """The word (or "%") right after `pos`, lower case: the quick test before the unit regex."""
    m = _TOKEN_RE.match(text, pos)
    return m.group(1).lower() if m else ""


def _case_insensitive_first(words: list[str]) -> str:
    """An alternation where only the first letter is case-free (faster than IGNORECASE)."""
    out = []
    for w in sorted(set(words), key=len, reverse=True):
        head, rest = w[0], w[1:]
        first = f"[{head.lower()}{head.upper()}]" if head.isalpha() else regex.escape(head)
        out.append(first + r"\h+".join(regex.escape(p) for p in rest.split(" ")))
    return "|".join(out)


@dataclass(frozen=True)
class TargetRules:
    number_re: regex.Pattern          # numbers that may be values (dates and item numbers skipped)
    unit_re: regex.Pattern            # at the position after a number: magnitude + unit + /suffix
    unit_first_tokens: frozenset[str]  # first words of every unit form and scale word
    unit_info: dict[str, UnitInfo]    # lower-cased form -> info
    magnitudes: dict[str, str]
    drop_suffixes: frozenset[str]
    count_unit_re: regex.Pattern      # counted units only, for word numbers
    range_sep_re: regex.Pattern
    cmp_stack_re: regex.Pattern       # stacked comparator words ending the left context
    cmp_word_re: regex.Pattern        # one comparator word (to split the stack)
    cmp_of_word: dict[str, str]
    cmp_after: list[tuple[str, regex.Pattern]]
    direction_re: regex.Pattern       # REVERSE: the nearest cue before the value
    objective_re: regex.Pattern
    strong_objective_re: regex.Pattern
    normative_objective_re: regex.Pattern
    normative_after_re: regex.Pattern
    normative_heading_re: regex.Pattern
    count_verbs_re: regex.Pattern
    past_left_re: regex.Pattern
    past_right_re: regex.Pattern
    future_override_re: regex.Pattern
    not_left_re: regex.Pattern
    not_left_money_re: regex.Pattern
    not_right_re: regex.Pattern
    age_ok_re: regex.Pattern
    past_heading_re: regex.Pattern
    objective_heading_re: regex.Pattern
    normative_types: frozenset[str]
    normative_line_re: regex.Pattern
    programme_re: regex.Pattern
    ordinal_left_re: regex.Pattern
    description_re: regex.Pattern
    indicator_cut_re: regex.Pattern
    ordinal_count_re: regex.Pattern
    price_left_re: regex.Pattern
    price_unit_suffixes: frozenset[str]
    article_heading_re: regex.Pattern
    rule_heading_re: regex.Pattern
    normative_title_re: regex.Pattern
    objective_vocabulary_re: regex.Pattern
    document_markers_re: regex.Pattern
    attribute_re: regex.Pattern
    narrative_objective_re: regex.Pattern
    condition_re: regex.Pattern
    share_prev_re: regex.Pattern
    rubric_heading_re: regex.Pattern
    rubric_sentence_re: regex.Pattern
    reach_re: regex.Pattern
    list_continuation_re: regex.Pattern
    indicator_units: list[tuple[regex.Pattern, str, str, str]]   # pattern, unit, norm, kind
    clause_break_re: regex.Pattern    # forward
    clause_break_rev: regex.Pattern   # REVERSE
    sentence_break_re: regex.Pattern
    sentence_break_rev: regex.Pattern
    word_number_re: regex.Pattern       # a bound followed by a number word
    word_number_list_re: regex.Pattern  # the next number word of a list
    word_number_at_re: regex.Pattern    # a number word at a position
    strip_left_re: regex.Pattern
    strip_right_re: regex.Pattern
    right_end_re: regex.Pattern
    indicator_head_re: regex.Pattern
    linking_re: regex.Pattern
    year_re: regex.Pattern
    unitless_after: tuple[str, ...]
    unitless_left_re: regex.Pattern
    owner_re: regex.Pattern
    link_end_re: regex.Pattern
    vision_re: regex.Pattern
    indicator_keys: list[tuple[str, list[regex.Pattern], list[regex.Pattern], frozenset[str]]]


@functools.lru_cache(maxsize=1)
def target_rules() -> TargetRules:
    u = rules.load("units.yaml")
    t = rules.load("targets.yaml")
    ind = rules.load("indicators.yaml")

    unit_info: dict[str, UnitInfo] = {}
    forms: list[str] = []
    count_forms: list[str] = []
    for entry in u["units"]:
        nb = entry.get("needs_before")
        nf = entry.get("not_before")
        info = UnitInfo(entry["norm"], entry["kind"], regex.compile(nb, _FLAGS) if nb else None,
                        bool(entry.get("lower_only")), regex.compile(nf, _FLAGS) if nf else None)
        for f in entry["forms"]:
            key = " ".join(f.lower().split())
            unit_info.setdefault(key, info)
            forms.append(f)
            if entry["kind"] == "count":
                count_forms.append(f)
    magnitudes = {k.lower(): v for k, v in u["magnitudes"].items()}
    keep = u["per_suffixes"]["keep"]
    drop = u["per_suffixes"]["drop"]
    mag = _alt(list(magnitudes))
    unit_re = regex.compile(
        rf"\h?(?:(?P<mag>(?:{mag})(?:\h+(?:{mag}))?)\h+)?(?P<unit>{_alt(forms)})"
        rf"(?:(?<=\w)(?!\w)|(?<!\w))(?P<per>\h?/\h?(?:{_alt(keep + drop)})(?!\w))?",
        _FLAGS,
    )
    count_unit_re = regex.compile(rf"\h+(?P<unit>{_alt(count_forms)})(?!\w)", _FLAGS)

    cmp_of_word: dict[str, str] = {}
    for cmp_, words in t["comparator_words"].items():
        for w in words:
            cmp_of_word.setdefault(" ".join(w.lower().split()), cmp_)
    cmp_alt = _alt(list(cmp_of_word))
    cmp_stack_re = regex.compile(rf"(?<!\w)(?P<stack>(?:(?:{cmp_alt})\h+)+)$", _FLAGS)
    cmp_word_re = regex.compile(rf"(?<!\w)(?:{cmp_alt})(?!\w)", _FLAGS)
    cmp_after = [(c, regex.compile(p, _FLAGS)) for c, p in t["comparator_after"].items()]

    d = t["direction_cues"]
    direction_re = regex.compile(
        rf"(?P<increase>{d['increase']})|(?P<decrease>{d['decrease']})|(?P<level>{d['level']})",
        _FLAGS | regex.REVERSE,
    )

    cb = t["clause_break"]
    sb = r"[;\n]|\.(?=\h|$)"
    keys = []
    for entry in ind["indicators"]:
        keys.append((
            entry["key"],
            # patterns meet folded text, so they are folded the same way ("toàn" → "tòan")
            [regex.compile(fold(p), _FLAGS) for p in entry.get("match", [])],
            [regex.compile(fold(p), _FLAGS) for p in entry.get("not", [])],
            frozenset(entry.get("units", [])),
        ))
    before = "|".join(rf"(?<!\w){regex.escape(w)}\h" for w in sorted(t["scan_skip_before"], key=len, reverse=True))
    after = "|".join(regex.escape(w) for w in t["scan_skip_after"])
    number_re = regex.compile(
        rf"(?<!{before})" + NUMBER_RE.pattern + rf"(?!\h?(?:{after})(?!\w))")
    return TargetRules(
        number_re=number_re,
        unit_re=unit_re,
        unit_first_tokens=frozenset(first_token(f, 0) for f in forms + list(magnitudes)),
        unit_info=unit_info,
        magnitudes=magnitudes,
        drop_suffixes=frozenset(s.lower() for s in drop),
        count_unit_re=count_unit_re,
        range_sep_re=regex.compile(t["range_separator"], _FLAGS),
        cmp_stack_re=cmp_stack_re,
        cmp_word_re=cmp_word_re,
        cmp_of_word=cmp_of_word,
        cmp_after=cmp_after,
        direction_re=direction_re,
        objective_re=regex.compile(t["objective_cues"], _FLAGS),
        strong_objective_re=regex.compile(t["strong_objective_cues"], _FLAGS),
        normative_objective_re=regex.compile(t["normative_objective_cues"], _FLAGS),
        normative_after_re=regex.compile(t["normative_objective_after"], _FLAGS),
        normative_heading_re=regex.compile(t["normative_objective_headings"], _FLAGS),
        count_verbs_re=regex.compile(t["count_verbs"], _FLAGS),
        past_left_re=regex.compile(t["past_left"], _FLAGS),
        past_right_re=regex.compile(t["past_right"], _FLAGS),
        future_override_re=regex.compile(t["future_override"], _FLAGS),
        not_left_re=regex.compile(t["not_target_left"], _FLAGS),
        not_left_money_re=regex.compile(t["not_target_left_money"], _FLAGS),
        not_right_re=regex.compile(t["not_target_right"], _FLAGS),
        age_ok_re=regex.compile(t["age_ok_left"], _FLAGS),
        past_heading_re=regex.compile(t["past_headings"], _FLAGS),
        objective_heading_re=regex.compile(t["objective_headings"], _FLAGS),
        normative_types=frozenset(t["normative_types"]),
        normative_line_re=regex.compile(t["normative_type_line"]),
        programme_re=regex.compile(t["programme_name_left"], regex.V0),
        ordinal_left_re=regex.compile(t["ordinal_left"], _FLAGS),
        description_re=regex.compile(t["description_left"], _FLAGS),
        indicator_cut_re=regex.compile(t["indicator_cut"], _FLAGS),
        ordinal_count_re=regex.compile(t["ordinal_left_count"], _FLAGS),
        price_left_re=regex.compile(t["price_left"], _FLAGS),
        price_unit_suffixes=frozenset(t["price_unit_suffixes"]),
        article_heading_re=regex.compile(t["article_heading"], _FLAGS),
        rule_heading_re=regex.compile(t["rule_headings"], _FLAGS),
        normative_title_re=regex.compile(t["normative_titles"], _FLAGS),
        objective_vocabulary_re=regex.compile(t["objective_vocabulary"]),
        document_markers_re=regex.compile(t["document_markers"]),
        attribute_re=regex.compile(t["attribute_left"], _FLAGS),
        narrative_objective_re=regex.compile(t["narrative_objective_cues"], _FLAGS),
        condition_re=regex.compile(t["condition_left"], _FLAGS),
        share_prev_re=regex.compile(t["share_of_previous_left"], _FLAGS),
        rubric_heading_re=regex.compile(t["rubric_headings"], _FLAGS),
        rubric_sentence_re=regex.compile(t["rubric_sentence"], _FLAGS),
        reach_re=regex.compile(t["reach_words"], _FLAGS),
        list_continuation_re=regex.compile(t["list_continuation"], _FLAGS),
        indicator_units=[
            (regex.compile(e["pattern"], _FLAGS), e["unit"], e["unit"],
             unit_info[e["unit"].lower()].kind if e["unit"].lower() in unit_info else "ratio")
            for e in u.get("indicator_units", [])
        ],
        clause_break_re=regex.compile(cb, _FLAGS),
        clause_break_rev=regex.compile(cb, _FLAGS | regex.REVERSE),
        sentence_break_re=regex.compile(sb),
        sentence_break_rev=regex.compile(sb, regex.REVERSE),
        word_number_re=regex.compile(
            rf"(?<!\w)(?:{_case_insensitive_first(t['word_number_cues'])})\h+(?P<w>{_case_insensitive_first(list(WORD_NUMBERS))})(?=\h)"),
        word_number_list_re=regex.compile(
            rf"[^\n;.:]{{0,160}}?{t['word_number_list']}(?=(?:{'|'.join(WORD_NUMBERS)})\h)", _FLAGS),
        word_number_at_re=regex.compile(rf"(?:{'|'.join(sorted(WORD_NUMBERS, key=len, reverse=True))})(?!\w)", _FLAGS),
        strip_left_re=regex.compile(t["indicator_strip_left"], _FLAGS),
        strip_right_re=regex.compile(t["indicator_strip_right"], _FLAGS),
        right_end_re=regex.compile(t["indicator_right_end"], _FLAGS),
        indicator_head_re=regex.compile(t["indicator_heads"], _FLAGS),
        linking_re=regex.compile(t["linking_words"], _FLAGS),
        year_re=regex.compile(t["year"], _FLAGS),
        unitless_after=tuple(t["unitless_after"]),
        unitless_left_re=regex.compile(
            "(?:" + "|".join(rf"(?<!\w){regex.escape(w)}" if w[:1].isalpha() else regex.escape(w)
                             for w in t["unitless_after"]) + r")\h*$", _FLAGS),
        owner_re=regex.compile(t["indicator_owner"], _FLAGS),
        link_end_re=regex.compile(t["linking_words"] + r"\h*$", _FLAGS),
        vision_re=regex.compile(t["vision_left"], _FLAGS),
        indicator_keys=keys,
    )
