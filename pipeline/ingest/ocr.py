"""OCR of scanned PDF pages with Tesseract ('vie'), returning positioned lines for pdf.py's layout.

Why each step (measured on the dev scans, see scripts/ocr_cer.py):
- the page image is taken at its native resolution when one image covers the page (a scan):
  rendering the page would resample it and draw the signature-stamp overlay into it;
- it is scaled to about 300 dpi (Tesseract's LSTM reads small Vietnamese diacritics badly at
  the 150-200 dpi of office scanners), grey images are binarised (Otsu) and small skew is
  corrected from the projection profile;
- Tesseract runs once per page in its own process, OMP_THREAD_LIMIT=1, pages in parallel;
- its TSV output gives words with boxes: a line is split where a wide gap separates two
  columns (the document header), and specks, rulings and low-confidence noise from stamps,
  seals and handwriting are dropped;
- document numbers and dates are repaired where the pattern is certain (Ð/Đ, l/1, O/0).
"""
from __future__ import annotations

import csv
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

TARGET_DPI = 300
LANG = os.environ.get("VANBAN_OCR_LANG", "vie")


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


# --- page image -------------------------------------------------------------------------------

def _gray_array(pix) -> np.ndarray:
    import pymupdf

    if pix.alpha:
        pix = pymupdf.Pixmap(pix, 0)
    if pix.n != 1:
        pix = pymupdf.Pixmap(pymupdf.csGRAY, pix)
    arr = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[:, : pix.width]
    return arr.copy()


def page_image(doc, page) -> tuple[np.ndarray, float]:
    """(grey image, pixels per PDF point) of a page: the scan itself when one upright image
    covers the page, else the page rendered at TARGET_DPI."""
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
                arr = _gray_array(pix)
            except Exception:
                break
            sx = arr.shape[1] / bbox.width
            sy = arr.shape[0] / bbox.height
            if abs(sx - sy) / sx < 0.05 and bbox.x0 <= page.rect.x0 + 2 and bbox.y0 <= page.rect.y0 + 2:
                return arr, sx
            break
    pix = page.get_pixmap(dpi=TARGET_DPI, colorspace=pymupdf.csGRAY, annots=False)
    return _gray_array(pix), TARGET_DPI / 72.0


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


