"""The data package: Frictionless validation, the rules a schema cannot state, coverage of the
brief, and clear loader errors on a broken copy."""


import pytest
from frictionless import Package

import dispatchlib as dl
from dispatchlib import DataError, paths
from dispatchlib.tables.data import validate

DATA = paths.ROOT / "data"


def test_frictionless_validates_the_package():
    report = Package(str(DATA / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_loader_agrees():
    assert validate() == []


@pytest.mark.parametrize("name", dl.resources())
def test_every_table_loads_with_units(name):
    frame = dl.load(name)
    assert len(frame) > 0
    assert set(frame.attrs["fields"]) == set(frame.columns)


def test_every_source_column_resolves_and_names_a_source():
    known = set(dl.load("sources")["source_id"])
    for name in dl.resources():
        frame = dl.load(name)
        for col in [c for c in frame.columns if c.endswith("source_id")]:
            used = set(frame[col].dropna())
            assert used <= known, (name, col, used - known)
        if "source_id" in frame.columns and name != "sources":
            assert frame["source_id"].notna().all(), f"{name}: a row without a source"


def test_ranges_are_ordered():
    for name in dl.resources():
        frame = dl.load(name)
        if {"low", "high"} <= set(frame.columns):
            assert (frame["low"].dropna() <= frame["high"].dropna()).all(), name
    a = dl.load("assumptions")
    assert ((a["low"] <= a["central"]) & (a["central"] <= a["high"])).all()


def test_claims_cover_the_brief():
    claims = dl.load("claims")
    assert len(claims) > 30
    assert set(claims["source_id"]) == {"LANKOV2025"}
    assert claims["claim_id"].is_unique
    # a few figures that must be there (brief sections 3-5)
    lows = set(claims["low"])
    for figure in (1946, 6500, 1500, 400, 149, 15000, 100000, 3_000_000):
        assert figure in lows, figure


def test_workforce_spans_eight_decades_and_measures():
    w = dl.load("workforce")
    assert w["year"].min() <= 1949 and w["year"].max() == 2025
    assert {"brief", "permits", "entries", "estimate", "stock"} <= set(w["measure"])
    independent = dl.load("sources").set_index("source_id")["independent"]
    assert independent[w["source_id"]].any() and not independent[w["source_id"]].all()


def test_sources_independence():
    s = dl.load("sources").set_index("source_id")
    assert not s.at["LANKOV2025", "independent"]
    assert s.loc[s["author"].str.contains("Lankov", na=False), "independent"].eq(False).all()


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_text_in_a_number_column_names_file_row_column(broken):
    lines = (broken / "assumptions.csv").read_text().splitlines()
    first = lines[1].split(",")
    first[1] = "lots"
    lines[1] = ",".join(first)
    (broken / "assumptions.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        dl.load("assumptions")
    message = str(info.value)
    assert "assumptions.csv, row 1 (line 2), column 'low'" in message
    assert "expected a number, got 'lots'" in message


def test_unknown_source_id_is_reported(broken):
    _edit(broken / "events.csv", ",UN1718,", ",NOSUCHSOURCE,")
    with pytest.raises(DataError, match="'NOSUCHSOURCE' is not a sources id"):
        dl.load("events")


def test_missing_column_and_missing_file(broken):
    text = (broken / "eras.csv").read_text().splitlines()
    (broken / "eras.csv").write_text("\n".join(",".join(r.split(",")[:-1]) for r in text) + "\n")
    with pytest.raises(DataError, match="missing column"):
        dl.load("eras")
    (broken / "events.csv").unlink()
    with pytest.raises(DataError, match="events.csv: file not found"):
        dl.load("events")


def test_non_utf8_file_is_reported(broken):
    path = broken / "sources.csv"
    path.write_bytes(path.read_bytes() + "Sejong,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        dl.load("sources")


def test_assumption_reads_the_checked_row():
    # data/assumptions.csv: workers 10000,15000,21000; quota_months 8,8,8 (hand-read from the CSV)
    assert dl.data.assumption("workers") == (10000.0, 15000.0, 21000.0)
    assert dl.data.assumption("quota_months") == (8.0, 8.0, 8.0)
    table = dl.load("assumptions")
    for row in table.itertuples():  # the same numbers as the DataFrame, for every row
        assert dl.data.assumption(row.name) == (row.low, row.central, row.high)
    with pytest.raises(DataError, match=r"no assumption 'wrokers' in data/assumptions.csv"):
        dl.data.assumption("wrokers")


# keys allowed by the Citation File Format 1.2.0 schema (citation-file-format.github.io/1.2.0)
_CFF_TOP = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi",
            "identifiers", "keywords", "license", "license-url", "message",
            "preferred-citation", "references", "repository", "repository-artifact",
            "repository-code", "title", "type", "url", "version"}
_CFF_REFERENCE_USED = {"type", "title", "authors", "institution", "collection-title", "number",
                       "date-published", "year", "languages", "notes", "version", "license"}
_CFF_DATE = r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"


def test_citation_cff_parses_and_cites_the_brief():
    import re

    import yaml

    cff = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert set(cff) <= _CFF_TOP
    assert {"authors", "cff-version", "message", "title"} <= set(cff)  # required
    assert cff["type"] in ("software", "dataset")
    assert re.match(_CFF_DATE, cff["date-released"])  # a quoted string, not a YAML date
    assert all(isinstance(a, dict) and a for a in cff["authors"])
    for ref in cff["references"]:
        assert {"authors", "title", "type"} <= set(ref) <= _CFF_REFERENCE_USED
        assert all(isinstance(a, dict) and a for a in ref["authors"])
    brief = cff["references"][0]
    assert brief["title"] == ("North Korean Labor Dispatch to Russia: Current Issues and "
                              "Prospects")
    assert brief["authors"] == [{"family-names": "Lankov", "given-names": "Andrei"}]
    assert (brief["type"], brief["number"], brief["institution"]["name"]) == \
        ("report", "2025-24", "Sejong Institute")
    assert re.match(_CFF_DATE, brief["date-published"])
    # the same brief as data/sources.csv
    row = dl.load("sources").set_index("source_id").loc["LANKOV2025"]
    assert brief["date-published"] == row["date"]
    assert brief["title"] in row["title"]
    # the package version matches pyproject.toml
    pyproject = (paths.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{cff["version"]}"' in pyproject
