"""Sweeps: every combination of variables and inputs, the --where filter, the bounds."""

from __future__ import annotations

import csv
import io
import json
import operator
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
from cnncalc.errors import CnnCalcError, GrammarSyntaxError, LimitError
from cnncalc.parsing.where import holds, parse_where
from cnncalc.sweeps import MAX_COMBINATIONS, parse_values
from tests.clirun import run_cli
from tests.conftest import SPECS, hang_guard
from tests.strategies import SPEC_TEXTS

PATTERN = str(SPECS / "lecture-pattern.yaml")


def test_lecture_pattern_by_hand() -> None:
    # specs/lecture-pattern.yaml: conv 32 filters 3x3 padding 1, fc 128 units, pool 2x2/2.
    # N=1, M=1, K=1 on 32x32x3: INPUT -> CONV -> RELU -> POOL -> FC(128) -> RELU -> FC(10)
    #   conv 3*3*3*32 + 32 = 896; pool: 16x16x32 = 8,192 -> fc 8,192*128 + 128 = 1,048,704;
    #   fc 128*10 + 10 = 1,290; total 1,050,890.
    #   MACs: 32*32*32*27 = 884,736 + 8,192*128 = 1,048,576 + 1,280 = 1,934,592.
    # N=2 adds a conv 32 -> 32: 9*32*32 + 32 = 9,248 params (1,060,138).
    # 64x64x3: pool gives 32x32x32 = 32,768 -> fc 32,768*128 + 128 = 4,194,432, total
    #   896 + 4,194,432 + 1,290 = 4,196,618.
    swept = cnncalc.sweep(
        PATTERN, values={"N": "1..2", "M": [1], "K": "1"}, inputs="32x32x3,64x64x3"
    )
    assert swept.combinations == 4
    got = [(dict(r.variables)["N"], r.input.size, r.totals.params) for r in swept.rows]
    assert got == [
        (1, (32, 32), 1_050_890),
        (1, (64, 64), 4_196_618),
        (2, (32, 32), 1_060_138),
        (2, (64, 64), 4_205_866),  # 4,196,618 + 9,248
    ]
    assert swept.rows[0].totals.macs == 1_934_592


def test_final_receptive_field_grows_with_depth() -> None:
    # N stacked 3x3 convolutions, stride 1: r = 1 + 2N (3, 5, 7)
    swept = cnncalc.sweep(text="INPUT(32x32x3) -> [CONV(8, 3, p=1)]*N", values={"N": "1..3"})
    assert [[a.size for a in r.receptive_field] for r in swept.rows] == [[3, 3], [5, 5], [7, 7]]


def test_where_keeps_rows_and_counts_combinations() -> None:
    swept = cnncalc.sweep(
        PATTERN, values={"N": "1..2", "M": "1", "K": "1"}, inputs="32x32x3,64x64x3",
        where="params < 2M and N >= 1",
    )  # fmt: skip
    assert [r.input.size for r in swept.rows] == [(32, 32), (32, 32)]
    assert (swept.combinations, len(swept.rows)) == (4, 2)


