"""Bytes → str for text inputs, and repair of text typed in pre-Unicode Vietnamese fonts.

Vietnamese files come in UTF-8 (with or without BOM), UTF-16 with a BOM, Windows-1258 (tone
marks as combining characters), and the two legacy font encodings still found in archives:
TCVN3/ABC (one byte per letter, `.Vn…` fonts) and VNI (a base letter followed by a mark byte,
`VNI-…` fonts). A legacy text may also reach us already as Unicode code points (a .docx typed in a
`.VnTime` font holds "Céng hßa"), so the legacy repair works on `str`, not on bytes.

Which decoding is right is decided by how many of the words it yields are real Vietnamese
syllables (rules/encodings/vi_syllables.txt): wrong decodings give garbage syllables.
"""
from __future__ import annotations

import codecs
import functools
import unicodedata
from dataclasses import dataclass, field

import regex

from .. import rules

# Bytes that Windows-1252 leaves undefined; read them as Latin-1 so that no byte is lost.
_CP1252_HOLES = {0x81: "\x81", 0x8D: "\x8d", 0x8F: "\x8f", 0x90: "\x90", 0x9D: "\x9d"}

_WORD_RE = regex.compile(r"\p{L}+")


@dataclass
class Decoded:
    text: str
    encoding: str
    notes: list[str] = field(default_factory=list)  # non-fatal remarks (replaced bytes, …)


# --- rule data --------------------------------------------------------------------------------

def _read_tsv(name: str) -> list[list[str]]:
    path = rules.RULES_DIR / "encodings" / name
    rows = []
    with open(path, encoding="utf-8") as fh:
        header = None
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
                continue
            rows.append(cells)
    return rows


@functools.lru_cache(maxsize=1)
def tcvn3_table() -> dict[str, str]:
    """Windows-1252 view of a TCVN3 byte → Unicode letter."""
    table = {}
    for byte_hex, _shown, uni in _read_tsv("tcvn3.tsv"):
        table[_cp1252(bytes([int(byte_hex, 16)]))] = uni
    return table


@functools.lru_cache(maxsize=1)
def _tcvn3_translate() -> dict[int, str]:
    return {ord(k): v for k, v in tcvn3_table().items()}


@functools.lru_cache(maxsize=1)
def vni_table() -> dict[str, str]:
    return {legacy: uni for legacy, uni in _read_tsv("vni.tsv")}


@functools.lru_cache(maxsize=1)
def _vni_re() -> regex.Pattern:
    keys = sorted(vni_table(), key=len, reverse=True)
    return regex.compile("|".join(regex.escape(k) for k in keys))


@functools.lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    path = rules.RULES_DIR / "encodings" / "vi_syllables.txt"
    with open(path, encoding="utf-8") as fh:
        return frozenset(x.strip() for x in fh if x.strip() and not x.startswith("#"))


# --- helpers ----------------------------------------------------------------------------------

def _cp1252(data: bytes) -> str:
    """Windows-1252 that never fails (its five undefined bytes read as Latin-1)."""
    out = data.decode("cp1252", errors="replace")
    if "\ufffd" in out:
        out = "".join(_CP1252_HOLES.get(b, bytes([b]).decode("cp1252", errors="replace")) for b in data)
    return out


def vietnamese_score(text: str, sample: int = 200_000) -> tuple[float, int]:
    """(share of the words with non-ASCII letters that are Vietnamese syllables, their number).

    ASCII-only words say nothing about the encoding; a correct decoding of Vietnamese text has
    almost all of its accented words in the syllable list, a wrong one almost none.
    """
    vocab = syllables()
    words = [w for w in _WORD_RE.findall(unicodedata.normalize("NFC", text[:sample]).lower()) if not w.isascii()]
    if not words:
        return 0.0, 0
    known = sum(1 for w in words if w in vocab)
    return known / len(words), len(words)


# --- legacy repair (str → str) ----------------------------------------------------------------

def from_tcvn3(text: str) -> str:
    """Text typed in a TCVN3 (.Vn…) font, seen through Windows-1252, → Unicode."""
    out = text.translate(_tcvn3_translate())
    return restore_upper(out, text)


def from_vni(text: str) -> str:
    """Text typed in a VNI font, seen through Windows-1252, → Unicode."""
    table = vni_table()
    return _vni_re().sub(lambda m: table[m.group(0)], text)


_UPPER_WORD_RE = regex.compile(r"\p{L}+")


