"""Numeric targets: every quantity a document commits to ("tỷ lệ đô thị hóa đạt 74%").

`find_targets(doc)` (and the `targets` component) reads the values found by target_values.py
(numbers with a unit) and keeps those the document commits to. Every decision is a rule of
rules/targets.yaml; `judge_values` gives the reason for each value, kept or dropped:

- the document's mode (target_context.py): plans state targets; normative texts (laws,
  decrees, circulars, fee lists, regulation articles and "conditions" parts) only with an
  objective cue in the value's clause ("phấn đấu", "mục tiêu", "đến năm 2030") or a "Mục tiêu"
  heading; texts without a document header only with an objective word in the sentence;
- dropped: past results and the present situation ("đã", "ước đạt", "hiện nay", "so với cùng
  kỳ", a year before the document's, a "Kết quả …" heading), prices, fees, taxes, salaries,
  support and allocations, scoring rubrics and formulas, conditions of a rule ("đối với … có tỷ
  lệ dưới 30%"), ordinals ("giai đoạn 2"), quoted and named programme titles, and numbers inside
  citation or deadline spans of earlier components;
- kept: a percentage with any cue (a level word, a bound, a committing verb, an objective, a
  list item that starts with it, an indicator head "Tỷ lệ …"); a count with a bound ("tối đa
  không quá 03 trường") or a committing verb ("phát triển 1.370 căn"); money and measures with a
  level word ("đạt 43.000 tỷ đồng"), a verb or an objective; rows of indicator tables.

Comparator from the stacked words before the value ("đạt trên", "tối đa không quá") and after it
("trở lên"); direction from the nearest cue in the clause ("tăng" / "giảm" / "đạt, còn"). The
indicator is the document's own words: the phrase before the value, or after it when the value
leads ("100% hộ gia đình được tiếp nhận …" → "tỷ lệ hộ gia đình được tiếp nhận …"); its
`indicator_key` comes from rules/indicators.yaml. The year is the nearest in the value's own
stretch of text, else its clause, sentence, paragraph (one year only), headings, title.
`assignment_id` names the innermost assignment whose span holds the value: the record's own
`id`/`assignment_id` attribute when it has one, else `<doc_id>:a<n>` with n its ordinal in
(start, end) order, as assignments.parquet numbers them.
"""
from __future__ import annotations

import regex

from .. import rules
from ..components import component
from ..document import Doc
from ..models import Target
from ..textutil import fold
from .target_context import (
    HEADING_MAX,
    LazyHeadings,
    TargetContext,
    clause_end,
    clause_start,
    sentence_bounds,
)
from .target_context import T as _T
from .target_rules import TargetRules, first_token, target_rules
from .target_values import Value, scan_values, scan_word_values

_MAX_INDICATOR = 220   # characters of an indicator phrase


def _comparator(tr: TargetRules, left: str, right: str, value: Value) -> tuple[str, str, int]:
    """(comparator, stacked cue words, length of the stack) from the words around the value."""
    stack = ""
    m = tr.cmp_stack_re.search(left[-80:], timeout=_T)
    if m:
        stack = m.group("stack")
    words = [" ".join(w.lower().split()) for w in tr.cmp_word_re.findall(stack)] if stack else []
    cmps = {tr.cmp_of_word.get(w, "=") for w in words}
    if value.is_range:
        return "range", stack, len(stack)
    for cmp_, pat in tr.cmp_after:
        if pat.match(right):
            return cmp_, stack, len(stack)
    for c in ("<=", ">=", ">", "<"):
        if c in cmps:
            return c, stack, len(stack)
    return "=", stack, len(stack)


def _direction(tr: TargetRules, left: str) -> str:
    m = tr.direction_re.search(left, timeout=_T)
    if not m:
        return "level"
    if m.group("increase"):
        return "increase"
    if m.group("decrease"):
        return "decrease"
    return "level"


def _past(tr: TargetRules, left: str, right: str) -> bool:
    """A past result or the present situation, unless the value's own stretch of text states an
    objective ("phấn đấu đạt được 95%", "phấn đấu tổng thu ngân sách tăng 10% so với cùng kỳ")."""
    if not (tr.past_left_re.search(left, timeout=_T) or tr.past_right_re.match(right, timeout=_T)):
        return False
    return not tr.future_override_re.search(left, timeout=_T)


