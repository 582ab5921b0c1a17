"""The command line builds a command when it runs it (cnncalc.cli._Commands), and what it
builds is what typer's own build of the app makes: the guard of that start-up trick."""

from __future__ import annotations

import pytest
import typer.main
from typer._click import Context

from cnncalc.cli import _Commands, command_line
from cnncalc.cli.app import app

EAGER = typer.main.get_command(app)
NAMES = list(EAGER.commands)  # type: ignore[attr-defined]


def _help(command: object, name: str, parent: Context | None = None) -> str:
    ctx = Context(command, info_name=name, parent=parent, terminal_width=100)  # type: ignore[arg-type]
    return command.get_help(ctx)  # type: ignore[attr-defined,no-any-return]


def _param(param: object) -> tuple[object, ...]:
    keys = ("name", "opts", "secondary_opts", "default", "required", "nargs", "multiple")
    kind = param.type  # type: ignore[attr-defined]
    return (*(getattr(param, key) for key in keys), type(kind), getattr(kind, "choices", None))


def test_the_group_is_typers_group() -> None:
    lazy = command_line()
    assert _help(lazy, "cnncalc") == _help(EAGER, "cnncalc")
    assert list(lazy.commands) == NAMES
    assert len(NAMES) == len(app.registered_commands)


@pytest.mark.parametrize("name", NAMES)
def test_each_command_is_what_typer_builds(name: str) -> None:
    lazy = command_line()
    ours, theirs = lazy.commands[name], EAGER.commands[name]  # type: ignore[attr-defined]
    assert [_param(p) for p in ours.params] == [_param(p) for p in theirs.params]
    parent = Context(EAGER, info_name="cnncalc")
    assert _help(ours, name, parent) == _help(theirs, name, parent)


def test_a_run_builds_only_the_command_it_runs() -> None:
    commands = _Commands(app)
    assert commands.get("conv") is not None
    assert commands.get("no-such-command") is None
    assert list(commands._built) == ["conv"]
