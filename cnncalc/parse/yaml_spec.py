"""YAML specs -> :class:`NetworkSpec`, with every error naming the key path and line.

The document is composed into PyYAML nodes (which keep line numbers) and walked by
hand; aliases are followed under a budget, so "billion laughs" documents end in a
clear error instead of exhausting memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from cnncalc.errors import LimitError, SpecError, did_you_mean
from cnncalc.kinds import Defaults, LayerFactory, convert_defaults, find_kind, lookup_kind
from cnncalc.parse.common import (
    Expansion,
    LoadOptions,
    bind_input,
    check_layer_count,
    cli_default_entries,
    override_input,
    parse_input_text,
    suffix_repeated_names,
)
from cnncalc.spec import InputSpec, LayerSpec, NetworkSpec, Origin

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_DEPTH = 100
_MAX_VALUES = 5_000_000

TOP_KEYS = ("name", "input", "defaults", "layers", "arch", "vars", "source", "description")


@dataclass(frozen=True)
class YamlOrigin:
    """A place in a YAML document: file, 1-based line and key path."""

    filename: str
    line: int
    path: str

    def error(self, message: str) -> SpecError:
        return SpecError(message, self.describe())

    def describe(self) -> str:
        return f"{self.filename}, line {self.line}, at {self.path or 'top level'}"


class Document:
    """Walks composed nodes, turning scalars into Python values and counting visits."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self._constructor = yaml.constructor.SafeConstructor()

    def origin(self, node: yaml.Node, path: str) -> YamlOrigin:
        return YamlOrigin(self.filename, node.start_mark.line + 1, path)

    def _plain_tag(self, node: yaml.Node, path: str, plain: str) -> None:
        if node.tag != plain:
            raise self.origin(node, path).error(
                f"cannot read this value: unsupported tag '{node.tag}'"
            )

    def scalar(self, node: yaml.Node, path: str) -> object:
        """A scalar's value by YAML's safe rules; other tags are errors at their place."""
        try:
            return self._constructor.construct_object(node)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.origin(node, path).error(f"cannot read this value: {problem}") from None

    def value(self, node: yaml.Node, path: str, depth: int = 0) -> object:
        """The plain Python value of a node (scalars, lists, dicts with string keys)."""
        if depth > _MAX_DEPTH:
            raise LimitError(
                f"{self.origin(node, path).describe()}: nested deeper than {_MAX_DEPTH} levels"
            )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._plain_tag(node, path, "tag:yaml.org,2002:seq")
            return [
                self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)
            ]
        return {k: self.value(v, f"{path}.{k}", depth + 1) for k, v, _ in self.items(node, path)}

    def items(self, node: yaml.Node, path: str) -> Iterator[tuple[str, yaml.Node, YamlOrigin]]:
        """Key, value node and origin of each entry of a mapping (keys must be text)."""
        if not isinstance(node, yaml.MappingNode):
            raise self.origin(node, path).error(f"expected a mapping, got {_describe(node)}")
        self._plain_tag(node, path, "tag:yaml.org,2002:map")
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self.scalar(key_node, path)
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise self.origin(key_node, path).error(f"keys must be text, got {key!r}")
            key = str(key)
            sub = f"{path}.{key}" if path else key
            if key in seen:
                raise self.origin(key_node, sub).error(f"key '{key}' appears twice")
            seen.add(key)
            yield key, value_node, self.origin(value_node, sub)


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{node.value}'" if node.value else "nothing"


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _parse_input(doc: Document, node: yaml.Node, origin: YamlOrigin) -> InputSpec:
    """``input: 224x224x3`` (spatial then channels), ``784`` (flat), a list, or a mapping."""
    if isinstance(node, yaml.MappingNode):
        fields = {k: (v, o) for k, v, o in doc.items(node, origin.path)}
        for key in fields:
            if key not in ("size", "channels"):
                raise fields[key][1].error(
                    f"unknown input key '{key}'{did_you_mean(key, ['size', 'channels'])}; "
                    "input takes size and channels"
                )
        if "channels" not in fields:
            raise origin.error("input needs channels (e.g. {size: [224, 224], channels: 3})")
        size_value = (
            doc.value(fields["size"][0], fields["size"][1].path) if "size" in fields else []
        )
        if not isinstance(size_value, list):
            size_value = [size_value]
        channels = doc.value(fields["channels"][0], fields["channels"][1].path)
        return parse_input_text([*size_value, channels], fields["channels"][1])
    return parse_input_text(doc.value(node, origin.path), origin)


def _default_entries(
    doc: Document, node: yaml.Node, path: str
) -> list[tuple[str, str, object, Origin]]:
    entries: list[tuple[str, str, object, Origin]] = []
    for kind_word, kind_node, kind_origin in doc.items(node, path):
        lookup_kind(kind_word, kind_origin)
        for key, value_node, origin in doc.items(kind_node, kind_origin.path):
            entries.append((kind_word, key, doc.value(value_node, origin.path), origin))
    return entries


