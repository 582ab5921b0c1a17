"""The one way tests run the command line in-process: through the real entry point,
:func:`cnncalc.cli.main`, with standard streams captured."""

from __future__ import annotations

import sys

from typer.testing import CliRunner

from cnncalc.cli import main

_RUNNER = CliRunner()


def run_cli(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of ``cnncalc ARGS``."""
    code = 0
    with _RUNNER.isolation(input=input) as (out, err, _):
        try:
            main(list(args))
        except SystemExit as end:
            code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        out_text = out.getvalue().decode("utf-8", "replace")
        err_text = err.getvalue().decode("utf-8", "replace")
    return code, out_text, err_text
