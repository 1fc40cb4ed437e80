"""OCR of scanned PDF pages with Tesseract ('vie'), returning positioned lines for pdf.py's layout.

Why each step (measured on the synthetic scan benchmark, scripts/synthetic_scans.py: gazette
pages rendered and degraded, CER against their text layer; and on the two dev scans,
scripts/ocr_cer.py):
- the page image is taken at its native resolution when one image covers the page (a scan):
  rendering the page would resample it and draw the signature-stamp overlay into it;
- coloured ink (the red seal, a blue signature) is faded into the paper when the image is made
  grey: a seal over text otherwise hides whole paragraphs (benchmark: colour scans 10% -> 1%);
- grey scans get their paper made even (grey paper, uneven light) before one Otsu threshold;
  1-bit scans are kept as they are; dark scanner borders are cleared;
- skew is measured from the row profile and undone (0.5-2 degrees is common);
- isolated specks (fax noise, dust) are removed: Tesseract reads them as stops and letters;
- the scan is read at its own resolution (upscaling 150-200 dpi scans read worse);
- Tesseract (--oem 1 LSTM, --psm 3) runs once per page in its own process, OMP_THREAD_LIMIT=1,
  pages in parallel; ink that no word covers (text under a seal that the page segmentation took
  for a picture, the signature block) gets a second look with --psm 6 (benchmark: 1-bit scans
  with a black seal 11% -> 5%);
- its TSV output gives words with boxes: a line is split where a wide gap separates two
  columns (the document header), and rulings and low-confidence noise from stamps, seals and
  handwriting are dropped;
- safe repairs: document numbers and dates where the pattern is certain (Ð/Đ, l/1, O/0), a full
  stop before a lower-case word is a comma, a preamble paragraph ends in ';', and diacritics are
  chosen from context with a syllable-pair model of the corpus.
"""
from __future__ import annotations

import collections
import csv
import functools
import io
import os
import shutil
import statistics
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import regex

from . import Context, IngestError
from .pdf import Line

TARGET_DPI = 300  # rendering of pages that are not one scanned image
# Scans are read at their own resolution: on the synthetic benchmark upscaling 200 dpi scans
# x1.5 and 150 dpi scans x1.75 or x2 read worse than leaving them (Tesseract scales each text
# line to its network's input height itself). Only scans under MIN_DPI are scaled up to LOW_DPI.
MIN_DPI, LOW_DPI = 140, 200
PSM = 3         # automatic page segmentation (finds the two header columns and the signature block)
LANG = os.environ.get("VANBAN_OCR_LANG", "vie")


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


# --- page image -------------------------------------------------------------------------------

def _pixmap_array(pix) -> np.ndarray:
    """HxW (grey) or HxWx3 (colour) uint8 array of a pixmap."""
    import pymupdf

    if pix.alpha:
        pix = pymupdf.Pixmap(pix, 0)
    if pix.n == 1:
        return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[:, : pix.width].copy()
    if pix.colorspace is None or pix.colorspace.n != 3:
        pix = pymupdf.Pixmap(pymupdf.csRGB, pix)
    arr = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[:, : pix.width * 3]
    return arr.reshape(pix.height, pix.width, 3).copy()


def grey_without_colour_ink(arr: np.ndarray) -> np.ndarray:
    """Grey image of a scan in which coloured ink (the red seal, a blue signature) fades into the
    paper: a strongly coloured pixel takes its brightest channel (red ink is bright in the red
    channel), a neutral one its luminance, with a blend between. Printed text is black, so it
    keeps its contrast; text under the seal is dark in every channel and survives. The change
    of a pixel is at most (saturation x weight), so the chroma noise of JPEG scans on neutral
    text and paper moves nothing much."""
    if arr.ndim == 2:
        return arr
    rgb = arr.astype(np.int32)
    hi = rgb.max(axis=2)
    lum = (rgb[:, :, 0] * 77 + rgb[:, :, 1] * 150 + rgb[:, :, 2] * 29) >> 8
    sat = hi - rgb.min(axis=2)
    weight = np.clip((sat - COLOUR_SAT_FROM) * (1.0 / COLOUR_SAT_RANGE), 0.0, 1.0)
    return (lum + (hi - lum) * weight + 0.5).astype(np.uint8)


COLOUR_SAT_FROM, COLOUR_SAT_RANGE = 20, 40