class LayerReader:
    """Reads the ``layers`` list, expanding ``repeat`` blocks under a layer budget."""

    def __init__(
        self, doc: Document, dims: int, defaults: Defaults, variables: dict[str, int]
    ) -> None:
        self.doc = doc
        self.make = LayerFactory(dims, defaults, variables)
        self.variables = variables

    def count(self, node: yaml.Node, path: str, depth: int = 0) -> int:
        """How many layers a list expands to, computed without expanding it."""
        if depth > _MAX_DEPTH:
            raise LimitError(
                f"{self.doc.origin(node, path).describe()}: repeat blocks nested "
                f"deeper than {_MAX_DEPTH} levels"
            )
        if not isinstance(node, yaml.SequenceNode):
            raise self.doc.origin(node, path).error(f"layers must be a list, got {_describe(node)}")
        total = 0
        for i, item in enumerate(node.value):
            block = self._repeat_block(item, f"{path}[{i}]")
            if block is None:
                total += 1
            else:
                times, body, body_path = block
                total += times * self.count(body, body_path, depth + 1)
        return total

    def _repeat_block(self, item: yaml.Node, path: str) -> tuple[int, yaml.Node, str] | None:
        if not isinstance(item, yaml.MappingNode):
            return None
        keys = {k: (v, o) for k, v, o in self.doc.items(item, path)}
        if "repeat" not in keys:
            return None
        extra = set(keys) - {"repeat", "layers"}
        if extra:
            key = sorted(extra)[0]
            raise keys[key][1].error(
                f"a repeat block takes only 'repeat' and 'layers', not '{key}'"
            )
        if "layers" not in keys:
            raise keys["repeat"][1].error("a repeat block needs 'layers' (the list to repeat)")
        times_node, times_origin = keys["repeat"]
        times = self.doc.value(times_node, times_origin.path)
        if isinstance(times, str) and times in self.variables:
            times = self.variables[times]
        elif isinstance(times, str) and times.isidentifier():
            raise times_origin.error(
                f"variable {times} is not bound: give it with --set {times}=2 or in 'vars'"
            )
        if isinstance(times, bool) or not isinstance(times, int) or times < 0:
            raise times_origin.error(f"repeat must be a whole number 0 or more, got {times!r}")
        return times, keys["layers"][0], keys["layers"][1].path

    def read(self, node: yaml.Node, path: str) -> list[LayerSpec]:
        layers: list[LayerSpec] = []
        self._read_into(node, path, layers)
        return layers

    def _read_into(self, node: yaml.Node, path: str, out: list[LayerSpec]) -> None:
        assert isinstance(node, yaml.SequenceNode)
        for i, item in enumerate(node.value):
            item_path = f"{path}[{i}]"
            block = self._repeat_block(item, item_path)
            if block is None:
                out.append(self.layer(item, item_path))
                continue
            times, body, body_path = block
            once: list[LayerSpec] = []
            self._read_into(body, body_path, once)
            out.extend(suffix_repeated_names(once, times))

    def layer(self, node: yaml.Node, path: str) -> LayerSpec:
        doc = self.doc
        origin = doc.origin(node, path)
        if isinstance(node, yaml.ScalarNode) and not _is_null(node):
            word = doc.value(node, path)
            if not isinstance(word, str):
                raise origin.error(f"expected a layer kind such as conv or relu, got {word!r}")
            return self.make(word, (), (), origin)
        if not isinstance(node, yaml.MappingNode):
            raise origin.error(
                f"expected a layer (e.g. 'relu' or 'conv: 64'), got {_describe(node)}"
            )
        entries = list(doc.items(node, path))
        kind_entries = [
            e for e in entries if e[0].lower() != "name" and find_kind(e[0]) is not None
        ]
        if not kind_entries:
            keys = [e for e in entries if e[0].lower() != "name"]
            if not keys:
                raise origin.error("a layer needs a kind, e.g. 'conv: 64'")
            lookup_kind(keys[0][0], keys[0][2])
        if len(kind_entries) > 1:
            raise kind_entries[1][2].error(
                f"one layer per list item: '{kind_entries[0][0]}' and '{kind_entries[1][0]}' "
                "are both layer kinds"
            )
        word, body, body_origin = kind_entries[0]
        positional: list[tuple[object, Origin]] = []
        keywords: list[tuple[str, object, Origin]] = []
        for key, value_node, key_origin in entries:
            if key == word:
                continue
            keywords.append((key, doc.value(value_node, key_origin.path), key_origin))
        if isinstance(body, yaml.MappingNode):
            for key, value_node, key_origin in doc.items(body, body_origin.path):
                keywords.append((key, doc.value(value_node, key_origin.path), key_origin))
        elif isinstance(body, yaml.SequenceNode):
            for i, item in enumerate(body.value):
                item_path = f"{body_origin.path}[{i}]"
                positional.append((doc.value(item, item_path), doc.origin(item, item_path)))
        elif not _is_null(body):
            positional.append((doc.value(body, body_origin.path), body_origin))
        return self.make(word, positional, keywords, body_origin)


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
        if depth > _MAX_DEPTH:
            line = node.start_mark.line + 1
            raise LimitError(f"{filename}, line {line}: nested deeper than {_MAX_DEPTH} levels")
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


