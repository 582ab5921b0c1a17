"""What every command shares: reading SPEC arguments, reporting errors, writing output.

The CLI is the one place that prints and exits: library errors become one message on
stderr and exit code 2 (a bug, exit code 3), never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from cnncalc.errors import CnnCalcError, SpecError

if TYPE_CHECKING:
    from cnncalc.loader import Source

# How the command line spells the library's arguments, for messages about them.
FLAGS: dict[str, str] = {
    "input": "--input",
    "layer": "--layer",
    "expect": "--expect",
    "expect_params": "--expect-params",
    "dtype": "--dtype",
    "depth": "--depth",
    "format": "--format",
    "filters": "--filters",
    "units": "--units",
    "kernel": "--kernel",
    "stride": "--stride",
    "padding": "--padding",
    "dilation": "--dilation",
    "groups": "--groups",
    "bias": "--bias",
    "ceil_mode": "--ceil",
    "size": "--size",
    "output_size": "--output",
    "rf": "--rf",
    "max_kernel": "--max-kernel",
    "max_stride": "--max-stride",
    "max_dilation": "--max-dilation",
    "allow_outside": "--allow-outside",
    "steps": "--steps",
}
HINTS: dict[str, str] = {
    "variables": "bind it with --set NAME=INTEGER",
    "max_layers": "raise it with --max-layers",
    "defaults": "on the command line: --default KIND.KEY=VALUE",
    "input_size": "or give the size with --input HxWxC",
}


def fail(message: str, code: int = 2) -> NoReturn:
    """Say what went wrong on stderr and end with ``code``."""
    sys.stderr.write(f"cnncalc: error: {message}\n")
    raise SystemExit(code)


def message_of(error: CnnCalcError) -> str:
    """An error's message as the command line says it: with the flag it concerns."""
    text = str(error)
    option = error.option or ""
    flag = FLAGS.get(option)
    if flag and isinstance(error, SpecError) and (error.where or "").startswith(f"{option} "):
        return f"{flag}{(error.where or '')[len(option) :]}: {error.detail}"  # a value given
    if option in HINTS:  # at the end of the first line, above any drawn source line
        first, newline, rest = text.partition("\n")
        return f"{first} ({HINTS[option]}){newline}{rest}"
    return f"{flag}: {text}" if flag else text


@contextmanager
def reporting(passthrough: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn every CnnCalcError into its message on stderr and its exit code (2), and any
    other exception (a bug) into a one-line message and exit code 3, never a traceback.
    ``passthrough`` names the command-line framework's own exits, left alone."""
    ends: tuple[type[BaseException], ...] = (
        SystemExit,
        KeyboardInterrupt,
        BrokenPipeError,
        *passthrough,
    )
    try:
        yield
    except CnnCalcError as error:
        fail(message_of(error), error.exit_code)
    except RecursionError:
        fail("the spec is nested too deeply to process")
    except ends:
        raise
    except Exception as error:
        fail(f"internal error ({type(error).__name__}: {error}); please report this", 3)


def write_atomic(path: Path, text: Iterable[str]) -> None:
    """Write through a temporary file in the same folder, then rename over the target."""
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise CnnCalcError(f"{path}: cannot write there ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines([text] if isinstance(text, str) else text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CnnCalcError(f"{path}: cannot write it ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush to a closed pipe is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def emit(text: Iterable[str], output: Path | None = None) -> None:
    """Write text (a string, or pieces of one as they are made) to stdout or a file."""
    if output is None:
        try:
            sys.stdout.writelines([text] if isinstance(text, str) else text)
            sys.stdout.flush()
        except BrokenPipeError:  # the reader left (`| head`): nothing more to say
            silence_stdout()
            raise SystemExit(0) from None
    else:
        write_atomic(output, text)


def on_terminal(output: Path | None) -> bool:
    """True when output goes to a terminal (where rich may style it)."""
    return output is None and sys.stdout.isatty()


def _names_a_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def spec_source(spec: str) -> Source:
    """A SPEC argument: ``-`` (standard input), a file, or spec text itself.

    It is a file when a file of that name exists, or when it holds none of the grammar's
    characters (``(``, ``->``, a new line) and ends in a spec suffix or names a folder
    (so that a missing file is reported as missing). Anything else is text.
    """
    from cnncalc.loader import (
        GRAMMAR_SUFFIXES,
        YAML_SUFFIXES,
        read_file,
        read_stream,
        text_source,
    )

    if spec == "-":
        return read_stream(sys.stdin.buffer)
    grammar_like = any(mark in spec for mark in ("(", "->", "\u2192", "\n"))
    path_like = not grammar_like and (
        spec.lower().endswith(YAML_SUFFIXES + GRAMMAR_SUFFIXES) or os.sep in spec
    )
    if path_like or ("\n" not in spec and _names_a_file(spec)):
        return read_file(spec)
    return text_source(spec, None, "<inline>")
