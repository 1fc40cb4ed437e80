"""vanban: Vietnamese government documents → Parquet tables of assignments, deadlines,
targets and legal citations."""

__version__ = "0.1.0"
