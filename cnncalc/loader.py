"""Read spec text from a file, a stream or a string, and parse it into a network.

The library never guesses whether a string is a path or spec text: :func:`read_file`
takes paths, :func:`text_source` takes text. Only the format (YAML or grammar) is
detected, by a file's suffix or else by its first meaningful line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, NamedTuple

from cnncalc.errors import CnnCalcError, InputFileError, LimitError
from cnncalc.options import Options, check_options
from cnncalc.spec import NetworkSpec
from cnncalc.speed import collector_paused

if TYPE_CHECKING:
    from cnncalc.interop import Imported, ModelFormat
    from cnncalc.parsing.common import Expansion

Format = Literal["yaml", "grammar"]
FORMATS: tuple[Format, ...] = ("yaml", "grammar")
MAX_SPEC_BYTES = 16 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
MODEL_SUFFIXES = (".onnx", ".keras")
"""Suffixes always read by an importer (a ``.json`` file is one when it is a Keras
model)."""
GRAMMAR_SUFFIXES = (".cnn", ".txt", ".arch")
_YAML_START = re.compile(r"^\s*(?:---|[A-Za-z_][\w-]*\s*:)", re.MULTILINE)


class Source(NamedTuple):
    """Spec text, the name to show in messages, and its format."""

    text: str
    name: str
    format: Format
    places: Mapping[int, Sequence[tuple[str, int | None]]] | None = None
    """An imported model's nodes by line of ``text``: errors name them, not lines."""

    @property
    def is_yaml(self) -> bool:
        """True for a YAML spec."""
        return self.format == "yaml"


def _read_bytes(path: Path, limit: int = MAX_SPEC_BYTES) -> bytes:
    try:
        if path.is_dir():
            raise InputFileError(f"{path}: is a directory, not a spec file")
        size = path.stat().st_size
        if size > limit:
            raise LimitError(
                f"{path}: the file is {size / 2**20:.1f} MiB; cnncalc reads "
                f"{'models' if limit != MAX_SPEC_BYTES else 'specs'} of at most "
                f"{limit // 2**20} MiB"
            )
        with path.open("rb") as fh:
            return fh.read(limit + 1)
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except PermissionError:
        raise InputFileError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, not a spec file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputFileError(f"{path}: cannot read it ({reason})") from None


