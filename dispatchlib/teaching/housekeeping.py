"""The closing "Housekeeping" section of a lesson in one call: :func:`housekeeping` records the
lesson's results (:func:`dispatchlib.record`) and shows the table of the sources it used
(:func:`dispatchlib.sources_for`).
"""

from __future__ import annotations

from collections.abc import Iterable

#: columns of ``data/sources.csv`` shown in a lesson's sources table
SOURCE_COLUMNS = ("source_id", "author", "title", "publisher", "date")


def housekeeping(notebook: str, sources: Iterable[str], **results) -> None:
    """Record a lesson's results and show the sources it used: its closing section in one call.

    Parameters
    ----------
    notebook : str
        The notebook's stem, e.g. ``"02_economics"``.
    sources : iterable of str
        Source ids of ``data/sources.csv`` the lesson used (repeats are shown once, in
        first-seen order).
    **results
        Named results, units in the names (``state_revenue_usd``, ``workers``...), passed to
        :func:`dispatchlib.results.record`.

    Raises
    ------
    DataError
        For a source id that ``data/sources.csv`` does not hold (before anything is recorded).

    Notes
    -----
    Nothing is returned; the results table and the sources table are displayed (printed outside
    Jupyter).
    """
    import dispatchlib
    from dispatchlib.tables.data import sources_for

    table = sources_for(sources)[list(SOURCE_COLUMNS)]
    dispatchlib.record(notebook, **results)  # through the package: tests may stand in for it
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - outside Jupyter
        print(table.to_string(index=False))
        return
    display(table)