def page_image(doc, page) -> tuple[np.ndarray, float]:
    """(grey image, pixels per PDF point) of a page: the scan itself when one upright image
    covers the page, else the page rendered at TARGET_DPI; coloured ink is faded out."""
    import pymupdf

    area = abs(page.rect)
    try:
        infos = page.get_image_info(xrefs=True)
    except Exception:
        infos = []
    for info in infos:
        bbox = pymupdf.Rect(info["bbox"])
        a, b, c, d, _e, _f = info["transform"]
        upright = abs(b) < 1e-3 and abs(c) < 1e-3 and a > 0 and d > 0
        if info.get("xref") and upright and abs(bbox & page.rect) >= 0.85 * area:
            try:
                pix = pymupdf.Pixmap(doc, info["xref"])
                arr = grey_without_colour_ink(_pixmap_array(pix))
            except Exception:
                break
            sx = arr.shape[1] / bbox.width
            sy = arr.shape[0] / bbox.height
            if abs(sx - sy) / sx < 0.05 and bbox.x0 <= page.rect.x0 + 2 and bbox.y0 <= page.rect.y0 + 2:
                return arr, sx
            break
    pix = page.get_pixmap(dpi=TARGET_DPI, colorspace=pymupdf.csRGB, annots=False)
    return grey_without_colour_ink(_pixmap_array(pix)), TARGET_DPI / 72.0


def resize(arr: np.ndarray, factor: float) -> np.ndarray:
    """Bilinear resampling: smooth edges help the LSTM more than blocky pixels."""
    h, w = arr.shape
    nh, nw = max(1, int(round(h * factor))), max(1, int(round(w * factor)))
    ys = (np.arange(nh) + 0.5) / factor - 0.5
    xs = (np.arange(nw) + 0.5) / factor - 0.5
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1)
    y1 = np.clip(y0 + 1, 0, h - 1)
    x1 = np.clip(x0 + 1, 0, w - 1)
    wy = np.clip(ys - y0, 0, 1)[:, None].astype(np.float32)
    wx = np.clip(xs - x0, 0, 1)[None, :].astype(np.float32)
    src = arr.astype(np.float32)
    top = src[y0][:, x0] * (1 - wx) + src[y0][:, x1] * wx
    bottom = src[y1][:, x0] * (1 - wx) + src[y1][:, x1] * wx
    return np.clip(top * (1 - wy) + bottom * wy + 0.5, 0, 255).astype(np.uint8)


