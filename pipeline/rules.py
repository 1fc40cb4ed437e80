"""Loading the data files of `rules/` once per process.

Rules are data (YAML/TSV) so that a new form is a data change, not a code change. Each
loader is cached, so a worker process compiles every pattern once.
"""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any

import regex
import yaml

# libyaml's loader when built in: the rules load ten times faster than with the pure-Python one
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

RULES_DIR = Path(os.environ.get("VANBAN_RULES", Path(__file__).resolve().parent.parent / "rules"))

# Guard for every rule-driven pattern: no single match may run away on hostile input.
REGEX_TIMEOUT = float(os.environ.get("VANBAN_REGEX_TIMEOUT", "2.0"))


@functools.lru_cache(maxsize=None)
def load(name: str) -> Any:
    """Parsed content of rules/<name> (YAML)."""
    path = RULES_DIR / name
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


@functools.lru_cache(maxsize=None)
def compile_pattern(pattern: str, flags: int = 0) -> regex.Pattern:
    return regex.compile(pattern, flags | regex.V0)


def _tree_hash(root: Path, pattern: str) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def rules_fingerprint() -> str:
    """Hash of every rules file and of the package's code: part of the cache key, so editing a
    rule or a module re-runs the documents it may change."""
    return _tree_hash(RULES_DIR, "*") + _tree_hash(Path(__file__).resolve().parent, "*.py")


def scan_timeout(text: str | int) -> float:
    """Timeout for a `finditer` over `text`: the `regex` module counts the whole iteration,
    loop body included, so a fixed bound would cut long documents short; this grows with the
    text (10 µs a character on top of the per-pattern guard)."""
    n = text if isinstance(text, int) else len(text)
    return REGEX_TIMEOUT + n * 1e-5
