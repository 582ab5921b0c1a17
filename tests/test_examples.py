"""The examples people copy: every command line in README.md and in every ``--help`` runs.

Each runs through the installed ``cnncalc`` console script from the repository root and
ends with exit code 0, or 1 where the example checks an answer (``--expect``,
``--expect-params``, ``check``, ``solve`` with no solution); never 2 (an error) or 3, and
never with a traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ROOT

CNNCALC = shutil.which("cnncalc")
# Options and commands whose examples check an answer: exit 1 is a wrong answer there.
CHECKS_AN_ANSWER = {"--expect", "--expect-params"}
ANSWERING_COMMANDS = {"check", "solve"}
# Commands that need an optional extra: their examples are checked where it is installed.
NEEDS_EXTRA = {"verify": "torch"}
Run = subprocess.CompletedProcess[str]


def shell_lines(markdown: str) -> list[str]:
    """The logical lines of every fenced ```sh block: continuations joined, prompts dropped."""
    lines: list[str] = []
    for block in re.findall(r"^```sh[ \t]*\n(.*?)^```", markdown, flags=re.M | re.S):
        pending = ""
        for raw in block.splitlines():
            line = raw.rstrip()
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            line = (pending + line).strip()
            pending = ""
            lines.append(line.removeprefix("$ "))
        if pending.strip():
            lines.append(pending.strip())
    return lines


def commands(line: str) -> list[list[str]]:
    """The ``cnncalc`` commands of one shell line: comments dropped, split at ``&&``/``;``."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True  # words as the shell splits them; "#" starts a comment
    words = list(lexer)
    found: list[list[str]] = []
    current: list[str] = []
    for word in [*words, "&&"]:
        if word in ("&&", "||", ";"):
            if current and current[0] == "cnncalc":  # pip install, pytest: not examples
                found.append(current)
            current = []
        else:
            current.append(word)
    return found


def readme_examples() -> list[list[str]]:
    """Every ``cnncalc`` command line in README.md's ```sh blocks."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [argv for line in shell_lines(readme) for argv in commands(line)]


def help_text(*args: str) -> str:
    """The ``--help`` output of cnncalc or one of its commands ("" if it fails)."""
    if CNNCALC is None:
        return ""
    proc = subprocess.run(
        [CNNCALC, *args, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    return proc.stdout if proc.returncode == 0 else ""


def cnncalc() -> list[str]:
    """The installed console script."""
    assert CNNCALC is not None, "the cnncalc console script is not installed"
    return [CNNCALC]


def listed_commands(text: str) -> list[str]:
    """The command names under ``Commands:`` in the top-level help (plain or boxed)."""
    section = text.split("Commands:", 1)[1] if "Commands:" in text else ""
    names = []
    for line in section.splitlines():
        match = re.match(r"^[\s\u2502|]*([a-z][a-z0-9-]*)(\s{2,}|\s*$)", line)
        if match:
            names.append(match.group(1))
    return names


def help_examples(text: str) -> list[str]:
    """The examples of a help text: after ``Examples:``, apart at ``  |  `` or blank lines.

    The help is wrapped to the terminal, so each example's lines are joined with a space.
    """
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("Examples:")), None)
    if start is None:
        return []
    paragraphs: list[list[str]] = [[lines[start].strip().removeprefix("Examples:")]]
    for line in lines[start + 1 :]:
        if line.strip() and not line[0].isspace():  # the next section, e.g. "Options:"
            break
        if not line.strip():
            paragraphs.append([])
        else:
            paragraphs[-1].append(line.strip())
    examples = []
    for paragraph in paragraphs:
        joined = ""
        for part in paragraph:
            # the wrapper breaks words at hyphens ("--expect-" + "params"): join those back
            glue = "" if re.search(r"\w-$", joined) else " "
            joined = f"{joined}{glue}{part}" if joined else part
        for example in re.split(r"\s+\|\s+(?=cnncalc\s)", joined.strip()):
            if example.strip():
                examples.append(example.strip())
    return examples


def all_help_examples() -> list[tuple[str, str]]:
    """(where, example) for ``cnncalc --help`` and each listed command's ``--help``."""
    top = help_text()
    found = [("cnncalc --help", example) for example in help_examples(top)]
    for name in listed_commands(top):
        where = f"cnncalc {name} --help"
        found += [(where, example) for example in help_examples(help_text(name))]
    return found


def allowed_codes(argv: list[str]) -> set[int]:
    """0, and 1 too where the example checks an answer."""
    checks = any(arg.split("=", 1)[0] in CHECKS_AN_ANSWER for arg in argv)
    answering = len(argv) > 1 and argv[1] in ANSWERING_COMMANDS
    return {0, 1} if checks or answering else {0}


def run(argv: list[str]) -> Run:
    """Run one example as a person would, from the repository root."""
    assert argv[0] == "cnncalc", argv
    return subprocess.run(
        [*cnncalc(), *argv[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def check_example(argv: list[str], runs: dict[tuple[str, ...], Run]) -> None:
    """Hold one example to its exit code, and to no traceback."""
    if len(argv) > 1 and argv[1] in NEEDS_EXTRA:
        pytest.importorskip(NEEDS_EXTRA[argv[1]])
    proc = runs[tuple(argv)]
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode in allowed_codes(argv), (shlex.join(argv), proc.returncode, proc.stderr)


README_EXAMPLES = readme_examples()
HELP_EXAMPLES = all_help_examples()


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, ...], Run]:
    """Every distinct example, run once, several at a time (each is a fresh process)."""
    unique = {tuple(argv) for argv in README_EXAMPLES}
    unique |= {tuple(shlex.split(example)) for _, example in HELP_EXAMPLES}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(unique, pool.map(lambda argv: run(list(argv)), unique), strict=True))


def test_readme_extraction_finds_the_examples() -> None:
    # the README has a Quick start, an Examples and a Homework block: all must be read
    assert len(README_EXAMPLES) >= 15
    assert ["cnncalc", "summarize", "specs/alexnet.yaml"] in README_EXAMPLES
    assert [
        "cnncalc",
        "compare",
        "INPUT(32x32xC) -> CONV(C, 7, p=3, bias=false)",
        "INPUT(32x32xC) -> [CONV(C, 3, p=1, bias=false)]*3",
    ] in README_EXAMPLES
    assert not any(arg.startswith("#") for argv in README_EXAMPLES for arg in argv)


def test_help_extraction_finds_the_examples() -> None:
    proc = subprocess.run([*cnncalc(), "--help"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    names = listed_commands(proc.stdout)
    assert {"summarize", "conv", "explain", "convolve", "solve", "check"} <= set(names)
    wheres = {where for where, _ in HELP_EXAMPLES}
    assert "cnncalc --help" in wheres
    assert {f"cnncalc {name} --help" for name in names} <= wheres
    assert all(example.startswith("cnncalc ") for _, example in HELP_EXAMPLES)


@pytest.mark.parametrize("argv", README_EXAMPLES, ids=[shlex.join(a) for a in README_EXAMPLES])
def test_readme_example_runs(argv: list[str], runs: dict[tuple[str, ...], Run]) -> None:
    check_example(argv, runs)


@pytest.mark.parametrize(
    ("where", "example"), HELP_EXAMPLES, ids=[f"{w}: {e}" for w, e in HELP_EXAMPLES]
)
def test_help_example_runs(where: str, example: str, runs: dict[tuple[str, ...], Run]) -> None:
    check_example(shlex.split(example), runs)
