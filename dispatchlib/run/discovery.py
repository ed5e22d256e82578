"""Finding the lesson notebooks (``NN_topic.ipynb``) and reading the parameters each declares in
its ``parameters`` cell, as ``papermill.inspect_notebook`` reads them (without importing papermill
for a plain Python notebook of nbformat 4: :func:`_inspect_python`).
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dispatchlib import i18n, paths
from dispatchlib.errors import DispatchlibError, ParameterError

NOTEBOOK_NAME = re.compile(r"\A\d\d_[a-z0-9-]+\.ipynb\Z")

class UnknownNotebook(ParameterError):
    """A notebook name that matches no ``notebooks/NN_*.ipynb``."""

    def __init__(self, name: str, found: Sequence[str]):
        super().__init__("notebook", name, "one of: " + ", ".join(found))
        close = difflib.get_close_matches(name, found, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        self.args = (f"no notebook {name!r}; {hint}the notebooks are: "
                     f"{', '.join(found) or '(none)'}",)

#: the languages of the lessons (:data:`dispatchlib.i18n.LANGUAGES`): English in
#: ``notebooks/``, each other one in ``notebooks/<lang>/`` (built from the English ones and
#: ``locales/<lang>/``)
LANGUAGES = i18n.LANGUAGES


def notebooks_folder(lang: str = "en") -> Path:
    """The folder of the lessons in ``lang``: ``notebooks/`` for English, ``notebooks/ko/`` for
    Korean.

    Raises
    ------
    ParameterError
        For a language other than those of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise ParameterError("lang", lang, "one of " + ", ".join(LANGUAGES))
    return paths.notebooks_dir() if lang == "en" else paths.notebooks_dir() / lang


def notebooks(names: Sequence[str] | None = None, lang: str = "en") -> list[Path]:
    """The lesson notebooks in teaching order, or those named (stem, number, file name or path).

    Parameters
    ----------
    names : sequence of str, optional
        Notebooks by stem, number or file name; default all.
    lang : {"en", "ko"}
        Their language (:func:`notebooks_folder`).

    Raises
    ------
    UnknownNotebook
        For a name that matches no notebook (a ``ValueError``).
    """
    found = sorted(p for p in notebooks_folder(lang).glob("*.ipynb")
                   if NOTEBOOK_NAME.fullmatch(p.name))
    if not names:
        return found
    by_key = {}
    for p in found:
        by_key.update({p.name: p, p.stem: p, p.stem[:2]: p})
    chosen = []
    for name in names:
        key = Path(name).name
        if key not in by_key:
            raise UnknownNotebook(name, [p.stem for p in found])
        if by_key[key] not in chosen:
            chosen.append(by_key[key])
    return chosen

@dataclass(frozen=True)
class Declared:
    """One parameter as a notebook declares it in its ``parameters`` cell.

    Attributes
    ----------
    name : str
        Parameter name.
    kind : str
        Type annotation in the notebook (``int``, ``float``...).
    default : object
        Default value (the literal in the cell; its text if it is not a literal).
    comment : str
        The comment after the value (unit and source).
    """

    name: str
    kind: str
    default: object
    comment: str

_DECLARED_CACHE: dict[tuple, dict[str, Declared]] = {}

