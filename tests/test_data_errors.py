"""Every kind of broken data file gets a clear error, through both doors, and changes nothing.

Each case breaks a temporary copy of ``data/`` (``DISPATCHLIB_DATA_DIR``) in one way, then:

- ``dl.load(table)`` raises DataError whose message reads
  ``<file>, row N (line M), column 'c': <rule>, got '<value>'``;
- ``python -m dispatchlib data validate`` exits 1 and prints that problem (and every other one)
  to stderr.

Then: a failed load leaves nothing behind (fixing the file gives the good table), the cache
never serves stale data (edits of the same size and time stamp, descriptor edits), and the
loader never writes to ``data/``.
"""

import csv
import hashlib
import io
import json
import os
import time

import commands
import pytest

import dispatchlib as dl
from dispatchlib import DataError, paths
from dispatchlib.tables.data import validate

DATA = paths.ROOT / "data"


def _folder_hash(folder) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module", autouse=True)
def data_folder_is_never_written():
    """Compare the bytes of every file in data/ before and after this whole module."""
    before = _folder_hash(DATA)
    yield
    assert _folder_hash(DATA) == before, "a test or the loader changed data/"


# ----------------------------------------------------------------------------------- helpers


def read_rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def write_rows(path, rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cell(path, row, column, value):
    """Set one cell; ``row`` counts data rows from 1 (row 1 is line 2)."""
    rows = read_rows(path)
    rows[row][rows[0].index(column)] = value
    write_rows(path, rows)


def assumption_row(path, name):
    return next(i for i, r in enumerate(read_rows(path)) if r[0] == name)


def validate_cli(folder):
    env = {**os.environ, "DISPATCHLIB_DATA_DIR": str(folder)}
    return commands.dispatchlib("data", "validate", env=env, timeout=120)


def expect_both_doors(folder, table, message):
    """``dl.load(table)`` fails with ``message`` first; the CLI prints it and exits 1."""
    with pytest.raises(DataError) as info:
        dl.load(table)
    assert info.value.problems[0] == message
    assert str(info.value).startswith(message)
    proc = validate_cli(folder)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    for problem in info.value.problems:
        assert problem in lines, (problem, lines)
    assert lines[-1] == f"{len(lines) - 1} problem(s) found in data/"
    return info.value


# ------------------------------------------------------------------------ one kind per case


def test_text_in_a_number_column(broken):
    set_cell(broken / "workforce.csv", 3, "low", "lots")
    expect_both_doors(broken, "workforce",
                      f"{broken}/workforce.csv, row 3 (line 4), column 'low': expected a number, "
                      "got 'lots'")


@pytest.mark.parametrize("text", ["1_000", " 5", "0x10", "nan", "inf", "1,000", "\u0661\u0662"])
def test_numbers_must_be_plain_decimals(broken, text):
    set_cell(broken / "workforce.csv", 3, "low", text)
    with pytest.raises(DataError) as info:
        dl.load("workforce")
    assert info.value.problems[0] == (f"{broken}/workforce.csv, row 3 (line 4), column 'low': "
                                      f"expected a number, got {text!r}")


def test_missing_required_value(broken):
    set_cell(broken / "events.csv", 2, "title", "")
    expect_both_doors(broken, "events",
                      f"{broken}/events.csv, row 2 (line 3), column 'title': a value is required, "
                      "got an empty cell ''")


def test_duplicated_primary_key(broken):
    rows = read_rows(broken / "events.csv")
    write_rows(broken / "events.csv", [*rows, rows[1]])
    n = len(rows)  # the copy is data row n, on line n + 1
    error = expect_both_doors(broken, "events",
                      f"{broken}/events.csv, row {n} (line {n + 1}), column 'event_id': duplicate "
                      "key, expected each key once (already in row 1 (line 2)), "
                      "got 'first_recruitment'")
    # event_id is both the primary key and a unique field: reported once, not twice
    assert len(error.problems) == 1


def test_duplicated_composite_key(broken):
    rows = read_rows(broken / "workforce.csv")
    write_rows(broken / "workforce.csv", [*rows, rows[2]])
    n = len(rows)
    error = expect_both_doors(
        broken, "workforce",
        f"{broken}/workforce.csv, row {n} (line {n + 1}), column 'year': duplicate key (year, "
        "measure, source_id, low), expected each key once (already in row 2 (line 3)), "
        "got (year='1964', measure='stock_logging', source_id='WILSON1964', low='5000')")
    assert len(error.problems) == 1


def test_unknown_source_id(broken):
    set_cell(broken / "workforce.csv", 1, "source_id", "NOSUCHSOURCE")
    expect_both_doors(broken, "workforce",
                      f"{broken}/workforce.csv, row 1 (line 2), column 'source_id': unknown id "
                      "('NOSUCHSOURCE' is not a sources id), expected one of the ids in column "
                      f"'source_id' of {broken}/sources.csv, got 'NOSUCHSOURCE'")


def test_low_above_high_in_workforce(broken):
    set_cell(broken / "workforce.csv", 2, "low", "99999")
    expect_both_doors(broken, "workforce",
                      f"{broken}/workforce.csv, row 2 (line 3), column 'low': expected low <= high "
                      "(high is 5000), got '99999'")


def test_low_above_high_in_assumptions(broken):
    path = broken / "assumptions.csv"
    row = assumption_row(path, "workers")
    set_cell(path, row, "low", "25000")
    expect_both_doors(broken, "assumptions",
                      f"{broken}/assumptions.csv, row {row} (line {row + 1}), column 'low': "
                      "expected low <= high (high is 21000), got '25000'")


@pytest.mark.parametrize("central", ["30000", "9000"])
def test_central_outside_low_high(broken, central):
    path = broken / "assumptions.csv"
    row = assumption_row(path, "workers")
    set_cell(path, row, "central", central)
    expect_both_doors(broken, "assumptions",
                      f"{broken}/assumptions.csv, row {row} (line {row + 1}), column 'central': "
                      "expected low <= central <= high (low is 10000, high is 21000), "
                      f"got '{central}'")


def test_start_year_after_end_year(broken):
    set_cell(broken / "eras.csv", 1, "start_year", "1970")
    expect_both_doors(broken, "eras",
                      f"{broken}/eras.csv, row 1 (line 2), column 'start_year': expected "
                      "start_year <= end_year (end_year is 1965), got '1970'")


def test_extra_column(broken):
    rows = read_rows(broken / "eras.csv")
    write_rows(broken / "eras.csv", [rows[0] + ["rating"]] + [r + ["5"] for r in rows[1:]])
    columns = ", ".join(rows[0])
    expect_both_doors(broken, "eras",
                      f"{broken}/eras.csv, header row (line 1), column 'rating': unexpected "
                      f"column, not declared in datapackage.json; expected the columns {columns}, "
                      "got 'rating'")


def test_missing_column(broken):
    rows = read_rows(broken / "events.csv")
    write_rows(broken / "events.csv", [r[:-1] for r in rows])
    expect_both_doors(broken, "events",
                      f"{broken}/events.csv, header row (line 1), column 'note': missing column; "
                      f"expected the columns {', '.join(rows[0])}, got {', '.join(rows[0][:-1])}")


def test_column_twice(broken):
    rows = read_rows(broken / "eras.csv")
    write_rows(broken / "eras.csv", [rows[0] + ["name"]] + [r + ["x"] for r in rows[1:]])
    expect_both_doors(broken, "eras",
                      f"{broken}/eras.csv, header row (line 1), column 'name': the column appears "
                      "twice; expected each column once, got 'name' in columns 4 and 12")


def test_wrong_encoding(broken):
    path = broken / "sources.csv"
    rows = read_rows(path)
    rows[2][rows[0].index("note")] = "seen in a caf\u00e9"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    # only this cell is latin-1; the Korean titles elsewhere stay UTF-8
    head, tail = text.split("seen in a caf\u00e9")
    path.write_bytes(head.encode("utf-8") + "seen in a caf\u00e9".encode("latin-1")
                     + tail.encode("utf-8"))
    expect_both_doors(broken, "sources",
                      f"{broken}/sources.csv, row 2 (line 3), column 'note': not UTF-8 text (save "
                      "the file with UTF-8 encoding), got 'seen in a caf\\xe9'")


def test_missing_file(broken):
    (broken / "events.csv").unlink()
    expect_both_doors(broken, "events",
                      f"{broken}/events.csv: file not found (table 'events' is declared in "
                      "datapackage.json)")


def test_row_with_too_few_cells(broken):
    rows = read_rows(broken / "claims.csv")
    rows[4] = rows[4][:-1]
    write_rows(broken / "claims.csv", rows)
    expect_both_doors(broken, "claims",
                      f"{broken}/claims.csv, row 4 (line 5), column 'source_id': too few cells, "
                      "expected 14 (one per column), got 13 cells")


def test_row_with_too_many_cells(broken):
    rows = read_rows(broken / "claims.csv")
    rows[4] = [*rows[4], "stray"]
    write_rows(broken / "claims.csv", rows)
    expect_both_doors(broken, "claims",
                      f"{broken}/claims.csv, row 4 (line 5), column 15 (after 'source_id'): too "
                      "many cells, expected 14 (one per column; quote a cell that holds a comma), "
                      "got 15 cells")


def test_enum_value_not_allowed(broken):
    set_cell(broken / "workforce.csv", 1, "measure", "guess")
    expect_both_doors(broken, "workforce",
                      f"{broken}/workforce.csv, row 1 (line 2), column 'measure': expected one of "
                      "stock, stock_logging, stock_regional, permits, visas_issued, entries, "
                      "entries_study, estimate, brief, forecast, cumulative, got 'guess'")


def test_malformed_datapackage_json(broken):
    path = broken / "datapackage.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"resources": [', '"resources": [,', 1), encoding="utf-8")
    line = text[: text.index('"resources": [')].count("\n") + 1
    column = len(text[: text.index('"resources": [')].rsplit("\n", 1)[-1]) + len('"resources": [')
    message = (f"{broken}/datapackage.json, line {line}, column {column + 1}: not valid JSON "
               "(Expecting value); the data package descriptor must be a JSON object")
    for table in ("workforce", "sources"):
        with pytest.raises(DataError) as info:
            dl.load(table)
        assert str(info.value) == message
    proc = validate_cli(broken)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [message, "1 problem(s) found in data/"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["resources"][6]["schema"]["fields"][1].update(type="date"),
         "resource 'eras', field 'start_year': unknown type; expected one of integer, number, "
         "boolean, string, got 'date'"),
        (lambda d: d["resources"][6].pop("schema"),
         "resource 'eras': expected a 'schema' with a list of 'fields', got None"),
        (lambda d: d["resources"][6].update(path="../../etc/passwd"),
         "resource 'eras': expected a 'path' inside"),
        (lambda d: d.pop("resources"), "expected a non-empty list 'resources', got None"),
        (lambda d: d["resources"][1]["schema"].update(primaryKey="claim"),
         "resource 'claims': primaryKey names a column that is not a field, got 'claim'"),
    ],
)
def test_descriptor_without_what_the_loader_needs(broken, change, fragment):
    # before the hardening these raised KeyError or TypeError, or read outside data/
    path = broken / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    change(desc)
    path.write_text(json.dumps(desc), encoding="utf-8")
    with pytest.raises(DataError) as info:
        dl.load("workforce")
    assert info.value.problems[0].startswith(f"{broken}/datapackage.json")
    assert fragment in info.value.problems[0]
    assert validate() == info.value.problems


