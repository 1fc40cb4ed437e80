"""Build rules/encodings/vi_syllable_counts.tsv: syllable and syllable-pair counts over the bulk
corpus, for the OCR diacritic correction (pipeline.ingest.ocr.SyllableModel).

    .venv/bin/python scripts/build_syllable_counts.py [--bulk DIR] [--dev DIR] [--min 5]

Bulk documents that repeat a dev document (the gazette PDFs, the scans, the gold texts) are left
out, so that OCR measured on dev pages (scripts/ocr_cer.py, scripts/synthetic_scans.py) is not
helped by counts taken from the very text it reads: a bulk document is left out when it holds
a fifth or more of a dev document's 6-word shingles.

A syllable is a run of letters, lower case, NFC; a pair is two syllables separated by exactly
one space (punctuation breaks a pair, as in SyllableModel.correct_line). Rows seen fewer than
--min times are dropped.
"""
from __future__ import annotations

import argparse
import collections
import glob
import os
import sys
import unicodedata
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("VANBAN_SHARED", ROOT.parent / "shared"))
OUT = ROOT / "rules" / "encodings" / "vi_syllable_counts.tsv"

_TOKEN_RE = regex.compile(r"\p{L}+")
_WORD_RE = regex.compile(r"\w+")

HEADER = """# Syllable and syllable-pair counts (lower case, NFC) over the bulk corpus of government documents
# (rows seen at least {min} times; bulk documents that repeat a dev document left out). Built by
# scripts/build_syllable_counts.py. Used to choose between OCR readings that differ only in their
# diacritics ("Chú tịch" / "Chủ tịch"). A row with one syllable is a single count.
first\tsecond\tcount
"""


def shingles(text: str, n: int = 6) -> set[int]:
    words = [w.lower() for w in _WORD_RE.findall(unicodedata.normalize("NFC", text))]
    return {hash(tuple(words[i: i + n])) for i in range(max(0, len(words) - n + 1))}


def dev_texts(dev: Path) -> dict[str, str]:
    out = {}
    for p in sorted(dev.glob("*.txt")):
        out[p.name] = p.read_text(encoding="utf-8", errors="replace")
    try:
        import pymupdf
    except ImportError:
        return out
    for p in sorted(dev.glob("*.pdf")):
        with pymupdf.open(p) as doc:
            out[p.name] = "\n".join(page.get_text() for page in doc)
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bulk", default=str(SHARED / "corpus" / "bulk"))
    ap.add_argument("--dev", default=str(SHARED / "corpus" / "dev"))
    ap.add_argument("--min", type=int, default=5)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)

    owner: dict[int, str] = {}
    sizes: dict[str, int] = {}
    for name, text in dev_texts(Path(args.dev)).items():
        sh = shingles(text)
        if len(sh) < 50:
            continue
        sizes[name] = len(sh)
        for h in sh:
            owner.setdefault(h, name)

    uni: collections.Counter = collections.Counter()
    bi: collections.Counter = collections.Counter()
    used = skipped = 0
    for path in sorted(glob.glob(os.path.join(args.bulk, "*.txt"))):
        text = unicodedata.normalize("NFC", Path(path).read_text(encoding="utf-8", errors="replace"))
        hits = collections.Counter(owner[h] for h in shingles(text) if h in owner)
        dup = [name for name, c in hits.items() if c >= 0.2 * sizes[name]]
        if dup:
            skipped += 1
            print(f"left out {Path(path).name} (repeats {', '.join(sorted(dup))})", file=sys.stderr)
            continue
        used += 1
        prev_end, prev = -2, None
        for m in _TOKEN_RE.finditer(text):
            w = m.group(0).lower()
            uni[w] += 1
            if prev is not None and m.start() == prev_end + 1 and text[prev_end] == " ":
                bi[(prev, w)] += 1
            prev, prev_end = w, m.end()

    rows = [(w, "", c) for w, c in uni.items() if c >= args.min]
    rows.sort(key=lambda r: (-r[2], r[0]))
    pairs = [(a, b, c) for (a, b), c in bi.items() if c >= args.min]
    pairs.sort(key=lambda r: (-r[2], r[0], r[1]))
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(HEADER.format(min=args.min))
        for a, b, c in rows + pairs:
            fh.write(f"{a}\t{b}\t{c}\n")
    print(f"{used} documents counted, {skipped} left out; {len(rows)} syllables, {len(pairs)} pairs -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
