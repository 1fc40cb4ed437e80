"""Loading the data files of `rules/` once per process.

Rules are data (YAML/TSV) so that a new form is a data change, not a code change. Each
loader is cached, so a worker process compiles every pattern once.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterator
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


def first_chars(pattern: str, ignore_case: bool = False) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with, or None when that cannot be told
    (a class such as \\w, a negated set, a pattern that can match the empty string, syntax the
    standard parser does not know). Zero-width assertions are skipped (a superset is safe)."""
    import re._constants as C
    import re._parser as P

    def seq(items) -> tuple[set[str] | None, bool]:
        out: set[str] = set()
        for op, av in items:
            chars, nullable = item(op, av)
            if chars is None:
                return None, False
            out |= chars
            if not nullable:
                return out, False
        return out, True

    def item(op, av) -> tuple[set[str] | None, bool]:
        if op is C.LITERAL:
            return {chr(av)}, False
        if op is C.IN:
            chars: set[str] = set()
            for kind, v in av:
                if kind is C.LITERAL:
                    chars.add(chr(v))
                elif kind is C.RANGE and v[1] - v[0] < 64:
                    chars.update(chr(c) for c in range(v[0], v[1] + 1))
                else:
                    return None, False
            return chars, False
        if op is C.SUBPATTERN:
            return (None, False) if av[1] or av[2] else seq(av[3])
        if op is C.BRANCH:
            chars, nullable = set(), False
            for branch in av[1]:
                c, n = seq(branch)
                if c is None:
                    return None, False
                chars |= c
                nullable |= n
            return chars, nullable
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            c, n = seq(av[2])
            return c, n or av[0] == 0
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            return set(), True
        return None, False

    try:
        chars, nullable = seq(P.parse(pattern))
    except Exception:  # syntax of the regex module only (\p{L}, …): no guard
        return None
    if chars is None or nullable or not chars:
        return None
    if ignore_case:
        chars = {v for c in chars for v in (c, c.lower(), c.upper()) if len(v) == 1}
    return frozenset(chars)


def with_first_char_guard(pattern: str, ignore_case: bool = False, max_chars: int = 16) -> str:
    """`pattern` behind a lookahead for its possible first characters, when they are few: the
    standard library's engine then skips the other positions by that character set."""
    chars = first_chars(pattern, ignore_case)
    if not chars or len(chars) > max_chars:
        return pattern
    return "(?=[" + "".join(regex.escape(c) for c in sorted(chars)) + "])(?:" + pattern + ")"


def scanner(pattern: str) -> re.Pattern | regex.Pattern:
    """`pattern` compiled for a finditer over whole documents (e.g. every citation type word).

    The standard library's engine is used when it reads the pattern: with a first-character
    guard it skips positions that cannot start a match, where the `regex` module tries every
    alternative at every position (twice as fast on the citation anchors and assignment cues
    of the bulk corpus; the `regex` module is slower still with the guard). Only for linear
    patterns (literal tries, character classes): the standard engine has no timeout. Patterns
    in `regex`-only syntax (\\p{L}, …) stay with the `regex` module."""
    try:
        return re.compile(with_first_char_guard(pattern))
    except re.error:
        return regex.compile(pattern, regex.V0)


def scan(pattern: re.Pattern | regex.Pattern, text: str) -> Iterator:
    """pattern.finditer(text), with the growing timeout when the pattern is a `regex` one."""
    if isinstance(pattern, regex.Pattern):
        return pattern.finditer(text, timeout=scan_timeout(text))
    return pattern.finditer(text)
