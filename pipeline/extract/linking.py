"""Linking citations to documents of the same run (citations.cited_doc_id).

A document can be cited under the keys `citations.citation_keys_for_document` gives it
("Quyết định 2853/QĐ-UBND", a law also by its name). Numbers repeat (party numbers restart each
term, every province has a "01/CT-UBND"), so when several documents share a key the cited date's
year and the issuer choose; a citation that stays ambiguous is left unlinked, and a document
never links to itself. The index is built once per run and consulted per row, so the run's
consolidation can stream documents through it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..textutil import fold
from .citations import citation_keys_for_document


def _get(row: Any, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def _year(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    try:
        return int(str(value)[:4])
    except ValueError:
        return None


def link_key(key: str) -> str:
    return fold(key).replace(" ", "")


def _issuer_compatible(cited: str | None, issuer: str | None) -> bool:
    if not cited or not issuer:
        return True
    a, b = fold(cited), fold(issuer)
    return a in b or b in a


class CitationLinker:
    def __init__(self, documents: Iterable[Any]):
        """`documents`: rows (dicts or objects) with doc_id, doc_type, doc_number, issue_date,
        issuer and optionally title."""
        self.by_key: dict[str, list[Any]] = defaultdict(list)
        for d in documents:
            for k in citation_keys_for_document(_get(d, "doc_type"), _get(d, "doc_number"), _get(d, "title")):
                self.by_key[link_key(k)].append(d)

    def resolve(self, row: Any) -> str | None:
        cands = self.by_key.get(link_key(_get(row, "cited_key") or ""), [])
        cands = [d for d in cands if _get(d, "doc_id") != _get(row, "doc_id")]
        year = _year(_get(row, "cited_date"))
        if year is not None:
            cands = [d for d in cands if _year(_get(d, "issue_date")) in (None, year)]
        cands = [d for d in cands if _issuer_compatible(_get(row, "cited_issuer"), _get(d, "issuer"))]
        if len(cands) > 1 and year is not None:
            exact = [d for d in cands if _year(_get(d, "issue_date")) == year]
            cands = exact or cands
        return _get(cands[0], "doc_id") if len(cands) == 1 else None

    def link(self, citation_rows: list[dict]) -> None:
        for row in citation_rows:
            row["cited_doc_id"] = self.resolve(row)
