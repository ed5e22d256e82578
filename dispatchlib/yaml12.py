"""YAML read as a person means it: the YAML 1.2 core schema, no aliases, bounded depth.

PyYAML implements YAML 1.1, which reads ``010000`` as octal (4,096), ``1:30`` as base 60 (90),
``yes``/``no``/``on``/``off`` as booleans and ``2025-01-01`` as a date. Every value the package
reads from a person (``-p NAME VALUE``, the ``scenario`` command's options, scenario files and
grid files) goes through :func:`load` instead, which follows the YAML 1.2 core schema:

- booleans are only ``true``/``false`` (also ``True``, ``TRUE``, ``False``, ``FALSE``);
- ``null``, ``Null``, ``NULL``, ``~`` and an empty value are null;
- integers are decimal (``010000`` is ten thousand), ``0o17`` octal, ``0x1F`` hexadecimal;
- floats are ``6.5``, ``1e5``, ``.5``, ``.inf``, ``.nan``;
- everything else is text: ``1:30``, ``yes``, ``2025-01-01``, ``100_000`` (a numeric parameter
  still reads ``100_000`` as a number, see :meth:`dispatchlib.params.ParamSpec.parse`).

Anchors and aliases (``&a``, ``*a``) are refused: no value here needs them, and a few hundred
bytes of nested aliases expand to gigabytes (an "alias bomb"). Nesting deeper than
:data:`MAX_DEPTH` is refused too. Both are refused while reading, before anything is built.

Examples
--------
>>> load("010000"), load("1:30"), load("yes"), load("true"), load("1e5")
(10000, '1:30', 'yes', True, 100000.0)
>>> try:
...     load("[&a x, *a]")
... except YamlError as exc:
...     print(exc)
anchors and aliases (&name, *name) are not accepted, found an anchor 'a' (line 1, column 2)
"""

from __future__ import annotations

import re

import yaml

from dispatchlib.errors import DispatchlibError

MAX_DEPTH = 20
"""Deepest nesting of lists and mappings accepted (a grid file needs 3)."""


class YamlError(DispatchlibError):
    """Text that is not YAML, or YAML this package does not accept (one line, no traceback).

    Attributes
    ----------
    refused : bool
        ``True`` for valid YAML that is refused (an alias, deep nesting, a bad ``!!int``),
        ``False`` for text that is not YAML at all.
    """

    def __init__(self, message: str, refused: bool = True):
        super().__init__(message)
        self.refused = refused


_BOOL = {"true": True, "false": False}
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's resolvers, no aliases and a depth limit."""

    yaml_implicit_resolvers: dict = {}
    yaml_constructors = dict(yaml.SafeLoader.yaml_constructors)

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _refused(f"an alias '*{event.anchor}'", event)
        if getattr(event, "anchor", None) is not None:
            raise _refused(f"an anchor {event.anchor!r}", event)
        nests = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if nests:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise YamlError(f"nested more than {MAX_DEPTH} levels deep "
                                f"({_where(event)}); no value here needs that")
        try:
            return super().compose_node(parent, index)
        finally:
            if nests:
                self._depth -= 1

    def construct_yaml_bool(self, node):
        value = self.construct_scalar(node)
        if value.lower() not in _BOOL:
            raise YamlError(f"expected true or false for !!bool, got {value!r} ({_where(node)})")
        return _BOOL[value.lower()]

    def construct_yaml_int(self, node):
        value = self.construct_scalar(node)
        if not _INT.match(value):
            raise YamlError(f"expected a whole number for !!int, got {value!r} ({_where(node)})")
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value, 10)  # decimal, leading zeros and all

    def construct_yaml_float(self, node):
        value = self.construct_scalar(node)
        if _INT.match(value) and not value.startswith(("0o", "0x")):
            return float(int(value, 10))
        if not _FLOAT.match(value):
            raise YamlError(f"expected a number for !!float, got {value!r} ({_where(node)})")
        special = value.lower().lstrip("+")
        if special in (".inf", "-.inf", ".nan"):
            return float(special.replace(".", ""))
        return float(value)

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) < len(node.value):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise YamlError(f"key {key!r} is given twice ({_where(key_node)})")
                seen.add(key)
        return mapping


_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                              ["~", "n", "N", ""])
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789"))
_Loader.add_constructor("tag:yaml.org,2002:bool", _Loader.construct_yaml_bool)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)
for _tag in ("timestamp", "set", "omap", "pairs", "binary"):
    _Loader.yaml_constructors.pop(f"tag:yaml.org,2002:{_tag}", None)


def _where(mark_holder) -> str:
    mark = mark_holder.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _refused(what: str, event) -> YamlError:
    return YamlError(f"anchors and aliases (&name, *name) are not accepted, found {what} "
                     f"({_where(event)})")


def load(text: str) -> object:
    """Read one YAML document by the YAML 1.2 core schema (see the module notes).

    Parameters
    ----------
    text : str
        The YAML text (a single value such as ``010000`` or a whole file).

    Returns
    -------
    object
        ``None``, ``bool``, ``int``, ``float``, ``str``, or lists and dicts of them.

    Raises
    ------
    YamlError
        One line: not YAML, an anchor or alias, nesting deeper than :data:`MAX_DEPTH`, or an
        explicit tag this package does not read (``!!timestamp``, ``!!binary``...).
    """
    loader = _Loader(text)  # a SafeLoader: no Python tags, nothing evaluated
    try:
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML ({' '.join(str(exc).split())})", refused=False) from None
    except RecursionError:
        raise YamlError(f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