def _past_year(ctx: TargetContext, tr: TargetRules, left: str) -> bool:
    if ctx.plan_year is None:
        return False
    for m in tr.year_re.finditer(left, timeout=_T):
        pre = (m.group("pre") or "").strip().lower()
        if pre and not pre.startswith("vào") and not pre.startswith("trong"):
            continue  # "đến năm 2030", "so với năm 2024", "từ năm 2025"
        if int(m.group("y")) < ctx.plan_year:
            return True
    return False


_YEAR_IN_CUE_RE = regex.compile(r"(?:19|20)\d{2}")


def _future_cue(ctx: TargetContext, pattern: regex.Pattern, text: str) -> bool:
    """An objective cue in `text`; "đến năm 2020" in a document of 2024 is history, not a cue."""
    for m in pattern.finditer(text, timeout=rules.scan_timeout(text)):
        y = _YEAR_IN_CUE_RE.search(m.group(0))
        if not y or ctx.plan_year is None or int(y.group(0)) >= ctx.plan_year:
            return True
    return False


def _inside_quotes(left: str) -> bool:
    """True when a quotation opened in the clause is still open at the value (a quoted title:
    Đề án “Đầu tư xây dựng ít nhất 01 triệu căn hộ …”)."""
    curly_open = left.rfind("“")
    if curly_open >= 0 and curly_open > left.rfind("”"):
        return True
    return left.count('"') % 2 == 1