def test_referenced_table_without_its_key_column(broken):
    # before the hardening: ValueError "'source_id' is not in list", and validate() crashed
    rows = read_rows(broken / "sources.csv")
    rows[0][0] = "sid"
    write_rows(broken / "sources.csv", rows)
    with pytest.raises(DataError) as info:
        dl.load("events")
    assert info.value.problems[0] == (
        f"{broken}/events.csv, column 'source_id': the ids cannot be checked against "
        f"{broken}/sources.csv (it has no column 'source_id'); expected a readable sources table")
    problems = validate()
    assert problems[0].startswith(f"{broken}/sources.csv, header row (line 1), column 'sid'")
    assert any(p.startswith(f"{broken}/workforce.csv, column 'source_id'") for p in problems)


def test_line_numbers_count_line_breaks_inside_quoted_cells(broken):
    path = broken / "events.csv"
    rows = read_rows(path)
    rows[1][rows[0].index("note")] = "first line\nsecond line\nthird line"
    rows[2][rows[0].index("year")] = "soon"
    write_rows(path, rows)
    with pytest.raises(DataError) as info:
        dl.load("events")
    # row 1 takes lines 2-4, so row 2 starts on line 5
    assert info.value.problems[0] == (f"{broken}/events.csv, row 2 (line 5), column 'year': "
                                      "expected a whole number, got 'soon'")


