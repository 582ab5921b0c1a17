"""The console entry point, and what every command shares: error reporting and output.

Nothing here imports typer, nor rich but to style a table on a terminal. ``cnncalc
summarize SPEC`` with at most ``--format``, ``--dtype`` and ``--output`` (the invocation
people and scripts run most) is read here and run directly: importing typer and building
its command costs about as much as reading, computing and writing AlexNet
(BENCHMARKS.md). Every other invocation, help and every error in the arguments go to the
typer app in :mod:`cnncalc.cli`, which defines the interface; the quick path only takes
argument lists that the app reads the same way, and tests run both on the same
arguments and compare.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from cnncalc.errors import CnnCalcError

if TYPE_CHECKING:
    from cnncalc.parse.common import LoadOptions
    from cnncalc.results import NetworkResult


class OutputFormat(StrEnum):
    """Output formats of summarize."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def fail(message: str, code: int = 2) -> NoReturn:
    """Say what went wrong on stderr and end with ``code``."""
    sys.stderr.write(f"cnncalc: error: {message}\n")
    raise SystemExit(code)


@contextmanager
def reporting(passthrough: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn every CnnCalcError into a message on stderr and its exit code (2), and any
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
        fail(str(error), error.exit_code)
    except RecursionError:
        fail("the spec is nested too deeply to process")
    except ends:
        raise
    except Exception as error:
        fail(f"internal error ({type(error).__name__}: {error}); please report this", 3)


def _parse_sets(values: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in values:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise CnnCalcError(f"--set takes NAME=INTEGER (e.g. --set N=2), got '{item}'")
        try:
            number = int(value.strip())
        except ValueError:
            raise CnnCalcError(f"--set {name}: '{value}' is not a whole number") from None
        out[name] = number
    return out


def _parse_defaults(values: list[str]) -> tuple[tuple[str, str, str], ...]:
    out = []
    for item in values:
        target, sep, value = item.partition("=")
        kind, dot, key = target.strip().partition(".")
        if not sep or not dot or not kind or not key:
            raise CnnCalcError(
                f"--default takes KIND.KEY=VALUE (e.g. --default conv.padding=1), got '{item}'"
            )
        out.append((kind, key, value.strip()))
    return tuple(out)


MAX_LAYERS = 1_000_000
"""The default of ``--max-layers``."""


def load_options(
    sets: list[str] | None = None,
    defaults: list[str] | None = None,
    optional: bool = True,
    max_layers: int = MAX_LAYERS,
    input_size: str | None = None,
) -> LoadOptions:
    """The loading options the command line gives (``--set``, ``--default``, ...)."""
    from cnncalc.parse.common import LoadOptions

    if max_layers < 1:
        raise CnnCalcError(f"--max-layers must be positive, got {max_layers}")
    return LoadOptions(
        _parse_sets(sets or []), _parse_defaults(defaults or []), optional, max_layers, input_size
    )


def write_atomic(path: Path, text: Iterable[str]) -> None:
    """Write through a temporary file in the same folder, then rename over the target."""
    import tempfile  # only with --output

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


def emit(text: Iterable[str], output: Path | None) -> None:
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


STYLED_TABLE_LIMIT = 2_000
"""Above this many layers a terminal gets the table unstyled: no one reads the styles of
thousands of rows, and rich takes about 17 us a line for them."""


def print_table(result: NetworkResult, output: Path | None) -> None:
    """Styled by rich on a terminal; plain text, streamed, to pipes, files and for long
    networks. Both have the same layout."""
    if output is None and sys.stdout.isatty() and len(result.layers) <= STYLED_TABLE_LIMIT:
        from rich.console import Console

        from cnncalc.render.table import print_table as print_styled_table

        print_styled_table(result, Console(highlight=False))
        return
    from cnncalc.render.plain import plain_lines

    emit((f"{line}\n" for line in plain_lines(result)), output)


def render(result: NetworkResult, fmt: OutputFormat, output: Path | None) -> None:
    """Write a result in one of the output formats."""
    if fmt is OutputFormat.json:
        from cnncalc.render.data import json_chunks

        emit(json_chunks(result), output)
    elif fmt is OutputFormat.csv:
        from cnncalc.render.data import render_csv

        emit(render_csv(result), output)
    elif fmt is OutputFormat.markdown:
        from cnncalc.render.markdown import render_markdown

        emit(render_markdown(result), output)
    else:
        print_table(result, output)


def summarize(
    spec: str,
    fmt: OutputFormat = OutputFormat.table,
    dtype: str = "float32",
    options: LoadOptions | None = None,
    depth: int = 0,
    output: Path | None = None,
) -> None:
    """``cnncalc summarize``: load, evaluate, and write the result (errors raised)."""
    from cnncalc.engine import evaluate
    from cnncalc.loader import load_spec

    result = evaluate(load_spec(spec, options), dtype)
    if depth < 0:
        raise CnnCalcError(f"--depth must be 0 or more, got {depth}")
    if depth:
        from cnncalc.results import collapse_blocks

        result = collapse_blocks(result, depth)
    render(result, fmt, output)


_QUICK_OPTIONS = {
    "--format": "fmt",
    "-f": "fmt",
    "--dtype": "dtype",
    "--output": "output",
    "-o": "output",
}


def quick_summarize_args(args: list[str]) -> dict[str, str] | None:
    """The arguments of ``summarize SPEC`` with at most ``-f/--format``, ``--dtype`` and
    ``-o/--output`` (each once, with a valid value), or None for anything else."""
    if not args or args[0] != "summarize":
        return None
    found: dict[str, str] = {}
    rest = iter(args[1:])
    for token in rest:
        if token.startswith("-") and token != "-":
            option, equals, value = token.partition("=")
            if option not in _QUICK_OPTIONS or (equals and not option.startswith("--")):
                return None
            if not equals:
                value = next(rest, "")
            key = _QUICK_OPTIONS[option]
            if key in found or not value:
                return None
            found[key] = value
        elif "spec" in found:
            return None
        else:
            found["spec"] = token
    if "spec" not in found or found.get("fmt", "table") not in {f.value for f in OutputFormat}:
        return None
    return found


def _quick_summarize(found: dict[str, str]) -> None:
    with reporting():
        output = found.get("output")
        summarize(
            found["spec"],
            OutputFormat(found.get("fmt", "table")),
            found.get("dtype", "float32"),
            load_options(),
            output=Path(output) if output is not None else None,
        )


def dispatch(args: list[str]) -> None:
    """Run one command line (without the program name): quickly when it is a plain
    summarize, else through the typer app."""
    found = quick_summarize_args(args)
    try:
        if found is not None:
            _quick_summarize(found)
        else:
            from cnncalc.cli import run

            run(args)
    except BrokenPipeError:
        silence_stdout()
        raise SystemExit(0) from None
    except KeyboardInterrupt:  # as the typer app ends on Ctrl-C: quietly, 128 + SIGINT
        raise SystemExit(130) from None


def main() -> None:
    """Console entry point."""
    # A short-lived process that builds hundreds of thousands of small acyclic objects
    # for long networks: the cycle collector only rescans them (halves the time at 100k
    # layers, see BENCHMARKS.md); reference counting frees everything that matters.
    gc.disable()
    dispatch(sys.argv[1:])
