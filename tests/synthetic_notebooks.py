"""Tiny notebooks for the runner, sweep and compare tests (each runs in a few seconds).

They use registered parameter names (``workers``, ``seed``, ``draws``) so that the runner's
checks apply to them exactly as to the lessons.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _params(source: str):
    return new_code_cell(source, metadata={"tags": ["parameters"]})


NOTEBOOKS = {
    # records twice the number of workers; seed 13 raises, to make one run of a sweep fail
    "01_tiny": [
        new_markdown_cell("# 01 · Tiny\n\nA formula: $$y = \\frac{a}{b} \\times 12$$"),
        _params("workers: int = 100  # persons\nseed: int = 1  # seed"),
        new_code_cell("import dispatchlib as dl\n\np = dl.check(workers=workers, seed=seed)"),
        new_code_cell('if p.seed == 13:\n    raise RuntimeError("seed 13 is refused on purpose")'),
        new_code_cell('dl.record("01_tiny", doubled=p.workers * 2, seed=p.seed)'),
    ],
    # declares no 'workers': a name typed for it alone is an error
    "02_other": [
        new_markdown_cell("# 02 · Other"),
        _params("seed: int = 1  # seed\ndraws: int = 10  # draws"),
        new_code_cell("import dispatchlib as dl\n\np = dl.check(seed=seed, draws=draws)"),
        new_code_cell('dl.record("02_other", draws_plus_seed=p.draws + p.seed)'),
    ],
    # always fails after one printed line
    "03_broken": [
        new_markdown_cell("# 03 · Broken"),
        _params("seed: int = 1  # seed"),
        new_code_cell("import dispatchlib as dl\n\np = dl.check(seed=seed)"),
        new_code_cell('print("this line ran before the error")'),
        new_code_cell('raise ValueError("deliberate failure for the test")'),
        new_code_cell('print("never reached")'),
    ],
}


def make(folder: Path, *stems: str) -> Path:
    """Write the named synthetic notebooks into ``folder``; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        nb = new_notebook(cells=NOTEBOOKS[stem])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, str(folder / f"{stem}.ipynb"))
    return folder
