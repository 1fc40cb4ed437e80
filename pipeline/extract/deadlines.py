"""Deadlines and recurrences: find every deadline phrase of a text, normalise it to the last day
the wording allows, and pick the one that governs a task.

A deadline phrase is a time expression (an "atom": a day, month, quarter, half-year, year or year
range) plus the cue words just before it (rules/deadlines.yaml). The cue decides whether the atom
is a deadline at all and how firm it is (`DeadlinePhrase.strength`):

    3 explicit  "trước ngày 15/12/2025", "chậm nhất trong tháng 12/2025", "hoàn thành trong năm
                2025", "Thời hạn hoàn thành: Quý IV/2026", relative "trong 10 ngày kể từ ngày ký"
    2 period    "trong năm 2025", "cuối năm 2025", "đến hết năm 2030", "vào ngày 19/12/2025",
                completion verb + bare period ("thông xe kỹ thuật năm 2025" -> "năm 2025")
    1 cell      a bare period alone on its line (a table cell: "Quý II/2026", "2026 - 2030")

A bare period in prose ("chủ đề năm 2025", "giai đoạn 2021 - 2025") is not a deadline; the caller
says when a text is the value of a time field or column (`field_value=True`).

Normalisation (the last allowed day): year -> 31 Dec, quarter -> its last day, month -> its last
day, "6 tháng đầu năm" -> 30 Jun, ranges -> the end of the last period, "trước ngày X" -> X
itself (the gold convention: "Trước ngày 01/3/2027" -> 2027-03-01), "trước năm/quý/tháng P" ->
the last day before P. Dates without a year take `doc_year`. Relative deadlines are computed from
`issue_date` only when they run from the document's own signature or issue ("kể từ ngày ký");
"N ngày làm việc" skips Saturdays and Sundays but not public holidays (an approximation).
Recurring due days ("trước ngày 20 hằng tháng") have no single date: kind "recurrence".
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex

from .. import rules
from ..components import component
from ..document import Doc
from ..models import Deadline
from ..textutil import last_day_of_month, roman_to_int, safe_date

RULES_FILE = "deadlines.yaml"
_YEAR = r"(?:19|20)\d\d"
_FLAGS = regex.IGNORECASE | regex.V0


if "strength" in Deadline.__dataclass_fields__:   # models.Deadline carries it already
    DeadlinePhrase = Deadline
else:
    @dataclass(slots=True)
    class DeadlinePhrase(Deadline):
        """A Deadline with how firm its wording is (3 explicit, 2 period, 1 table cell)."""
        strength: int = 0


# ----------------------------------------------------------------------------------------------
# compiled rules

@dataclass(frozen=True)
class _Rules:
    atoms: tuple            # ((name, pattern), ...) in priority order
    field_atoms: tuple      # atoms + bare years and dates (field values)
    recurring_after: regex.Pattern
    undated_after: regex.Pattern
    past_after: regex.Pattern
    narrative_after: regex.Pattern
    cue: regex.Pattern
    lead_bare: regex.Pattern
    period_not_kinds: tuple
    range_join: regex.Pattern
    label: regex.Pattern
    cell_line: regex.Pattern
    recurring_frame: regex.Pattern
    recurring_near: regex.Pattern
    relative: tuple         # one pattern per cue word
    relative_unanchored: regex.Pattern
    recur: tuple
    recur_unit: regex.Pattern
    hang_not_after: regex.Pattern
    recur_not_before: regex.Pattern
    recur_not_after: regex.Pattern
    number_words: dict
    strength: dict
    past_tolerance: dict
    rollover_days: int
    min_year: int
    units: dict
    months: dict
    days: dict
    unit_days: dict
    unit_months: dict
    order: dict


def _sub(p: str) -> str:
    return p.replace("{YEAR}", _YEAR)


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    r = rules.load(RULES_FILE)
    atoms = tuple((name, regex.compile(_sub(p), _FLAGS)) for name, p in r["atoms"].items())
    field_atoms = atoms + tuple((name, regex.compile(_sub(p), _FLAGS))
                                for name, p in r["field_atoms"].items())
    c = r["cues"]
    period = "|".join(f"(?P<p{i}>{p['pattern']})" for i, p in enumerate(c["period"]))
    # a lead verb may stand a few words before a period cue ("hoàn thành việc xử lý trong quý III").
    # Searched in reverse ((?r)): one attempt that ends at the atom, not one per window position.
    cue_re = (r"(?r)(?<!\w)(?:(?P<lead>" + c["lead"] + r")(?P<gap>(?:\s+[^\s,;.:()]+){0,4}?)\s+)?(?:(?P<explicit>"
              + "|".join(c["explicit"]) + r")|(?P<period>" + period
              + r")|(?P<start>" + c["start"] + r"))?\s*$")
    # a bare year range (a table cell when alone on its line: "2026 - 2030")
    cell_line = r"(?<![\d/.,])(?P<by>" + _YEAR + r")\s*[-–]\s*(?P<by_b>" + _YEAR + r")(?![\d/]|\.\d)"
    rec = r["recurrence"]
    unit = rec["unit"]
    # the units of a match are re-read by `recur_unit`: no named group inside the list
    unit_plain = regex.sub(r"\(\?P<\w+>", "(?:", unit)
    units = unit_plain + r"(?:\s*(?:,|và|hoặc|/)\s*(?:(?:hằng|hàng|mỗi)\s+)?" + unit_plain + r")*"
    recur = tuple(regex.compile(p.replace("{UNITS}", units), _FLAGS) for p in rec["patterns"])
    return _Rules(
        atoms=atoms,
        field_atoms=field_atoms,
        recurring_after=regex.compile(r["after_atom"]["recurring"], _FLAGS),
        undated_after=regex.compile(r["after_atom"]["undated"], _FLAGS),
        past_after=regex.compile(r["after_atom"]["past"], _FLAGS),
        narrative_after=regex.compile(r["after_atom"]["narrative"], _FLAGS),
        cue=regex.compile(cue_re, _FLAGS),
        lead_bare=regex.compile(c["lead_bare"], _FLAGS),
        period_not_kinds=tuple(frozenset(p.get("not_kinds", ())) for p in c["period"]),
        range_join=regex.compile(c["range_join"], _FLAGS),
        label=regex.compile(r["labels"], regex.V0),
        cell_line=regex.compile(cell_line, regex.V0),
        recurring_frame=regex.compile(r["recurring_frame"], _FLAGS),
        recurring_near=regex.compile(r["recurring_near"], _FLAGS),
        relative=tuple(regex.compile(f"(?P<rcue>{cue})" + r["relative"], _FLAGS)
                       for cue in r["relative_cues"]),
        relative_unanchored=regex.compile(r["relative_unanchored_cues"], _FLAGS),
        recur=recur,
        recur_unit=regex.compile(unit, _FLAGS),
        hang_not_after=regex.compile(rec["hang_not_after"], _FLAGS),
        recur_not_before=regex.compile(rec["not_before"], _FLAGS),
        recur_not_after=regex.compile(rec["not_after"], _FLAGS),
        number_words={" ".join(k.split()): int(v) for k, v in r["number_words"].items()},
        strength=dict(r["strength"]),
        past_tolerance=dict(r["past_tolerance_days"]),
        rollover_days=int(r["yearless_rollover_days"]),
        min_year=int(r["min_year"]),
        units=dict(rec["units"]),
        months={int(k): v for k, v in rec["months"].items()},
        days={int(k): v for k, v in rec["days"].items()},
        unit_days=dict(rec["unit_days"]),
        unit_months=dict(rec["unit_months"]),
        order={name: i for i, name in enumerate(rec["order"])},
    )


@dataclass(slots=True)
class _Atom:
    name: str
    start: int
    end: int
    m: regex.Match


def _find_atoms(patterns: tuple, text: str, lo: int, hi: int) -> list[_Atom]:
    """All atoms of text[lo:hi], without overlaps: the earliest start wins, then the first listed."""
    found = []
    for prio, (name, pat) in enumerate(patterns):
        for m in pat.finditer(text, lo, hi, timeout=rules.scan_timeout(hi - lo)):
            s = m.start("from") if "from" in pat.groupindex and m.start("from") >= 0 else m.start()
            if s >= lo:
                found.append((s, prio, _Atom(name, s, m.end(), m)))
    found.sort(key=lambda x: (x[0], x[1]))
    out: list[_Atom] = []
    last_end = -1
    for s, _, atom in found:
        if s >= last_end:
            out.append(atom)
            last_end = atom.end
    return out


def _match_atom(patterns: tuple, text: str, pos: int, hi: int) -> _Atom | None:
    """The atom that starts exactly at `pos`, if any."""
    for name, pat in patterns:
        if "from" in pat.groupindex:
            continue
        m = pat.match(text, pos, hi)
        if m:
            return _Atom(name, pos, m.end(), m)
    return None


# ----------------------------------------------------------------------------------------------
# values of atoms

@dataclass(slots=True)
class _Value:
    kind: str
    first: dt.date | None      # first day of the (last) period named
    last: dt.date | None       # last day of it
    yearless: bool = False
    recurrence: str | None = None
    is_range: bool = False     # the atom itself spans several periods ("tháng 11 - 12/2025")


def _int(s: str | None) -> int | None:
    return int(s) if s else None


def _quarter(s: str | None) -> int | None:
    if not s:
        return None
    q = int(s) if s.isdigit() else roman_to_int(s)
    return q if q and 1 <= q <= 4 else None


def _month_span(year: int | None, m1: int, m2: int) -> tuple[dt.date | None, dt.date | None]:
    """First day of month m1 and last day of month m2 of `year`."""
    if year is None:
        return None, None
    return safe_date(year, m1, 1), last_day_of_month(year, m2)


def _atom_value(atom: _Atom, year_for) -> _Value | None:
    """The period an atom names; `year_for(given, yearless, now=, probe=)` resolves the year."""
    name, m = atom.name, atom.m
    g = m.groupdict()
    if name in ("half", "half_nua"):
        if name == "half_nua":
            n = 6
        else:
            raw = g["from"].lower()
            n = int(raw) if raw.isdigit() else _rules().number_words.get(raw)
        if not n or not 1 <= n <= 12:
            return None
        head = g["half_pos"].lower() == "đầu"
        yearless = not (g["half_y"] or g["half_nay"])
        y = year_for(_int(g["half_y"]), yearless, now=bool(g["half_nay"]),
                     probe=lambda yy: last_day_of_month(yy, n if head else 12))
        if y is None:
            return _Value("half", None, None, yearless)
        if head:
            return _Value("half", safe_date(y, 1, 1), last_day_of_month(y, n), yearless)
        return _Value("half", safe_date(y, 13 - n, 1), safe_date(y, 12, 31), yearless)
    if name in ("day_numeric", "day_bare", "day_words", "bare_day"):
        d, mo = int(g["d"]), int(g["m"])
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            return None
        if name in ("day_bare", "bare_day") and g["sep"] != "/" and not g["y"]:
            return None  # "6-8 ngày", "10.5": a range or a number, not a day
        yearless = not g["y"]
        y = year_for(_int(g["y"]), yearless, probe=lambda y_: safe_date(y_, mo, min(d, 28)))
        if y is None:
            return _Value("day", None, None, yearless)
        day = safe_date(y, mo, d)
        if day is None:
            return None
        return _Value("day", day, day, yearless, is_range=bool(g.get("d_from")))
    if name == "day_of_month":
        return _Value("recurrence", None, None, True, "monthly")
    if name == "quarter":
        q1, q2 = _quarter(g["q"]), _quarter(g["q_b"])
        if q1 is None:
            return None
        q2 = q2 if q2 and q2 >= q1 else q1
        given = _int(g["y"] or g["y2"])
        yearless = given is None and not g["nay"]
        y = year_for(given, yearless, now=bool(g["nay"]), probe=lambda yy: last_day_of_month(yy, 3 * q2))
        first, last = _month_span(y, 3 * q1 - 2, 3 * q2)
        return _Value("quarter" if q1 == q2 else "range", first, last, yearless, is_range=q1 != q2)
    if name == "month":
        m1 = int(g["mo"])
        m2 = int(g["mo_b"]) if g["mo_b"] else m1
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12) or m2 < m1:
            return None
        given = _int(g["y"] or g["y2"])
        yearless = given is None and not g["nay"]
        y = year_for(given, yearless, now=bool(g["nay"]), probe=lambda yy: last_day_of_month(yy, m2))
        first, last = _month_span(y, m2, m2)
        return _Value("month" if m1 == m2 else "range", first, last, yearless, is_range=m1 != m2)
    if name == "year":
        if g["yr_nay"]:
            y = year_for(None, False, now=True)
            if y is None:
                return _Value("year", None, None)
            return _Value("year", safe_date(y, 1, 1), safe_date(y, 12, 31))
        years = [int(g["yr"])]
        if g["yr_b"]:
            if int(g["yr_b"]) < years[0]:
                return None
            years.append(int(g["yr_b"]))
        years += [int(x) for x in m.captures("yr_l")]
        y = max(years)
        return _Value("year" if len(set(years)) == 1 else "range", safe_date(y, 1, 1), safe_date(y, 12, 31),
                      is_range=len(years) > 1)
    if name == "bare_year":
        y1 = int(g["by"])
        y2 = int(g["by_b"]) if g["by_b"] else y1
        if y2 < y1:
            return None
        return _Value("year" if y1 == y2 else "range", safe_date(y2, 1, 1), safe_date(y2, 12, 31),
                      is_range=y1 != y2)
    return None


def _day_before(d: dt.date | None) -> dt.date | None:
    return d - dt.timedelta(days=1) if d else None


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m0 = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m0 + 1
    last = last_day_of_month(year, month)
    return d.replace(year=year, month=month, day=min(d.day, last.day))


def _add_working_days(d: dt.date, n: int) -> dt.date:
    """`n` working days after `d`, skipping Saturdays and Sundays (public holidays ignored)."""
    weeks, rest = divmod(n, 5)
    d += dt.timedelta(weeks=weeks)
    while rest:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            rest -= 1
    return d


# ----------------------------------------------------------------------------------------------
# scanning

class _Scanner:
    """One pass over text[lo:hi]; holds the context that resolves years and past dates."""

    def __init__(self, text: str, lo: int, hi: int, issue_date: dt.date | None, doc_year: int | None):
        self.text, self.lo, self.hi = text, lo, hi
        self.issue_date = issue_date
        self.doc_year = doc_year if doc_year is not None else (issue_date.year if issue_date else None)
        self.R = _rules()

    # -- years -----------------------------------------------------------------------------------
    def year_for(self, given: int | None, yearless: bool, now: bool = False, probe=None) -> int | None:
        if given is not None:
            return given
        if self.doc_year is None:
            return None
        y = self.doc_year
        if yearless and not now and probe is not None and self.issue_date is not None:
            last = probe(y)
            if last and (self.issue_date - last).days > self.R.rollover_days:
                y += 1
        return y

    # -- atoms -------------------------------------------------------------------------------------
    def _cue(self, s: int) -> regex.Match | None:
        lo = max(self.lo, s - 80)
        return self.R.cue.search(self.text, lo, s)

    def _is_cell(self, s: int, e: int) -> bool:
        """text[s:e] fills its table cell: alone on its line, or between cell separators ('|', tab)."""
        t = self.text
        ls = max(t.rfind("\n", self.lo, s), t.rfind("|", self.lo, s), t.rfind("\t", self.lo, s)) + 1
        if t[max(ls, self.lo):s].strip(" "):
            return False
        stops = [k for k in (t.find("\n", e, self.hi), t.find("|", e, self.hi), t.find("\t", e, self.hi)) if k >= 0]
        le = min(stops) if stops else self.hi
        return not t[e:le].strip(" .;")

    def scan(self, field: bool, floor: int = 0) -> list[DeadlinePhrase]:
        """Deadline phrases of text[lo:hi]; `field`: bare periods count (a time field's value)."""
        R, t = self.R, self.text
        found = _find_atoms(R.field_atoms if field else R.atoms, t, self.lo, self.hi)
        out: list[DeadlinePhrase] = []
        skip_until = -1
        for i, atom in enumerate(found):
            if atom.start < skip_until:
                continue
            value = _atom_value(atom, self.year_for)
            if value is None:
                continue
            s, e = atom.start, atom.end
            cue = self._cue(s)
            lead = cue.group("lead") if cue else None
            kind_cue = None
            if cue:
                kind_cue = "explicit" if cue.group("explicit") else "period" if cue.group("period") \
                    else "start" if cue.group("start") else None
            if kind_cue == "period":
                which = next(k for k, v in enumerate(R.period_not_kinds) if cue.group(f"p{k}"))
                if value.kind in R.period_not_kinds[which]:
                    continue
            span_start = s
            if kind_cue in ("explicit", "period", "start"):
                span_start = cue.start(kind_cue)
            if kind_cue == "start":
                # "từ X đến Y": one range ending with Y; "từ X" alone opens a period, no deadline
                j = R.range_join.match(t, e, self.hi)
                nxt = found[i + 1] if i + 1 < len(found) else None
                if j and nxt is not None and nxt.start == j.end():
                    end_value = _atom_value(nxt, self.year_for)
                    if end_value is None:
                        continue
                    value = _Value("range", value.first, end_value.last, end_value.yearless and value.yearless,
                                   end_value.recurrence, True)
                    e = nxt.end
                    skip_until = e
                elif not value.is_range:
                    continue
                if value.yearless and not field and value.first and value.last \
                        and (value.first.month, value.first.day, value.last.month, value.last.day) == (1, 1, 12, 31):
                    continue  # "tính từ ngày 01/01 đến ngày 31/12": defines a calendar year
                strength = R.strength["period"]
            elif kind_cue == "explicit":
                strength = R.strength["explicit"]
            elif kind_cue == "period":
                strength = R.strength["explicit"] if lead else R.strength["period"]
            elif lead and not cue.group("gap") and R.lead_bare.match(lead):
                strength = R.strength["period"]
            elif field:
                strength = R.strength["cell"]
            elif value.kind not in ("day", "recurrence") and not value.yearless and self._is_cell(s, e):
                strength = R.strength["cell"]   # a table cell: "Quý II/2026" (not a column head "Quý I")
            else:
                continue  # a bare period in prose
            strength = max(strength, floor)
            date = value.last
            if cue is not None and kind_cue == "explicit" and value.kind not in ("day", "recurrence") \
                    and regex.search(r"(?<!\w)trước\s*$", cue.group("explicit"), _FLAGS):
                date = _day_before(value.first)   # "trước năm 2030" -> 31/12/2029
            recurrence = value.recurrence
            kind = value.kind
            # recurring or undated due days: "trước ngày 20 hằng tháng", "… năm sau"
            after = R.recurring_after.match(t, e, self.hi)
            if after and (value.yearless or kind == "recurrence"):
                recurrence = R.units.get(after.group("unit").lower())
                kind, date, e = "recurrence", None, after.end()
            elif kind == "recurrence":
                near = R.recurring_near.match(t, e, self.hi)
                if near:
                    recurrence = R.units.get(near.group("unit").lower())
            elif value.yearless:
                frame = R.recurring_frame.search(t, max(self.lo, span_start - 40), span_start)
                frame_rec = self._frame_recurrence(frame) if frame else None
                if frame_rec:
                    recurrence, kind, date = frame_rec, "recurrence", None
                elif R.undated_after.match(t, e, self.hi):
                    undated = R.undated_after.match(t, e, self.hi)
                    date, e = None, undated.end()
            if kind == "recurrence" and recurrence is None:
                recurrence = "monthly" if value.recurrence == "monthly" else None
            if self._in_past(date, strength) or R.past_after.match(t, e, self.hi):
                continue
            if strength == R.strength["period"] and R.narrative_after.match(t, e, self.hi):
                continue
            out.append(DeadlinePhrase(span_start, e, t[span_start:e], date, recurrence, kind, strength))
        return out

    def _frame_recurrence(self, frame: regex.Match) -> str | None:
        R = self.R
        if frame.group("unit") or frame.group("unit2"):
            return R.units.get((frame.group("unit") or frame.group("unit2")).lower())
        raw = frame.group("n").lower()
        return R.months.get(int(raw) if raw.isdigit() else R.number_words.get(raw))

    def _in_past(self, date: dt.date | None, strength: int) -> bool:
        """A period cue that ended before the issue date tells the past; explicit cues and table
        cells get a tolerance (a notice may repeat a deadline that just passed)."""
        R = self.R
        if date is None:
            return False
        if date.year < R.min_year:
            return True
        if self.issue_date is None:
            return False
        key = "period" if strength == R.strength["period"] else "explicit"
        return (self.issue_date - date).days > R.past_tolerance[key]

    # -- relative ----------------------------------------------------------------------------------
    def relative(self) -> list[DeadlinePhrase]:
        R, t = self.R, self.text
        out = []
        matches = [m for pat in R.relative
                   for m in pat.finditer(t, self.lo, self.hi, timeout=rules.scan_timeout(self.hi - self.lo))]
        for m in sorted(matches, key=lambda x: x.start()):
            if m.start() > 0 and t[m.start() - 1].isalnum():
                continue  # inside a word
            if out and m.start() < out[-1].end:
                continue  # "chậm nhất sau 3 ngày": the "sau 3 ngày" inside it
            anchored = m.group("anchor_issue") or m.group("anchor_other")
            if not anchored and not R.relative_unanchored.match(m.group("rcue")):
                continue
            n = _int(m.group("rn") or m.group("rn2"))
            if n is None and m.group("rw"):
                n = R.number_words.get(" ".join(m.group("rw").lower().split()))
            if not n:
                continue
            base = None
            if m.group("anchor_issue"):
                base = self.issue_date
            elif m.group("anchor_other"):
                a = m.start("anchor_other")
                k = t.find("ngày", a, m.end("anchor_other"))
                if k >= 0:
                    am = _match_atom(R.atoms, t, k, self.hi)
                    if am and am.name in ("day_numeric", "day_words"):
                        v = _atom_value(am, self.year_for)
                        base = v.last if v and not v.yearless else None
            date = None
            if base is not None and n <= 1000:
                unit = " ".join(m.group("runit").lower().split())
                if unit == "ngày làm việc":
                    date = _add_working_days(base, n)
                elif unit == "ngày":
                    date = base + dt.timedelta(days=n)
                elif unit == "tuần":
                    date = base + dt.timedelta(weeks=n)
                else:
                    date = _add_months(base, n)
            if self._in_past(date, R.strength["explicit"]):
                continue
            out.append(DeadlinePhrase(m.start(), m.end(), m.group(0), date, None, "relative",
                                      R.strength["explicit"]))
        return out

    # -- fields ------------------------------------------------------------------------------------
    def label_values(self) -> list[tuple[int, int]]:
        """(start, end) of the values of "Thời hạn …:" fields: up to the end of line or ';'."""
        t, out = self.text, []
        for m in self.R.label.finditer(t, self.lo, self.hi, timeout=rules.scan_timeout(self.hi - self.lo)):
            v0 = m.end()
            v1 = self.hi
            for stop in ("\n", ";"):
                k = t.find(stop, v0, v1)
                if k >= 0:
                    v1 = k
            if v1 > v0:
                out.append((v0, v1))
        return out

    def cell_lines(self) -> list[DeadlinePhrase]:
        """Bare year ranges alone on their line: table cells such as "2026 - 2030"."""
        out = []
        R, t = self.R, self.text
        for m in R.cell_line.finditer(t, self.lo, self.hi, timeout=rules.scan_timeout(self.hi - self.lo)):
            s = m.start()
            before = t[max(self.lo, s - 12):s]
            if before.lower().endswith(("giai đoạn ", "giai đoạn\n")):
                s -= len("giai đoạn ")
            if not self._is_cell(s, m.end()):
                continue
            y1, y2 = int(m.group("by")), int(m.group("by_b"))
            if y2 < y1:
                continue
            date = safe_date(y2, 12, 31)
            if self._in_past(date, R.strength["cell"]):
                continue
            out.append(DeadlinePhrase(s, m.end(), t[s:m.end()], date, None, "range", R.strength["cell"]))
        return out


def _overlaps(a0: int, a1: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a0 < b1 and b0 < a1 for b0, b1 in spans)


def find_deadlines(text: str, start: int = 0, end: int | None = None, *,
                   issue_date: dt.date | None = None, doc_year: int | None = None,
                   field_value: bool = False,
                   exclude: Sequence[tuple[int, int]] = ()) -> list[DeadlinePhrase]:
    """Every deadline phrase in text[start:end], in text order, offsets absolute into `text`.

    `field_value=True`: the text is the value of a time field or a table's time column, so bare
    periods ("Năm 2026", "Quý II/2026", "2027 - 2030", "giai đoạn 2026 - 2030") are deadlines.
    `exclude`: spans (e.g. citations) whose deadline-like words are not deadlines.
    """
    end = len(text) if end is None else min(end, len(text))
    start = max(0, start)
    if start >= end:
        return []
    sc = _Scanner(text, start, end, issue_date, doc_year)
    if field_value:
        found = sc.scan(field=True, floor=sc.R.strength["explicit"]) + sc.relative()
    else:
        found = sc.scan(field=False) + sc.relative() + sc.cell_lines()
        values = sc.label_values()
        if values:
            found = [d for d in found if not _overlaps(d.start, d.end, values)]
            for v0, v1 in values:
                sub = _Scanner(text, v0, v1, issue_date, doc_year)
                found += sub.scan(field=True, floor=sc.R.strength["explicit"]) + sub.relative()
    return _resolve(found, exclude)


def _resolve(found: list[DeadlinePhrase], exclude: Sequence[tuple[int, int]]) -> list[DeadlinePhrase]:
    """Drop phrases inside `exclude` and overlaps (the longer phrase wins), sort by position."""
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    out: list[DeadlinePhrase] = []
    for d in found:
        if exclude and _overlaps(d.start, d.end, exclude):
            continue
        if out and d.start < out[-1].end:
            if d.end - d.start > out[-1].end - out[-1].start:
                out[-1] = d
            continue
        out.append(d)
    return out


# ----------------------------------------------------------------------------------------------
# tasks

def strength_of(d: Deadline) -> int:
    return getattr(d, "strength", 2)


def pick_deadline(deadlines: Iterable[Deadline], task_start: int, task_end: int) -> Deadline | None:
    """The deadline of a task: among the phrases inside [task_start, task_end) that are not
    recurring due days, the firmest one (explicit > period > table cell); on a tie the first in
    text order. Why the first: a task's own deadline comes with its main action, later ones belong
    to follow-up clauses (gold d11 1.b: "hoàn thành chậm nhất trước ngày 31/12/2025; xây dựng lại
    nhà … chậm nhất trước ngày 31/01/2026" -> 31/12/2025)."""
    best = None
    for d in sorted(deadlines, key=lambda x: x.start):
        if d.start < task_start or d.end > task_end or d.kind == "recurrence":
            continue
        if best is None or strength_of(d) > strength_of(best):
            best = d
    return best


def _period_recurrence(n: str | None, unit: str) -> str | None:
    """"06 tháng" -> semiannual, "quý" -> quarterly, "5 năm" -> None (no tracker value)."""
    R = _rules()
    count = 1
    if n:
        raw = " ".join(n.lower().split())
        count = int(raw) if raw.isdigit() else R.number_words.get(raw, 0)
    unit = unit.lower()
    if unit in R.unit_days:
        return R.days.get(count * R.unit_days[unit])
    return R.months.get(count * R.unit_months.get(unit, 0))


def find_recurrences(text: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """Every recurrence of a periodic duty in text[start:end]: (recurrence, start, end)."""
    R = _rules()
    end = len(text) if end is None else min(end, len(text))
    start = max(0, start)
    out = []
    for pat in R.recur:
        for m in pat.finditer(text, start, end, timeout=rules.scan_timeout(end - start)):
            s = m.start("from") if "from" in pat.groupindex and m.start("from") >= 0 else m.start()
            e = m.end()
            if s < start or (s > 0 and text[s - 1].isalnum()):
                continue
            before = text[max(0, s - 40):s]
            if R.recur_not_after.search(before) or R.recur_not_before.match(text, e, end):
                continue
            if text[s:s + 4].lower() in ("hàng", "hằng") and R.hang_not_after.search(before):
                continue
            best = None
            for u in R.recur_unit.finditer(text, s, e):
                rec = _period_recurrence(u.group("n"), u.group("u"))
                if rec and (best is None or R.order[rec] < R.order[best]):
                    best = rec
            if best:
                out.append((best, s, e))
    out.sort(key=lambda r: r[1])
    # one phrase may match two patterns ("định kỳ hằng tháng" and "hằng tháng"): keep the longer
    merged: list[tuple[str, int, int]] = []
    for r in out:
        if merged and r[1] < merged[-1][2]:
            if r[2] - r[1] > merged[-1][2] - merged[-1][1]:
                merged[-1] = r
            continue
        merged.append(r)
    return merged


def recurrence_of(text: str, start: int = 0, end: int | None = None) -> tuple[str, int, int] | None:
    """The recurrence of the duty in text[start:end]: the most frequent one named ("định kỳ hằng
    tháng, quý" -> monthly), with its span; None when the text names none. "định kỳ" alone
    (no period) is None; "theo Nghị quyết hằng năm", "bình quân hằng năm", "trợ cấp hằng tháng"
    qualify a noun, not the duty, and are skipped."""
    found = find_recurrences(text, start, end)
    if not found:
        return None
    order = _rules().order
    return min(found, key=lambda r: (order[r[0]], r[1]))


def deadline_for_task(doc: Doc, start: int, end: int) -> tuple[Deadline | None, str | None]:
    """(deadline, recurrence) of the task text doc.text[start:end], from the "deadlines" layer
    (computed here if the component has not run)."""
    layer = doc.spans.get("deadlines")
    if layer is None:
        issue = doc.meta.issue_date
        layer = find_deadlines(doc.text, start, end, issue_date=issue,
                               doc_year=issue.year if issue else None)
    starts = [d.start for d in layer]
    i = bisect.bisect_left(starts, start)
    j = bisect.bisect_left(starts, end)
    inside = layer[i:j]
    deadline = pick_deadline(inside, start, end)
    rec = recurrence_of(doc.text, start, end)
    recurrence = rec[0] if rec else None
    if recurrence is None:
        recurring = [d.recurrence for d in inside if d.kind == "recurrence" and d.recurrence]
        recurrence = recurring[0] if recurring else None
    return deadline, recurrence


# ----------------------------------------------------------------------------------------------
# component

def _scan_ranges(doc: Doc) -> list[tuple[int, int]]:
    """The body, plus appendices after the signature (their task tables carry deadlines)."""
    body_end = doc.meta.body_end or len(doc.text)
    ranges = [(doc.meta.body_start or 0, body_end)]
    for s in doc.sections:
        if s.marker == "appendix" and s.start >= body_end:
            if ranges and s.start <= ranges[-1][1]:
                ranges[-1] = (ranges[-1][0], max(ranges[-1][1], s.end))
            else:
                ranges.append((s.start, s.end))
    return ranges


@component("deadlines")
def deadlines_component(doc: Doc) -> None:
    """doc.spans["deadlines"]: every deadline phrase of the body and appendices, outside citations."""
    issue = doc.meta.issue_date
    citations = [(c.start, c.end) for c in doc.spans.get("citations", [])]
    out: list[DeadlinePhrase] = []
    for lo, hi in _scan_ranges(doc):
        out += find_deadlines(doc.text, lo, hi, issue_date=issue,
                              doc_year=issue.year if issue else None, exclude=citations)
    doc.spans["deadlines"] = out
