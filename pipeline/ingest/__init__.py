"""Ingestion: any accepted input file → `RawDocument` (decoded text plus facts about the source).

`read(path)` picks a reader by the file's extension (and by its first bytes when the extension
lies: a PDF saved as .txt is still read as a PDF). Every reader returns text that
`normalize(raw.text, raw.hard_wrapped)` turns into the same `documents.text` a plain file of the
document would give. Failures raise `IngestError`, whose `stage` and `error_type` go straight
into errors.parquet, and whose message says what happened and what to do about it.

Limits (environment variables, so that a run can raise them without code changes):
VANBAN_MAX_FILE_MB (default 200), VANBAN_MAX_PAGES (PDF pages, default 500),
VANBAN_MAX_LINE_CHARS (default 1,000,000), VANBAN_INGEST_TIMEOUT (seconds per document,
default 600), VANBAN_OCR_PAGE_TIMEOUT (seconds per OCR'd page, default 120).
"""
from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..models import ErrorRecord, RawDocument

__all__ = ["IngestError", "Limits", "read", "read_bytes", "READERS", "register"]


class IngestError(Exception):
    """An input that could not be turned into text.

    stage: "read" (the file itself), "decode" (its bytes are not text we can decode), "ocr".
    error_type: a short stable key ("not_found", "encrypted", "binary", …) for errors.parquet.
    """

    def __init__(self, message: str, *, stage: str = "read", error_type: str = "error", path: str | None = None):
        super().__init__(message)
        self.stage = stage
        self.error_type = error_type
        self.path = path

    @property
    def message(self) -> str:
        return str(self)

    def record(self, source_path: str | None = None, source_sha256: str | None = None) -> ErrorRecord:
        return ErrorRecord(source_path=source_path or self.path or "", stage=self.stage,
                           error_type=self.error_type, message=str(self), source_sha256=source_sha256)


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pages: int
    max_line_chars: int
    timeout_s: float
    ocr_page_timeout_s: float

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(
            max_bytes=_env_int("VANBAN_MAX_FILE_MB", 200) * 1024 * 1024,
            max_pages=_env_int("VANBAN_MAX_PAGES", 500),
            max_line_chars=_env_int("VANBAN_MAX_LINE_CHARS", 1_000_000),
            timeout_s=float(_env_int("VANBAN_INGEST_TIMEOUT", 600)),
            ocr_page_timeout_s=float(_env_int("VANBAN_OCR_PAGE_TIMEOUT", 120)),
        )


@dataclass
class Context:
    """What a reader gets besides the path: options, limits and the document's deadline."""
    path: str
    ocr: str
    limits: Limits
    deadline: float

    def check_time(self, what: str) -> None:
        if time.monotonic() > self.deadline:
            raise IngestError(f"gave up after {self.limits.timeout_s:.0f} s while {what}; the file is too large "
                              f"or too slow to read (raise VANBAN_INGEST_TIMEOUT to allow more time)",
                              stage="read", error_type="timeout", path=self.path)


Reader = Callable[[Context], RawDocument]
READERS: dict[str, Reader] = {}


def register(*extensions: str) -> Callable[[Reader], Reader]:
    """Register a reader for file extensions (lower case, with the dot)."""
    def deco(fn: Reader) -> Reader:
        for ext in extensions:
            READERS[ext] = fn
        return fn
    return deco


_OS_ERRORS = {
    errno.ENOENT: ("not_found", "the file does not exist (it may have been moved or deleted while the run was going on)"),
    errno.ELOOP: ("symlink_loop", "the path is a symbolic link that points back to itself (a link loop); fix or remove the link"),
    errno.EACCES: ("permission", "permission denied; make the file readable for this user"),
    errno.EISDIR: ("is_directory", "the path is a folder, not a file"),
    errno.ENAMETOOLONG: ("bad_path", "the path is too long"),
}


def os_error(path: str, exc: OSError) -> IngestError:
    kind, what = _OS_ERRORS.get(exc.errno or 0, ("os_error", f"the file could not be read ({exc.strerror or exc})"))
    return IngestError(f"{path}: {what}", stage="read", error_type=kind, path=path)


def read_bytes(path: str, limits: Limits | None = None) -> bytes:
    """The file's bytes, with OS errors and oversize files turned into IngestError."""
    limits = limits or Limits.from_env()
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_bytes:
                raise IngestError(f"{path}: the file is {size / 2**20:.0f} MB, over the {limits.max_bytes / 2**20:.0f} MB "
                                  f"limit (VANBAN_MAX_FILE_MB); split it or raise the limit",
                                  stage="read", error_type="too_large", path=path)
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise os_error(path, exc) from None
    if not data:
        raise IngestError(f"{path}: the file is empty (0 bytes); nothing to read", stage="read", error_type="empty", path=path)
    return data


def sniff(data: bytes) -> str | None:
    """The format the first bytes announce, whatever the extension says."""
    head = data[:1024].lstrip()
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return ".docx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".doc"
    low = head[:512].lower()
    if low.startswith((b"<!doctype html", b"<html")) or (low.startswith(b"<?xml") and b"<html" in low):
        return ".html"
    return None


def read(path: str, *, ocr: str = "auto") -> RawDocument:
    """Read one input file into a RawDocument. Raises IngestError (never anything else for bad input)."""
    if ocr not in ("auto", "always", "never"):
        raise ValueError(f"ocr must be 'auto', 'always' or 'never', not {ocr!r}")
    _load_readers()
    path = os.fspath(path)
    limits = Limits.from_env()
    ext = Path(path).suffix.lower()
    try:
        if os.path.isdir(path):
            raise IngestError(f"{path}: the path is a folder, not a file", stage="read", error_type="is_directory", path=path)
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise os_error(path, exc) from None
    if not head:
        raise IngestError(f"{path}: the file is empty (0 bytes); nothing to read", stage="read", error_type="empty", path=path)
    sniffed = sniff(head)
    # trust the first bytes over the name where names are known to lie: a "text" file that is a
    # PDF or a Word file, a .doc that is really a .docx and the other way round
    if sniffed and sniffed != ext and (ext in (".txt", ".text", "") or {ext, sniffed} == {".doc", ".docx"}):
        ext = sniffed
    reader = READERS.get(ext)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise IngestError(f"{path}: unsupported file type {ext or '(no extension)'!r}; accepted: {known}",
                          stage="read", error_type="unsupported", path=path)
    ctx = Context(path=path, ocr=ocr, limits=limits, deadline=time.monotonic() + limits.timeout_s)
    try:
        return reader(ctx)
    except IngestError as exc:
        exc.path = exc.path or path
        raise
    except MemoryError:
        raise IngestError(f"{path}: ran out of memory while reading the file", stage="read", error_type="memory", path=path) from None
    except RecursionError:
        raise IngestError(f"{path}: the file is nested too deeply to read", stage="read", error_type="too_deep", path=path) from None


_LOADED = False


def _load_readers() -> None:
    """Import the reader modules (they register themselves); PyMuPDF and lxml load only here."""
    global _LOADED
    if _LOADED:
        return
    from . import docx, html, pdf, text  # noqa: F401
    _LOADED = True
