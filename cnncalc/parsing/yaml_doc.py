"""YAML documents as located values: composition, aliases under a budget, node walking.

The text is composed into PyYAML nodes (which keep line numbers) and walked by hand,
so every value can name its file, line and key path; aliases are measured before
anything is walked, so "billion laughs" documents end in a clear error instead of
exhausting memory. Nothing here knows about specs or layers.

Scalars are read by YAML 1.1's safe rules with one number syntax: whole numbers are
plain decimals (``0``, ``-3``, ``+3``, ``42``). YAML 1.1's other spellings (``010``
octal, ``0x1f``, ``0b11``, ``1:30`` base 60, ``1_000``, ``1:30.5``) are located errors
rather than silently other numbers. ``.inf`` and ``.nan`` read as the float infinity
and NaN; every value that needs a finite number refuses them where it is checked.
Explicit tags are read with the same checks (``!!int abc`` is an error at its place);
tags outside the plain YAML types (``!!python/object``, ``!foo``) are refused.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import math
import re
from typing import Any

import yaml

from cnncalc.errors import LimitError, SpecError
from cnncalc.record import record

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader, remembering implicit tags: resolving a plain scalar runs
    Python regular expressions, and long specs repeat the same few scalars."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tags: dict[tuple[object, ...], str] = {}

    def resolve(self, kind: type, value: str | None, implicit: object) -> str:
        key = (kind, value, implicit)  # implicit: a bool or a pair of bools
        try:
            return self._tags[key]
        except KeyError:
            tag: str = super().resolve(kind, value, implicit)
            self._tags[key] = tag
            return tag


MAX_DEPTH = 100
_MAX_VALUES = 5_000_000
_MAX_DIGITS = 4_000  # Python refuses to read longer decimals (int_max_str_digits)
_YAML = "tag:yaml.org,2002:"
STR_TAG = _YAML + "str"
INT_TAG = _YAML + "int"
MAP_TAG = _YAML + "map"
SEQ_TAG = _YAML + "seq"
NULL_TAG = _YAML + "null"
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_OCTAL_12 = re.compile(r"[-+]?0o[0-7]+")  # YAML 1.2's octal, plain text to YAML 1.1
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_NULLS = ("", "~", "null", "Null", "NULL")
_BOOLS = yaml.constructor.SafeConstructor.bool_values
_TIMESTAMP = yaml.constructor.SafeConstructor.timestamp_regexp
_DECIMAL_HINT = "numbers are written in decimal (such as 42, -3 or 0.5); quote it if it is text"


@record(frozen=False)  # one per key of a document: slots, not frozen, for speed
class YamlOrigin:
    """A place in a YAML document: file, 1-based line and key path."""

    filename: str
    line: int
    path: str

    def error(self, message: str) -> SpecError:
        return SpecError(message, self.describe())

    def describe(self) -> str:
        return f"{self.filename}, line {self.line}, at {self.path or 'top level'}"


def short_tag(tag: str) -> str:
    """A tag as written: ``!!int`` for YAML's own types, else unchanged (``!foo``)."""
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag


def describe(node: yaml.Node) -> str:
    """A node in a few words, for messages: a mapping, a list, or its text."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{node.value}'" if node.value else "nothing"


def is_null(node: yaml.Node) -> bool:
    """Whether a node is YAML's null (``~``, ``null`` or nothing)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG


