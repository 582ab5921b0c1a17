"""The command line: the typer app (:mod:`cnncalc.cli.app`) and what its commands share
(:mod:`cnncalc.cli.io`). :func:`main` is the ``cnncalc`` entry point."""

from __future__ import annotations

import errno
import io
import os
import sys


class _Closed(io.TextIOBase):
    """Stands in for a standard stream whose descriptor was closed before the program
    started (Python leaves ``sys.stdout`` None then): every write fails as on a closed
    descriptor, so the program says so instead of printing nothing."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def _hold_standard_streams() -> None:
    """Give closed standard streams a stand-in, and their descriptors (0 to 2) to
    /dev/null, so that no file opened later (``-o FILE``) takes a standard stream's number."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, _Closed())
    while (fd := os.open(os.devnull, os.O_RDWR)) <= 2:
        pass
    os.close(fd)


def main(args: list[str] | None = None) -> None:
    """Run one command line (``sys.argv[1:]`` by default); ends with SystemExit.

    Failed writes to stdout, wherever they happen (a command's output, or typer's own
    help, version and usage text), end with one message and exit code 2, or quietly with
    0 when the reader left (a broken pipe): never a traceback.
    """
    from cnncalc.cli.app import app
    from cnncalc.cli.io import forget_inputs, stdout_failed

    _hold_standard_streams()
    forget_inputs()
    stdout = sys.stdout
    try:
        try:
            app(args=sys.argv[1:] if args is None else args, prog_name="cnncalc")
            code: str | int | None = 0
        except SystemExit as end:
            code = end.code
        if getattr(sys.stdout, "wrapped", None) is stdout:
            # click's answer to a broken pipe: stdout wrapped to hide it, exit code 1
            sys.stdout, sys.stderr = stdout, getattr(sys.stderr, "wrapped", sys.stderr)
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))
        sys.stdout.flush()  # what is still buffered, while an error can be reported
    except OSError as error:
        stdout_failed(error)
    except KeyboardInterrupt:  # quietly, with 128 + SIGINT, as shells expect
        raise SystemExit(130) from None
    raise SystemExit(code)
