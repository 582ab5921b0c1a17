"""The command line builds a command when it runs it (cnncalc.cli._Commands), and what it
builds is what typer's own build of the app makes: the guard of that start-up trick."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click import Context

from cnncalc.cli import _Commands, command_line
from cnncalc.cli.app import app
from tests.conftest import ROOT

EAGER = typer.main.get_command(app)
CAPTURE: dict[str, Any] = {"capture_output": True, "cwd": ROOT, "timeout": 300}
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


COMMAND_LINES = [
    ["summarize", "specs/lenet5.yaml"],
    ["summarize", "specs/lenet5.yaml", "-f", "json"],
    ["summarize", "nosuch/spec.yaml"],
    ["summarize", "INPUT(8x8x1) -> CONV(2, 9)"],
    ["conv", "-i", "11x11x3", "-k", "3", "--expect", "9x9x1"],
    ["check", "sheets/lecture5.yaml"],
    ["--version"],
    ["--help"],
    [],
    ["no-such-command"],
]


@pytest.mark.parametrize("args", COMMAND_LINES, ids=" ".join)
def test_the_program_ends_as_main_ends(args: list[str]) -> None:
    # entry() ends the process with os._exit after main(): what it prints and its exit
    # status are what main() gives run to the end with the interpreter's teardown
    run = [sys.executable, "-c", f"import sys; sys.argv[1:] = {args!r}\n"]
    quick = subprocess.run([sys.executable, "-m", "cnncalc", *args], **CAPTURE)
    whole = subprocess.run([*run[:2], run[2] + "from cnncalc.cli import main; main()"], **CAPTURE)
    assert (quick.returncode, quick.stdout, quick.stderr) == (
        whole.returncode,
        whole.stdout,
        whole.stderr,
    )


def test_the_program_writes_whole_files_and_survives_a_closed_pipe(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    spec = "specs/resnet152.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "cnncalc", "summarize", spec, "-f", "json", "-o", str(target)],
        **CAPTURE,
    )
    assert done.returncode == 0 and json.loads(target.read_text())["totals"]["params"] > 0
    reader = subprocess.Popen(
        [sys.executable, "-m", "cnncalc", "summarize", spec],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()  # the reader leaves, as `| head -1` does
    assert reader.wait(timeout=120) == 0
    assert reader.stderr.read() == b""