def _show(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def _read_int(text: str) -> int:
    if not _DECIMAL.fullmatch(text):
        if any(c.isdigit() for c in text):
            raise ValueError(_DECIMAL_HINT)
        raise ValueError("!!int takes a whole number such as 42")
    if len(text) > _MAX_DIGITS:
        raise ValueError(f"a number of more than {_MAX_DIGITS:,} digits is too long")
    return int(text)


def _read_float(text: str) -> float:
    word = text.lower().lstrip("+-")
    if word in (".inf", ".nan"):
        value = math.inf if word == ".inf" else math.nan
        return -value if text.startswith("-") else value
    if not _FLOAT.fullmatch(text):
        if any(c.isdigit() for c in text):
            raise ValueError(_DECIMAL_HINT)
        raise ValueError("!!float takes a number such as 0.5, 1e-3 or .inf")
    return float(text)


def _read_bool(text: str) -> bool:
    try:
        return _BOOLS[text.lower()]
    except KeyError:
        raise ValueError("!!bool takes true or false (also yes/no, on/off)") from None


def _read_null(text: str) -> None:
    if text not in _NULLS:
        raise ValueError("!!null takes null, ~ or nothing")


def _read_timestamp(text: str) -> object:
    if _TIMESTAMP.fullmatch(text):
        node = yaml.ScalarNode(_YAML + "timestamp", text)
        with contextlib.suppress(ValueError, OverflowError):
            return yaml.constructor.SafeConstructor().construct_yaml_timestamp(node)
    raise ValueError("a date is a real day written like 2024-01-31")


def _read_binary(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("!!binary takes base64 data") from None


_READERS: dict[str, Any] = {
    STR_TAG: str,
    INT_TAG: _read_int,
    _YAML + "float": _read_float,
    _YAML + "bool": _read_bool,
    NULL_TAG: _read_null,
    _YAML + "timestamp": _read_timestamp,
    _YAML + "binary": _read_binary,
}


class Document:
    """Walks composed nodes, turning scalars into Python values at their place."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def origin(self, node: yaml.Node, path: str) -> YamlOrigin:
        return YamlOrigin(self.filename, node.start_mark.line + 1, path)

    def _plain_tag(self, node: yaml.Node, path: str, plain: str) -> None:
        if node.tag != plain:
            raise self.origin(node, path).error(
                f"cannot read this value: unsupported tag '{short_tag(node.tag)}'"
            )

    def scalar(self, node: yaml.Node, path: str) -> object:
        """A scalar's value by YAML's safe rules (whole numbers in decimal only); bad
        content and other tags are errors at their place."""
        tag, text = node.tag, node.value
        if tag == STR_TAG:
            if "0o" in text[:3] and not getattr(node, "style", "") and _OCTAL_12.fullmatch(text):
                raise self.origin(node, path).error(f"cannot read {_show(text)}: {_DECIMAL_HINT}")
            return text
        plain_count = text.isascii() and text.isdigit() and text[0] != "0"
        if tag == INT_TAG and plain_count and len(text) <= _MAX_DIGITS:
            return int(text)  # the usual count, read directly
        reader = _READERS.get(tag)
        if reader is None:
            if tag == _YAML + "merge":
                raise self.origin(node, path).error(
                    "merge keys (<<) are not supported; write the keys out"
                )
            raise self.origin(node, path).error(
                f"cannot read this value: unsupported tag '{short_tag(tag)}'"
            )
        try:
            value: object = reader(text)
        except ValueError as problem:
            raise self.origin(node, path).error(f"cannot read {_show(text)}: {problem}") from None
        return value

    def value(self, node: yaml.Node, path: str, depth: int = 0) -> object:
        """The plain Python value of a node (scalars, lists, dicts with string keys)."""
        if depth > MAX_DEPTH:
            raise LimitError(
                f"{self.origin(node, path).describe()}: nested deeper than {MAX_DEPTH} levels"
            )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._plain_tag(node, path, SEQ_TAG)
            return [
                self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)
            ]
        return {k: self.value(v, f"{path}.{k}", depth + 1) for k, v, _ in self.items(node, path)}

    def items(self, node: yaml.Node, path: str) -> list[tuple[str, yaml.Node, YamlOrigin]]:
        """Key, value node and origin of each entry of a mapping (keys must be text)."""
        if not isinstance(node, yaml.MappingNode):
            raise self.origin(node, path).error(f"expected a mapping, got {describe(node)}")
        self._plain_tag(node, path, MAP_TAG)
        entries: list[tuple[str, yaml.Node, YamlOrigin]] = []
        seen: set[str] = set()
        prefix = f"{path}." if path else ""
        filename = self.filename
        for key_node, value_node in node.value:
            if key_node.tag == STR_TAG:  # the usual plain key, read without a call
                key = key_node.value
            else:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.origin(key_node, path).error(
                        f"keys must be text, got {describe(key_node)}"
                    )
                value = self.scalar(key_node, path)
                if not isinstance(value, str | int) or isinstance(value, bool):
                    raise self.origin(key_node, path).error(f"keys must be text, got {value!r}")
                key = str(value)
            if key in seen:
                raise self.origin(key_node, prefix + key).error(f"key '{key}' appears twice")
            seen.add(key)
            origin = YamlOrigin(filename, value_node.start_mark.line + 1, prefix + key)
            entries.append((key, value_node, origin))
        return entries


def _expanded_size(root: yaml.Node, filename: str) -> int:
    """Values the document holds once every alias is expanded, without expanding them.

    Each node's size is computed once (aliases share node objects), so "billion laughs"
    is measured in linear time and refused before anything is walked; an alias inside
    itself is refused too.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            line = node.start_mark.line + 1
            raise SpecError(f"{filename}, line {line}: an alias refers to itself")
        if depth > MAX_DEPTH:
            line = node.start_mark.line + 1
            raise LimitError(f"{filename}, line {line}: nested deeper than {MAX_DEPTH} levels")
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(item, depth + 1) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        active.discard(key)
        sizes[key] = total
        if total > _MAX_VALUES:
            raise LimitError(
                f"{filename}: the document expands to more than {_MAX_VALUES:,} values "
                "(aliases repeated too often?)"
            )
        return total

    return size(root, 0)


def compose(text: str, filename: str, what: str = "spec") -> yaml.Node | None:
    """Parse YAML text into a node tree, turning PyYAML's errors into :class:`SpecError`.

    ``what`` names the document in messages (a spec, a sheet). Documents whose aliases
    expand beyond the limit are refused here.
    """
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
        if node is not None and "*" in text:  # without an alias nothing can expand
            _expanded_size(node, filename)
        return node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.problem == "but found another document" and exc.problem_mark is not None:
            raise SpecError(
                f"{filename}: a {what} is one YAML document; a second one starts at "
                f"line {exc.problem_mark.line + 1}"
            ) from None
        line = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(f"{filename}{line}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{filename}: YAML error: {exc}") from None
    except RecursionError:
        raise LimitError(f"{filename}: the YAML is nested too deeply to read") from None
