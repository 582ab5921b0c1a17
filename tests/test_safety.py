"""Safe output: text shown on a terminal or written as plain text carries no control
characters, Markdown and CSV keep every name one cell of plain text, JSON stays valid for
any name, ``-o`` never turns a special file into a plain one, failed writes end with one
message, and the output stays proportional to the input.

Each class of defect has a property test over arbitrary names (control characters, bidi
overrides, lone surrogates, markup) and the issue's examples as regression tests. The
oracles are independent of the renderers: unicodedata's categories, markdown-it's parser,
the csv module's reader and the standard library's ASCII JSON writer.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from cnncalc.api import evaluate, render
from cnncalc.results import NetworkResult
from tests.clirun import run_cli
from tests.conftest import ROOT, SPECS, load_spec

# Text with what breaks output: C0/C1 controls, DEL, bidi overrides and isolates, line
# separators, lone surrogates, Markdown and CSV specials, and any other character.
SPECIAL = list(
    "\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\u2028\u2029\u202a\u202e\u2066\u2069\ud800\udcff"
    "|\\`*_~#[]()<>&!=+-@\"', ."
)
CHARS = st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=()))
NAMES = st.text(CHARS, min_size=1, max_size=40)
BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def unsafe(text: str) -> list[str]:
    """The characters of ``text`` no terminal should receive (the oracle: unicodedata)."""
    return [
        c for c in text if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or ord(c) in BIDI
    ]


BASE = "INPUT(8x8x1) -> CONV(2, 3) -> RELU -> FC(2)"


def network(names: list[str], title: str | None = None, spec: str = BASE) -> NetworkResult:
    """``spec`` evaluated with its layers named ``names`` and the network ``title``."""
    base = load_spec(spec)
    layers = tuple(
        dataclasses.replace(layer, name=name)
        for layer, name in zip(base.layers, names, strict=True)
    )
    return evaluate(dataclasses.replace(base, layers=layers, name=title))


def three_names() -> st.SearchStrategy[list[str]]:
    return st.lists(NAMES, min_size=3, max_size=3, unique=True).filter(
        lambda names: "input" not in names
    )


_ESCAPE = re.compile(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[tnr])")


def unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return {"t": "\t", "n": "\n", "r": "\r"}.get(code) or chr(int(code[1:], 16))

    return _ESCAPE.sub(one, text)


# Terminal text: control characters are shown, never sent.


@given(st.text(CHARS))
def test_visible_text_has_no_unsafe_character_and_loses_nothing(text: str) -> None:
    from cnncalc.rendering.cells import visible

    shown = visible(text)
    assert unsafe(shown) == []
    if "\\" not in text:  # every escape reads back as the character it stands for
        assert unescape(shown) == text


@given(three_names(), st.one_of(st.none(), NAMES))
def test_plain_table_is_safe_and_one_row_per_layer_for_any_name(
    names: list[str], title: str | None
) -> None:
    text = render(network(names, title), "table")
    assert unsafe(text.replace("\n", "")) == []
    text.encode("utf-8")  # strict: no lone surrogate
    lines = text.split("\n")
    rule = next(i for i, line in enumerate(lines) if "+" in line and set(line) <= {"-", "+"})
    rows = lines[rule + 1 : rule + 5]
    assert [row[:4] for row in rows] == ["0 | ", "1 | ", "2 | ", "3 | "]
    assert lines[rule + 5] == ""
    for row, name in zip(rows[1:], names, strict=True):
        if not unsafe(name) and len(name) <= 60:
            assert f" | {name}" in row


@given(three_names(), st.one_of(st.none(), NAMES))
def test_styled_table_sends_only_styles_to_the_terminal(
    names: list[str], title: str | None
) -> None:
    from rich.console import Console

    from cnncalc.rendering.plain import fit_cell
    from cnncalc.rendering.table import print_table

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=40)
    result = network(names, title)
    print_table(result, console)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert unsafe(shown.replace("\n", "")) == []
    # every name as the plain table shows it (visible, cut short past 60 characters)
    plain = render(result, "table")
    for name in names:
        cell = fit_cell(name)[0]
        assert (f" | {cell}" in plain) and (f"\u2502 {cell}" in shown)


@given(st.lists(NAMES, min_size=1, max_size=3))
def test_grids_are_safe_for_any_text(cells: list[str]) -> None:
    from rich.console import Console

    from cnncalc.rendering.plain import align
    from cnncalc.rendering.table import print_grid

    rows = [[text, text, text] for text in cells]
    grid = align(["a", "b", "c"], rows, [False, False, True])
    assert len(grid.rows) == len(cells)
    assert unsafe("".join([grid.header, grid.rule, *grid.rows])) == []
    out = io.StringIO()
    print_grid(["a", "b", "c"], rows, Console(file=out, force_terminal=True, width=20))
    assert unsafe(re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).replace("\n", "")) == []


@given(st.text(CHARS))
def test_error_messages_are_safe_and_keep_their_lines(text: str) -> None:
    from cnncalc.cli.io import shown

    message = shown(f"first {text}\nsecond")
    assert unsafe(message.replace("\n", "")) == []
    assert message.startswith("first ") and message.endswith("\nsecond")


CLEAR = "\x1b[2J"
TITLE = "\x1b]0;pwned\x07"


def test_example_control_sequences_in_names_reach_no_terminal(tmp_path: Path) -> None:
    spec = tmp_path / "ctl.yaml"
    spec.write_text(
        'name: "net\\e]0;pwned\\a"\ninput: 8x8x1\nlayers:\n'
        '  - conv: {filters: 2, kernel: 3, stride: 2, name: "a\\e[2Jb\\nc\\u202e"}\n'
        "  - fc: {units: 2}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("summarize", str(spec))
    assert (code, err) == (0, "")
    assert unsafe(out.replace("\n", "")) == []
    assert out.startswith("net\\x1b]0;pwned\\x07\n")
    assert "1 | a\\x1b[2Jb\\nc\\u202e | conv" in out
    # one row per layer: the input, the conv, the fc
    assert [line[:4] for line in out.splitlines()[3:6]] == ["0 | ", "1 | ", "2 | "]
    # the stride leaves input unused: the warning names the layer, escaped
    assert "warnings:" in out and "a\\x1b[2Jb\\nc\\u202e" in out.split("warnings:")[1]


@pytest.mark.parametrize(
    "args",
    [
        ["summarize", f"/nowhere/{TITLE}x.yaml"],
        ["summarize", "specs/lenet5.yaml", "--dtype", CLEAR],
        ["summarize", "INPUT(8x8x1) -> CONV(2)", "--set", f"N{CLEAR}=2"],
        ["summarize", "INPUT(8x8x1) -> CONV(2)", "--default", f"conv.pad{CLEAR}=1"],
        ["summarize", f"INPUT(8x8x1) -> CONV(2, name='{CLEAR}') -> RELU(name='{CLEAR}')"],
        ["summarize", f"INPUT(8x8x1) -> CONV(2{CLEAR})"],
    ],
)
def test_example_control_sequences_in_error_messages_are_escaped(args: list[str]) -> None:
    code, out, err = run_cli(*args)
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: ")
    assert unsafe(err.replace("\n", "")) == []
    assert "\\x1b" in err


def test_example_compare_grid_escapes_and_cuts_names() -> None:
    long = "n" * 500
    first = f"INPUT(8x8x1, name='{CLEAR}{long}') -> CONV(2)"
    code, out, err = run_cli("compare", first, "INPUT(8x8x1) -> CONV(4)")
    assert (code, err) == (0, "")
    assert unsafe(out.replace("\n", "")) == [] and long not in out
    assert "\\x1b[2Jnnn" in out and "\u2026" in out
    assert out.splitlines()[-1].startswith("note: text longer than 60 characters")


# Markdown: every name stays one cell of plain text.

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def cell_texts(tokens: list[Token], row_open: int) -> list[str]:
    """The plain text of each cell of the row opened at ``row_open``; fails on markup."""
    texts = []
    i = row_open + 1
    while tokens[i].type != "tr_close":
        if tokens[i].type == "inline":
            children = tokens[i].children or []
            assert all(child.type == "text" for child in children), children
            texts.append("".join(child.content for child in children))
        i += 1
    return texts


@given(three_names(), st.one_of(st.none(), NAMES))
def test_markdown_shows_every_name_as_written_in_its_own_cell(
    names: list[str], title: str | None
) -> None:
    from cnncalc.rendering.cells import visible

    result = network(names, title)
    text = render(result, "markdown")
    text.encode("utf-8")
    tokens = MD.parse(text)
    assert not [t for t in tokens if t.type.startswith("html")]
    headings = [i for i, t in enumerate(tokens) if t.type == "heading_open"]
    if title:
        assert len(headings) == 1 and tokens[headings[0]].tag == "h2"
        heading = tokens[headings[0] + 1].children or []
        assert all(child.type == "text" for child in heading)
        assert "".join(c.content for c in heading) == visible(title)
    else:
        assert headings == []
    assert sum(t.type == "table_open" for t in tokens) == 1
    rows = [i for i, t in enumerate(tokens) if t.type == "tr_open"]
    assert len(rows) == 1 + 1 + 3  # header, input, three layers
    for row, name in zip(rows[2:], names, strict=True):
        cells = cell_texts(tokens, row)
        assert len(cells) == 12
        assert cells[1] == visible(name)


def test_example_markdown_injection_stays_text() -> None:
    spec = (
        'name: "net\\n## injected"\ninput: 8x8x1\nlayers:\n'
        '  - conv: {filters: 2, name: "<script>alert(1)</script>"}\n'
        '  - relu: {name: "a | b\\n| c | d |\\n# h"}\n'
        "  - fc: {units: 2, name: '[x](http://e.x) *em* `code` &amp; _u_'}\n"
    )
    code, out, _ = run_cli("summarize", "-", "-f", "markdown", input=spec)
    assert code == 0
    assert "<script>" not in out and "\n## injected" not in out and "\n# h" not in out
    html = MD.render(out)
    assert "<script>" not in html and "<a " not in html and "<em>" not in html
    assert html.count("<h2>") == 1 and "<h1>" not in html
    assert "<h2>net\\n## injected</h2>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert ">a | b\\n| c | d |\\n# h</td>" in html
    assert "[x](http://e.x) *em* <code>" not in html
    assert "[x](http://e.x) *em* `code` &amp;amp; _u_" in html
    assert html.count("<tr>") == 5  # header, input, three layers


# CSV: text is never a formula, every row is one record.


@given(three_names())
def test_csv_neutralizes_formulas_and_keeps_one_record_per_layer(names: list[str]) -> None:
    result = network(names)
    text = render(result, "csv")
    text.encode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 4
    header = rows[0]
    for row, name in zip(rows[1:], names, strict=True):
        data = dict(zip(header, row, strict=True))
        held = re.sub("[\ud800-\udfff]", "\ufffd", name)
        expected = "'" + held if held[0] in "=+-@\t\r" else held
        assert data["name"] == expected
    # the numbers stay numbers
    assert [row[header.index("params")] for row in rows[1:]] == ["20", "0", "146"]


def test_example_csv_formulas_and_carriage_returns() -> None:
    from cnncalc.rendering.data import csv_field

    spec = (
        "INPUT(8x8x1) -> CONV(2, name='=HYPERLINK(\"http://e.x\")') "
        "-> RELU(name='+1') -> FC(2, name='a\rb')"
    )
    code, out, _ = run_cli("summarize", spec, "-f", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert [row[1] for row in rows] == ["name", '\'=HYPERLINK("http://e.x")', "'+1", "a\rb"]
    assert '"a\rb"' in out  # a bare CR is quoted
    assert rows[3][rows[0].index("inputs")] == "'+1"  # the fc reads '+1': inputs are text too
    # numbers are not text: a negative number stays a number; a name never does
    assert csv_field("-1.5", text_cell=False) == "-1.5"
    assert csv_field("-2", text_cell=False) == "-2"
    assert csv_field("-C + 1", text_cell=False) == "'-C + 1"
    assert csv_field("-2") == "'-2"
    assert csv_field("@x") == "'@x" and csv_field("\tx") == "'\tx"


# JSON: valid UTF-8 and valid JSON for any name.


@given(three_names(), st.one_of(st.none(), NAMES))
def test_json_is_valid_and_holds_every_name(names: list[str], title: str | None) -> None:
    from cnncalc.rendering.data import render_json
    from tests.test_render import result_dict

    result = network(names, title)
    text = render_json(result)
    text.encode("utf-8")  # strict: valid UTF-8
    data = json.loads(text)
    # the name as held, or (a surrogate pair) as the standard library's ASCII JSON reads it
    assert data["name"] == json.loads(json.dumps(title))
    assert [layer["name"] for layer in data["layers"]] == [
        json.loads(json.dumps(name)) for name in names
    ]
    assert data == json.loads(json.dumps(result_dict(result)))


def test_example_lone_surrogate_name_in_json_and_o_file(tmp_path: Path) -> None:
    spec = "INPUT(8x8x1) -> CONV(2, 3, name='a\udcffb')"
    code, out, _ = run_cli("summarize", spec, "-f", "json")
    assert code == 0 and "\\udcff" in out
    assert json.loads(out)["layers"][0]["name"] == "a\udcffb"
    target = tmp_path / "out.json"
    code, _, err = run_cli("summarize", spec, "-f", "json", "-o", str(target))
    assert (code, err) == (0, "")
    assert json.loads(target.read_bytes().decode("utf-8"))["layers"][0]["name"] == "a\udcffb"
    for fmt in ("table", "csv", "markdown"):
        code, _, err = run_cli("summarize", spec, "-f", fmt, "-o", str(tmp_path / fmt))
        assert (code, err) == (0, "")
        (tmp_path / fmt).read_bytes().decode("utf-8")


def test_compare_json_holds_a_lone_surrogate() -> None:
    code, out, _ = run_cli(
        "compare",
        "INPUT(8x8x1, name='x\udcff') -> CONV(2)",
        "INPUT(8x8x1) -> CONV(4)",
        "-f",
        "json",
    )
    assert code == 0
    out.encode("utf-8")
    assert json.loads(out)["networks"][0]["name"] == "x\udcff"


# Output amplification: one long name cannot widen every row.


def test_example_long_name_and_many_layers_make_a_small_table(tmp_path: Path) -> None:
    spec = tmp_path / "big.yaml"
    name = "n" * 100_000
    spec.write_text(
        f"name: {name}\ninput: 8x8x1\nlayers:\n  - relu: {{name: {name}}}\n" + "  - relu\n" * 2_999,
        encoding="utf-8",
    )
    size = spec.stat().st_size
    target = tmp_path / "table.txt"
    code, _, err = run_cli("summarize", str(spec), "--max-layers", "5000", "-o", str(target))
    assert (code, err) == (0, "")
    table = target.read_text(encoding="utf-8")
    assert len(table) < 3 * size < 1_000_000  # was 300 MB
    assert max(len(line) for line in table.splitlines()[1:]) < 200
    assert "n" * 59 + "\u2026" in table
    assert "note: text longer than 60 characters is cut short" in table
    # whole in the data formats
    code, out, _ = run_cli("summarize", str(spec), "--max-layers", "5000", "-f", "json")
    assert json.loads(out)["layers"][0]["name"] == name


@given(st.integers(0, 3_000), st.integers(1, 40))
def test_table_size_is_linear_in_the_names(length: int, layers: int) -> None:
    names = ["x" * length] + [f"r{i}" for i in range(1, layers)]
    spec = "INPUT(8x8x1) -> " + " -> ".join(["RELU"] * layers)
    text = render(network(names, spec=spec), "table")
    assert len(text) <= 1_200 + 120 * layers + length  # not length * layers


# -o FILE: atomic for regular files only; modes kept; specials written through.


def write(target: Path | str, *extra: str) -> tuple[int, str, str]:
    return run_cli("summarize", str(SPECS / "lenet5.yaml"), "-f", "json", "-o", str(target), *extra)


@given(st.integers(0o400, 0o777))
def test_o_keeps_an_existing_files_mode(mode: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "out.json"
        target.write_text("old")
        target.chmod(mode)
        code, _, err = write(target)
        assert (code, err) == (0, "")
        assert stat.S_IMODE(target.stat().st_mode) == mode
        assert json.loads(target.read_text())["totals"]["params"] == 61_706


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_o_new_file_honours_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        code, _, _ = write(tmp_path / "new.json")
    finally:
        os.umask(old)
    assert code == 0
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o666 & ~umask


def test_o_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert write(link)[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["totals"]["params"] == 61_706
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "later.json")
    assert write(dangling)[0] == 0
    assert dangling.is_symlink() and (tmp_path / "later.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dangling.json",
        "later.json",
        "link.json",
        "real.json",
    ]


def test_o_writes_through_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    code, _, err = write(fifo)
    reader.join(10)
    assert (code, err) == (0, "")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(got[0])["totals"]["params"] == 61_706
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def device(folder: Path, name: str, minor: int) -> Path:
    """A character device like /dev/NAME (memory major 1) of our own, so that a ``-o``
    that replaced devices would replace this one, not the system's; /dev itself where
    making one is not allowed (not root: then /dev cannot be replaced either)."""
    node = folder / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError:
        return Path("/dev") / name
    return node


def test_o_writes_through_a_device(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 3)
    before = os.stat(null)
    assert write(null)[0] == 0
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_example_o_dev_full_is_one_message(tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    code, out, err = write(full)
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: {full}: cannot write it (No space left on device)\n"
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert [p.name for p in tmp_path.iterdir()] in ([], ["full"])


def test_o_refuses_an_input_file(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    text = (SPECS / "lenet5.yaml").read_text()
    spec.write_text(text)
    hard = tmp_path / "hard.yaml"
    os.link(spec, hard)
    link = tmp_path / "link.yaml"
    link.symlink_to(spec)
    for target in (spec, hard, link, tmp_path / "." / "net.yaml"):
        code, out, err = run_cli("summarize", str(spec), "-o", str(target))
        assert (code, out) == (2, "")
        assert err == (
            f"cnncalc: error: {target}: it is an input of this command; "
            "write the output to another file\n"
        )
    code, _, _ = run_cli("expand", str(spec), "-o", str(spec))
    assert code == 2
    assert spec.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.yaml", "link.yaml", "net.yaml"]


def test_o_refuses_a_folder(tmp_path: Path) -> None:
    code, _, err = write(tmp_path)
    assert code == 2 and err == f"cnncalc: error: {tmp_path}: is a folder; name a file to write\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_o_in_a_read_only_folder_is_one_message(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        code, _, err = write(tmp_path / "out.json")
    finally:
        tmp_path.chmod(0o700)
    assert code == 2 and "cannot write there (Permission denied)" in err


SIGNALLED = """
import os, signal, sys
from pathlib import Path
from cnncalc.cli.io import write_atomic

