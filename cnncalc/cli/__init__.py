"""The command line: the typer app (:mod:`cnncalc.cli.app`) and what its commands share
(:mod:`cnncalc.cli.io`). :func:`main` is the ``cnncalc`` entry point."""

from __future__ import annotations

import sys


def main(args: list[str] | None = None) -> None:
    """Run one command line (``sys.argv[1:]`` by default); ends with SystemExit."""
    from cnncalc.cli.app import app
    from cnncalc.cli.io import silence_stdout

    try:
        app(args=sys.argv[1:] if args is None else args, prog_name="cnncalc")
    except BrokenPipeError:  # the reader left (`| head`): nothing more to say
        silence_stdout()
        raise SystemExit(0) from None
    except KeyboardInterrupt:  # quietly, with 128 + SIGINT, as shells expect
        raise SystemExit(130) from None