def restore_upper(converted: str, original: str | None = None) -> str:
    """Capitalise the toned letters inside upper-case words and lines.

    TCVN3 has no codes for capital toned letters: "CỘNG HÒA" was typed "CéNG HßA" and converts to
    "CộNG HòA". A word whose other letters are capitals (at least two) is written in capitals, and
    so is a line whose letters are otherwise all capitals.
    """
    lines = converted.split("\n")
    for n, line in enumerate(lines):
        if not any(c.islower() for c in line):
            continue
        letters = [c for c in line if c.isalpha()]
        plain_lower = [c for c in letters if c.islower() and c.isascii()]
        plain_upper = [c for c in letters if c.isupper()]
        if not plain_lower and len(plain_upper) >= 4:
            lines[n] = line.upper()
            continue

        def fix(m: regex.Match) -> str:
            w = m.group(0)
            upper = sum(1 for c in w if c.isupper())
            if upper >= 2 and all(c.isupper() or not c.isascii() for c in w):
                return w.upper()
            return w

        lines[n] = _UPPER_WORD_RE.sub(fix, line)
    return "\n".join(lines)


# Vietnamese letters outside Latin-1: TCVN3 or VNI text read as Unicode never contains them
_UNICODE_VIETNAMESE_RE = regex.compile(r"[ăĂơƠưƯđĐĩĨũŨ\u1EA0-\u1EF9]")


def repair_legacy(text: str) -> tuple[str, str | None]:
    """If `text` (already Unicode) is really TCVN3 or VNI font text, convert it.

    Returns (text, "tcvn3" | "vni" | None). Only converts when the conversion turns a text with
    few Vietnamese words into one with many, so ordinary Unicode text (and French or German
    text with the same Latin-1 letters) is left alone.
    """
    if len(_UNICODE_VIETNAMESE_RE.findall(text, 0, 20_000)) >= 20:
        return text, None  # letters no legacy font text has ("ư", "ạ", "ế" …): real Unicode
    base, n_base = vietnamese_score(text)
    if n_base == 0 or base >= 0.9:
        return text, None
    best, best_name, best_score = text, None, base
    for name, fn in (("tcvn3", from_tcvn3), ("vni", from_vni)):
        cand = fn(text)
        score, n = vietnamese_score(cand)
        if n and score > best_score + 0.2 and score >= 0.6:
            best, best_name, best_score = cand, name, score
    return best, best_name


# --- bytes → str ------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