# ------------------------------------------------------------------------ many problems at once


def test_every_problem_is_listed_not_only_the_first(broken):
    set_cell(broken / "workforce.csv", 3, "low", "lots")
    set_cell(broken / "workforce.csv", 1, "measure", "guess")
    set_cell(broken / "events.csv", 2, "title", "")
    path = broken / "assumptions.csv"
    row = assumption_row(path, "workers")
    set_cell(path, row, "central", "30000")
    with pytest.raises(DataError) as info:
        dl.load("workforce")
    error = info.value
    assert len(error.problems) == 2
    assert str(error).endswith("(and 1 more problem(s); `python -m dispatchlib data validate` "
                               "lists them all)")
    problems = validate()
    assert problems == [
        f"{broken}/workforce.csv, row 1 (line 2), column 'measure': expected one of stock, "
        "stock_logging, stock_regional, permits, visas_issued, entries, entries_study, estimate, "
        "brief, forecast, cumulative, got 'guess'",
        f"{broken}/workforce.csv, row 3 (line 4), column 'low': expected a number, got 'lots'",
        f"{broken}/assumptions.csv, row {row} (line {row + 1}), column 'central': expected "
        "low <= central <= high (low is 10000, high is 21000), got '30000'",
        f"{broken}/events.csv, row 2 (line 3), column 'title': a value is required, got an "
        "empty cell ''",
    ]
    proc = validate_cli(broken)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [*problems, "4 problem(s) found in data/"]


