"""Shared fixtures: the real corpus next to the project and helpers to annotate a text."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("VANBAN_SHARED", ROOT.parent / "shared"))
DEV = SHARED / "corpus" / "dev"
BULK = SHARED / "corpus" / "bulk"
CONTRACT = SHARED / "contract"


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    assert DEV.is_dir(), f"the dev corpus is expected at {DEV} (set VANBAN_SHARED)"
    return DEV


def read_dev_text(name: str) -> str:
    return (DEV / name).read_text(encoding="utf-8")


def annotate(text: str, *, only: tuple[str, ...] | None = None, normalized: bool = False):
    """A Doc of `text` (normalized unless told) with the pipeline components run on it."""
    from pipeline.components import run_components
    from pipeline.document import Doc
    from pipeline.normalize import normalize

    return run_components(Doc(text=text if normalized else normalize(text)), only=only)
