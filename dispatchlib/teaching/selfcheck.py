"""The switch that keeps interactive parts out of batch runs. (The lessons' exercises are
checked by nbgrader's test cells: docs/classroom.md.)

**Headless runs.** An explorer (:mod:`dispatchlib.teaching.explorers`) is built only for a
notebook frontend that can show it (:func:`frontend`: JupyterLab, Jupyter Notebook 7, VS Code).
Under papermill, nbclient, nbval, nbconvert or nbgrader, as under plain Python, no explorer is
built; setting ``DISPATCHLIB_HEADLESS=1`` or nbgrader's ``NBGRADER_EXECUTION`` turns them off
even in JupyterLab (:func:`headless`). Nothing in a lesson depends on an explorer.
"""


from __future__ import annotations

import os
import sys

HEADLESS_VARIABLES = ("DISPATCHLIB_HEADLESS", "NBGRADER_EXECUTION")
#: CSS class of every explorer's outer box (the browser test looks for it)
EXPLORER_CLASS = "dispatchlib-explorer"


def frontend() -> bool:
    """True when this code runs in a Jupyter kernel for a notebook frontend that shows widgets.

    A notebook frontend (JupyterLab, Jupyter Notebook 7, VS Code) sends the id of the cell it
    runs with every request (``cellId`` in the request's metadata); papermill, nbclient, nbval,
    nbconvert and ``jupyter_client`` send none. A frontend that has opened ipywidgets' control
    channel counts as well. Plain Python and terminal IPython have no frontend.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return False
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return False
    widget = sys.modules.get("ipywidgets.widgets.widget")
    if widget is not None and getattr(widget.Widget, "_control_comm", None) is not None:
        return True
    try:
        parent = kernel.get_parent("shell")
    except (AttributeError, TypeError):  # pragma: no cover - ipykernel < 6
        parent = getattr(shell, "parent_header", None)
    metadata = (parent or {}).get("metadata") or {}
    return bool(metadata.get("cellId"))


def headless() -> bool:
    """True when no explorer should be built: no notebook frontend (:func:`frontend`), or
    ``DISPATCHLIB_HEADLESS`` / ``NBGRADER_EXECUTION`` set (an empty value counts as unset)."""
    return any(os.environ.get(v) for v in HEADLESS_VARIABLES) or not frontend()