def _judge(ctx: TargetContext, tr: TargetRules, v: Value, left: str, right: str, cmp_: str,
           stack: str, sentence: str, headings: list[str], carried: bool = False, clause: str = "") -> str:
    """'yes: <why>' or 'no: <why>' for one value (the reason helps reading the rules' effect)."""
    kind = v.kind
    tail = left[-120:]
    if kind == "time":
        return "no: duration"
    if kind == "age" and not tr.age_ok_re.search(left):
        return "no: age"
    if not stack and (tr.ordinal_left_re.search(left[-30:], timeout=_T) or (
            kind in ("count", "measure") and tr.ordinal_count_re.search(left[-30:], timeout=_T))):
        return "no: ordinal"
    info = tr.unit_info.get(v.base.lower())
    if info is not None and info.needs_before is not None and not info.needs_before.search(left[-40:]):
        return "no: times"  # "02 lần/ngày" is a frequency; "tăng 2,4 lần" a target
    if kind == "percent" and "/" in v.unit and v.unit.rsplit("/", 1)[1] in tr.price_unit_suffixes:
        return "no: rate per month or day"
    if _past(tr, left, right):
        return "no: past"
    if _past_year(ctx, tr, left):
        return "no: past year"
    if tr.not_left_re.search(tail, timeout=_T) or tr.not_right_re.match(right, timeout=_T):
        return "no: measurement or scoring"
    stack_low = stack.lower()
    reach = bool(tr.reach_re.search(stack_low))
    bound_words = [w for w in tr.cmp_word_re.findall(stack_low)
                   if tr.cmp_of_word.get(" ".join(w.split())) in ("<=", ">=", ">", "<") and w.strip() != "từ"]
    explicit_bound = bool(bound_words)
    if kind in ("money", "percent") and tr.price_left_re.search(left[-200:], timeout=_T):
        return "no: price, fee, tax or salary"
    if kind in ("money", "percent") and not (reach or explicit_bound) and tr.not_left_money_re.search(tail, timeout=_T):
        return "no: support or allocation"
    if _inside_quotes(left):
        return "no: quoted title"
    if tr.condition_re.search(left[-280:], timeout=_T) or tr.share_prev_re.search(left[-60:], timeout=_T):
        return "no: condition or share"
    if kind != "percent" and tr.attribute_re.search(left[-160:], timeout=_T):
        return "no: attribute"
    if tr.rubric_sentence_re.search(sentence, timeout=_T) or any(
            len(h) <= HEADING_MAX and tr.rubric_heading_re.search(h) for h in headings):
        return "no: rubric"
    if cmp_ == "=" and not stack and tr.programme_re.search(left[-140:], timeout=_T):
        return "no: programme name"
    head_objective = any(tr.objective_heading_re.search(h) for h in headings)
    in_article = any(tr.article_heading_re.search(h) or (len(h) <= HEADING_MAX and tr.rule_heading_re.search(h))
                     for h in headings)
    if ctx.mode == "normative" or in_article:
        clause_right = clause[clause.find(right[:20]) if right[:20] and right[:20] in clause else len(clause):]
        if not (_future_cue(ctx, tr.normative_objective_re, left[-160:])
                or _future_cue(ctx, tr.normative_after_re, clause_right[:160])
                or any(len(h) <= HEADING_MAX and tr.normative_heading_re.search(h) for h in headings)):
            return "no: normative without objective"
    elif ctx.mode == "narrative":
        if not tr.narrative_objective_re.search(sentence, timeout=_T):
            return "no: not a document"
    elif any(len(h) <= HEADING_MAX and tr.past_heading_re.search(h) for h in headings) \
            and not tr.strong_objective_re.search(sentence):
        return "no: past heading"
    objective = bool(tr.objective_re.search(left, timeout=_T))
    if v.table:
        row = _strip_indicator(tr, " ".join(left[:left.rfind("(")].split()))
        if tr.indicator_head_re.match(row) or objective or head_objective or tr.direction_re.search(row):
            return "yes: table row"
        return "no: table row without an indicator"
    verb = bool(tr.count_verbs_re.search(left[-80:], timeout=_T))
    if v.word_number or carried:
        return "yes: list or word number"
    if kind == "multiple":
        return "yes: multiple"   # its verb was checked above ("gấp 30 lần", "tăng 2,4 lần")
    if kind == "percent":
        stripped = _strip_indicator(tr, left)
        item_start = not stripped and not stack and right.lstrip()[:1].isalpha()
        named = bool(stripped) and bool(tr.indicator_head_re.match(stripped))   # "Tỷ lệ X 95%"
        if stack or objective or head_objective or item_start or named or verb or \
                tr.strong_objective_re.search(sentence, timeout=_T):
            return "yes: percent"
        return "no: percent without cue"
    if kind in ("ratio", "score"):
        return "yes: rate" if (stack or explicit_bound) else "no: bare rate"
    if kind == "money":
        return "yes: money" if (reach or objective or verb) else "no: money without cue"
    # count, measure, multiple: a count needs a bound or a level word, a measure (km, ha, m3 …)
    # a level word, a committing verb or an objective (technical norms are bounds on measures)
    if reach or (explicit_bound and kind == "count"):
        return "yes: count with bound or level"
    if verb:
        if tr.description_re.search(left[-80:], timeout=_T) and not (objective or head_objective):
            return "no: description (có)"  # "có 34 đơn vị"
        return "yes: committing verb"
    if stack and objective:
        return "yes: objective"
    return "no: count without cue"


# --- indicator, year, key ------------------------------------------------------------------------

def _strip_indicator(tr: TargetRules, s: str) -> str:
    s = s.strip(" ,;:-–\t")
    prev = None
    while prev != s:
        prev = s
        s = tr.strip_left_re.sub("", s, count=1).strip(" ,;:\t")
        s = tr.strip_right_re.sub("", s, count=1).strip(" ,;:\t")
    # keep what follows the last "phấn đấu"/"bảo đảm" inside a long phrase
    m = tr.indicator_cut_re.search(s, timeout=_T)
    if m and len(s) - m.end() > 3:
        s = s[m.end():]
    if len(s) > _MAX_INDICATOR:
        cut = s.rfind(", ", 0, len(s) - 20)
        s = s[cut + 2:] if cut > 0 and len(s) - cut < _MAX_INDICATOR else s[-_MAX_INDICATOR:]
        sp = s.find(" ")
        if len(s) >= _MAX_INDICATOR and sp > 0:
            s = s[sp + 1:]
    return s.strip(" ,;:-–")




