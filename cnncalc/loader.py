"""Find and read a spec: a YAML file, a grammar file, standard input or inline grammar text."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from cnncalc.errors import InputFileError, LimitError
from cnncalc.parse.common import LoadOptions
from cnncalc.spec import NetworkSpec

if TYPE_CHECKING:
    from cnncalc.parse.common import Expansion

MAX_SPEC_BYTES = 16 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
GRAMMAR_SUFFIXES = (".cnn", ".txt", ".arch")
_YAML_START = re.compile(r"^\s*(?:---|[A-Za-z_][\w-]*\s*:)", re.MULTILINE)


class SourceText(NamedTuple):
    """Spec text with the name to show in messages and its format."""

    text: str
    name: str
    is_yaml: bool


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InputFileError(f"{path}: is a directory, not a spec file")
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise LimitError(
                f"{path}: the file is {size / 2**20:.1f} MiB; cnncalc reads specs of at most "
                f"{MAX_SPEC_BYTES // 2**20} MiB"
            )
        with path.open("rb") as fh:
            return fh.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except PermissionError:
        raise InputFileError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, not a spec file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None


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


def _is_file(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def read_source(spec: str) -> SourceText:
    """Resolve a SPEC argument: ``-`` (stdin), a file path, or inline grammar text."""
    if spec == "-":
        data = sys.stdin.buffer.read(MAX_SPEC_BYTES + 1)
        text = decode(data, "<stdin>")
        return SourceText(text, "<stdin>", looks_like_yaml(text))
    path = Path(spec)
    looks_like_path = spec.lower().endswith(YAML_SUFFIXES + GRAMMAR_SUFFIXES) or (
        os.sep in spec and "->" not in spec and "(" not in spec
    )
    if looks_like_path or ("\n" not in spec and _is_file(path)):
        text = decode(_read_bytes(path), spec)
        is_yaml = spec.lower().endswith(YAML_SUFFIXES) or (
            not spec.lower().endswith(GRAMMAR_SUFFIXES) and looks_like_yaml(text)
        )
        return SourceText(text, spec, is_yaml)
    return SourceText(spec, "<inline>", looks_like_yaml(spec) and "->" not in spec)


def expand_source(source: SourceText, options: LoadOptions | None = None) -> Expansion:
    """Parse already-read spec text with the command line's options, keeping choices made."""
    if source.is_yaml:
        from cnncalc.parse.yaml_spec import read_yaml

        return read_yaml(source.text, source.name, options)
    from cnncalc.parse.expand import expand
    from cnncalc.parse.grammar import parse_program

    return expand(parse_program(source.text, source.name), options)


def parse_source(source: SourceText, options: LoadOptions | None = None) -> NetworkSpec:
    """Parse already-read spec text into a network."""
    return expand_source(source, options).spec


def load_spec(spec: str, options: LoadOptions | None = None) -> NetworkSpec:
    """Read and parse a SPEC argument (file, ``-`` or inline grammar) into a NetworkSpec."""
    return parse_source(read_source(spec), options)