@st.composite
def sweeps(draw: st.DrawFn) -> tuple[list[int], list[str]]:
    ns = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3, unique=True))
    sizes = draw(
        st.lists(
            st.tuples(st.integers(8, 40), st.integers(8, 40), st.sampled_from([1, 3])),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    return ns, [f"{h}x{w}x{c}" for h, w, c in sizes]


SWEPT = "INPUT(32x32x3) -> [CONV(8, 3, p=1) -> RELU]*N -> POOL? -> CONV(4, 3, s=2) -> FC(10)"


@given(sweeps())
def test_a_row_equals_its_combination_loaded_alone(case: tuple[list[int], list[str]]) -> None:
    # Inputs of the same rank share an expansion: a stale one would show here.
    ns, sizes = case
    swept = cnncalc.sweep(text=SWEPT, values={"N": ns}, inputs=sizes)
    expected = [
        cnncalc.evaluate(cnncalc.parse(SWEPT, variables={"N": n}, input=size))
        for n in ns
        for size in sizes
    ]
    assert len(swept.rows) == len(expected)
    for row, alone in zip(swept.rows, expected, strict=True):
        assert row.totals == alone.totals
        assert row.input == alone.input and row.output == alone.layers[-1].output
        assert row.receptive_field == alone.layers[-1].receptive_field


def test_one_axis_inputs() -> None:
    swept = cnncalc.sweep(text="INPUT(32x3) -> CONV(4, 3) -> FC(2)", inputs=["10x3", "12x3"])
    # 1D conv, 3 taps: (10 - 3 + 1) * 4 = 32 inputs to the fc: 32*2 + 2 = 66; 3*3*4 + 4 = 40
    assert [r.totals.params for r in swept.rows] == [40 + 66, 40 + 82]


_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_OPS |= {"==": operator.eq, "!=": operator.ne}


@given(
    st.integers(0, 10**13),
    st.sampled_from(sorted(_OPS)),
    st.integers(0, 9999),
    st.sampled_from(["", "k", "M", "G", "T", "e3", "e-2", ".5", ".25k"]),
)
def test_where_compares_exactly(value: int, op: str, digits: int, tail: str) -> None:
    number = {
        "": Fraction(digits),
        "k": Fraction(digits * 10**3),
        "M": Fraction(digits * 10**6),
        "G": Fraction(digits * 10**9),
        "T": Fraction(digits * 10**12),
        "e3": Fraction(digits * 1000),
        "e-2": Fraction(digits, 100),
        ".5": digits + Fraction(1, 2),
        ".25k": (digits + Fraction(1, 4)) * 1000,
    }[tail]
    condition = parse_where(f"params {op} {digits}{tail}", ["params"])
    assert holds(condition, {"params": value}) is _OPS[op](value, number)


def test_where_precedence_and_words() -> None:
    names = ["a", "b"]
    # not binds tightest, then and, then or: a==1 or (b==1 and not a==2)
    cond = parse_where("a == 1 or b == 1 and not a == 2", names)
    assert holds(cond, {"a": 2, "b": 1}) is False
    assert holds(cond, {"a": 3, "b": 1}) is True
    assert holds(parse_where("(a == 1 or b == 1) and a != 1", names), {"a": 1, "b": 1}) is False
    assert holds(parse_where("a < b", names), {"a": 1, "b": None}) is False  # symbolic


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('x')", "not a name, number, comparison"),
        ("__import__ < 1", "unknown name '__import__'"),
        ("params < ", "expected a name or a number, got the end"),
        ("params", "expected a comparison"),
        ("params < 1e999999999", "numbers go up to 1e300"),
        ("params < 5x", "not a name, number"),
        ("params < 5 params", "expected 'and', 'or' or the end"),
        ("parms < 5", "did you mean 'params'"),
        ("(" * 60 + "params < 1" + ")" * 60, "nest at most 50"),
        ("not " * 60 + "params < 1", "nest at most 50"),
        ("", "empty"),
    ],
)
def test_where_errors_point_at_the_place(text: str, message: str) -> None:
    with hang_guard(), pytest.raises(GrammarSyntaxError, match=message) as info:
        parse_where(text, ["params", "macs"])
    assert info.value.option == "where" and "^" in str(info.value)


def test_where_length_is_bounded() -> None:
    with pytest.raises(CnnCalcError, match="at most 1,000"):
        parse_where("params < 1 or " * 200 + "params < 1", ["params"])


def test_values_lists_and_ranges() -> None:
    assert parse_values("N", "1..3,8, 2") == (1, 2, 3, 8)
    assert parse_values("N", "-1..1") == (-1, 0, 1)
    with pytest.raises(CnnCalcError, match="empty"):
        parse_values("N", "4..1")
    with pytest.raises(CnnCalcError, match="not a whole number or a range"):
        parse_values("N", "1...3")
    with hang_guard():
        with pytest.raises(LimitError, match="10,000 combinations"):
            parse_values("N", "1..10" + "0" * 90)
        with pytest.raises(CnnCalcError, match="digits"):
            parse_values("N", "1..1" + "0" * 200)


def test_combinations_are_capped_before_any_is_evaluated() -> None:
    with hang_guard():
        code, _, err = run_cli(
            "sweep", PATTERN, "--set", "N=1..100", "--set", "M=1..100", "--set", "K=1..2"
        )
        assert code == 2 and "20,000 combinations; at most 10,000" in err
        assert "Traceback" not in err
    assert MAX_COMBINATIONS == 10_000


