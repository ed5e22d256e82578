"""Sentences a lesson builds from its computed numbers, shown as Markdown.

A lesson writes its results into prose (``Markdown(f"... {fmt.usd(x)} ...")``) so that a
sentence stays true on every rerun. Amounts print with a dollar sign (``$3,300``), and to
JupyterLab, and to the HTML pages of a run, two dollar signs in one paragraph enclose a
formula: "$3,300 a year ($275 a month)" would be typeset as mathematics. :class:`Markdown`
is IPython's, with every dollar sign escaped (``\\$``), so each is shown as a dollar sign.
"""

from __future__ import annotations

import re

from IPython.display import Markdown as _IPythonMarkdown

#: a dollar sign not already escaped
_DOLLAR = re.compile(r"(?<!\\)\$")


def dollars(text: str) -> str:
    """``text`` with every unescaped ``$`` escaped as ``\\$`` (shown as a dollar sign, never
    as the start or end of a formula)."""
    return _DOLLAR.sub(r"\\$", text)


class Markdown(_IPythonMarkdown):
    """:class:`IPython.display.Markdown` for a lesson's computed sentences: dollar signs are
    shown as dollar signs (:func:`dollars`), so amounts are never read as a formula. A lesson
    with a formula writes it in a markdown cell, not here."""

    def __init__(self, data: str | None = None, url: str | None = None,
                 filename: str | None = None, metadata: dict | None = None) -> None:
        super().__init__(data=dollars(data) if isinstance(data, str) else data, url=url,
                         filename=filename, metadata=metadata)
