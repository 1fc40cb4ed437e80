"""Small helpers on Vietnamese text shared by all stages: folding, casing, dates, roman numbers."""
from __future__ import annotations

import datetime as dt
import unicodedata

import regex

# Old-style tone placement ("Uỷ", "hoà") and its modern form ("Ủy", "hòa"): fold() maps both to one.
_OLD_TONES = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}
_TO_NEW = {old: new for new, old in _OLD_TONES.items()}
# only a syllable-final pair moves its tone ("hoà" → "hòa", "Uỷ" → "Ủy"); "Đoàn", "quý" keep theirs
_OLD_PAIRS = "|".join(map(regex.escape, _TO_NEW))
_OLD_RE = regex.compile(rf"(?<![qQ])(?:{_OLD_PAIRS})(?!\w)")
_OLD_RE_CASED = regex.compile(rf"(?<![qQ])(?:{_OLD_PAIRS})(?!\w)", regex.IGNORECASE)


def modern_tones(s: str) -> str:
    """'Uỷ ban' → 'Ủy ban', 'hoà' → 'hòa' (keeps the case of the first letter)."""
    def repl(m: regex.Match) -> str:
        src = m.group(0)
        new = _TO_NEW[src.lower()]
        out = "".join(n.upper() if s_.isupper() else n for s_, n in zip(src, new))
        # the tone moves to the first letter: carry the case of the original first letter
        return out
    return _OLD_RE_CASED.sub(repl, s)


def fold(s: str) -> str:
    """Key for case- and tone-placement-insensitive comparison (NFC, lower, modern tones, spaces)."""
    s = unicodedata.normalize("NFC", s).lower()
    s = _OLD_RE.sub(lambda m: _TO_NEW[m.group(0)], s)
    return " ".join(s.split())


_STRIP_MARKS = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_fold(s: str) -> str:
    """Vietnamese without diacritics, lower case ('Nghị quyết' → 'nghi quyet')."""
    s = unicodedata.normalize("NFD", s.translate(_STRIP_MARKS))
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn").lower()


def is_upper_text(s: str) -> bool:
    """True when the letters of `s` are all upper case (and there are at least two)."""
    return s.isupper() and sum(1 for c in s if c.isalpha()) >= 2


_LOWER_RE = regex.compile(r"\p{Lowercase}")  # the letters str.islower accepts


def has_lower(s: str) -> bool:
    return _LOWER_RE.search(s) is not None


ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_ROMAN_RE = regex.compile(r"^(?=[IVXLC])C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def roman_to_int(s: str) -> int | None:
    s = s.upper()
    if not s or not _ROMAN_RE.match(s):
        return None
    total = 0
    for i, ch in enumerate(s):
        v = ROMAN[ch]
        total += -v if i + 1 < len(s) and ROMAN[s[i + 1]] > v else v
    return total


def safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        if not (1900 <= year <= 2200):
            return None
        return dt.date(year, month, day)
    except ValueError:
        return None


def last_day_of_month(year: int, month: int) -> dt.date | None:
    if not 1 <= month <= 12:
        return None
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def sentence_case_word(word: str) -> str:
    return word[:1].upper() + word[1:].lower() if word else word


def line_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every line of text[start:end], newline excluded."""
    end = len(text) if end is None else end
    spans = []
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        if nl < 0:
            spans.append((pos, end))
            break
        spans.append((pos, nl))
        pos = nl + 1
    return spans
