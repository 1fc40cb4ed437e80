"""Vietnamese number formats: "1.370" is 1370, "10,5" is 10.5, "43.000" is 43000.

Vietnamese writes the thousands separator as a dot and the decimal mark as a comma; some
documents (and English-trained converters) write "1.5" for one and a half. A dot followed by
exactly three digits is a thousands separator; any other dot is a decimal mark. Simple number
words ("một", "hai", … "mười") are decoded too; the caller decides whether a unit makes them a
quantity ("một trường") or not ("hai con số", "một số").
"""
from __future__ import annotations

import math

import regex

# A number as written: "1.370", "43.000", "10,5", "0,36", "1.219,11", "5.000", "2,1", "100".
# Digits glued to a letter or a slash ("Km0", "COVID-19", "1/2000", "472/484") are not numbers
# of a quantity; the lookarounds keep them out.
NUMBER_RE = regex.compile(
    r"(?<![\w.,/])(?<!\w[\-–])"
    r"(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
    r"(?![.,]?\d)(?!/\d)"
)

WORD_NUMBERS = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
    "chín": 9, "mười": 10,
}
WORD_NUMBER_RE = regex.compile(
    r"(?<!\w)(?P<word>" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + r")(?!\w)",
    regex.IGNORECASE,
)


def parse_number(s: str) -> float | None:
    """Decode one written number; None when it is not a plain finite number."""
    s = s.strip()
    if not s:
        return None
    low = s.lower()
    if low in WORD_NUMBERS:
        return float(WORD_NUMBERS[low])
    if "," in s and "." in s:
        # "1.219,11": dots group thousands, the comma is the decimal mark
        s = s.replace(".", "").replace(",", ".")
    elif "," in s:
        parts = s.split(",")
        if len(parts) > 2 and all(len(p) == 3 for p in parts[1:]):
            s = s.replace(",", "")            # "1,370,000" (English grouping)
        else:
            s = s.replace(",", ".")           # "10,5"
    elif "." in s:
        parts = s.split(".")
        if all(len(p) == 3 for p in parts[1:]):
            s = s.replace(".", "")            # "1.370", "43.000"
        elif len(parts) > 2:
            return None                        # "1.2.3": an item or version number
        # else "1.5": a decimal point
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
