"""The entry point's quick path for plain ``summarize``: it must answer exactly as the
typer app does, for every argument list it takes, and leave every other to the app."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc import cli
from cnncalc.console import dispatch, quick_summarize_args

ROOT = Path(__file__).resolve().parent.parent


def outcome(run: object, args: list[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one in-process run."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            run(args)  # type: ignore[operator]
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def both(args: list[str]) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    return outcome(dispatch, args), outcome(cli.run, args)


@pytest.mark.parametrize(
    "args",
    [
        ["summarize", "specs/alexnet.yaml"],
        ["summarize", "specs/alexnet.yaml", "-f", "json"],
        ["summarize", "-f", "csv", "specs/vgg16.yaml"],
        ["summarize", "specs/resnet18.cnn", "--format=markdown"],
        ["summarize", "specs/lenet5.yaml", "--format", "table", "--dtype", "float16"],
        ["summarize", "specs/lenet5.yaml", "--dtype=int8", "-f", "json"],
        ["summarize", "specs/lenet5.yaml", "--dtype", "float128"],
        ["summarize", "INPUT(32x32x3) -> [CONV(16, 3, p=1) -> RELU -> POOL]*2 -> FC(10)"],
        ["summarize", "INPUT(32x32x3) -> CONV(16, 33)", "-f", "json"],
        ["summarize", "INPUT(4x4x1) -> [bold]CONV(8)"],
        ["summarize", "specs/missing.yaml"],
        ["summarize", "specs"],
        ["summarize", "INPUT(32x32x3) -> CONV(C)"],
    ],
)
def test_quick_path_answers_as_the_app(args: list[str]) -> None:
    assert quick_summarize_args(args) is not None
    quick, app = both(args)
    assert quick == app


def test_quick_path_writes_files_as_the_app(tmp_path: Path) -> None:
    for fmt in ("json", "table"):
        quick_file, app_file = tmp_path / f"quick.{fmt}", tmp_path / f"app.{fmt}"
        quick = outcome(
            dispatch, ["summarize", "specs/vgg11.yaml", "-f", fmt, "-o", str(quick_file)]
        )
        app = outcome(cli.run, ["summarize", "specs/vgg11.yaml", "-f", fmt, "-o", str(app_file)])
        assert quick == app == (0, "", "")
        assert quick_file.read_text() == app_file.read_text() != ""


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["--version"],
        ["summarize"],
        ["summarize", "--help"],
        ["summarize", "-h"],
        ["summarize", "a.yaml", "b.yaml"],
        ["summarize", "a.yaml", "--set", "N=2"],
        ["summarize", "a.yaml", "--depth", "1"],
        ["summarize", "a.yaml", "-f", "xml"],
        ["summarize", "a.yaml", "-f", "JSON"],
        ["summarize", "a.yaml", "-f"],
        ["summarize", "a.yaml", "-fjson"],
        ["summarize", "a.yaml", "-f=json"],
        ["summarize", "a.yaml", "--format="],
        ["summarize", "a.yaml", "--form", "json"],
        ["summarize", "a.yaml", "-f", "json", "-f", "csv"],
        ["summarize", "--", "a.yaml"],
        ["summarize", "-x"],
        ["expand", "a.yaml"],
        ["conv", "-i", "11x11x3", "-k", "3"],
    ],
)
def test_everything_else_goes_to_the_app(args: list[str]) -> None:
    assert quick_summarize_args(args) is None


TOKENS = [
    "summarize",
    "specs/lenet5.yaml",
    "specs/lecture-linear.cnn",
    "INPUT(8x8x1) -> CONV(4, 3) -> FC(2)",
    "INPUT(8x8x1) -> CONV(4, 9)",
    "-f",
    "--format",
    "--format=json",
    "json",
    "csv",
    "markdown",
    "table",
    "xml",
    "--dtype",
    "float16",
    "--dtype=bfloat16",
    "--set",
    "N=2",
    "--",
    "-z",
    "",
]


@given(st.lists(st.sampled_from(TOKENS), max_size=6))
def test_any_argument_list_gets_the_apps_answer(tail: list[str]) -> None:
    quick, app = both(["summarize", *tail])
    assert quick == app


def test_json_never_imports_typer_or_rich() -> None:
    code = (
        "import sys; sys.argv = ['cnncalc', 'summarize', 'specs/alexnet.yaml', '-f', 'json']\n"
        "from cnncalc.console import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NO_COLOR": "1"},
    ).stdout
    assert out.rstrip().endswith("[]")


def test_ctrl_c_ends_alike_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("cnncalc.console.summarize", interrupted)
    monkeypatch.setattr("cnncalc.cli.summarize_spec", interrupted)
    quick, app = both(["summarize", "specs/lenet5.yaml"])
    assert quick == app == (130, "", "")