def test_layers_in_all_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc import sweeps

    monkeypatch.setattr(sweeps, "MAX_SWEEP_LAYERS", 100)
    code, _, err = run_cli("sweep", "INPUT(8x8x1) -> [RELU]*N", "--set", "N=1..20")
    assert code == 2 and "reaches 105 layers in all; at most 100" in err  # 1 + ... + 14


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "N"], "--set takes NAME=VALUES"),
        (["--set", "N=a"], "not a whole number or a range"),
        (["--set", "params=1"], "the name of a figure"),
        (["--set", "N=1", "--where", "N <"], "expected a name or a number"),
        (["--set", "N=1", "--input", "4x4"], "spatial"),
        (["--set", "N=1", "--count", "flopz"], "flopz"),
        (["--set", "N=1", "--dtype", "int3"], "int3"),
    ],
)
def test_sweep_errors_exit_2(args: list[str], message: str) -> None:
    code, _, err = run_cli("sweep", PATTERN, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_sweep_cli_formats() -> None:
    args = ["sweep", PATTERN, "--set", "N=1,2", "--set", "M=1", "--set", "K=1"]
    code, out, _ = run_cli(*args)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split("|")[0].strip() == "N" and "1,050,890" in lines[2]
    assert lines[-1].startswith("2 of 2 combinations; MACs counted as torchvision")
    code, out, _ = run_cli(*args, "-f", "json", "--count", "fvcore")
    data = json.loads(out)
    assert data["counting"] == "fvcore" and data["variables"] == ["N", "M", "K"]
    assert data["rows"][0]["totals"]["params"] == 1_050_890
    code, out, _ = run_cli(*args, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["variables.N"] == "1" and rows[0]["totals.params"] == "1050890"
    # the last fc sees the whole 16x16 map after conv 3 (r 3) and pool 2/2 (r 4, jump 2):
    # r = 4 + (16 - 1) * 2 = 34
    assert rows[0]["input.size.0"] == "32" and rows[0]["receptive_field.size.1"] == "34"


SWEEP_OPTIONS = st.lists(
    st.sampled_from(
        [
            ["--set", "N=1..3"],
            ["--set", "N=0,1"],
            ["--set", "N=-2..2"],
            ["--set", "N=3..1"],
            ["--set", f"N=1..{'9' * 99}"],
            ["--set", "N=1e3"],
            ["--set", "same=1,2"],
            ["--input", "4x4x2,6x6x2"],
            ["--input", "4x4,8x8x2"],
            ["--input", ","],
            ["--where", "params < 1k or macs >= 1e300"],
            ["--where", "params <"],
            ["--where", "N == 1"],
            ["--where", "x" * 2000],
            ["--count", "ptflops"],
            ["--dtype", "int4"],
            ["-f", "json"],
            ["-f", "csv"],
            ["--max-layers", "1"],
        ]
    ),
    max_size=4,
)


@given(SPEC_TEXTS, SWEEP_OPTIONS)
def test_no_sweep_ends_in_exit_3(spec: str, options: list[list[str]]) -> None:
    flat = [item for option in options for item in option]
    code, out, err = run_cli("sweep", spec, *flat)
    assert code in (0, 2), (spec, flat, err)
    assert "Traceback" not in out + err
    spec_n = spec.replace("INPUT(8x8x2) -> ", "INPUT(8x8x2) -> [RELU]*N -> ")
    code, out, err = run_cli("sweep", spec_n, *flat)
    assert code in (0, 2), (spec_n, flat, err)
    assert "Traceback" not in out + err


def test_an_error_names_its_combination() -> None:
    code, _, err = run_cli(
        "sweep", "INPUT(8x8x3) -> [CONV(4, 3)]*N", "--set", "N=1..5", "--input", "8x8x3"
    )
    # 8 -> 6 -> 4 -> 2 -> 0: the fourth 3x3 convolution has no room
    assert code == 2 and err.startswith("cnncalc: error: with N=4, input 8x8x3: ")


def test_sweep_plot_draws_each_row_with_its_value() -> None:
    import xml.etree.ElementTree as ElementTree

    # values by hand in test_lecture_pattern_by_hand: N=1 1,050,890, N=2 1,060,138 on
    # 32x32x3; 64x64x3 N=1 4,196,618 (one line per input size)
    args = ["sweep", PATTERN, "--set", "N=1..2", "--set", "M=1", "--set", "K=1"]
    code, out, err = run_cli(*args, "--input", "32x32x3,64x64x3", "--plot", "params")
    assert (code, err) == (0, "")
    root = ElementTree.fromstring(out)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for value in ("1,050,890", "1,060,138", "4,196,618"):
        assert value in texts
    assert any((t or "").startswith("params against N") for t in texts)
    assert sum("32x32x3" in (t or "") for t in texts) == 1  # one legend entry per line


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--plot", "parms"], "no figure 'parms' (did you mean 'params'?)"),
        (["--plot", "params", "--against", "Q"], "no swept variable 'Q'"),
    ],
)
def test_sweep_plot_errors(extra: list[str], message: str) -> None:
    code, _, err = run_cli("sweep", PATTERN, "--set", "N=1..2", *extra)
    assert code == 2 and message in err and "Traceback" not in err
