"""What every command shares: reading SPEC arguments, reporting errors, writing output.

The CLI is the one place that prints and exits: library errors become one message on
stderr and exit code 2 (a bug, exit code 3), never a traceback. Messages show control
characters as escapes; a failed write to standard output is one message and exit code
2 (a reader that left, a broken pipe, ends quietly with 0); ``-o FILE`` never leaves a
half-written file, and never turns a device, a pipe or a symbolic link into a file.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from cnncalc.errors import CnnCalcError, SpecError

if TYPE_CHECKING:
    from rich.console import Console

    from cnncalc.loader import Source

# How the command line spells the library's arguments, for messages about them.
FLAGS: dict[str, str] = {
    "input": "--input",
    "layer": "--layer",
    "expect": "--expect",
    "expect_params": "--expect-params",
    "dtype": "--dtype",
    "depth": "--depth",
    "count": "--count",
    "plot": "--plot",
    "near": "--near",
    "breakdown": "--breakdown",
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
    "batch": "--batch",
    "optimizer": "--optimizer",
    "master_dtype": "--master-dtype",
    "budget": "--budget",
}
HINTS: dict[str, str] = {
    "variables": "bind it with --set NAME=INTEGER",
    "max_layers": "raise it with --max-layers",
    "defaults": "on the command line: --default KIND.KEY=VALUE",
    "input_size": "or give the size with --input HxWxC",
}


def shown(message: str) -> str:
    """A message safe for a terminal: its lines kept, every control character in them
    written as its escape (see :func:`cnncalc.rendering.cells.visible`)."""
    from cnncalc.rendering.cells import visible

    return "\n".join(visible(line) for line in message.split("\n"))


def say(text: str) -> None:
    """Write ``text`` to stderr; quietly nothing when stderr is closed or full."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # closed (EBADF, or a closed file object), full
        pass


def fail(message: str, code: int = 2) -> NoReturn:
    """Say what went wrong on stderr (control characters escaped) and end with ``code``."""
    say(f"cnncalc: error: {shown(message)}\n")
    raise SystemExit(code)


def stdout_failed(error: OSError) -> NoReturn:
    """End after a write to stdout failed: quietly with 0 when the reader left (a broken
    pipe), else with one message and exit code 2. Stdout is pointed at /dev/null first, so
    the interpreter's last flush of what is left in its buffer is quiet."""
    silence_stdout()
    if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
        raise SystemExit(0)
    fail(f"cannot write to standard output: {error.strerror or error}")


@contextmanager
def writing_stdout() -> Iterator[None]:
    """Writes to stdout inside end as :func:`stdout_failed` says when they fail."""
    try:
        yield
    except OSError as error:
        stdout_failed(error)


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
    except MemoryError:
        fail("out of memory: the spec or its result is too large for this machine")
    except ends:
        raise
    except Exception as error:
        fail(f"internal error ({type(error).__name__}: {error}); please report this", 3)


_INPUTS: set[tuple[int, int]] = set()
"""(device, inode) of every file this command line read: ``-o`` refuses to replace one."""


def note_input(fd_or_path: int | str) -> None:
    """Remember a file read as input (a path, or an open descriptor such as stdin)."""
    try:
        info = os.stat(fd_or_path)
    except (OSError, ValueError):
        return
    if stat.S_ISREG(info.st_mode):
        _INPUTS.add((info.st_dev, info.st_ino))


def forget_inputs() -> None:
    """Start a new command line: no file read yet."""
    _INPUTS.clear()