def decode(data: bytes, name: str) -> str:
    """Spec bytes as text: UTF-8 (a BOM allowed), no NUL bytes, within the size limit."""
    if len(data) > MAX_SPEC_BYTES:
        raise LimitError(f"{name}: the spec is larger than {MAX_SPEC_BYTES // 2**20} MiB")
    if b"\x00" in data:
        raise InputFileError(f"{name}: this is a binary file, not a spec (it has NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{name}: not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from None


def looks_like_yaml(text: str) -> bool:
    """True when the first meaningful line is a YAML key (``input:``) or ``---``."""
    for line in text.split("\n", 200)[:200]:  # the first meaningful line decides
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return bool(_YAML_START.match(line))
    return False


def _check_format(format: str | None) -> Format | None:
    if format is None or format in FORMATS:
        return format
    raise CnnCalcError(f"unknown spec format '{format}'; use yaml or grammar", option="format")


def read_file(path: str | os.PathLike[str], format: Format | None = None) -> Source:
    """Read a spec file. Its format is ``format``, else its suffix's (``.yaml``/``.yml``
    YAML, ``.cnn``/``.txt``/``.arch`` grammar), else what its first line looks like. A
    model file (:func:`model_format`) is imported and read as its YAML spec.
    Raises InputFileError (missing, a directory, not UTF-8 text) or LimitError (too big)."""
    format = _check_format(format)
    name = os.fspath(path)
    if not isinstance(name, str):
        raise CnnCalcError(f"a spec path is text, got {name!r}")
    if format is None and name.lower().endswith(MODEL_SUFFIXES):
        imported = import_file(name)
        return Source(imported.text, name, "yaml", imported.places)
    data = _read_bytes(Path(name))
    if format is None and model_format(name, data) is not None:
        imported = import_file(name)
        return Source(imported.text, name, "yaml", imported.places)
    text = decode(data, name)
    if format is None:
        lower = name.lower()
        if lower.endswith(YAML_SUFFIXES):
            format = "yaml"
        elif lower.endswith(GRAMMAR_SUFFIXES):
            format = "grammar"
        else:
            format = "yaml" if looks_like_yaml(text) else "grammar"
    return Source(text, name, format)


def model_format(name: str, data: bytes) -> ModelFormat | None:
    """Which importer reads a file, by its suffix and content: ``.onnx`` ONNX; a zip
    (``.keras``) or a ``.json`` Keras model JSON (an object naming a ``class_name``);
    None for a spec (a ``.json`` cnncalc spec is YAML)."""
    lower = name.lower()
    if lower.endswith(".onnx"):
        return "onnx"
    if lower.endswith(".keras") or data[:4] == b"PK\x03\x04":
        return "keras"
    if lower.endswith(".json") and data.lstrip()[:1] == b"{" and b'"class_name"' in data:
        return "keras"
    return None


def import_file(
    path: str | os.PathLike[str],
    *,
    input: str | None = None,
    skip_unknown: bool = False,
    fold: bool = True,
) -> Imported:
    """Import a model file (``.onnx``, ``.keras``, Keras ``.json``) as a readable spec:
    the reader is picked here, by :func:`model_format`. Raises InputFileError for a
    file that is no model cnncalc reads, and what the reader raises (all CnnCalcError)."""
    from cnncalc.interop import import_model
    from cnncalc.interop.common import MAX_MODEL_BYTES

    name = os.fspath(path)
    if not isinstance(name, str):
        raise CnnCalcError(f"a model path is text, got {name!r}")
    data = _read_bytes(Path(name), MAX_MODEL_BYTES)
    format = model_format(name, data)
    if format is None:
        raise InputFileError(
            f"{name}: not a model cnncalc imports (.onnx, .keras, or Keras model .json)"
        )
    with collector_paused():
        return import_model(data, name, format, input=input, skip_unknown=skip_unknown, fold=fold)


def read_stream(stream: IO[bytes], name: str = "<stdin>", format: Format | None = None) -> Source:
    """Read a spec from a binary stream (standard input); the format as for text."""
    return text_source(decode(stream.read(MAX_SPEC_BYTES + 1), name), format, name)


def text_source(text: str, format: Format | None = "grammar", name: str = "<text>") -> Source:
    """Spec text itself. ``format`` None detects it: YAML when the first meaningful line
    is a key and the text has no ``->``, else grammar."""
    format = _check_format(format)
    if format is None:
        format = "yaml" if looks_like_yaml(text) and "->" not in text else "grammar"
    return Source(text, name, format)


def expand_source(source: Source, options: Options | None = None) -> Expansion:
    """Parse spec text with the caller's options, keeping the optional parts it met."""
    options = check_options(options or Options())
    with collector_paused():
        if source.places is not None:
            from cnncalc.interop.common import read_imported

            return read_imported(source.text, source.name, source.places, options)
        if source.is_yaml:
            from cnncalc.parsing.yaml_spec import read_yaml

            return read_yaml(source.text, source.name, options)
        from cnncalc.parsing.expand import expand
        from cnncalc.parsing.grammar import parse_program

        return expand(parse_program(source.text, source.name), options)


def parse_source(source: Source, options: Options | None = None) -> NetworkSpec:
    """Parse spec text into a network."""
    return expand_source(source, options).spec


def canonical_text(source: Source) -> str:
    """The canonical grammar text of a spec: grammar keeps its groups, repeats, variables
    and optional parts; a YAML spec with ``layers`` is written as its flat chain, input
    and name included; a YAML spec with ``arch`` stays YAML, its other keys kept and its
    ``arch`` written canonically, so the result runs as the spec did."""
    from cnncalc.parsing.grammar import parse_program
    from cnncalc.parsing.unparse import format_network, format_program

    if source.is_yaml:
        from cnncalc.parsing.yaml_spec import parse_yaml, with_arch, yaml_arch

        arch = yaml_arch(source.text, source.name)
        if arch is None:
            return format_network(parse_yaml(source.text, source.name), one_per_line=False)
        return with_arch(source.text, source.name, format_program(parse_program(*arch)))
    return format_program(parse_program(source.text, source.name))