def read_notebook(source: Path) -> dict:
    """A notebook file's JSON, checked to be a notebook.

    Raises
    ------
    DispatchlibError
        Naming the file, for an empty, unreadable or non-JSON file, or JSON that is not a
        notebook (no ``cells`` list).
    """
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DispatchlibError(f"notebook {source}: cannot be read ({exc})") from None
    if not text.strip():
        raise DispatchlibError(f"notebook {source}: the file is empty, not a notebook")
    try:
        nb = json.loads(text)
    except ValueError as exc:
        raise DispatchlibError(f"notebook {source}: not a notebook: not JSON ({exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise DispatchlibError(f"notebook {source}: not a notebook: no list of cells")
    return nb

#: papermill's pattern of one parameter definition in a Python ``parameters`` cell
#: (``PythonTranslator.PARAMETER_PATTERN``, papermill 2.x)
PARAMETER_PATTERN = re.compile(
    r"^(?P<target>\w[\w_]*)\s*(:\s*[\"']?(?P<annotation>\w[\w_\[\],\s]*)[\"']?\s*)?=\s*"
    r"(?P<value>.*?)(\s*#\s*(type:\s*(?P<type_comment>[^\s]*)\s*)?(?P<help>.*))?$")


def _plain_python(nb: dict) -> bool:
    """Whether papermill would read ``nb`` as it stands: nbformat 4, a Python kernel and
    language, every cell an object with a metadata object (anything else goes to papermill)."""
    meta = nb.get("metadata")
    if nb.get("nbformat") != 4 or not isinstance(meta, dict):
        return False
    spec, info = meta.get("kernelspec"), meta.get("language_info", {})
    if not isinstance(spec, dict) or not isinstance(info, dict):
        return False
    if spec.get("name") not in ("python", "python3") or (info.get("name")
                                                         or spec.get("language")) != "python":
        return False
    return all(isinstance(c, dict) and isinstance(c.get("metadata"), dict)
               and isinstance(c["metadata"].get("tags", []), list)
               and isinstance(c.get("source", ""), (str, list)) for c in nb["cells"])


def _inspect_python(nb: dict) -> dict[str, dict]:
    """``papermill.inspect_notebook`` of a notebook :func:`_plain_python` accepts: the first cell
    tagged ``parameters``, read line by line as papermill's ``PythonTranslator.inspect`` reads
    it (a multi-line value flattened, a comment on its last line being its help; a line with
    two ``=`` skipped with papermill's warning)."""
    cell = next((c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])), None)
    if cell is None:
        return {}
    src = cell.get("source", "")
    src = "".join(src) if isinstance(src, list) else src

    def flatten(lines: list[str]) -> str:
        flat = "".join(line[:line.index("#")].strip() if "#" in line else line.strip()
                       for line in lines[:-1])
        return flat + (lines[-1].strip() if lines else "")

    groups, lines = [], []
    for i, line in enumerate(src.splitlines()):
        if not line.strip() or line.strip().startswith("#"):
            continue
        if line.count("=") > 0:
            groups.append(flatten(lines))
            lines = []
            if line.count("=") > 1:
                import logging

                logging.getLogger("papermill").warning(f"Unable to parse line {i + 1} '{line}'.")
                continue
        lines.append(line)
    groups.append(flatten(lines))
    found = {}
    for definition in groups:
        match = PARAMETER_PATTERN.match(definition) if definition else None
        if match is not None:
            attr = match.groupdict()
            name = attr["target"].strip()
            found[name] = {"name": name,
                           "inferred_type_name": str(attr["annotation"] or attr["type_comment"]
                                                     or None).strip(),
                           "default": str(attr["value"]).strip(),
                           "help": str(attr["help"] or "").strip()}
    return found


def declared(source: Path) -> dict[str, Declared]:
    """The parameters a notebook declares, in the order of its ``parameters`` cell."""
    stat = source.stat()
    key = (str(source.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _DECLARED_CACHE:
        nb = read_notebook(source)  # a broken file: one line naming it
        try:
            if _plain_python(nb):
                found = _inspect_python(nb)
            else:
                import papermill

                found = papermill.inspect_notebook(str(source))
        except Exception as exc:  # noqa: BLE001 - JSON, but not a notebook papermill reads
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise DispatchlibError(f"notebook {source}: not a readable notebook ({first})"
                                   ) from None
        out = {}
        for name, info in found.items():
            try:
                default = ast.literal_eval(info["default"])
            except (ValueError, SyntaxError):
                default = info["default"]
            out[name] = Declared(name, info.get("inferred_type_name") or "", default,
                                 info.get("help") or "")
        _DECLARED_CACHE[key] = out
    return dict(_DECLARED_CACHE[key])
