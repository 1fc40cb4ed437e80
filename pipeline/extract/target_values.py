"""Values: numbers with a unit ("96%", "1.370 căn", "9,5 - 10%/năm", "43.000 tỷ đồng", "18,02"
after "bác sĩ/vạn dân", "(%) > 50" in an indicator table, "ít nhất một trường"). Bare numbers
are items, years or codes and never values; dates and durations are dropped here.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from .. import rules
from .target_context import T, TargetContext
from .target_numbers import NUMBER_RE, WORD_NUMBERS, parse_number
from .target_rules import TargetRules, first_token


@dataclass
class Value:
    start: int           # first character of the number (or of "từ" in "từ X đến Y")
    end: int             # end of the unit (and its "/năm")
    low: float
    high: float
    is_range: bool
    unit: str            # as written, NFC lower case, "/năm" dropped
    unit_norm: str
    kind: str
    word_number: bool = False
    base: str = ""       # the unit entry's norm without scale words or "/…" ("lần" for "lần/ngày")
    table: tuple[int, int] | None = None   # a table row's indicator span when the unit is "(%)" before


def unit_at(text: str, pos: int, tr: TargetRules) -> tuple[int, str, str, str, str] | None:
    """(end, unit as written, normalised unit, kind, base unit) of a unit at `pos`, or None."""
    m = tr.unit_re.match(text, pos, timeout=T)
    if not m:
        return None
    raw = m.group("unit")
    form = " ".join(raw.lower().split())
    info = tr.unit_info.get(form)
    if info is None or (info.lower_only and raw != raw.lower()):
        return None  # "29 Đồng Nai" is not a sum of money
    if info.not_before is not None and info.not_before.match(text, m.end("unit")):
        return None  # "01 trường hợp" is not a school
    written = form
    norm = info.norm
    mag = m.group("mag")
    if mag:
        mags = mag.lower().split()
        written = " ".join(mags) + " " + written
        norm = " ".join(tr.magnitudes.get(x, x) for x in mags) + " " + norm
    per = m.group("per")
    if per:
        suffix = " ".join(per.strip().lstrip("/").strip().lower().split())
        for drop in tr.drop_suffixes:   # "triệu đồng/người/năm" → "triệu đồng/người"
            if suffix.endswith("/" + drop):
                suffix = suffix[: -len(drop) - 1]
        if suffix not in tr.drop_suffixes:
            written += "/" + suffix
            norm += "/" + suffix
    return m.end(), written, norm, info.kind, info.norm


_RANGE_STARTS = ("-", "–", "—", "÷", "~", "đến", "tới")


def scan_values(ctx: TargetContext, tr: TargetRules) -> list[Value]:
    """Every number with a unit (or a range of two), cheapest tests first: most numbers in a
    document are dates, item numbers and codes and leave at the first test."""
    text = ctx.text
    first_tokens = tr.unit_first_tokens
    out: list[Value] = []
    consumed = -1
    for m in tr.number_re.finditer(text, ctx.lo, ctx.hi, timeout=rules.scan_timeout(ctx.hi - ctx.lo)):
        s = m.start()
        if s < consumed:
            continue
        pos = m.end()
        u1 = unit_at(text, pos, tr) if first_token(text, pos) in first_tokens else None
        if u1 is not None and u1[3] == "time":
            continue  # dates and durations ("ngày 12 tháng 12 năm 2024", "trong 30 ngày")
        after1 = u1[0] if u1 else pos
        unit = u1
        end = after1
        v1 = v2 = None
        # a range: "9,5 - 10%", "10% - 12%", "từ 12 đến 13,4%"
        if text[after1:after1 + 8].lstrip().startswith(_RANGE_STARTS):
            sep = tr.range_sep_re.match(text, after1, timeout=T)
            m2 = NUMBER_RE.match(text, sep.end()) if sep else None
            if m2 and first_token(text, m2.end()) in first_tokens:
                u2 = unit_at(text, m2.end(), tr)
                if u2 and (u1 is None or u1[3] == u2[3]):
                    v1 = parse_number(m.group("num"))
                    v2 = parse_number(m2.group("num"))
                    if v1 is not None and v2 is not None and not (
                            u1 is None and 1900 <= v1 <= 2100 and v1 == int(v1)):
                        unit, end, consumed = u2, u2[0], m2.end()
                    else:
                        v2 = None
        table = None
        if unit is None:
            if not text[max(0, s - 10):s].rstrip().endswith(tr.unitless_after):
                continue
            v1 = parse_number(m.group("num"))
            if v1 is None:
                continue
            row = _table_row_unit(ctx, tr, s)
            if row is not None:
                # an indicator table: "Tỉ lệ đô thị hoá (%) > 50", "… (%)\n11 - 12 Bộ Công Thương"
                unit, table = row
                if text[pos:pos + 8].lstrip().startswith(_RANGE_STARTS[:5]):
                    sep = tr.range_sep_re.match(text, pos, timeout=T)
                    m2 = NUMBER_RE.match(text, sep.end()) if sep else None
                    if m2 and first_token(text, m2.end()) not in first_tokens:
                        v2 = parse_number(m2.group("num"))
                        if v2 is not None:
                            consumed = pos = m2.end()
            else:
                unit = _unit_from_indicator(ctx, tr, s, v1)
            if unit is None:
                continue
            end = pos
        if v1 is None:
            v1 = parse_number(m.group("num"))
            if v1 is None:
                continue
        _, written, norm, kind, base = unit
        if kind == "age" and not tr.age_ok_re.search(text, max(0, s - 80), s):
            continue
        if ctx.is_blocked(s, end):
            continue
        low, high = (min(v1, v2), max(v1, v2)) if v2 is not None else (v1, v1)
        out.append(Value(s, end, low, high, low != high, written, norm, kind, base=base, table=table))
    return out




_PAREN_UNIT_RE = regex.compile(r"\((?P<u>[^()\n]{1,24})\)\s*(?:[<>≤≥]=?\h*)?$")
# The start of a table row's indicator: after the row number ("42 Tỉ lệ …") or a line that
# starts with a capital; the indicator may run over a wrapped line ("… cho lực lượng\nlao động").
_ROW_START_RE = regex.compile(r"(?:(?<![\d.,/])\d{1,3}\h+|\n\h*)(?=\p{Lu})", regex.REVERSE)


def _table_row_unit(ctx: TargetContext, tr: TargetRules, s: int):
    """(unit, (indicator start, indicator end)) when the value follows a bracketed unit in a
    table row ("Tỉ lệ đô thị hoá (%) > 50"), else None."""
    text = ctx.text
    pm = _PAREN_UNIT_RE.search(text, max(ctx.lo, s - 30), s)
    if not pm:
        return None
    inner = pm.group("u").strip()
    if first_token(inner, 0) not in tr.unit_first_tokens:
        return None
    u = unit_at(inner, 0, tr)
    if not u or u[0] != len(inner) or u[3] in ("time", "age"):
        return None
    p = pm.start()
    rm = _ROW_START_RE.search(text, max(ctx.lo, p - 250), p, timeout=T)
    row_lo = rm.end() if rm else max(ctx.lo, p - 250)
    return (s,) + u[1:], (row_lo, p)


def _unit_from_indicator(ctx: TargetContext, tr: TargetRules, s: int, value: float):
    """The unit of a value written bare after an indicator that names it ("Số bác sĩ/vạn dân
    (1/10.000) đạt 18,02")."""
    if 1900 <= value <= 2100 and value == int(value):
        return None
    text = ctx.text
    if not tr.indicator_units:
        return None
    if not tr.unitless_left_re.search(text, max(ctx.lo, s - 12), s):
        return None
    lo = max(ctx.lo, s - 160)
    m = tr.clause_break_rev.search(text, lo, s, timeout=T)
    clause_lo = m.end() if m else lo
    for pat, unit, norm, kind in tr.indicator_units:
        if pat.search(text, clause_lo, s, timeout=T):
            return s, unit, norm, kind, norm
    return None


def scan_word_values(ctx: TargetContext, tr: TargetRules) -> list[Value]:
    """'ít nhất một trường mầm non, một trường tiểu học và một trường trung học cơ sở'."""
    text = ctx.text
    out: list[Value] = []
    for m in tr.word_number_re.finditer(text, ctx.lo, ctx.hi, timeout=rules.scan_timeout(ctx.hi - ctx.lo)):
        pos = m.start("w")
        while True:
            w = tr.word_number_at_re.match(text, pos)
            if not w:
                break
            um = tr.count_unit_re.match(text, w.end())
            if not um:
                break
            value = float(WORD_NUMBERS[w.group(0).lower()])
            form = " ".join(um.group("unit").lower().split())
            info = tr.unit_info[form]
            out.append(Value(pos, um.end(), value, value, False, form, info.norm, info.kind, True, info.norm))
            nxt = tr.word_number_list_re.match(text, um.end(), min(ctx.hi, um.end() + 200))
            if not nxt:
                break
            pos = nxt.end()
    return out