def _indicator(ctx: TargetContext, tr: TargetRules, v: Value, ind_lo: int, cue_start: int,
               right_start: int, right_hi: int, cmp_stack: str) -> tuple[str, int, int]:
    """(indicator, span start, span end) of a value: the measured thing in the document's words.

    "Tỷ lệ đô thị hóa đạt 74%" → the phrase before; "100% hộ gia đình được tiếp nhận …" → "tỷ lệ"
    and the phrase after; "Mỗi tỉnh có tối đa 03 trường dạy nghề" → "số trường dạy nghề của mỗi
    tỉnh"; "kết nạp 1.600 đảng viên" → "kết nạp đảng viên".
    """
    text = ctx.text
    left_raw = text[ind_lo:cue_start]
    left = _strip_indicator(tr, left_raw)
    right_raw = text[right_start:right_hi]
    rend = tr.right_end_re.search(right_raw, timeout=_T)
    if rend:
        right_raw = right_raw[:rend.start()]
    paren = right_raw.find("(")
    if paren > 0:
        right_raw = right_raw[:paren]
    right = right_raw.strip()
    if right[:1] in {",", ")", "(", ";", ".", ":", "/", "-", "–"} or not right[:1].isalpha():
        right = ""
    right = right.rstrip(" ,;:.-–(")
    prev = None
    while prev != right and right:
        prev = right
        right = tr.strip_right_re.sub("", " " + right, count=1).strip(" ,;:.-–(")
    if len(right) > _MAX_INDICATOR:
        right = right[:_MAX_INDICATOR].rsplit(" ", 1)[0]
    li = left_raw.find(left[:20]) if left else -1
    left_s = ind_lo + li if li >= 0 else v.start
    right_e = right_start + text[right_start:right_hi].find(right) + len(right) if right else v.end
    short_left = bool(left) and len(left.split()) <= 6 and not tr.indicator_head_re.match(left)
    if v.kind == "count" and (right or short_left):
        noun = f"{v.unit} {right}".strip()
        if left and tr.owner_re.match(left):
            ind = f"số {noun} " + ("của " if left[:3].lower() == "mỗi" else "") + left[:1].lower() + left[1:]
        elif short_left:
            ind = f"{left} {noun}"
        elif right:
            ind = f"số {noun}"
            left_s = v.start
        else:
            ind = left
        return " ".join(ind.split()), min(left_s, v.start), max(right_e, v.end)
    linking = bool(tr.linking_re.search(cmp_stack)) or bool(tr.link_end_re.search(left_raw.rstrip()))
    if left and (linking or not right or tr.indicator_head_re.match(left)):
        return left, min(left_s, v.start), v.end
    if right:
        prefix = left if short_left else ""
        if v.kind == "percent" and not prefix:
            ind = "tỷ lệ " + right
        else:
            ind = f"{prefix} {right}"
        return " ".join(ind.split()), min(left_s if prefix else v.start, v.start), max(right_e, v.end)
    return left, min(left_s, v.start), v.end


def _year(ctx: TargetContext, tr: TargetRules, v: Value, own: tuple[int, int], clause: tuple[int, int],
          sentence: tuple[int, int], headings) -> int | None:
    """The year a target is for: the nearest year in its own stretch of text (before the value,
    then after it: "cả năm 2025 đạt trên 8% và năm 2026 đạt từ 10%"), else its clause, sentence,
    paragraph, headings and the title's year."""
    text = ctx.text

    def pick(lo: int, hi: int, unique: bool = False) -> int | None:
        best = None
        best_d = None
        seen: set[int] = set()
        for m in tr.year_re.finditer(text, lo, hi, timeout=_T):
            pre = (m.group("pre") or "").strip().lower()
            if pre.startswith("so với"):
                continue
            if ctx.is_blocked(m.start("y"), m.end("y")) or tr.vision_re.search(text, max(0, m.start() - 30), m.start()):
                continue  # a cited document's date; "tầm nhìn đến năm 2050"
            d = abs(m.start() - v.start)
            seen.add(int(m.group("y")))
            if best_d is None or d < best_d:
                best, best_d = int(m.group("y")), d
        return None if unique and len(seen) > 1 else best

    nl = text.rfind("\n", 0, v.start) + 1
    nr = text.find("\n", v.end)
    paragraph = (max(ctx.lo, nl), nr if nr >= 0 else ctx.hi)
    y = pick(own[0], v.start) or pick(v.end, own[1]) or pick(*clause) or pick(*sentence) or pick(*paragraph, unique=True)
    if y:
        return y
    for h in headings:
        m = None
        for m in tr.year_re.finditer(h):
            pass
        if m and not (m.group("pre") or "").strip().lower().startswith("so với"):
            return int(m.group("y"))
    return ctx.title_year


