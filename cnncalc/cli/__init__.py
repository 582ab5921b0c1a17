"""The command line: the typer app (:mod:`cnncalc.cli.app`) and what its commands share
(:mod:`cnncalc.cli.io`). :func:`entry` is the ``cnncalc`` program; :func:`main` runs one
command line in-process (the tests, and library users who want it)."""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import suppress
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import typer
    from typer._click import Command
    from typer.core import TyperGroup


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


class _Commands(MutableMapping[str, "Command"]):
    """The app's commands by name, each turned into its click command only when asked for.

    A start-up trick (issue 10, BENCHMARKS.md): typer reads every command's signature and
    options when it builds the app, about a millisecond a command, paid by every run. Here
    a run builds the command it runs; ``--help`` lists them all and builds them all.
    ``tests/test_cli_lazy.py`` checks that every command and help text is what typer's own
    build makes.
    """

    def __init__(self, app: typer.Typer) -> None:
        from typer.main import get_command_name

        self._app = app
        self._infos = {
            info.name or get_command_name(info.callback.__name__): info  # type: ignore[union-attr]
            for info in app.registered_commands
        }
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        command = self._built.get(name)
        if command is None:
            from typer.main import get_command_from_info

            command = self._built[name] = get_command_from_info(
                self._infos[name],  # KeyError for an unknown name, as a dict's
                pretty_exceptions_short=self._app.pretty_exceptions_short,
                rich_markup_mode=self._app.rich_markup_mode,
            )
        return command

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command
        self._infos.setdefault(name, None)  # type: ignore[arg-type]

    def __delitem__(self, name: str) -> None:
        del self._infos[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)


def command_line() -> TyperGroup:
    """The app as click runs it: what ``typer.main.get_group(app)`` makes (the app has no
    completion options), its commands built as :class:`_Commands` says."""
    from typer.core import TyperGroup
    from typer.main import (
        get_callback,
        get_params_convertors_ctx_param_name_from_function,
        solve_typer_info_defaults,
    )
    from typer.models import TyperInfo

    from cnncalc.cli.app import app

    info = solve_typer_info_defaults(TyperInfo(app))
    params, convertors, context_param_name = get_params_convertors_ctx_param_name_from_function(
        info.callback
    )
    return TyperGroup(
        name=info.name or "",
        commands=_Commands(app),  # type: ignore[arg-type]  # any mapping; typer says dict
        invoke_without_command=info.invoke_without_command,
        no_args_is_help=info.no_args_is_help,
        subcommand_metavar=info.subcommand_metavar,
        result_callback=info.result_callback,
        context_settings=info.context_settings,
        callback=get_callback(
            callback=info.callback,
            params=params,
            convertors=convertors,
            context_param_name=context_param_name,
            pretty_exceptions_short=app.pretty_exceptions_short,
        ),
        params=params,
        help=info.help,
        epilog=info.epilog,
        short_help=info.short_help,
        options_metavar=info.options_metavar,
        add_help_option=info.add_help_option,
        hidden=info.hidden,
        deprecated=info.deprecated,
        rich_markup_mode=app.rich_markup_mode,
        rich_help_panel=info.rich_help_panel,
        suggest_commands=app.suggest_commands,
    )


def main(args: list[str] | None = None) -> None:
    """Run one command line (``sys.argv[1:]`` by default); ends with SystemExit.

    Failed writes to stdout, wherever they happen (a command's output, or typer's own
    help, version and usage text), end with one message and exit code 2, or quietly with
    0 when the reader left (a broken pipe): never a traceback.
    """
    from cnncalc.cli.io import forget_inputs, stdout_failed

    _hold_standard_streams()
    forget_inputs()
    stdout = sys.stdout
    try:
        try:
            command_line()(args=sys.argv[1:] if args is None else args, prog_name="cnncalc")
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


def entry() -> NoReturn:
    """The ``cnncalc`` program (and ``python -m cnncalc``): :func:`main`, then the process
    ends at once.

    A start-up hack (issue 10), named as one: once :func:`main` has written and flushed
    everything, all that is left is the interpreter's teardown, freeing every module and
    object it made (about 15 ms more than the import floor's own teardown, measured in
    BENCHMARKS.md), which a finished command does not need. So standard output and error
    are flushed and the process ends with ``os._exit``, with the exit status Python would
    give the SystemExit. cnncalc starts no threads and registers nothing with ``atexit``;
    files it writes are closed before :func:`main` returns. ``tests/test_cli_lazy.py``
    checks that the program says and exits the same as :func:`main` run to its end.
    """
    try:
        main()
        code: object = 0
    except SystemExit as end:
        code = end.code
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as Python does for SystemExit("text"): the text on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # main() reported what failed on stdout already
            stream.flush()
    os._exit(status & 0xFF)
