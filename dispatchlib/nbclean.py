"""Cleaning notebooks with nbconvert's preprocessors: the one place for student copies
(:mod:`dispatchlib.teaching.classroom`) and for the committed notebooks after ``refresh``
(:mod:`dispatchlib.run.refresh`).

``TagRemovePreprocessor`` drops tagged cells, ``ClearOutputPreprocessor`` clears outputs and
execution counts, ``ClearMetadataPreprocessor`` drops metadata keys (from code cells; the same
keys are dropped from the other cells here, which it leaves alone).
"""

from __future__ import annotations

from collections.abc import Collection


def clean(nb, drop_notebook_metadata: Collection[str] = (),
          drop_cell_metadata: Collection[str] = (), remove_cells_tagged: Collection[str] = (),
          drop_tags: Collection[str] = (), clear_outputs: bool = False):
    """A cleaned copy of notebook ``nb`` (a dict or ``nbformat`` node; not changed).

    Parameters
    ----------
    nb : dict or nbformat.NotebookNode
        The notebook (nbformat 4).
    drop_notebook_metadata, drop_cell_metadata : collection of str
        Metadata keys removed from the notebook and from every cell; the others are kept.
    remove_cells_tagged : collection of str
        Cells with any of these tags are removed.
    drop_tags : collection of str
        Tags removed from the cells kept (a cell left with no tag loses its ``tags`` key).
    clear_outputs : bool
        Clear every output and execution count.

    Returns
    -------
    nbformat.NotebookNode
    """
    import copy

    import nbformat
    from nbconvert.preprocessors import (
        ClearMetadataPreprocessor,
        ClearOutputPreprocessor,
        TagRemovePreprocessor,
    )

    out = nbformat.from_dict(copy.deepcopy(dict(nb)))
    if remove_cells_tagged:
        out, _ = TagRemovePreprocessor(remove_cell_tags=set(remove_cells_tagged)).preprocess(
            out, {})
    if clear_outputs:
        out, _ = ClearOutputPreprocessor().preprocess(out, {})
    drop_cell = set(drop_cell_metadata)
    cell_keys = {k for c in out.cells for k in c.get("metadata", {})}
    out, _ = ClearMetadataPreprocessor(
        preserve_nb_metadata_mask=set(out.metadata) - set(drop_notebook_metadata),
        preserve_cell_metadata_mask=cell_keys - drop_cell).preprocess(out, {})
    for cell in out.cells:
        meta = cell.setdefault("metadata", {})
        for key in drop_cell & set(meta):  # markdown and raw cells, which the preprocessor skips
            del meta[key]
        tags = [t for t in meta.get("tags", []) if t not in drop_tags]
        if tags:
            meta["tags"] = tags
        else:
            meta.pop("tags", None)
    return nbformat.from_dict(out)