def write_output(path: Path, text: Iterable[str]) -> None:
    """Write ``-o FILE``: a regular file (or a new one) is replaced atomically, keeping an
    existing file's permissions (a new one gets 0666 less the umask); a symbolic link's
    target is replaced and the link kept; a device or a pipe is written to directly.
    Refuses a file this command read as input, and a folder."""
    try:
        info: os.stat_result | None = os.stat(path)  # follows symbolic links
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise CnnCalcError(f"{path}: cannot write it ({exc.strerror or exc})") from None
    if info is None:
        mode = _new_file_mode()
    elif (info.st_dev, info.st_ino) in _INPUTS:
        raise CnnCalcError(
            f"{path}: it is an input of this command; write the output to another file"
        )
    elif stat.S_ISDIR(info.st_mode):
        raise CnnCalcError(f"{path}: is a folder; name a file to write")
    elif not stat.S_ISREG(info.st_mode):
        _write_through(path, text)
        return
    else:
        mode = stat.S_IMODE(info.st_mode)
    write_atomic(Path(os.path.realpath(path)), text, mode)


def _new_file_mode() -> int:
    mask = os.umask(0)  # the only way to read the umask is to set it
    os.umask(mask)
    return 0o666 & ~mask


def _write_through(path: Path, text: Iterable[str]) -> None:
    """Write to a device or a pipe as it is (it cannot be replaced, nor half-written)."""
    try:
        with open(path, "w", encoding="utf-8") as stream:
            stream.writelines([text] if isinstance(text, str) else text)
    except OSError as exc:
        raise CnnCalcError(f"{path}: cannot write it ({exc.strerror or exc})") from None


class _Signalled(SystemExit):
    """A terminating signal arrived while a file was being written."""


@contextmanager
def _ending_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the program as SIGINT does (an exception, so cleanup runs),
    with exit code 128 + the signal; the previous handlers are restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def end(signum: int, frame: FrameType | None) -> None:
        raise _Signalled(128 + signum)

    previous = {number: signal.signal(number, end) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def write_atomic(path: Path, text: Iterable[str], mode: int = 0o644) -> None:
    """Write through a temporary file in the same folder with permissions ``mode``, then
    rename it over ``path``: a reader sees the old file or the new one, never part of
    one. The temporary file is removed on any error, on Ctrl-C, SIGTERM and SIGHUP."""
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    tmp: str | None = None
    with _ending_on_signals():
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        except OSError as exc:
            raise CnnCalcError(f"{path}: cannot write there ({exc.strerror or exc})") from None
        try:
            os.fchmod(fd, mode)
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
    try:
        fileno = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # none, or not a real stream
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


def emit(text: Iterable[str], output: Path | None = None) -> None:
    """Write text (a string, or pieces of one as they are made) to stdout or a file."""
    if output is None:
        with writing_stdout():
            sys.stdout.writelines([text] if isinstance(text, str) else text)
            sys.stdout.flush()
    else:
        write_output(output, text)


def terminal_console(**options: Any) -> Console:
    """rich's console for standard output. A ``COLUMNS`` of 0 (which rich takes as a width
    of 0, drawing nothing at all) is not a width: the terminal's own, or 80, is used."""
    from rich.console import Console

    console = Console(**options)
    if console.width < 1:
        try:
            width = os.get_terminal_size(sys.stdout.fileno()).columns
        except (OSError, ValueError):
            width = 0
        console = Console(**options, width=width if width > 0 else 80)
    return console


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
        MODEL_SUFFIXES,
        YAML_SUFFIXES,
        read_file,
        read_stream,
        text_source,
    )

    if spec == "-":
        with suppress(AttributeError, OSError, ValueError):  # not a real stream
            note_input(sys.stdin.fileno())  # `cnncalc summarize - -o spec.yaml < spec.yaml`
        return read_stream(sys.stdin.buffer)
    grammar_like = any(mark in spec for mark in ("(", "->", "\u2192", "\n"))
    path_like = not grammar_like and (
        spec.lower().endswith(YAML_SUFFIXES + GRAMMAR_SUFFIXES + MODEL_SUFFIXES) or os.sep in spec
    )
    if path_like or ("\n" not in spec and _names_a_file(spec)):
        source = read_file(spec)
        note_input(spec)
        return source
    return text_source(spec, None, "<inline>")
