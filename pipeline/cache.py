"""Per-document result cache under `<out>/.vanban-cache/`, keyed by content and configuration.

A document's rows depend only on its bytes, the pipeline's code and rules and the options, so
an entry lives at `<config>/<sha[:2]>/<sha>.vbc`, where `config` hashes the code, rules and
options (computed once by the run's parent and handed to the workers, so an edit of the code
in the middle of a run cannot split one run over two configurations).

An entry is one file, written to a temporary name and renamed (a killed run leaves only
complete entries behind): a small JSON header (doc_id, the header fields the citation linker
needs, row counts) that the run reads without unpickling the rows, then the DocResult pickled
and zstd-compressed (documents.text dominates; it compresses about 5:1). These entries are the
"part files" of a distributed run: workers write them, the client consolidates them.

`HashIndex` remembers (size, mtime, ctime, inode) -> sha256 per input path, so a re-run does
not read the bytes of unchanged inputs again.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import struct
import tempfile
import time
from pathlib import Path

from . import __version__
from .rules import rules_fingerprint
from .schema import SCHEMA_VERSION

CACHE_DIRNAME = ".vanban-cache"
ENTRY_SUFFIX = ".vbc"
_MAGIC = b"VBC2"
_HEAD = struct.Struct("<4sBI")   # magic, codec, header length
_SIZE = struct.Struct("<Q")       # uncompressed payload length
_CODECS = {0: "none", 1: "zstd", 2: "zlib"}


def config_key(ocr: str) -> str:
    """Hash of everything besides the input bytes that a document's rows depend on."""
    h = hashlib.sha256(f"{__version__}|{SCHEMA_VERSION}|{rules_fingerprint()}|{ocr}".encode())
    return h.hexdigest()[:12]


def _compress(data: bytes) -> tuple[int, bytes]:
    try:
        import pyarrow as pa

        if pa.Codec.is_available("zstd"):
            return 1, pa.compress(data, codec="zstd", asbytes=True)
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    import zlib

    return 2, zlib.compress(data, 1)


def _decompress(codec: int, data: bytes, size: int) -> bytes:
    if codec == 1:
        import pyarrow as pa

        return pa.decompress(data, decompressed_size=size, codec="zstd", asbytes=True)
    if codec == 2:
        import zlib

        return zlib.decompress(data)
    return data


def encode_entry(meta: dict, result) -> bytes:
    """The bytes of one cache entry: header JSON + compressed pickle of the DocResult."""
    head = json.dumps(meta, ensure_ascii=False, default=str).encode("utf-8")
    payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    codec, body = _compress(payload)
    return _HEAD.pack(_MAGIC, codec, len(head)) + head + _SIZE.pack(len(payload)) + body


class CorruptEntry(Exception):
    """A cache entry that cannot be decoded (written by another version, or damaged on disk)."""


class Cache:
    def __init__(self, out_dir: str | os.PathLike, config: str):
        self.root = Path(out_dir) / CACHE_DIRNAME
        self.config = config

    @classmethod
    def for_options(cls, out_dir: str | os.PathLike, ocr: str) -> "Cache":
        return cls(out_dir, config_key(ocr))

    def path_for(self, sha: str) -> Path:
        return self.root / self.config / sha[:2] / f"{sha}{ENTRY_SUFFIX}"

    def has(self, sha: str) -> bool:
        return self.path_for(sha).is_file()

    def read_meta(self, sha: str) -> dict | None:
        """The entry's header, or None when there is no readable entry."""
        try:
            with open(self.path_for(sha), "rb") as fh:
                head = fh.read(_HEAD.size)
                if len(head) != _HEAD.size:
                    return None
                magic, _codec, n = _HEAD.unpack(head)
                if magic != _MAGIC:
                    return None
                return json.loads(fh.read(n).decode("utf-8"))
        except (OSError, ValueError, struct.error):
            return None

    def load(self, sha: str):
        """The DocResult of an entry; raises CorruptEntry when it cannot be decoded."""
        path = self.path_for(sha)
        try:
            data = path.read_bytes()
            magic, codec, n = _HEAD.unpack_from(data, 0)
            if magic != _MAGIC or codec not in _CODECS:
                raise CorruptEntry(f"{path}: not a vanban cache entry")
            pos = _HEAD.size + n
            (size,) = _SIZE.unpack_from(data, pos)
            return pickle.loads(_decompress(codec, data[pos + _SIZE.size:], size))
        except CorruptEntry:
            raise
        except Exception as e:  # truncated, unpicklable after a code change, decompression error
            raise CorruptEntry(f"{path}: {type(e).__name__}: {e}") from None

    def store(self, sha: str, result, meta: dict) -> Path:
        return self.store_bytes(sha, encode_entry(meta, result))

    def store_bytes(self, sha: str, data: bytes) -> Path:
        path = self.path_for(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return path

    def discard(self, sha: str) -> None:
        try:
            self.path_for(sha).unlink()
        except OSError:
            pass

    def prune(self, keep: set[str], stale_tmp_seconds: float = 3600.0) -> int:
        """Remove entries of other configurations (older code or rules) and of documents that are
        no longer inputs, and temporary files left by killed workers. Returns the count removed."""
        removed = 0
        if not self.root.is_dir():
            return 0
        now = time.time()
        for cfg in self.root.iterdir():
            if not cfg.is_dir():
                continue
            if cfg.name != self.config:
                _rmtree(cfg)
                removed += 1
                continue
            for sub in cfg.iterdir():
                if not sub.is_dir():
                    continue
                for entry in os.scandir(sub):
                    name = entry.name
                    if name.startswith(".tmp-"):
                        try:
                            if now - entry.stat().st_mtime > stale_tmp_seconds:
                                os.unlink(entry.path)
                        except OSError:
                            pass
                    elif name.endswith(ENTRY_SUFFIX) and name[:-len(ENTRY_SUFFIX)] not in keep:
                        try:
                            os.unlink(entry.path)
                            removed += 1
                        except OSError:
                            pass
        return removed


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


class HashIndex:
    """path -> sha256 for inputs whose (size, mtime, ctime, inode) did not change since hashed.

    A stat taken before hashing is only trusted when the file's mtime is older than the hash by
    a margin (the "racy git" rule), so a file written in the same clock tick is hashed again."""

    FILENAME = "hashes.pkl"
    RACY_SECONDS = 2.0

    def __init__(self, cache_root: str | os.PathLike):
        self.path = Path(cache_root) / self.FILENAME
        self.entries: dict[str, tuple] = {}
        self.fresh: dict[str, tuple] = {}
        try:
            with open(self.path, "rb") as fh:
                data = pickle.load(fh)
            if isinstance(data, dict):
                self.entries = data
        except Exception:  # missing or damaged: every input is hashed again
            self.entries = {}

    @staticmethod
    def _key(path: str) -> str:
        return os.path.abspath(path)

    def sha_of(self, path: str, st: os.stat_result, hash_file) -> str:
        """The file's sha256, from the index when its stat is unchanged, else by `hash_file(path)`."""
        key = self._key(path)
        sig = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        old = self.entries.get(key)
        if old is not None and old[0] == sig:
            self.fresh[key] = old
            return old[1]
        started = time.time()
        sha = hash_file(path)
        if started - st.st_mtime > self.RACY_SECONDS and started - st.st_ctime > self.RACY_SECONDS:
            self.fresh[key] = (sig, sha)
        return sha

    def forget(self, path: str) -> None:
        self.fresh.pop(self._key(path), None)

    def save(self) -> None:
        """Keep the entries of this run's inputs only (atomic write)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.path.parent)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(self.fresh, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass
