"""The citations layer: every mention of another legal document, parsed, related and keyed.

    find_citations(doc) -> list[Citation]          the finder (pure: text + header facts in, records out)
    @component("citations")                         stores them in doc.spans["citations"]
    citation_keys_for_document(doc_type, doc_number, title=None) -> list[str]
    link_citations(citations, documents) -> list[str | None]   cited_doc_id for each citation row

Patterns and word lists live in rules/citations.yaml (and type words in rules/doc_types.yaml);
the reading is in citation_parse, the relations in citation_relations.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..components import component
from ..document import Doc
from ..models import Citation
from ..textutil import fold
from .citation_parse import Found, find_raw, modern_tones, normalize_number
from .citation_relations import assign_relations
from .citation_rules import citation_rules, law_name_key

__all__ = ["find_citations", "citations", "citation_key", "citation_keys_for_document",
           "link_citations", "normalize_number"]


def citation_key(cited_type: str, cited_number: str | None, cited_title: str | None) -> str:
    """Canonical key for linking: "<type> <number>", else "<type> <title>", else "<type>"."""
    if cited_number:
        return f"{cited_type} {normalize_number(cited_number)}"
    if cited_title:
        t = " ".join(modern_tones(cited_title).split())
        return f"{cited_type} {t}"
    return cited_type


def _to_citation(text: str, f: Found, relation: str) -> Citation:
    title_for_key = f.title_key or f.cited_title
    return Citation(
        start=f.start, end=f.end, text=text[f.start:f.end], cited_type=f.cited_type,
        cited_number=f.cited_number, cited_date=f.cited_date, cited_issuer=f.cited_issuer,
        cited_title=f.cited_title, relation=relation,
        cited_key=citation_key(f.cited_type, f.cited_number, title_for_key),
        cited_term=f.cited_term)


def _header_end(doc: Doc) -> int:
    return doc.meta.body_start or 0


def find_citations(doc: Doc) -> list[Citation]:
    """All mentions of other documents in `doc.text`, in text order (a mention nested in another
    one's quoted title comes right after it). The document's own number is not a citation."""
    text = doc.text
    found = find_raw(text, own_number=doc.meta.doc_number, own_span=doc.meta.number_span,
                     header_end=_header_end(doc))
    relations = assign_relations(text, found, title_span=doc.meta.title_span)
    return [_to_citation(text, f, r) for f, r in zip(found, relations)]


@component("citations")
def citations(doc: Doc) -> None:
    doc.spans["citations"] = find_citations(doc)


# --- linking across the documents of one run ----------------------------------------------------

def citation_keys_for_document(doc_type: str | None, doc_number: str | None,
                               title: str | None = None) -> list[str]:
    """The cited_key(s) under which a document of the run can be cited.

    A numbered document is cited as "<type> <number>" ("Quyết định 2853/QĐ-UBND"); a law also by
    its name ("Luật Đất đai", from the header title "ĐẤT ĐAI" or "Luật Đất đai").
    """
    keys: list[str] = []
    if not doc_type:
        return keys
    if doc_number:
        keys.append(citation_key(doc_type, doc_number, None))
    cr = citation_rules()
    if title and doc_type in cr.law_canonical:
        t = " ".join(title.split())
        prefix = fold(doc_type) + " "
        if fold(t).startswith(prefix):
            t = t[len(prefix):]
        canon = cr.law_canonical[doc_type].get(law_name_key(t))
        if canon:
            keys.append(f"{doc_type} {canon}")
    return keys


def link_citations(citations: Iterable[Any], documents: Iterable[Any]) -> list[str | None]:
    """cited_doc_id for each citation row, in the order given (see linking.CitationLinker).

    For DataFrames: `df["cited_doc_id"] = link_citations(df.to_dict("records"),
    docs.to_dict("records"))`.
    """
    from .linking import CitationLinker

    linker = CitationLinker(documents)
    return [linker.resolve(c) for c in citations]

