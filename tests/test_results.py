"""Recording headline results in a notebook's output and reading them back."""

import json

import nbformat

from dispatchlib import results


def test_record_rounds_and_extract_reads_back(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    results.record("99_demo", revenue_usd=146250000.123456, workers=15000, ratio=1 / 3,
                   label="x")
    payload = shown[0][results.MIME_TYPE]
    assert payload["results"] == {"revenue_usd": 146250000.0, "workers": 15000,
                                  "ratio": 0.333333, "label": "x"}
    assert "revenue_usd" in shown[0]["text/plain"]
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("dl.record(...)")
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={results.MIME_TYPE: payload, "text/plain": "..."})]
    nb.cells = [cell]
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(nb, path)
    assert results.extract(path) == payload
    written = results.write(path)
    assert written == tmp_path / "99_demo.results.json"
    assert json.loads(written.read_text()) == payload
    assert not list(tmp_path.glob("*.tmp"))
