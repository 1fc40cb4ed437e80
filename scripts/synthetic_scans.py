"""Synthetic scan benchmark: gazette pages with a correct text layer, rendered, degraded like
office scans, wrapped as image-only PDFs and OCR'd through `pipeline.ingest.read(ocr="always")`.

    .venv/bin/python scripts/synthetic_scans.py [--pages N] [--seed S] [--out DIR] [--keep]

Why: the two real dev scans are too few to tune on (and their ground truth differs from the
print in places). A gazette PDF's text layer is an exact transcription of what is printed, so a
degraded rendering of the page gives an honest CER for the OCR path on text we did not tune on.

Each page gets one degradation profile (drawn from the seed, so runs are repeatable):
- bw200:   200 dpi 1-bit office scan (the dev scans' kind): blur, noise, fixed threshold;
- bw300:   300 dpi 1-bit, thinner or bolder strokes (threshold drawn from a range);
- grey:    150-300 dpi grey scan: grey paper, contrast loss, uneven light, noise, JPEG;
- colour:  200-300 dpi colour scan with a red seal and a blue signature over the text, JPEG;
- fax:     150 dpi 1-bit with heavy noise (the worst that still reads);
- bwseal:  200 dpi 1-bit with the seal and signature over the text, black like all ink (the
           two dev scans have this: colour cannot tell the seal from the text any more).
All profiles rotate the page by 0.5-2 degrees (either way) and some add a dark scanner border.

The reference text is the page's text layer laid out by the same code as the OCR lines
(pdf.layout_text), so the CER measures reading, not layout. Running headers, page numbers and
the signature stamp are painted white in the image and left out of the reference (the pipeline
drops them anyway), and so are rules typed as characters ("_____", "––––"); pages with ruled
tables are skipped (their text layer is read cell by cell).
CER is pipeline.ingest.ocr.cer: Levenshtein distance over NFC text with white-space runs made
one space, divided by the reference length.
"""
from __future__ import annotations

import argparse
import glob
import math
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEV = Path(os.environ.get("VANBAN_SHARED", ROOT.parent / "shared")) / "corpus" / "dev"
PROFILES = ("bw200", "bw300", "grey", "colour", "fax", "bwseal")


@dataclass
class Scan:
    name: str          # e.g. "p02_qd_798_ttg-p1-bw200"
    profile: str
    pdf: bytes         # one image-only page
    reference: str     # the page's text layer as pdf.layout_text writes it


# --- reference text and furniture ----------------------------------------------------------

def reference_and_furniture(page, page_no: int):
    """(reference text, rectangles to paint white, rectangles of the kept text lines) of one
    text-layer page."""
    import pymupdf

    from pipeline.ingest.pdf import Page, layout_text, remove_furniture, text_lines

    lines = text_lines(page, page_no)
    probe = Page(page_no, page.rect.width, page.rect.height, list(lines))
    remove_furniture([probe])
    kept = {id(ln) for ln in probe.lines}
    white = [pymupdf.Rect(ln.x0 - 2, ln.y0 - 2, ln.x1 + 2, ln.y1 + 2) for ln in lines if id(ln) not in kept]
    white += [pymupdf.Rect(info["bbox"]) for info in page.get_image_info()]  # the stamp's logo
    rects = [pymupdf.Rect(ln.x0, ln.y0, ln.x1, ln.y1) for ln in lines if id(ln) in kept]
    ref = layout_text([Page(page_no, page.rect.width, page.rect.height, [ln for ln in lines if id(ln) in kept])])
    return _RULE_RE.sub(" ", ref), white, rects


# rules typed as characters ("________", "––––––") under the header: drawn lines, not text, in
# scans (OCR drops them as specks and rulings)
_RULE_RE = regex.compile(r"[_\-–—.…]{4,}")


def has_table(page) -> bool:
    from pipeline.ingest.pdf_tables import find_grids

    try:
        return bool(find_grids(page, page.number))
    except Exception:
        return True


# --- drawing on the page before rendering ------------------------------------------------------

