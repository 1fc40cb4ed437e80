"""Per-document result cache under `<out>/.vanban-cache/`, keyed by content and configuration.

A document's rows depend only on its bytes, the pipeline version, the rules and the options,
so the key is a hash of those. Engines write entries (one file per document, written to a
temporary name and renamed); the run's consolidation reads them back. Re-runs over unchanged
inputs only read entries, and a killed run leaves only complete entries behind.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__
from .rules import rules_fingerprint
from .schema import SCHEMA_VERSION

CACHE_DIRNAME = ".vanban-cache"


def config_key(ocr: str) -> str:
    h = hashlib.sha256(f"{__version__}|{SCHEMA_VERSION}|{rules_fingerprint()}|{ocr}".encode())
    return h.hexdigest()[:12]


class Cache:
    def __init__(self, out_dir: str | os.PathLike, ocr: str):
        self.root = Path(out_dir) / CACHE_DIRNAME
        self.config = config_key(ocr)

    def path_for(self, sha: str) -> Path:
        return self.root / self.config / sha[:2] / f"{sha}.pkl"

    def has(self, sha: str) -> bool:
        return self.path_for(sha).is_file()

    def load(self, sha: str):
        with open(self.path_for(sha), "rb") as fh:
            return pickle.load(fh)

    def store(self, sha: str, result) -> Path:
        path = self.path_for(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return path

    def prune(self, keep: set[str]) -> int:
        """Remove entries of other configurations and of documents no longer in the input."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for cfg in self.root.iterdir():
            if not cfg.is_dir():
                continue
            for sub in cfg.iterdir():
                for entry in sub.glob("*.pkl") if sub.is_dir() else []:
                    if cfg.name != self.config or entry.stem not in keep:
                        entry.unlink(missing_ok=True)
                        removed += 1
        return removed