_TI_RE = regex.compile(r"(?<!\w)tỉ(?!\w)")


def indicator_key(indicator: str, verb: str = "", lead: str = "", unit_norm: str = "") -> str | None:
    """The canonical key (rules/indicators.yaml) of an indicator, or None: tried on the
    indicator and its verb, then with the lead of its sentence in front."""
    tr = target_rules()
    tries = [_TI_RE.sub("tỷ", fold(f"{indicator} {verb}"))]
    if lead:
        tries.append(_TI_RE.sub("tỷ", fold(f"{lead} {indicator} {verb}")))
    for text in tries:
        for key, pats, nots, units in tr.indicator_keys:
            if units and unit_norm in units:
                return key
            if any(p.search(text) for p in pats) and not any(n.search(text) for n in nots):
                return key
    return None


def find_targets(doc: Doc) -> list[Target]:
    """Every numeric target of the document, in text order."""
    return [t for _v, _why, t in judge_values(doc) if t is not None]


def judge_values(doc: Doc):
    """(value text, decision, Target or None) for every value with a unit, in text order: the
    decision ("yes: …" / "no: …") says which rule kept or dropped it."""
    tr = target_rules()
    ctx = TargetContext(doc, tr)
    text = ctx.text
    values = scan_values(ctx, tr) + scan_word_values(ctx, tr)
    values.sort(key=lambda x: x.start)
    assignments = _assignment_index(doc)
    prev_end = -1
    last: tuple[int, str, str, str] | None = None   # the previous target: end, comparator, kind, unit
    last_indicator = ""
    price_clause = -1     # the clause of the last value rejected as a price, fee or rate
    for i, v in enumerate(values):
        c_start, c_break = clause_start(ctx, tr, v.start)
        left_lo = max(c_start, prev_end if prev_end <= v.start else c_start)
        if v.table:
            c_start = left_lo = max(v.table[0], prev_end if prev_end <= v.table[0] else v.table[0])
        left = text[left_lo:v.start]
        right = text[v.end:min(ctx.hi, v.end + 120)]
        cmp_, stack, stack_len = _comparator(tr, left, right, v)
        after = 0
        for _c, pat in tr.cmp_after:
            am = pat.match(right)
            if am:
                after = am.end()
        s_lo, s_hi = sentence_bounds(ctx, tr, v.start, v.end)
        sentence = text[s_lo:s_hi]
        headings = LazyHeadings(ctx, v.start)
        carried = (last is not None and last[0] == left_lo and last[2] == v.kind
                   and bool(tr.list_continuation_re.search(left[:len(left) - stack_len], timeout=_T)))
        if carried and not stack and last[1] in ("<=", ">=", ">", "<") and v.kind != "percent" \
                and last[3] == v.unit_norm and len(left.split()) <= 8:
            cmp_ = last[1]  # "ít nhất một trường mầm non, một trường tiểu học …"
        c_end = clause_end(ctx, tr, v.end + after)
        clause = text[c_start:c_end]
        if c_start == price_clause and v.kind in ("money", "percent"):
            why = "no: price, fee, tax or salary (same clause)"  # "giảm từ 9,0%/năm … xuống 7,8%/năm"
        else:
            why = _judge(ctx, tr, v, left, right, cmp_, stack, sentence, headings, carried, clause)
        if not why.startswith("yes"):
            if why.startswith("no: price"):
                price_clause = c_start
            yield text[v.start:v.end], why, None
            continue
        # the indicator: left phrase in this clause (after the previous value), or the
        # previous clause when this one is only "…: 100%"
        ind_lo = v.start - stack_len if carried else left_lo
        if not text[left_lo:v.start - stack_len].strip(" ,") and c_break == ":":
            p_start, _ = clause_start(ctx, tr, max(ctx.lo, c_start - 1))
            ind_lo = max(p_start, prev_end) if prev_end < c_start else p_start
        next_start = c_end
        for x in values[i + 1:i + 4]:
            if x.start > v.start and x.kind not in ("time", "age"):
                next_start = min(c_end, x.start)
                break
        if v.table:
            indicator = _strip_indicator(tr, " ".join(text[v.table[0]:v.table[1]].split()))
            span_s, span_e = v.table[0], v.end
        else:
            indicator, span_s, span_e = _indicator(ctx, tr, v, ind_lo, v.start - stack_len,
                                                   v.end + after, next_start, stack)
        span_e = max(span_e, v.end + after)
        if not indicator and last is not None and last[0] >= s_lo:
            indicator = last_indicator  # "… năm 2025 đạt trên 8% và năm 2026 đạt từ 10% trở lên"
        if not indicator:
            indicator = _cell_indicator(tr, text, max(ctx.lo, v.start - stack_len))
        verb = _direction_word(tr, left)
        lead = text[s_lo:c_start] if c_start > s_lo else ""
        target = Target(
            start=span_s, end=span_e, text=text[span_s:span_e], indicator=indicator, comparator=cmp_,
            value_low=float(v.low), value_high=float(v.high), unit=v.unit, direction=_direction(tr, left),
            year=_year(ctx, tr, v, (left_lo, next_start), (c_start, c_end), (s_lo, s_hi), headings),
            indicator_key=indicator_key(indicator, verb, lead, v.unit_norm),
            unit_normalized=v.unit_norm, section=doc.section_path(v.start) if doc.sections else "",
            assignment_id=_assignment_at(assignments, v.start),
        )
        yield text[v.start:v.end], why, target
        prev_end = max(v.end + after, span_e)
        last = (prev_end, cmp_, v.kind, v.unit_norm)
        last_indicator = indicator