def draw_seal(page, rng: random.Random, text_rects: list) -> None:
    """A red round seal (two rings, a star, text round the ring) and a blue signature stroke,
    placed on a text line the way a seal overlaps the signer's title and name."""
    import pymupdf

    w, h = page.rect.width, page.rect.height
    r = rng.uniform(45, 65)
    lower = [t for t in text_rects if t.y0 > 0.3 * h] or text_rects or [pymupdf.Rect(0, 0.5 * h, w, 0.5 * h)]
    anchor = rng.choice(lower)
    cx, cy = rng.uniform(max(anchor.x0, 0.3 * w), max(anchor.x0, 0.3 * w, min(anchor.x1, 0.8 * w))), anchor.y0
    red = (rng.uniform(0.8, 0.95), rng.uniform(0.05, 0.2), rng.uniform(0.1, 0.25))
    op = rng.uniform(0.6, 0.9)
    shape = page.new_shape()
    shape.draw_circle((cx, cy), r)
    shape.draw_circle((cx, cy), r * 0.62)
    shape.finish(color=red, width=rng.uniform(1.5, 2.5), stroke_opacity=op)
    star = [(cx + r * 0.3 * math.cos(math.radians(90 + 144 * k)), cy - r * 0.3 * math.sin(math.radians(90 + 144 * k)))
            for k in range(6)]
    shape.draw_polyline(star)
    shape.finish(color=red, fill=red, width=1, stroke_opacity=op, fill_opacity=op)
    letters = "CHINH PHU * THU TUONG *"  # the base-14 font has no Vietnamese marks
    for k, ch in enumerate(letters):
        a = math.radians(180 - 180 * k / (len(letters) - 1) + 10)
        p = pymupdf.Point(cx + r * 0.8 * math.cos(a) - 3, cy - r * 0.8 * math.sin(a) + 3)
        shape.insert_text(p, ch, fontsize=r * 0.17, color=red, fill_opacity=op, stroke_opacity=op,
                          morph=(p, pymupdf.Matrix(1, 1).prerotate(math.degrees(a) - 90)))
    shape.commit()
    # a signature: a few wide loops in blue ink
    sig = page.new_shape()
    x, y = cx - r, cy + rng.uniform(-10, 10)
    pts = [pymupdf.Point(x + 12 * k, y + rng.uniform(-14, 14)) for k in range(8)]
    for a, b in zip(pts, pts[1:]):
        sig.draw_bezier(a, a + (4, -12), b + (-4, 12), b)
    sig.finish(color=(0.1, 0.15, rng.uniform(0.5, 0.8)), width=rng.uniform(1.0, 1.8), stroke_opacity=0.9)
    sig.commit()


# --- image degradations (numpy only) --------------------------------------------------------