class DecodeError(ValueError):
    """Bytes that are not a text in any encoding we accept."""

    def __init__(self, message: str, error_type: str):
        super().__init__(message)
        self.error_type = error_type


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes: not a text file (UTF-16 is detected before this)."""
    head = data[:65536]
    if not head:
        return False
    if b"\x00" in head:
        return True
    ctrl = len(head) - len(head.translate(None, _CONTROL_BYTES))  # one pass, not one per byte value
    return ctrl / len(head) > 0.01


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 files saved without a BOM: every other byte of ASCII text is NUL."""
    head = data[:4096]
    if len(head) < 16:
        return None
    even_nul = head[0::2].count(0) / (len(head) / 2)
    odd_nul = head[1::2].count(0) / (len(head) / 2)
    for enc, ok in (("utf-16-le", odd_nul > 0.3 and even_nul < 0.05), ("utf-16-be", even_nul > 0.3 and odd_nul < 0.05)):
        if ok:
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes) -> Decoded:
    """Decode a text file's bytes (see the module docstring for the encodings tried).

    Invalid bytes: a UTF-8 file with a few broken bytes (at most 1 in 1,000) is kept, the bytes
    become U+FFFD and a note says how many; anything worse is tried as a legacy 8-bit encoding,
    and refused as binary when none of them gives Vietnamese.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _finish(data.decode(enc), enc)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"the file starts with a {enc} byte-order mark but is not valid {enc} "
                                  f"({exc.reason} at byte {exc.start})", "bad_bom_text") from None
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _finish(utf16, "utf-16")
    if looks_binary(data):
        raise DecodeError("the file holds binary data (NUL or control bytes), not text", "binary")
    try:
        return _finish(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, Decoded]] = []
    lenient = data.decode("utf-8", errors="replace")
    n_bad = lenient.count("\ufffd")
    if n_bad <= max(1, len(data) // 1000):
        d = _finish(lenient, "utf-8")
        d.notes.append(f"{n_bad} invalid UTF-8 byte sequence(s) replaced by U+FFFD")
        candidates.append((vietnamese_score(d.text)[0] + 0.05, d))
    cp1258 = data.decode("cp1258", errors="replace")
    candidates.append((vietnamese_score(cp1258)[0], Decoded(_nfc(cp1258), "cp1258")))
    latin = _cp1252(data)
    for name, fn in (("tcvn3", from_tcvn3), ("vni", from_vni)):
        text = fn(latin)
        candidates.append((vietnamese_score(text)[0], Decoded(_nfc(text), name)))
    score, best = max(candidates, key=lambda c: c[0])
    if score < 0.5 and vietnamese_score(latin)[1] > 20:
        # no Vietnamese anywhere: plain Windows-1252 text (or junk); keep it readable
        return Decoded(_nfc(latin), "cp1252", ["no Vietnamese encoding fits; read as Windows-1252"])
    return best


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _finish(text: str, encoding: str) -> Decoded:
    """NFC, then repair of legacy font text that was saved as Unicode code points."""
    text = _nfc(text)
    repaired, legacy = repair_legacy(text)
    if legacy:
        return Decoded(_nfc(repaired), f"{encoding}+{legacy}", [f"text typed in a {legacy.upper()} font converted to Unicode"])
    return Decoded(text, encoding)


# --- encoders (for tests and fixtures: how legacy files are made) ------------------------------

@functools.lru_cache(maxsize=1)
def _to_tcvn3() -> dict[str, str]:
    inv: dict[str, str] = {}
    for byte_hex, _shown, uni in _read_tsv("tcvn3.tsv"):
        b = int(byte_hex, 16)
        if uni not in inv and (uni.islower() or b <= 0xA7):  # .Vn fonts: capitals only for ĂÂÊÔƠƯĐ
            inv[uni] = _cp1252(bytes([b]))
    return inv


def to_tcvn3(text: str) -> bytes:
    """Unicode → TCVN3 bytes as a .Vn font user would have typed it (toned capitals lower-cased)."""
    inv = _to_tcvn3()
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in inv:
            out.append(inv[ch])
        elif ch.lower() in inv and not ch.isascii():
            out.append(inv[ch.lower()])
        else:
            out.append(ch)
    return "".join(out).encode("cp1252", errors="replace")


def to_vni(text: str) -> bytes:
    inv = {uni: legacy for legacy, uni in vni_table().items()}
    out = [inv.get(ch, ch) for ch in unicodedata.normalize("NFC", text)]
    return "".join(out).encode("cp1252", errors="replace")


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def to_cp1258(text: str) -> bytes:
    """Unicode → Windows-1258 as Word writes it: letter with its hat or horn, then the tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        out += (base + tones).encode("cp1258", errors="replace")
    return bytes(out)


# --- the .txt reader --------------------------------------------------------------------------

def _longest_line(text: str) -> int:
    return max(map(len, text.split("\n")))


def _longest_line_bytes(data: bytes) -> int:
    return max(map(len, data.split(b"\n")))


def _register() -> None:
    from . import Context, IngestError, read_bytes, register
    from ..models import ErrorRecord, RawDocument

    @register(".txt")
    def read_txt(ctx: Context) -> RawDocument:
        data = read_bytes(ctx.path, ctx.limits)
        longest = _longest_line_bytes(data)
        if longest > 4 * ctx.limits.max_line_chars:
            raise IngestError(f"{ctx.path}: one line is {longest:,} bytes long (limit {ctx.limits.max_line_chars:,} "
                              f"characters, VANBAN_MAX_LINE_CHARS); this is not a document's text (a data dump or "
                              f"a minified file?)", stage="decode", error_type="line_too_long", path=ctx.path)
        try:
            dec = decode(data)
        except DecodeError as exc:
            raise IngestError(f"{ctx.path}: {exc}; is this really a text file? Convert it to UTF-8 text or give "
                              f"the original document (.pdf, .docx, .html)", stage="decode",
                              error_type=exc.error_type, path=ctx.path) from None
        text = dec.text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise IngestError(f"{ctx.path}: the file holds only white space; nothing to read",
                              stage="read", error_type="empty", path=ctx.path)
        longest = _longest_line(text)
        if longest > ctx.limits.max_line_chars:
            raise IngestError(f"{ctx.path}: one line is {longest:,} characters long (limit "
                              f"{ctx.limits.max_line_chars:,}, VANBAN_MAX_LINE_CHARS); this is not a document's "
                              f"text (a data dump or a minified file?)", stage="decode", error_type="line_too_long",
                              path=ctx.path)
        warnings = [ErrorRecord(ctx.path, "decode", "decode_note", note) for note in dec.notes
                    if "replaced" in note or "no Vietnamese" in note]
        return RawDocument(text=text, source_format="txt", encoding=dec.encoding, warnings=warnings)


_register()