_UNIT_CELL_RE = regex.compile(r"\h*(?:%|[\w/ ]{1,20})?\h*$")


def _cell_indicator(tr: TargetRules, text: str, pos: int) -> str:
    """The indicator of a value alone in a table cell: the row's text in the cells before it
    ("Tỉ lệ dịch vụ công trực tuyến toàn trình …\n\n%\n\n100%"), skipping the unit cell."""
    line_start = text.rfind("\n", 0, pos) + 1
    if text[line_start:pos].strip():
        return ""
    end = line_start - 1
    for _ in range(4):   # at most a unit cell and blank lines between
        if end <= 0:
            return ""
        start = text.rfind("\n", 0, end) + 1
        cell = text[start:end].strip()
        if cell and not (len(cell) <= 20 and _UNIT_CELL_RE.fullmatch(cell)
                         and first_token(cell, 0) in tr.unit_first_tokens):
            ind = _strip_indicator(tr, cell)
            return ind if tr.indicator_head_re.match(ind) else ""
        end = start - 1
    return ""


def _direction_word(tr: TargetRules, left: str) -> str:
    m = tr.direction_re.search(left, timeout=_T)
    return m.group(0) if m else ""


def _assignment_index(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, id) of every assignment; ids are the records' own, else `<doc_id>:a<n>`
    with n the ordinal in (start, end) order, the numbering of assignments.parquet."""
    recs = [a for a in doc.spans.get("assignments") or []
            if isinstance(getattr(a, "start", None), int) and isinstance(getattr(a, "end", None), int)]
    recs.sort(key=lambda a: (a.start, a.end))
    out = []
    for i, a in enumerate(recs):
        aid = getattr(a, "id", None) or getattr(a, "assignment_id", None)
        out.append((a.start, a.end, str(aid) if aid else f"{doc.doc_id}:a{i + 1}"))
    return out


def _assignment_at(assignments: list[tuple[int, int, str]], pos: int) -> str | None:
    best = None
    for st, en, aid in assignments:
        if st <= pos < en and (best is None or en - st < best[1] - best[0]):
            best = (st, en, aid)
    return best[2] if best else None


@component("targets")
def targets(doc: Doc) -> None:
    doc.spans["targets"] = find_targets(doc)