def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of an HxW or HxWxC float image."""
    if sigma <= 0.05:
        return img
    rad = max(1, int(math.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-rad, rad + 1) / sigma) ** 2)
    k /= k.sum()
    out = img
    for axis in (0, 1):
        pad = [(0, 0)] * img.ndim
        pad[axis] = (rad, rad)
        p = np.pad(out, pad, mode="edge")
        acc = np.zeros_like(out)
        for i, kv in enumerate(k):
            sl = [slice(None)] * img.ndim
            sl[axis] = slice(i, i + out.shape[axis])
            acc += kv * p[tuple(sl)]
        out = acc
    return out


def render(page, dpi: int, angle: float, colour: bool) -> np.ndarray:
    """The page rendered rotated by `angle` degrees, cropped back to the page size (a sheet
    lying askew on the glass)."""
    import pymupdf

    z = dpi / 72.0
    mat = pymupdf.Matrix(z, z).prerotate(angle)
    pix = page.get_pixmap(matrix=mat, colorspace=pymupdf.csRGB if colour else pymupdf.csGRAY, alpha=False, annots=False)
    arr = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[:, : pix.width * pix.n]
    arr = arr.reshape(pix.height, pix.width, pix.n).astype(np.float32)
    H, W = int(round(page.rect.height * z)), int(round(page.rect.width * z))
    y0, x0 = max(0, (arr.shape[0] - H) // 2), max(0, (arr.shape[1] - W) // 2)
    arr = arr[y0: y0 + H, x0: x0 + W]
    if arr.shape[0] < H or arr.shape[1] < W:
        arr = np.pad(arr, ((0, H - arr.shape[0]), (0, W - arr.shape[1]), (0, 0)), constant_values=255)
    return arr if colour else arr[:, :, 0]


def degrade(page, profile: str, rng: random.Random, nrng: np.random.Generator, text_rects: list) -> tuple[bytes, str, int]:
    """(image bytes, pymupdf image type, dpi) of one degraded rendering."""
    import pymupdf

    angle = rng.choice((-1, 1)) * rng.uniform(0.5, 2.0)
    if profile in ("colour", "bwseal"):
        draw_seal(page, rng, text_rects)
    dpi = {"bw200": 200, "bwseal": 200, "bw300": 300, "fax": 150, "grey": rng.choice((150, 200, 300)),
           "colour": rng.choice((200, 300))}[profile]
    img = render(page, dpi, angle, colour=profile == "colour")
    s = dpi / 200.0
    if profile in ("bw200", "bw300", "fax", "bwseal"):
        img = gaussian_blur(img, rng.uniform(0.5, 1.0) * s)
        img += nrng.normal(0, {"fax": 40}.get(profile, 22), img.shape)
        thr = rng.uniform(110, 165)  # low: thin broken strokes; high: bold, filled counters
        out = np.where(img > thr, 255, 0).astype(np.uint8)
        # specks of dust
        n = int(out.size * rng.uniform(2e-5, 1e-4) * (3 if profile == "fax" else 1))
        ys, xs = nrng.integers(0, out.shape[0], n), nrng.integers(0, out.shape[1], n)
        out[ys, xs] = 0
        if rng.random() < 0.4:
            out = scanner_border(out, rng)
        pix = pymupdf.Pixmap(pymupdf.csGRAY, out.shape[1], out.shape[0], out.tobytes(), False)
        return pix.tobytes("png"), "png", dpi
    img = gaussian_blur(img, rng.uniform(0.4, 1.1) * s)
    ink, paper = rng.uniform(30, 100), rng.uniform(195, 240)
    img = ink + (img / 255.0) * (paper - ink)  # contrast loss, grey paper
    h, w = img.shape[:2]
    light = 1 - rng.uniform(0, 0.12) * np.linspace(0, 1, w)[None, :] - rng.uniform(0, 0.08) * np.linspace(0, 1, h)[:, None]
    img = img * (light if img.ndim == 2 else light[:, :, None])
    if profile == "colour":
        img = img * np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.95)])  # yellowed paper
    img += nrng.normal(0, rng.uniform(4, 12), img.shape)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.3 and out.ndim == 2:
        out = scanner_border(out, rng)
    cs = pymupdf.csRGB if out.ndim == 3 else pymupdf.csGRAY
    pix = pymupdf.Pixmap(cs, out.shape[1], out.shape[0], np.ascontiguousarray(out).tobytes(), False)
    return pix.tobytes("jpg", jpg_quality=rng.randint(25, 70)), "jpg", dpi


def scanner_border(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """A dark band along one or two edges (the scanner lid's shadow)."""
    img = img.copy()
    h, w = img.shape[:2]
    for edge in rng.sample(("top", "bottom", "left", "right"), rng.randint(1, 2)):
        d = int(rng.uniform(0.01, 0.03) * (h if edge in ("top", "bottom") else w))
        val = 0 if img.dtype == np.uint8 and len(np.unique(img[::50, ::50])) <= 2 else rng.randint(20, 60)
        if edge == "top":
            img[:d] = val
        elif edge == "bottom":
            img[h - d:] = val
        elif edge == "left":
            img[:, :d] = val
        else:
            img[:, w - d:] = val
    return img


# --- scans ------------------------------------------------------------------------------------

def make_scan(src: str, page_no: int, profile: str, seed: int) -> Scan:
    import pymupdf

    rng = random.Random(f"{seed}-{Path(src).stem}-{page_no}-{profile}")
    nrng = np.random.default_rng(rng.randrange(2**32))
    doc = pymupdf.open(src)
    try:
        page = doc.load_page(page_no)
        ref, white, rects = reference_and_furniture(page, page_no)
        for r in white:
            page.draw_rect(r, color=None, fill=(1, 1, 1), overlay=True)
        data, kind, dpi = degrade(page, profile, rng, nrng, rects)
        out = pymupdf.open()
        p = out.new_page(width=page.rect.width, height=page.rect.height)
        p.insert_image(p.rect, stream=data, keep_proportion=False)
        pdf = out.tobytes(garbage=3, deflate=True)
        out.close()
    finally:
        doc.close()
    return Scan(f"{Path(src).stem}-p{page_no + 1}-{profile}", profile, pdf, ref)


def pick_pages(n: int, seed: int) -> list[tuple[str, int, str]]:
    """n (pdf, page, profile) triples spread over the dev gazette PDFs, text pages only, profiles
    in turn."""
    import pymupdf

    rng = random.Random(seed)
    cands = []
    for src in sorted(glob.glob(str(DEV / "p0*.pdf"))):
        doc = pymupdf.open(src)
        for i in range(doc.page_count):
            page = doc.load_page(i)
            if len(page.get_text().strip()) > 800 and not has_table(page):
                cands.append((src, i))
        doc.close()
    rng.shuffle(cands)
    # round-robin over the source PDFs so that a long one does not dominate
    by_src: dict[str, list[int]] = {}
    for src, i in cands:
        by_src.setdefault(src, []).append(i)
    picked = []
    while len(picked) < n and any(by_src.values()):
        for src in sorted(by_src):
            if by_src[src] and len(picked) < n:
                picked.append((src, by_src[src].pop(0)))
    return [(src, i, PROFILES[k % len(PROFILES)]) for k, (src, i) in enumerate(picked)]


def ocr_scan(scan: Scan, workdir: str) -> tuple[str, float]:
    """OCR text of a scan through read(ocr="always") and the seconds it took."""
    from pipeline.ingest import read

    path = os.path.join(workdir, scan.name + ".pdf")
    with open(path, "wb") as fh:
        fh.write(scan.pdf)
    t0 = time.perf_counter()
    raw = read(path, ocr="always")
    return raw.text, time.perf_counter() - t0


def main(argv: list[str]) -> int:
    from pipeline.ingest.ocr import cer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="keep the scans and texts in this folder")
    ap.add_argument("--only", help="only profiles (comma-separated)")
    args = ap.parse_args(argv)
    picks = pick_pages(args.pages, args.seed)
    if args.only:
        picks = [p for p in picks if p[2] in args.only.split(",")]
    scans = [make_scan(src, i, prof, args.seed) for src, i, prof in picks]
    workdir = args.out or tempfile.mkdtemp(prefix="vanban-synth-")
    os.makedirs(workdir, exist_ok=True)
    # read() already OCRs a document's pages in parallel; one page each here, so run two documents
    # at a time (OMP_THREAD_LIMIT=1 in each Tesseract)
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        results = list(pool.map(lambda s: ocr_scan(s, workdir), scans))
    print(f"{'page':38s} {'profile':7s} {'CER':>6s} {'s':>5s}")
    rates, secs = [], []
    per_profile: dict[str, list[float]] = {}
    for scan, (text, dt) in zip(scans, results):
        rate = cer(text, scan.reference)
        rates.append(rate)
        secs.append(dt)
        per_profile.setdefault(scan.profile, []).append(rate)
        print(f"{scan.name:38s} {scan.profile:7s} {rate:6.3f} {dt:5.1f}")
        if args.out:
            Path(workdir, scan.name + ".ocr.txt").write_text(text, encoding="utf-8")
            Path(workdir, scan.name + ".ref.txt").write_text(scan.reference, encoding="utf-8")
    print(f"\n{len(rates)} pages: mean CER {statistics.mean(rates):.4f}, median {statistics.median(rates):.4f}, "
          f"max {max(rates):.4f}; {statistics.mean(secs):.1f} s/page (wall, {os.cpu_count()} pages at a time)")
    for prof in PROFILES:
        if prof in per_profile:
            print(f"  {prof:7s} mean {statistics.mean(per_profile[prof]):.4f} over {len(per_profile[prof])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