def otsu(arr: np.ndarray) -> int:
    hist = np.bincount(arr.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128
    omega = np.cumsum(hist) / total
    mu = np.cumsum(hist * np.arange(256)) / total
    mu_t = mu[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = (mu_t * omega - mu) ** 2 / (omega * (1 - omega))
    sigma = np.nan_to_num(sigma)
    return int(np.argmax(sigma))


def is_bilevel(arr: np.ndarray) -> bool:
    values = np.unique(arr[:: max(1, arr.shape[0] // 200), :: max(1, arr.shape[1] // 200)])
    return len(values) <= 2


def _box_sum(arr: np.ndarray, r: int) -> np.ndarray:
    """Sum over the (2r+1)^2 window around each pixel (edges clamped), from an integral image."""
    p = np.pad(arr, ((r + 1, r), (r + 1, r)), mode="edge").astype(np.float64)
    ii = p.cumsum(0).cumsum(1)
    k = 2 * r + 1
    return ii[k:, k:] - ii[:-k, k:] - ii[k:, :-k] + ii[:-k, :-k]


def paper_level(arr: np.ndarray, block: int) -> np.ndarray:
    """The brightness of the bare paper around each pixel: the brightest (lightly smoothed) value
    of each block, the best of its neighbours, smoothed and interpolated back. Text is thinner
    than a block, so every block shows some paper; dark areas (a scanner border) keep the page's
    paper level so that they stay dark."""
    h, w = arr.shape
    small = arr[: h - h % 2, : w - w % 2].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))  # 2x2 mean: noise
    b = max(2, block // 2)
    hb, wb = -(-small.shape[0] // b), -(-small.shape[1] // b)
    padded = np.pad(small, ((0, hb * b - small.shape[0]), (0, wb * b - small.shape[1])), mode="edge")
    bg = padded.reshape(hb, b, wb, b).max(axis=(1, 3))
    grown = np.max(_neighbours(bg), axis=0)
    page = float(np.median(grown))
    grown = np.where(grown < 0.6 * page, page, grown)
    smooth = np.mean(_neighbours(grown), axis=0)
    full = resize(np.clip(smooth, 1, 255).astype(np.uint8), b * 2)
    out = np.full((h, w), page, dtype=np.float32)
    hh, ww = min(h, full.shape[0]), min(w, full.shape[1])
    out[:hh, :ww] = full[:hh, :ww]
    return np.maximum(out, 1.0)


def _neighbours(a: np.ndarray) -> np.ndarray:
    """The array and its four neighbour-shifted copies (edges repeated), stacked."""
    p = np.pad(a, 1, mode="edge")
    return np.stack([a, p[:-2, 1:-1], p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]])


def flatten(arr: np.ndarray, dpi: float) -> np.ndarray:
    """Grey scan with the paper made white and even (grey paper, uneven light, yellowing)."""
    bg = paper_level(arr, max(8, int(dpi / 8)))
    return np.clip(arr.astype(np.float32) * (255.0 / bg), 0, 255).astype(np.uint8)


def binarise(arr: np.ndarray, dpi: float = 300) -> np.ndarray:
    """Grey scans → black on white (a 1-bit scan is left as it is)."""
    if is_bilevel(arr):
        return arr
    flat = flatten(arr, dpi)
    t = otsu(flat)
    return np.where(flat > t, 255, 0).astype(np.uint8)


def clear_border(arr: np.ndarray) -> np.ndarray:
    """Whiten dark bands along the page edges (the scanner lid's shadow, a copier's margin):
    rows and columns from an edge inward while they are mostly ink."""
    ink = arr < 128
    h, w = arr.shape
    out = arr
    for axis, size in ((1, h), (0, w)):
        frac = ink.mean(axis=axis)
        for rng in (range(size), range(size - 1, -1, -1)):
            last = None
            for i in rng:
                if frac[i] < 0.5:
                    break
                last = i
            if last is not None:
                out = out.copy() if out is arr else out
                lo, hi = (0, last + 1) if rng.start == 0 else (last, size)
                lo, hi = max(0, lo - 2), min(size, hi + 2)
                if axis == 1:
                    out[lo:hi, :] = 255
                else:
                    out[:, lo:hi] = 255
    return out


def remove_specks(arr: np.ndarray) -> np.ndarray:
    """Whiten isolated specks of one to three black pixels (dust, the noise of a fax or of a bad
    threshold), which Tesseract reads as full stops, commas and stray letters. A pixel is in a
    speck when its 3x3 window holds at most 3 black pixels and its 5x5 window no more: nothing
    else within two pixels. The tail of a comma or a thin stroke has ink next to it, and the
    dot of 'i' or the Vietnamese 'dấu nặng' is bigger than that at office-scan resolutions."""
    ink = (arr < 128).astype(np.int32)
    c3 = _box_sum(ink, 1)
    c5 = _box_sum(ink, 2)
    specks = (ink == 1) & (c3 <= 3) & (c5 == c3)
    if not specks.any():
        return arr
    out = arr.copy()
    out[specks] = 255
    return out


def skew_angle(arr: np.ndarray, max_deg: float = 3.0, step: float = 0.2) -> float:
    """Skew in degrees from the sharpness of the row profile of a sheared, reduced image."""
    small = arr[::4, ::4] < 128
    h, w = small.shape
    if h < 50 or w < 50 or small.mean() < 0.002:
        return 0.0
    cols = np.arange(w)
    ys, xs = np.nonzero(small)

    def score(deg: float) -> float:
        shift = np.round(cols * np.tan(np.radians(deg))).astype(int)
        rows = np.bincount(ys - shift[xs] + w, minlength=h + 2 * w)
        return float(np.sum(np.diff(rows.astype(np.int64)) ** 2))

    coarse = max(np.arange(-max_deg, max_deg + 1e-9, step), key=score)
    fine = max(np.arange(coarse - step, coarse + step + 1e-9, step / 4), key=score)
    return float(fine)


def deskew(arr: np.ndarray) -> np.ndarray:
    """Undo a small skew by shearing columns (for under 3 degrees, as good as a rotation)."""
    deg = skew_angle(arr)
    if abs(deg) < 0.3:
        return arr
    h, w = arr.shape
    shift = np.round(np.arange(w) * np.tan(np.radians(deg))).astype(int)
    pad = int(np.abs(shift).max()) + 1
    out = np.full((h + 2 * pad, w), 255, dtype=np.uint8)
    for x in range(w):
        y0 = pad - shift[x]
        out[y0: y0 + h, x] = arr[:, x]
    return out[pad: pad + h]


def prepare(arr: np.ndarray, px_per_pt: float) -> tuple[np.ndarray, float]:
    """Binarise (grey and colour scans), clear dark borders, deskew and despeckle at the scan's
    own resolution, then scale: up to about LOW_DPI when the scan is under MIN_DPI, down to
    about TARGET_DPI when it is far over. Returns (image, new pixels per point)."""
    dpi = px_per_pt * 72.0
    arr = binarise(arr, dpi)
    arr = clear_border(arr)
    arr = deskew(arr)
    arr = remove_specks(arr)
    factor = 1.0
    if dpi < MIN_DPI:
        factor = round(4 * LOW_DPI / dpi) / 4  # quarter steps
    elif dpi > 1.6 * TARGET_DPI:
        factor = max(0.25, round(4 * TARGET_DPI / dpi) / 4)
    if factor != 1.0:
        arr = resize(arr, factor)
        px_per_pt *= factor
    return arr, px_per_pt


def write_pgm(arr: np.ndarray, path: str) -> None:
    h, w = arr.shape
    with open(path, "wb") as fh:
        fh.write(b"P5\n%d %d\n255\n" % (w, h))
        fh.write(np.ascontiguousarray(arr, dtype=np.uint8).tobytes())


# --- Tesseract --------------------------------------------------------------------------------

def run_tesseract(image_path: str, dpi: int, timeout: float, psm: int | None = None) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    psm = PSM if psm is None else psm
    cmd = [tesseract_path() or "tesseract", image_path, "stdout", "-l", LANG, "--oem", "1", "--psm", str(psm),
           "--dpi", str(dpi), "tsv"]
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip()[-300:] or f"tesseract exit {proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


_JUNK_RE = regex.compile(r"^[\p{P}\p{S}_]+$")
_KEEP_PUNCT = {"-", "+", "./.", "/.", "–", "*", "•"}
_LETTERS_RE = regex.compile(r"\p{L}")


def tsv_words(tsv: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows:
        return []
    head = rows[0]
    out = []
    for row in rows[1:]:
        if len(row) != len(head):
            continue
        d = dict(zip(head, row))
        if d.get("level") != "5" or not d.get("text", "").strip():
            continue
        out.append({
            "key": (int(d["block_num"]), int(d["par_num"]), int(d["line_num"])),
            "x0": int(d["left"]), "y0": int(d["top"]),
            "x1": int(d["left"]) + int(d["width"]), "y1": int(d["top"]) + int(d["height"]),
            "conf": float(d["conf"]), "text": d["text"].strip(),
        })
    return out


def _keep_word(w: dict) -> bool:
    t = w["text"]
    if _JUNK_RE.match(t) and t not in _KEEP_PUNCT:
        return False  # rulings, specks: "————", "=", "§"
    if w["conf"] < 25 and not regex.search(r"[\p{L}\d]", t):
        return False
    return True


def words_to_lines(words: list[dict], px_per_pt: float, page_no: int) -> list[Line]:
    """Tesseract words → Lines in points; a line is split at a gap much wider than its word gaps
    (the two columns of a document header share a baseline; between capitals an em is enough), and a
    line whose tallest word is under half the page's usual word height is dropped: specks of a
    ruling or a seal read as letters ("La Lá Lá .A"); small print (footnotes) is 0.7 of the
    body size and has ascenders and diacritics."""
    groups: dict[tuple, list[dict]] = {}
    for w in words:
        groups.setdefault(w["key"], []).append(w)
    page_h = [w["y1"] - w["y0"] for w in words if _LETTERS_RE.search(w["text"])]
    page_h = statistics.median(page_h) if page_h else 0
    out: list[Line] = []
    for key in sorted(groups, key=lambda k: k):
        ws = sorted(groups[key], key=lambda w: w["x0"])
        heights = [w["y1"] - w["y0"] for w in ws if _LETTERS_RE.search(w["text"])]
        h = statistics.median(heights) if heights else statistics.median(w["y1"] - w["y0"] for w in ws)
        gaps = [b["x0"] - a["x1"] for a, b in zip(ws, ws[1:])]
        typical = statistics.median(gaps) if gaps else 0
        pieces: list[list[dict]] = [[ws[0]]]
        for w in ws[1:]:
            gap = w["x0"] - pieces[-1][-1]["x1"]
            prev = pieces[-1][-1]["text"]
            caps = prev.isupper() and w["text"].isupper()  # issuer | motto: sometimes only an em apart
            if gap > (0.9 if caps else 1.2) * h and gap > (2.5 if caps else 3) * max(typical, 1):
                pieces.append([w])
            else:
                pieces[-1].append(w)
        for piece in pieces:
            kept = [w for w in piece if _keep_word(w)]
            if not kept:
                continue
            confs = [w["conf"] for w in kept]
            letters = sum(len(_LETTERS_RE.findall(w["text"])) for w in kept)
            if statistics.mean(confs) < 45 and (len(kept) < 3 or letters < 6):
                continue  # handwriting, seal or stamp fragments
            tallest = max((w["y1"] - w["y0"] for w in kept if _LETTERS_RE.search(w["text"])), default=0)
            if letters and tallest < 0.5 * page_h:
                continue
            text = repair(" ".join(w["text"] for w in kept))
            if _ocr_stamp_re().match(text):
                continue
            x0 = min(w["x0"] for w in kept) / px_per_pt
            x1 = max(w["x1"] for w in kept) / px_per_pt
            y0 = min(w["y0"] for w in kept) / px_per_pt
            y1 = max(w["y1"] for w in kept) / px_per_pt
            out.append(Line(x0, y0, x1, y1, text, size=round(h / px_per_pt / 0.7, 1), page=page_no))
    return out


def _ocr_stamp_re() -> regex.Pattern:
    global _STAMP_RE
    if _STAMP_RE is None:
        from .. import rules
        pats = rules.load("chrome.yaml").get("ocr_stamp_lines", [])
        _STAMP_RE = regex.compile("|".join(f"(?:{p})" for p in pats) or r"(?!)")
    return _STAMP_RE


_STAMP_RE: regex.Pattern | None = None


# --- repairs of numbers and dates -------------------------------------------------------------

_DIGITISH = {"l": "1", "I": "1", "|": "1", "O": "0", "o": "0", "D": "0", "S": "5", "B": "8"}
_NUMBER_RE = regex.compile(r"(?<![\p{L}\d])([\dlIO|o]{1,5})(/\d{4})?(/[A-ZĐÐ][A-ZĐÐa-z\-]{1,20})")
_SO_RE = regex.compile(r"^\s*S[óôốồổộơớờ6o]\s*[:;]", regex.MULTILINE)
_CODE_D_RE = regex.compile(r"(?<=[/\-])(Q|N|T|C|K|H)D(?=-)")
_DATE_RE = regex.compile(r"(ngày|tháng|năm)\s+([\dlIÌÍÏOo|]{1,4})(?![\p{L}\d])")
_STROKES = set("1lIÌÍÏ|")
# a full stop between a word and a lower-case word is a comma that lost its tail: in the bulk
# corpus (45 MB) "word. lower" occurs 7 times (Latin plant names), "word, lower" 75,000 times
_STOP_FOR_COMMA_RE = regex.compile(r"(?<![\p{L}\d.])(\p{L}{2,})\.(?= \p{Ll})")


def _fix_digits(s: str) -> str:
    return "".join(_DIGITISH.get(ch, ch) for ch in s) if any(ch.isdigit() for ch in s) or len(s) <= 2 else s


def repair(text: str) -> str:
    """Certain fixes only: a number before '/YYYY/CODE' or '/CODE' is digits; after 'ngày',
    'tháng', 'năm' a token that is mostly digits is digits; 'Só:' at a line start is 'Số:';
    in document codes 'QD-', 'ND-' are 'QĐ-', 'NĐ-' (Vietnamese codes never use a plain D there);
    after 'ngày'/'tháng' one or two vertical strokes ('l', 'I', 'Ì') are 1 or 11; a full stop
    between a word and a lower-case word is a comma."""
    text = text.replace("\u00d0", "\u0110")
    text = _SO_RE.sub("Số:", text)

    def num(m: regex.Match) -> str:
        digits = m.group(1)
        if not any(ch.isdigit() for ch in digits):
            return m.group(0)
        return _fix_digits(digits) + (m.group(2) or "") + m.group(3)

    text = _NUMBER_RE.sub(num, text)
    text = _CODE_D_RE.sub(lambda m: m.group(1) + "Đ", text)

    def date(m: regex.Match) -> str:
        tok = m.group(2)
        if sum(ch.isdigit() for ch in tok) >= max(1, len(tok) - 1):
            return f"{m.group(1)} {_fix_digits(tok)}"
        if m.group(1) != "năm" and len(tok) <= 2 and set(tok) <= _STROKES:
            return f"{m.group(1)} {'1' * len(tok)}"  # "tháng lÌ": only vertical strokes, so 1 or 11
        return m.group(0)

    text = _DATE_RE.sub(date, text)
    return _STOP_FOR_COMMA_RE.sub(r"\1,", text)


# --- diacritics: choosing between readings with a syllable-pair model -----------------------

class SyllableModel:
    """Counts of syllables and syllable pairs (rules/encodings/vi_syllable_counts.tsv).

    Tesseract's Vietnamese model often reads the right letters with the wrong marks ("Chú tịch",
    "đê nghị", "cơ cẩu"). Every reading with the same bare letters is a candidate; the one that
    fits its neighbours best replaces the OCR word when it fits much better (a factor of e^10),
    so correct words, names and rare words are left alone (the margin is the best of 2-10 on the
    synthetic scan benchmark, scripts/synthetic_scans.py).
    """

    MARGIN = 6.0

    def __init__(self, path) -> None:
        from ..textutil import ascii_fold, fold

        self.uni: dict[str, int] = {}
        self.bi: dict[tuple[str, str], int] = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#") or line.startswith("first\t"):
                    continue
                a, b, c = line.rstrip("\n").split("\t")
                if b:
                    self.bi[(a, b)] = int(c)
                else:
                    self.uni[a] = int(c)
        self.total = sum(self.uni.values()) or 1
        self.by_skeleton: dict[str, list[str]] = {}
        for w in self.uni:
            self.by_skeleton.setdefault(ascii_fold(w), []).append(w)
        self._fold = fold
        self._ascii_fold = ascii_fold

    def _p_uni(self, w: str) -> float:
        import math
        return math.log((self.uni.get(w, 0) + 0.5) / self.total)

    def _p_bi(self, a: str, b: str) -> float:
        import math
        ca = self.uni.get(a, 0)
        pb = (self.uni.get(b, 0) + 0.5) / self.total
        if not ca:
            return math.log(pb)
        lam = 20.0
        return math.log((self.bi.get((a, b), 0) + lam * pb) / (ca + lam))

    def score(self, prev: str | None, w: str, nxt: str | None) -> float:
        s = self._p_uni(w) if prev is None else self._p_bi(prev, w)
        if nxt is not None:
            s += self._p_bi(w, nxt) - self._p_uni(nxt)
        return s

    def correct_line(self, line: str, left: str | None = None, right: str | None = None) -> str:
        """`left`/`right`: the syllables just before and after the line (the neighbouring lines of
        the same paragraph), used as context only."""
        toks = list(_WORD_TOKEN_RE.finditer(line))
        if not toks:
            return line
        low = [t.group(0).lower() for t in toks]
        out = list(low)
        adjacent = lambda j, k: line[toks[j].end():toks[k].start()] == " "  # as the counts were made
        left = left if left and toks[0].start() == 0 else None
        right = right if right and toks[-1].end() == len(line) else None
        for i, w in enumerate(low):
            if w.isascii() and w not in self.uni and len(w) > 1 and toks[i].group(0)[:1].isupper():
                continue  # names and codes in capitals ("TTg", "BNV")
            cands = self.by_skeleton.get(self._ascii_fold(w))
            if not cands or (len(cands) == 1 and cands[0] == w):
                continue
            prev = (out[i - 1] if adjacent(i - 1, i) else None) if i > 0 else left
            nxt = (low[i + 1] if adjacent(i, i + 1) else None) if i + 1 < len(low) else right
            base = self.score(prev, w, nxt)
            best, best_s = w, base
            for c in cands:
                if c == w or self._fold(c) == self._fold(w):
                    continue  # "hoà"/"hòa": the same word in the old tone placement
                sc = self.score(prev, c, nxt)
                if sc > best_s:
                    best, best_s = c, sc
            if best != w and best_s - base > self.MARGIN:
                out[i] = best
        if out == low:
            return line
        parts, last = [], 0
        for t, new, old in zip(toks, out, low):
            parts.append(line[last:t.start()])
            parts.append(t.group(0) if new == old else _same_case(t.group(0), new))
            last = t.end()
        parts.append(line[last:])
        return "".join(parts)


_WORD_TOKEN_RE = regex.compile(r"\p{L}+")


def _same_case(src: str, word: str) -> str:
    if len(src) > 1 and src.isupper():
        return word.upper()
    if src[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


_MODEL: SyllableModel | None = None


def syllable_model() -> SyllableModel:
    global _MODEL
    if _MODEL is None:
        from .. import rules
        _MODEL = SyllableModel(rules.RULES_DIR / "encodings" / "vi_syllable_counts.tsv")
    return _MODEL


def _same_paragraph(a: Line, b: Line) -> bool:
    """b is the line right under a, overlapping it horizontally (a paragraph's next line)."""
    h = max(a.height, 1.0)
    return 0 <= b.y0 - a.y1 < 0.8 * h and min(a.x1, b.x1) > max(a.x0, b.x0)


def fix_line_end_stops(lines: list[Line]) -> list[Line]:
    """A line that ends in 'word.' and whose paragraph goes on in lower case on the next line
    ends in a comma (the comma's tail lost, as inside a line: see repair)."""
    for a, b in zip(lines, lines[1:]):
        if b.text[:1].islower() and _LINE_END_STOP_RE.search(a.text) and _same_paragraph(a, b):
            a.text = a.text[:-1] + ","
    return lines


_LINE_END_STOP_RE = regex.compile(r"(?<![\p{L}\d.])\p{L}{2,}\.$")


def fix_preamble_semicolons(lines: list[Line]) -> list[Line]:
    """A line ending in ',' right before a preamble paragraph ("Căn cứ …", "Xét …") ends the
    previous preamble paragraph, which ends in ';' (rules/chrome.yaml ocr_preamble_starts)."""
    starts = _preamble_re()
    for a, b in zip(lines, lines[1:]):
        if a.text.endswith(",") and starts.match(b.text):
            a.text = a.text[:-1] + ";"
    return lines


@functools.lru_cache(maxsize=1)
def _preamble_re() -> regex.Pattern:
    from .. import rules
    starts = rules.load("chrome.yaml").get("ocr_preamble_starts", [])
    return regex.compile(r"^\s*(?:" + "|".join(regex.escape(s) for s in starts) + r")\b" if starts else r"(?!)")


def correct_diacritics(lines: list[Line]) -> list[Line]:
    """Diacritics chosen from context (SyllableModel), a line's neighbours in its paragraph
    giving the context of its first and last syllable."""
    model = syllable_model()
    texts = [ln.text for ln in lines]
    for i, ln in enumerate(lines):
        left = right = None
        if i > 0 and _same_paragraph(lines[i - 1], ln):
            m = _LAST_SYLLABLE_RE.search(texts[i - 1])
            left = m.group(0).lower() if m else None
        if i + 1 < len(lines) and _same_paragraph(ln, lines[i + 1]):
            m = _FIRST_SYLLABLE_RE.match(texts[i + 1])
            right = m.group(0).lower() if m else None
        ln.text = model.correct_line(ln.text, left, right)
    return lines


_LAST_SYLLABLE_RE = regex.compile(r"\p{L}+$")
_FIRST_SYLLABLE_RE = regex.compile(r"^\p{L}+")


# --- pages ------------------------------------------------------------------------------------

# --- a second look at ink the page segmentation skipped -----------------------------------------

CELL = 16            # px: grid of the search for unread ink
MAX_REGIONS = 4      # second-pass crops per page (time)
SECOND_PASS_CONF = 50


def unread_regions(arr: np.ndarray, words: list[dict]) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of ink that no word of the first pass covers, largest first.

    Tesseract's page segmentation (--psm 3) takes a seal or a signature over text for a picture
    and skips the whole block, text and all (synthetic 1-bit scans with a seal: a third of a page
    lost). Ink outside every word box, in cells of CELL px, grouped into 8-connected regions of
    at least a few words' size, is worth a second look."""
    ink = arr < 128
    covered = np.zeros_like(ink)
    for w in words:
        pad = max(2, (w["y1"] - w["y0"]) // 3)
        covered[max(0, w["y0"] - pad): w["y1"] + pad, max(0, w["x0"] - pad): w["x1"] + pad] = True
    left = ink & ~covered
    h, w_ = left.shape
    hc, wc = h // CELL, w_ // CELL
    if hc == 0 or wc == 0:
        return []
    cells = left[: hc * CELL, : wc * CELL].reshape(hc, CELL, wc, CELL).sum(axis=(1, 3)) >= CELL // 2
    seen = np.zeros_like(cells)
    boxes = []
    for cy, cx in zip(*np.nonzero(cells)):
        if seen[cy, cx]:
            continue
        stack, members = [(cy, cx)], []
        seen[cy, cx] = True
        while stack:
            y, x = stack.pop()
            members.append((y, x))
            for ny in (y - 1, y, y + 1):
                for nx in (x - 1, x, x + 1):
                    if 0 <= ny < hc and 0 <= nx < wc and cells[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        ys = [m[0] for m in members]
        xs = [m[1] for m in members]
        bw, bh = (max(xs) - min(xs) + 1) * CELL, (max(ys) - min(ys) + 1) * CELL
        if len(members) >= 12 and bw >= 6 * CELL:
            boxes.append((len(members), (min(xs) * CELL, min(ys) * CELL, (max(xs) + 1) * CELL, (max(ys) + 1) * CELL)))
    boxes.sort(key=lambda b: -b[0])
    return [b for _, b in boxes[:MAX_REGIONS]]


def second_pass_words(arr: np.ndarray, words: list[dict], dpi: int, timeout: float, tmp: str) -> list[dict]:
    """Words read in the regions the first pass skipped: each region is cropped with the words
    already read painted white (so nothing is read twice) and read as one block of text
    (--psm 6, which rejects no picture); only confident words are kept."""
    out = []
    for k, (x0, y0, x1, y1) in enumerate(unread_regions(arr, words)):
        m = CELL
        x0, y0, x1, y1 = max(0, x0 - m), max(0, y0 - m), min(arr.shape[1], x1 + m), min(arr.shape[0], y1 + m)
        crop = arr[y0:y1, x0:x1].copy()
        for w in words:
            crop[max(0, w["y0"] - y0 - 1): max(0, w["y1"] - y0 + 1), max(0, w["x0"] - x0 - 1): max(0, w["x1"] - x0 + 1)] = 255
        path = os.path.join(tmp, f"region{k}.pgm")
        write_pgm(crop, path)
        for w in tsv_words(run_tesseract(path, dpi, timeout, psm=6)):
            if w["conf"] < SECOND_PASS_CONF or not regex.search(r"[\p{L}\d]", w["text"]):
                continue
            w.update(x0=w["x0"] + x0, x1=w["x1"] + x0, y0=w["y0"] + y0, y1=w["y1"] + y0, key=(k,) + w["key"])
            out.append(w)
    return out


def merge_words(first: list[dict], second: list[dict]) -> list[dict]:
    """Second-pass words join the first-pass line they share a baseline with (the right part of a
    line the seal covered), else form lines of their own placed after the line above them."""
    bands: dict[tuple, list[int]] = {}
    for w in first:
        b = bands.setdefault(w["key"], [w["x0"], w["y0"], w["x1"], w["y1"]])
        b[0], b[1], b[2], b[3] = min(b[0], w["x0"]), min(b[1], w["y0"]), max(b[2], w["x1"]), max(b[3], w["y1"])
    out = list(first)
    for w in second:
        hw = max(1, w["y1"] - w["y0"])
        best, best_ov = None, 0.5 * hw
        for key, (bx0, by0, bx1, by1) in bands.items():
            ov = min(by1, w["y1"]) - max(by0, w["y0"])
            if ov > best_ov:
                best, best_ov = key, ov
        if best is not None:
            out.append(dict(w, key=best))
            continue
        above = [key for key, b in bands.items() if b[3] <= (w["y0"] + w["y1"]) / 2]
        anchor = max(above, key=lambda key: bands[key][3]) if above else (0,)
        out.append(dict(w, key=anchor + ("+",) + w["key"]))
    return out


def ocr_image(arr: np.ndarray, px_per_pt: float, page_no: int, timeout: float) -> list[Line]:
    dpi = int(round(px_per_pt * 72))
    with tempfile.TemporaryDirectory(prefix="vanban-ocr-") as tmp:
        path = os.path.join(tmp, f"p{page_no}.pgm")
        write_pgm(arr, path)
        words = tsv_words(run_tesseract(path, dpi, timeout))
        if SECOND_PASS:
            words = merge_words(words, second_pass_words(arr, words, dpi, timeout, tmp))
    lines = words_to_lines(words, px_per_pt, page_no)
    return correct_diacritics(fix_preamble_semicolons(fix_line_end_stops(lines)))


SECOND_PASS = True


def ocr_pages(doc, page_numbers: list[int], ctx: Context) -> dict[int, tuple[list[Line], str | None]]:
    """OCR the given pages; {page: (lines, error message or None)}. Pages are prepared and read
    in parallel (one Tesseract process per page, OMP_THREAD_LIMIT=1)."""
    if tesseract_path() is None:
        raise IngestError(f"{ctx.path}: {len(page_numbers)} page(s) are scanned images and need OCR, but the "
                          f"'tesseract' program is not installed (Debian: apt-get install tesseract-ocr "
                          f"tesseract-ocr-vie), or run with --ocr never", stage="ocr", error_type="no_tesseract",
                          path=ctx.path)
    results: dict[int, tuple[list[Line], str | None]] = {}
    workers = max(1, min(len(page_numbers), os.cpu_count() or 1))

    def work(i: int, arr: np.ndarray, scale: float):
        try:
            arr, scale = prepare(arr, scale)  # numpy: runs alongside the other pages
            return i, ocr_image(arr, scale, i, ctx.limits.ocr_page_timeout_s), None
        except subprocess.TimeoutExpired:
            return i, [], f"OCR took longer than {ctx.limits.ocr_page_timeout_s:.0f} s (VANBAN_OCR_PAGE_TIMEOUT)"
        except Exception as exc:  # one bad page must not cost the others
            return i, [], f"OCR failed: {exc}"

    # page images are taken in this thread (PyMuPDF is not thread-safe) and handed on at once; at
    # most two per worker wait, so a long scan does not hold all its pages in memory
    pending: collections.deque = collections.deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i in page_numbers:
            ctx.check_time(f"preparing page {i + 1} for OCR")
            arr, scale = page_image(doc, doc.load_page(i))
            pending.append(pool.submit(work, i, arr, scale))
            while len(pending) >= 2 * workers:
                j, lines, err = pending.popleft().result()
                results[j] = (lines, err)
        while pending:
            j, lines, err = pending.popleft().result()
            results[j] = (lines, err)
    return results


# --- measuring OCR ----------------------------------------------------------------------------

def levenshtein(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute; each 1), one numpy row at a time."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    bb = np.array([ord(c) for c in b], dtype=np.int64)
    idx = np.arange(1, len(b) + 1)
    prev = np.arange(len(b) + 1)
    for i, ch in enumerate(a, 1):
        sub = prev[:-1] + (bb != ord(ch))
        dele = prev[1:] + 1
        best = np.minimum(sub, dele)
        # insertions run left to right: cur[j] = min_k<=j (best_k + j - k), with cur[0] = i
        cur = np.minimum.accumulate(np.concatenate(([i], best - idx))) + np.concatenate(([0], idx))
        prev = cur
    return int(prev[-1])


def cer(hypothesis: str, reference: str) -> float:
    """Character error rate: edit distance / reference length, on NFC text with all white
    space runs made one space (line breaks and paragraph layout are not counted)."""
    import unicodedata

    norm = lambda s: " ".join(unicodedata.normalize("NFC", s).split())
    h, r = norm(hypothesis), norm(reference)
    return levenshtein(h, r) / max(1, len(r))


def page_text(path: str, page: int = 0, ocr: str = "always") -> str:
    """OCR text of one page of a PDF, laid out as read() would lay it out (for CER checks)."""
    import pymupdf

    from . import Context, Limits
    from .pdf import Page, layout_text
    import time

    ctx = Context(path=path, ocr=ocr, limits=Limits.from_env(), deadline=time.monotonic() + 600)
    doc = pymupdf.open(path)
    try:
        p = doc.load_page(page)
        lines, err = ocr_pages(doc, [page], ctx)[page]
        if err:
            raise IngestError(err, stage="ocr", error_type="ocr_failed", path=path)
        return layout_text([Page(page, p.rect.width, p.rect.height, lines, ocr=True)])
    finally:
        doc.close()
