"""The tables of ``data/``: :mod:`.data` loads them as typed DataFrames after checking them
against ``data/datapackage.json`` (schema, keys, ranges)."""