def test_a_long_list_is_cut_with_a_count(broken):
    rows = read_rows(broken / "claims.csv")
    for r in rows[1:31]:
        r[rows[0].index("section")] = "x"
    write_rows(broken / "claims.csv", rows)
    problems = validate()
    assert len(problems) == 21
    assert problems[-1] == f"... {broken}/claims.csv: 10 more problem(s) not shown"


# ------------------------------------------------------------------------- nothing half-loaded


def test_a_failed_load_leaves_nothing_behind(broken):
    good = dl.load("workforce")
    original = (broken / "workforce.csv").read_bytes()
    set_cell(broken / "workforce.csv", 3, "low", "lots")
    with pytest.raises(DataError):
        dl.load("workforce")
    with pytest.raises(DataError):  # asked again: still refused, not served from a cache
        dl.load("workforce")
    (broken / "workforce.csv").write_bytes(original)
    assert dl.load("workforce").equals(good)
    set_cell(broken / "workforce.csv", 3, "low", "lots")  # broken again: refused again
    with pytest.raises(DataError):
        dl.load("workforce")


def _same_stamp(path, stat):
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_an_edit_of_the_same_size_and_time_stamp_is_seen(broken):
    # a coarse file-system clock gives two edits within one tick the same mtime: the cache
    # must still see the new bytes (before the hardening it served the first version)
    path = broken / "assumptions.csv"
    stat = path.stat()
    assert dl.data.assumption("workers") == (10000, 15000, 21000)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "workers,10000,15000,21000", "workers,10000,16000,21000"), encoding="utf-8")
    _same_stamp(path, stat)
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert dl.data.assumption("workers") == (10000, 16000, 21000)
    # a second edit in the same second, now of another size
    path.write_text(path.read_text(encoding="utf-8").replace(
        "workers,10000,16000,21000", "workers,10000,17500.5,21000"), encoding="utf-8")
    _same_stamp(path, stat)
    assert dl.data.assumption("workers") == (10000, 17500.5, 21000)


