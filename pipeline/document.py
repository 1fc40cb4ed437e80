"""The shared document object every pipeline component reads and annotates.

Like spaCy's `Doc`, it holds the text once and every layer of spans found in it
(`doc.spans["citations"]`, `doc.spans["assignments"]`, …); components are small named
functions that read earlier layers and add their own.
"""
from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .models import DocumentMeta, Section


def doc_id_for(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Doc:
    text: str
    source_path: str = ""
    source_format: str = "txt"
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    sections: list[Section] = field(default_factory=list)
    spans: dict[str, list[Any]] = field(default_factory=dict)
    doc_id: str = ""
    _section_starts: list[int] = field(default_factory=list, repr=False)
    _children: dict[int, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.doc_id:
            self.doc_id = doc_id_for(self.text)
        if not self.meta.body_end:
            self.meta.body_end = len(self.text)

    # -- sections -----------------------------------------------------------------
    def set_sections(self, sections: list[Section]) -> None:
        self.sections = sections
        self._section_starts = [s.start for s in sections]
        self._children = {}
        for j, s in enumerate(sections):
            if s.parent is not None:
                self._children.setdefault(s.parent, []).append(j)

    def innermost_section(self, offset: int) -> Section | None:
        """The deepest section whose span holds `offset`."""
        i = bisect.bisect_right(self._section_starts, offset) - 1
        while i >= 0:
            s = self.sections[i]
            if s.start <= offset < s.end:
                return s
            i = s.parent if s.parent is not None else -1
        return None

    def section_path(self, offset: int) -> str:
        s = self.innermost_section(offset)
        return s.path if s else ""

    def children(self, index: int) -> list[int]:
        return self._children.get(index, [])

    def ancestors(self, index: int) -> list[int]:
        out = []
        p = self.sections[index].parent
        while p is not None:
            out.append(p)
            p = self.sections[p].parent
        return out
