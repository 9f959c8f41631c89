"""YAML loading that remembers line numbers, so every problem can name its line.

PyYAML's safe loader builds plain dicts and lists and forgets where they came from; this
one builds subclasses that keep the line of each mapping, each key and each list item, and
reports duplicate keys (which PyYAML would silently overwrite).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem


class LineDict(dict[Any, Any]):
    line: int = 1
    key_lines: dict[Any, int]


class LineList(list[Any]):
    line: int = 1
    item_lines: list[int]


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader (libyaml's parser when present) with line-keeping containers."""

    def __init__(self, stream: str, filename: str) -> None:
        super().__init__(stream)
        self.filename = filename
        self.problems: list[Problem] = []


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    own = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    own_keys: set[Any] = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if id(key_node) not in own:
            pass
        elif key in own_keys:
            loader.problems.append(Problem(
                loader.filename, line, f"duplicate key '{key}' (first at line "
                f"{result.key_lines[key]})"))
        else:
            own_keys.add(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _core_schema_resolvers() -> None:
    """Resolve scalars as YAML 1.2 does, so answer values read as written.

    YAML 1.1 (PyYAML's default) reads ``18_39`` as the number 1839 and ``no`` as false,
    which would turn answer values like ``age_band: 18_39`` or ``"no"`` into other types.
    """
    _Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers
                if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }
    _Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                  re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                  list("tTfF"))
    _Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"),
                                  list("-+0123456789"))


_core_schema_resolvers()
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_yaml(path: Path, display: str) -> tuple[Any, list[Problem]]:
    """The document in ``path`` and the problems found reading it (data is None on a
    syntax error)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(display, 1, f"cannot read the file: {exc}")]
    loader = _Loader(text, display)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        context = ""
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            context = f" ({exc.context} at line {exc.context_mark.line + 1})"
        return None, [Problem(display, line, f"YAML syntax error: {exc.problem or exc}{context}")]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 1, f"YAML error: {exc}")]
    finally:
        loader.dispose()
    return data, loader.problems


def line_at(data: Any, loc: Sequence[int | str]) -> int:
    """The closest known line for a pydantic error location inside ``data``.

    Parts of ``loc`` that are not keys or indexes (union tags) are passed over.
    """
    line = getattr(data, "line", 1)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
    return line