target, signum = Path(sys.argv[1]), int(sys.argv[2])
handlers = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP))

def pieces():
    yield "a" * 100_000
    os.kill(os.getpid(), signum)
    yield "never"

try:
    write_atomic(target, pieces())
except SystemExit as end:
    print("exit", end.code)
except KeyboardInterrupt:
    print("interrupted")
print("restored", (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == handlers)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signals_while_writing_remove_the_temporary_file(tmp_path: Path, signum: int) -> None:
    # in a process of its own: without handlers, the signal would end the test run
    target = tmp_path / "out.txt"
    target.write_text("old")
    proc = subprocess.run(
        [sys.executable, "-c", SIGNALLED, str(target), str(int(signum))],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    ended = "interrupted" if signum == signal.SIGINT else f"exit {128 + signum}"
    assert (proc.returncode, proc.stdout) == (0, f"{ended}\nrestored True\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    assert target.read_text() == "old"


# Failed writes to stdout and stderr: one message, never a traceback.

COMMANDS = [
    ["--help"],
    ["--version"],
    ["summarize", "--help"],
    ["summarize", "specs/alexnet.yaml"],
    ["summarize", "specs/alexnet.yaml", "-f", "json"],
    ["compare", "specs/vgg11.yaml", "specs/vgg16.yaml"],
    ["expand", "specs/vgg16.yaml"],
    ["kinds"],
    ["nosuchcommand"],
]


def cnncalc(args: list[str], redirect: str = "", stdout: int | None = None) -> tuple[int, bytes]:
    """Exit code and stderr of ``python -m cnncalc ARGS REDIRECT`` run by the shell
    (stdout ``stdout``, or /dev/null)."""
    proc = subprocess.run(
        ["sh", "-c", f'exec "$0" -m cnncalc "$@" {redirect}', sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_full_stdout_is_one_message_and_exit_code_2(args: list[str]) -> None:
    code, err = cnncalc(args, ">/dev/full")
    assert b"Traceback" not in err and b"Exception ignored" not in err
    if args == ["nosuchcommand"]:  # usage goes to stderr, which works
        assert code == 2 and b"No such command" in err
        return
    assert code == 2
    assert err == b"cnncalc: error: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_closed_stdout_and_stderr_end_quietly_with_exit_code_2(args: list[str]) -> None:
    code, err = cnncalc(args, ">&-")
    assert code == 2 and b"Traceback" not in err
    if args != ["nosuchcommand"]:
        assert err == b"cnncalc: error: cannot write to standard output: Bad file descriptor\n"
    assert cnncalc(args, "2>&- >&-") == (2, b"")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_closed_stderr_alone_changes_nothing_but_errors(args: list[str]) -> None:
    assert cnncalc(args, "2>&-") == (2 if args == ["nosuchcommand"] else 0, b"")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_reader_that_left_ends_quietly_with_exit_code_0(args: list[str]) -> None:
    read, write_end = os.pipe()
    os.close(read)  # the reader left before the first byte
    try:
        code, err = cnncalc(args, stdout=write_end)
    finally:
        os.close(write_end)
    assert b"Traceback" not in err and b"Exception ignored" not in err
    assert code == (2 if args == ["nosuchcommand"] else 0)
    if args != ["nosuchcommand"]:
        assert err == b""


def test_emit_turns_write_errors_into_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc.cli.io import emit

    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", Full())
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(SystemExit) as ended:
        emit("x\n")
    assert ended.value.code == 2
    assert err.getvalue() == (
        "cnncalc: error: cannot write to standard output: No space left on device\n"
    )
