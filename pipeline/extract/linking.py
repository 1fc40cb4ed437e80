"""Linking citations to documents of the same run (citations.cited_doc_id).

A document can be cited under "<doc_type> <doc_number>"; when several documents of the run
share that key (numbers repeat across issuers and years), the citation's issuer and year choose.
"""
from __future__ import annotations

from ..textutil import fold


def document_key(doc_type: str | None, doc_number: str | None) -> str | None:
    if not doc_type or not doc_number:
        return None
    return fold(f"{doc_type} {doc_number.replace(' ', '')}")


class CitationLinker:
    def __init__(self, documents: list[tuple[str, dict]]):
        """`documents`: (doc_id, summary with doc_type, doc_number, issuer, issue_date)."""
        self.by_key: dict[str, list[tuple[str, dict]]] = {}
        for doc_id, meta in documents:
            key = document_key(meta.get("doc_type"), meta.get("doc_number"))
            if key:
                self.by_key.setdefault(key, []).append((doc_id, meta))

    def resolve(self, row: dict) -> str | None:
        key = document_key(row.get("cited_type"), row.get("cited_number"))
        candidates = [c for c in self.by_key.get(key, []) if c[0] != row.get("doc_id")] if key else []
        if len(candidates) <= 1:
            return candidates[0][0] if candidates else None
        year = row["cited_date"].year if row.get("cited_date") else None
        issuer = fold(row["cited_issuer"]) if row.get("cited_issuer") else None
        narrowed = [c for c in candidates
                    if (year is None or (c[1].get("issue_date") or "")[:4] == str(year))
                    and (issuer is None or issuer in fold(c[1].get("issuer") or ""))]
        return narrowed[0][0] if len(narrowed) == 1 else None

    def link(self, citation_rows: list[dict]) -> None:
        for row in citation_rows:
            row["cited_doc_id"] = self.resolve(row)