def compose(text: str, filename: str) -> yaml.Node | None:
    """Parse YAML text into a node tree, turning PyYAML's errors into :class:`SpecError`.

    Documents whose aliases expand beyond the limit are refused here.
    """
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
        if node is not None:
            _expanded_size(node, filename)
        return node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(f"{filename}{line}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{filename}: YAML error: {exc}") from None
    except RecursionError:
        raise LimitError(f"{filename}: the YAML is nested too deeply to read") from None


def _variables(doc: Document, node: yaml.Node, path: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value_node, origin in doc.items(node, path):
        value = doc.value(value_node, origin.path)
        if not key.isidentifier():
            raise origin.error(f"a variable name must be a word such as N, got '{key}'")
        if isinstance(value, bool) or not isinstance(value, int):
            raise origin.error(f"variable {key} must be a whole number, got {value!r}")
        out[key] = value
    return out


def _arch(doc: Document, node: yaml.Node, origin: YamlOrigin) -> str:
    text = doc.value(node, origin.path)
    if not isinstance(text, str):
        raise origin.error('arch must be grammar text, e.g. "INPUT(32x32x3) -> CONV(16) -> FC(10)"')
    return text


def parse_yaml(
    text: str, filename: str = "<yaml>", options: LoadOptions | None = None
) -> NetworkSpec:
    """Parse a YAML spec document into a :class:`NetworkSpec`."""
    return read_yaml(text, filename, options).spec


def read_yaml(text: str, filename: str = "<yaml>", options: LoadOptions | None = None) -> Expansion:
    """Parse a YAML spec document, keeping the optional parts its ``arch`` met.

    A spec gives ``layers`` (a list) or ``arch`` (grammar text), not both.
    """
    options = options or LoadOptions()
    root = compose(text, filename)
    if root is None:
        raise SpecError(f"{filename}: the spec is empty; it needs 'input' and 'layers'")
    doc = Document(filename)
    if not isinstance(root, yaml.MappingNode):
        raise doc.origin(root, "").error(
            f"a spec is a mapping with 'input' and 'layers', got {_describe(root)}"
        )
    top: dict[str, tuple[yaml.Node, YamlOrigin]] = {}
    for key, node, origin in doc.items(root, ""):
        if key not in TOP_KEYS:
            raise origin.error(
                f"unknown top-level key '{key}'{did_you_mean(key, TOP_KEYS)}; "
                f"a spec takes: {', '.join(TOP_KEYS)}"
            )
        top[key] = (node, origin)
    if "layers" in top and "arch" in top:
        raise top["arch"][1].error("give either 'layers' or 'arch', not both")
    if "layers" not in top and "arch" not in top:
        raise doc.origin(root, "").error("the spec needs 'layers' (a list) or 'arch' (grammar)")
    name = None
    if "name" in top:
        raw_name = doc.value(top["name"][0], top["name"][1].path)
        name = None if raw_name is None else str(raw_name)
    variables = {}
    if "vars" in top and not _is_null(top["vars"][0]):
        variables = _variables(doc, top["vars"][0], "vars")
    entries: list[tuple[str, str, object, Origin]] = []
    if "defaults" in top and not _is_null(top["defaults"][0]):
        entries = _default_entries(doc, top["defaults"][0], "defaults")
    file_input = _parse_input(doc, *top["input"]) if "input" in top else None
    if "arch" in top:
        from cnncalc.parse.grammar import expand, parse_program

        node, origin = top["arch"]
        program = parse_program(_arch(doc, node, origin), _arch_name(filename, origin))
        return expand(
            program,
            options,
            input_spec=file_input,
            name=name,
            variables=variables,
            spec_defaults=entries,
        )
    bound = {**variables, **options.variables}
    input_spec = bind_input(override_input(options, file_input), bound)
    if input_spec is None:
        raise doc.origin(root, "").error("the spec needs 'input' (e.g. input: 224x224x3)")
    defaults = convert_defaults(entries + cli_default_entries(options), input_spec.dims)
    reader = LayerReader(doc, input_spec.dims, defaults, bound)
    layers_node, layers_origin = top["layers"]
    check_layer_count(reader.count(layers_node, "layers"), options.max_layers, layers_origin)
    layers = reader.read(layers_node, "layers")
    return Expansion(NetworkSpec(input_spec, tuple(layers), name), ())


def yaml_arch(text: str, filename: str = "<yaml>") -> tuple[str, str] | None:
    """The grammar text of a YAML spec's ``arch`` and the name to show, or None."""
    root = compose(text, filename)
    if not isinstance(root, yaml.MappingNode):
        return None
    doc = Document(filename)
    for key, node, origin in doc.items(root, ""):
        if key == "arch":
            return _arch(doc, node, origin), _arch_name(filename, origin)
    return None


def _arch_name(filename: str, origin: YamlOrigin) -> str:
    return f"{filename} (arch, line {origin.line})"