def binarise(arr: np.ndarray) -> np.ndarray:
    """Grey scans → black on white (a 1-bit scan is left as it is)."""
    values = np.unique(arr[:: max(1, arr.shape[0] // 200), :: max(1, arr.shape[1] // 200)])
    if len(values) <= 2:
        return arr
    t = otsu(arr)
    return np.where(arr > t, 255, 0).astype(np.uint8)


def skew_angle(arr: np.ndarray, max_deg: float = 3.0, step: float = 0.2) -> float:
    """Skew in degrees from the sharpness of the row profile of a sheared, reduced image."""
    small = arr[::4, ::4] < 128
    h, w = small.shape
    if h < 50 or w < 50 or small.mean() < 0.002:
        return 0.0
    cols = np.arange(w)
    best, best_score = 0.0, -1.0
    for deg in np.arange(-max_deg, max_deg + 1e-9, step):
        shift = np.round(cols * np.tan(np.radians(deg))).astype(int)
        rows = np.zeros(h + 2 * w, dtype=np.int64)
        ys, xs = np.nonzero(small)
        np.add.at(rows, ys - shift[xs] + w, 1)
        score = float(np.sum(np.diff(rows) ** 2))
        if score > best_score:
            best, best_score = float(deg), score
    return best


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
    """Binarise, deskew, then scale to about TARGET_DPI (the scaling smooths the 1-bit edges).
    Returns (image, new pixels per point)."""
    arr = binarise(arr)
    arr = deskew(arr)
    dpi = px_per_pt * 72.0
    if dpi < 0.8 * TARGET_DPI or dpi > 1.6 * TARGET_DPI:
        factor = max(0.25, round(4 * TARGET_DPI / dpi) / 4)  # quarter steps: 200 dpi scans x1.5
        arr = resize(arr, factor)
        px_per_pt *= factor
    return arr, px_per_pt


def write_pgm(arr: np.ndarray, path: str) -> None:
    h, w = arr.shape
    with open(path, "wb") as fh:
        fh.write(b"P5\n%d %d\n255\n" % (w, h))
        fh.write(np.ascontiguousarray(arr, dtype=np.uint8).tobytes())


# --- Tesseract --------------------------------------------------------------------------------

def run_tesseract(image_path: str, dpi: int, timeout: float, psm: int = 3) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    cmd = [tesseract_path() or "tesseract", image_path, "stdout", "-l", LANG, "--psm", str(psm), "--dpi", str(dpi), "tsv"]
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
    (the two columns of a document header share a baseline)."""
    groups: dict[tuple, list[dict]] = {}
    for w in words:
        groups.setdefault(w["key"], []).append(w)
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
            if gap > 1.2 * h and gap > 3 * max(typical, 1):
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
_DATE_RE = regex.compile(r"(ngày|tháng|năm)\s+([\dlIOo]{1,4})(?![\p{L}\d])")


def _fix_digits(s: str) -> str:
    return "".join(_DIGITISH.get(ch, ch) for ch in s) if any(ch.isdigit() for ch in s) or len(s) <= 2 else s


def repair(text: str) -> str:
    """Certain fixes only: a number before '/YYYY/CODE' or '/CODE' is digits; after 'ngày',
    'tháng', 'năm' a token that is mostly digits is digits; 'Só:' at a line start is 'Số:';
    in document codes 'QD-', 'ND-' are 'QĐ-', 'NĐ-' (Vietnamese codes never use a plain D there)."""
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
        return m.group(0)

    return _DATE_RE.sub(date, text)


# --- diacritics: choosing between readings with a syllable-pair model -----------------------

class SyllableModel:
    """Counts of syllables and syllable pairs (rules/encodings/vi_syllable_counts.tsv).

    Tesseract's Vietnamese model often reads the right letters with the wrong marks ("Chú tịch",
    "đê nghị", "cơ cẩu"). Every reading with the same bare letters is a candidate; the one that
    fits its neighbours best replaces the OCR word when it fits much better (a factor of e^10),
    so correct words, names and rare words are left alone.
    """

    MARGIN = 10.0

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

    def correct_line(self, line: str) -> str:
        toks = list(_WORD_TOKEN_RE.finditer(line))
        if not toks:
            return line
        low = [t.group(0).lower() for t in toks]
        out = list(low)
        for i, w in enumerate(low):
            if w.isascii() and w not in self.uni and len(w) > 1 and toks[i].group(0)[:1].isupper():
                continue  # names and codes in capitals ("TTg", "BNV")
            cands = self.by_skeleton.get(self._ascii_fold(w))
            if not cands or (len(cands) == 1 and cands[0] == w):
                continue
            adjacent = lambda j, k: toks[k].start() - toks[j].end() <= 1
            prev = out[i - 1] if i > 0 and adjacent(i - 1, i) else None
            nxt = low[i + 1] if i + 1 < len(low) and adjacent(i, i + 1) else None
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


def correct_diacritics(lines: list[Line]) -> list[Line]:
    model = syllable_model()
    for ln in lines:
        ln.text = model.correct_line(ln.text)
    return lines


# --- pages ------------------------------------------------------------------------------------

def ocr_image(arr: np.ndarray, px_per_pt: float, page_no: int, timeout: float) -> list[Line]:
    with tempfile.TemporaryDirectory(prefix="vanban-ocr-") as tmp:
        path = os.path.join(tmp, f"p{page_no}.pgm")
        write_pgm(arr, path)
        tsv = run_tesseract(path, int(round(px_per_pt * 72)), timeout)
    return correct_diacritics(words_to_lines(tsv_words(tsv), px_per_pt, page_no))


def ocr_pages(doc, page_numbers: list[int], ctx: Context) -> dict[int, tuple[list[Line], str | None]]:
    """OCR the given pages; {page: (lines, error message or None)}. Images are prepared in this
    thread (PyMuPDF is not thread-safe), Tesseract processes run in parallel."""
    if tesseract_path() is None:
        raise IngestError(f"{ctx.path}: {len(page_numbers)} page(s) are scanned images and need OCR, but the "
                          f"'tesseract' program is not installed (Debian: apt-get install tesseract-ocr "
                          f"tesseract-ocr-vie), or run with --ocr never", stage="ocr", error_type="no_tesseract",
                          path=ctx.path)
    jobs = []
    for i in page_numbers:
        ctx.check_time(f"preparing page {i + 1} for OCR")
        arr, scale = page_image(doc, doc.load_page(i))
        arr, scale = prepare(arr, scale)
        jobs.append((i, arr, scale))
    results: dict[int, tuple[list[Line], str | None]] = {}
    workers = max(1, min(len(jobs), os.cpu_count() or 1))

    def work(job):
        i, arr, scale = job
        try:
            return i, ocr_image(arr, scale, i, ctx.limits.ocr_page_timeout_s), None
        except subprocess.TimeoutExpired:
            return i, [], f"OCR took longer than {ctx.limits.ocr_page_timeout_s:.0f} s (VANBAN_OCR_PAGE_TIMEOUT)"
        except Exception as exc:  # one bad page must not cost the others
            return i, [], f"OCR failed: {exc}"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, lines, err in pool.map(work, jobs):
            results[i] = (lines, err)
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
