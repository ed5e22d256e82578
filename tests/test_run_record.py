"""run.json: one type, one writer, one reader, and a JSON Schema every written record meets."""

import json

import jsonschema
import pytest

from dispatchlib.errors import DispatchlibError
from dispatchlib.run import run_record

SHA = "0" * 64


def _record(**changes) -> dict:
    record = {
        "name": "r", "sweep": None, "status": "ok", "scenario": None, "overrides": {},
        "unused": [], "parameters": {"00_start-here": {"workers": 15000}},
        "notebooks": {"00_start-here": {
            "status": "ok", "seconds": 1.5, "results": {"x": 1}, "error": None,
            "notebook": "00_start-here.ipynb", "page": "00_start-here.html",
            "source_sha256": SHA, "executor": {"kind": "local"},
            "kernel": "warm"}},
        "versions": {"python": "3.11.7"}, "data_sha256": SHA, "seconds": 2.0}
    record.update(changes)
    return record


def test_the_schema_is_a_valid_json_schema():
    schema = json.loads(run_record.SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_suite_validates_every_record_it_writes():
    assert run_record.VALIDATE_ENV == "DISPATCHLIB_VALIDATE_RUN_RECORDS"
    import os

    assert os.environ[run_record.VALIDATE_ENV] == "1"  # set by tests/conftest.py


def test_write_then_read_gives_the_record_back(tmp_path):
    path = run_record.write(tmp_path, _record())
    assert path == tmp_path / "run.json"
    assert run_record.read(tmp_path) == _record()


@pytest.mark.parametrize("changes", [
    {"status": "done"},                      # not a status a run has
    {"seconds": -1},                         # a wall time below 0
    {"data_sha256": "abc"},                  # not a SHA-256
    {"extra": 1},                            # a key the record does not have
    {"notebooks": {"00": {"status": "ok"}}},  # a notebook entry without its fields
    {"notebooks": {"00": {**_record()["notebooks"]["00_start-here"],  # dask without worker
                          "executor": {"kind": "dask", "scheduler": "tcp://h:8786"}}}},
])
def test_a_record_outside_the_schema_is_refused_before_it_is_written(tmp_path, changes):
    with pytest.raises(jsonschema.ValidationError):
        run_record.write(tmp_path, _record(**changes))
    assert not (tmp_path / "run.json").exists()


def test_a_notebook_run_on_a_dask_cluster_records_the_scheduler_and_the_worker(tmp_path):
    entry = {**_record()["notebooks"]["00_start-here"], "executor": {
        "kind": "dask", "scheduler": "tcp://10.0.0.5:8786", "worker": "tcp://10.0.0.7:40001"}}
    run_record.write(tmp_path, _record(notebooks={"00_start-here": entry}))
    assert run_record.read(tmp_path)["notebooks"]["00_start-here"]["executor"]["worker"] == (
        "tcp://10.0.0.7:40001")


def test_a_folder_without_a_record_reads_as_none(tmp_path):
    assert run_record.read_or_none(tmp_path) is None
    with pytest.raises(DispatchlibError, match="cannot be read"):
        run_record.read(tmp_path)