def test_an_edit_that_breaks_a_file_with_the_same_stamp_is_refused(broken):
    path = broken / "assumptions.csv"
    stat = path.stat()
    dl.load("assumptions")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "workers,10000,15000,", "workers,10000,1500x,"), encoding="utf-8")
    _same_stamp(path, stat)
    with pytest.raises(DataError, match="column 'central': expected a number, got '1500x'"):
        dl.load("assumptions")


def test_a_descriptor_edit_is_seen(broken):
    # before the hardening the cache key ignored datapackage.json: the old units stayed
    assert dl.load("workforce").attrs["units"]["low"] == "persons"
    path = broken / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    field = next(f for r in desc["resources"] if r["name"] == "workforce"
                 for f in r["schema"]["fields"] if f["name"] == "low")
    field["unit"] = "people"
    path.write_text(json.dumps(desc), encoding="utf-8")
    assert dl.load("workforce").attrs["units"]["low"] == "people"


def test_a_referenced_table_edit_is_seen(broken):
    # events are checked against sources: removing the source must break events at once
    dl.load("events")
    rows = read_rows(broken / "sources.csv")
    write_rows(broken / "sources.csv", [r for r in rows if r[0] != "WILSON1964"])
    with pytest.raises(DataError, match="'WILSON1964' is not a sources id"):
        dl.load("events")


def test_changing_a_loaded_table_changes_nothing_else():
    frame = dl.load("assumptions")
    frame.loc[0, "low"] = -1
    frame.attrs["units"]["low"] = "changed"
    dl.data.descriptor()["resources"].clear()
    again = dl.load("assumptions")
    assert again.loc[0, "low"] != -1 and again.attrs["units"].get("low") != "changed"
    assert len(dl.resources()) == 7


def test_the_loader_reads_but_never_writes(broken):
    set_cell(broken / "workforce.csv", 3, "low", "lots")
    before = _folder_hash(broken)
    for table in dl.resources():
        try:
            dl.load(table)
        except DataError:
            pass
    validate()
    validate_cli(broken)
    assert _folder_hash(broken) == before
    assert sorted(p.name for p in broken.iterdir()) == sorted(p.name for p in DATA.iterdir())


def test_loading_every_table_stays_fast():
    # the content-hash cache: a warm load of all seven tables takes a few milliseconds
    for table in dl.resources():
        dl.load(table)
    start = time.perf_counter()
    for _ in range(10):
        for table in dl.resources():
            dl.load(table)
    assert (time.perf_counter() - start) / 10 < 0.25


def test_loading_from_many_threads_at_once_gives_the_same_tables():
    from concurrent.futures import ThreadPoolExecutor

    expected = {table: dl.load(table) for table in dl.resources()}
    with ThreadPoolExecutor(max_workers=8) as pool:
        frames = list(pool.map(dl.load, list(expected) * 6))
    for frame in frames:
        assert frame.equals(expected[frame.attrs["resource"]])


def test_assumption_refuses_a_broken_table(broken):
    # assumption() reads the same checked cells as load(), so a broken row stops it too
    path = broken / "assumptions.csv"
    row = assumption_row(path, "workers")
    set_cell(path, row, "low", "25000")
    with pytest.raises(DataError, match=r"column 'low': expected low <= high"):
        dl.data.assumption("workers")


def test_a_whole_number_too_big_for_its_column_is_a_data_error(broken):
    # without its maximum, a claims section of 2**70 passes the checks but fits no Int64 column
    desc = json.loads((broken / "datapackage.json").read_text())
    claims = next(r for r in desc["resources"] if r["name"] == "claims")
    section = next(f for f in claims["schema"]["fields"] if f["name"] == "section")
    del section["constraints"]["maximum"]
    (broken / "datapackage.json").write_text(json.dumps(desc))
    set_cell(broken / "claims.csv", 1, "section", str(2**70))
    with pytest.raises(DataError, match=r"claims.csv, column 'section': the values do not fit "
                                        r"the column type integer"):
        dl.load("claims")
