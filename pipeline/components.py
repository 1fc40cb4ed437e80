"""The registry of pipeline components, in the manner of spaCy's `@Language.component`.

A component is a small named function `fn(doc) -> None` that reads the text and earlier span
layers of a `Doc` and stores its own layer in `doc.spans[name]` (or fills `doc.meta` /
`doc.sections`). `run_components` calls them in registration order; no if-chains.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .document import Doc


@dataclass(frozen=True)
class Component:
    name: str
    fn: Callable[[Doc], None]
    stage: str  # the errors.parquet stage a failure is reported under: structure or extract


_REGISTRY: dict[str, Component] = {}
_ORDER = ("header", "outline", "citations", "deadlines", "assignments", "targets")


def component(name: str, stage: str = "extract"):
    """Register `fn` as the pipeline component `name`."""
    def deco(fn: Callable[[Doc], None]) -> Callable[[Doc], None]:
        _REGISTRY[name] = Component(name, fn, stage)
        return fn
    return deco


_MODULES = ("structure.header", "structure.outline", "extract.citations", "extract.deadlines",
            "extract.assignments", "extract.targets")


def _load_all() -> None:
    """Import the component modules; importing runs their @component decorators."""
    import importlib

    for mod in _MODULES:
        importlib.import_module(f".{mod}", __package__)
    missing = [n for n in _ORDER if n not in _REGISTRY]
    if missing:  # a component that silently fails to register would write empty tables
        raise RuntimeError(f"pipeline components not registered: {', '.join(missing)}")


_loaded = False


def pipeline_components() -> list[Component]:
    global _loaded
    if not _loaded:
        _load_all()
        _loaded = True
    return [_REGISTRY[n] for n in _ORDER]


def run_components(doc: Doc, only: tuple[str, ...] | None = None) -> Doc:
    for comp in pipeline_components():
        if only is None or comp.name in only:
            comp.fn(doc)
    return doc
