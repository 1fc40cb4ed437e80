"""Character error rate of OCR on scanned PDFs with a page-1 ground truth.

    .venv/bin/python scripts/ocr_cer.py [SCAN.pdf ...]

For every `NAME.pdf` given (default: ../shared/corpus/dev/*_scan.pdf) whose `NAME.page1.txt`
exists, OCR page 1 the way `vanban run` does and print the CER against that text, and the CER of
plain Tesseract (default settings on the page rendered at 300 dpi) for comparison, and the
seconds our OCR of the page took.

CER (pipeline.ingest.ocr.cer): Levenshtein distance between the OCR text and the ground truth,
both NFC with every run of white space made one space (line breaks and paragraph layout do not
count), divided by the length of the ground truth. The dev ground-truth files are not exact
transcriptions of the printed scans (see tests/test_ingest_ocr.py), so these figures include
that difference; OCR quality proper is measured on synthetic scans (scripts/synthetic_scans.py).
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.ingest.ocr import cer, page_text  # noqa: E402


def plain_tesseract(pdf: str) -> str:
    import pymupdf

    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, "p.png")
        doc = pymupdf.open(pdf)
        doc[0].get_pixmap(dpi=300).save(png)
        out = subprocess.run(["tesseract", png, "stdout", "-l", "vie"], capture_output=True, text=True)
        return out.stdout


def main(argv: list[str]) -> int:
    default = str(Path(__file__).resolve().parent.parent.parent / "shared/corpus/dev/*_scan.pdf")
    pdfs = argv or sorted(glob.glob(default))
    print(f"{'scan':40s} {'CER':>7s} {'plain':>7s} {'s':>5s}")
    for pdf in pdfs:
        truth = Path(pdf).with_suffix("").as_posix() + ".page1.txt"
        if not os.path.exists(truth):
            continue
        ref = Path(truth).read_text(encoding="utf-8")
        t0 = time.time()
        ours = cer(page_text(pdf, 0), ref)
        dt = time.time() - t0
        plain = cer(plain_tesseract(pdf), ref)
        print(f"{Path(pdf).name:40s} {ours:7.3f} {plain:7.3f} {dt:5.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
