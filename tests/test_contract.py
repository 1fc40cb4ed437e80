"""The schema module against the binding contract (OUTPUT.md): every listed column, its type."""
from __future__ import annotations

import re

import pyarrow as pa
import pytest

from pipeline import schema

from .conftest import CONTRACT, ROOT

TYPE_MAP = {
    "string": pa.string(), "string, null": pa.string(), "int32": pa.int32(), "int32, null": pa.int32(),
    "date32": pa.date32(), "date32, null": pa.date32(), "large_string": pa.large_string(),
    "float64": pa.float64(), "list<string>": pa.list_(pa.string()),
}


def contract_columns() -> dict[str, dict[str, str | None]]:
    text = (CONTRACT / "OUTPUT.md").read_text(encoding="utf-8")
    tables: dict[str, dict[str, str | None]] = {}
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        name = block.split(".parquet", 1)[0].strip()
        cols: dict[str, str | None] = {}
        rows = re.findall(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|", block, flags=re.M)
        for names, typ in rows:
            if names in ("column", "---"):
                continue
            for n in names.split(","):
                cols[n.strip()] = typ.strip()
        if not rows:  # tables described in prose: "doc_id, section_id, parent_id (null at top), …"
            prose = re.sub(r"\([^)]*\)", "", block.split("\n", 1)[1])
            prose = prose.split(". Empty")[0]
            for n in re.findall(r"[a-z_]+", prose):
                if n in ("null", "at", "top", "the", "for", "second", "bullet", "first", "line", "up", "to", "chars",
                         "e", "g", "empty", "table", "with", "its", "schema", "when", "nothing", "failed"):
                    continue
                cols.setdefault(n, None)
        tables[name] = cols
    return tables


CONTRACT_TABLES = contract_columns()


def test_contract_parsed():
    assert set(CONTRACT_TABLES) == set(schema.TABLE_NAMES)
    assert {"doc_id", "section_id", "parent_id", "label", "path", "level", "heading", "start", "end"} <= set(CONTRACT_TABLES["sections"])
    assert {"source_path", "stage", "error_type", "message"} <= set(CONTRACT_TABLES["errors"])


@pytest.mark.parametrize("table", schema.TABLE_NAMES)
def test_every_contract_column_with_its_type(table):
    ours = {f.name: f for f in schema.arrow_schema(table)}
    for col, typ in CONTRACT_TABLES[table].items():
        assert col in ours, f"{table}.{col} missing"
        if typ in TYPE_MAP:
            assert ours[col].type == TYPE_MAP[typ], f"{table}.{col}: {ours[col].type} != {typ}"
            if "null" not in typ and typ != "list<string>":
                assert not ours[col].nullable or col in ("cited_number",), f"{table}.{col} should not be nullable"


def test_contract_columns_are_marked_as_contract():
    for table, cols in schema.TABLES.items():
        listed = set(CONTRACT_TABLES[table])
        for c in cols:
            assert c.contract == (c.name in listed), f"{table}.{c.name}: contract flag"


def test_docs_schema_md_is_in_step():
    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == schema.markdown()
