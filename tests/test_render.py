"""Renderers: the fast JSON writer equals the schema data, for every zoo network."""
# The oracle below is the plain JSON writer (data, then json.dumps), the library's
# streaming writer's independent twin: it guards what the schema means.

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cnncalc import evaluate
from cnncalc.engine.memory import inference_peak
from cnncalc.rendering.data import render_json
from cnncalc.rendering.plain import plain_lines
from cnncalc.results import LayerResult, NetworkResult, batched, json_number
from cnncalc.symbolic import Poly
from tests.clirun import run_cli
from tests.conftest import SPECS, load_spec


def counted(key: str, value: object) -> dict[str, Any]:
    """A count under the stable contract: an integer (or null), a polynomial as null
    beside its text under ``key_expr``."""
    if value is None or isinstance(value, int):
        return {key: value}
    return {key: None, f"{key}_expr": str(value)}


def shape(value: Any) -> dict[str, Any]:
    return {**counted("channels", value.channels), "size": list(value.size)}


def layer_dict(layer: LayerResult, live: object, dtype_bytes: int) -> dict[str, Any]:
    """One layer as JSON-ready data; integers stay exact. ``live``: the elements alive
    while it runs (None for a layer run only in training)."""
    rf = layer.receptive_field
    return {
        "index": layer.index,
        "name": layer.name,
        "type": layer.kind,
        "hyper": {k: str(v) if isinstance(v, Poly) else v for k, v in layer.hyper},
        "output": shape(layer.output),
        **counted("params", layer.params),
        **counted("params_nonshared", layer.params_nonshared),
        **counted("params_fc", layer.params_fc),
        "receptive_field": {
            "size": [json_number(a.size) for a in rf],
            "jump": [json_number(a.jump) for a in rf],
            "start": [json_number(a.start) for a in rf],
            "padding": [json_number(a.padding) for a in rf],
        },
        **counted("macs", layer.macs),
        **counted("activations", layer.activations),
        "inputs": list(layer.inputs),
        "training_only": layer.training_only,
        "shares": layer.shares,
        "frozen": layer.frozen,
        **counted("buffers", layer.buffers),
        **counted("live_elements", live),
        **counted("live_bytes", None if live is None else live * dtype_bytes),  # type: ignore[operator]
    }


def _live(result: NetworkResult) -> list[object]:
    """Peak.live spread over the rows: None for the layers run only in training."""
    live = iter(inference_peak(result).live)
    return [None if layer.training_only else next(live) for layer in result.layers]


def result_dict(result: NetworkResult) -> dict[str, Any]:
    """The whole result as JSON-ready data (the public JSON schema)."""
    t = result.totals
    breakdown = dict(result.breakdown)
    symbolic = {c: str(v) for c, v in breakdown.items() if not isinstance(v, int)}
    return {
        "schema_version": 2,
        "name": result.name,
        "input": shape(result.input),
        "dtype": result.dtype,
        "batch": result.batch,
        "layers": [
            layer_dict(layer, live, result.dtype_bytes)
            for layer, live in zip(result.layers, _live(result), strict=True)
        ],
        "totals": {
            **counted("params", t.params),
            **counted("trainable_params", t.trainable_params),
            **counted("non_trainable_params", t.non_trainable_params),
            **counted("buffers", t.buffers),
            **counted("macs", t.macs),
            "counting": result.counting,
            **(
                {"breakdown": {c: None if c in symbolic else v for c, v in breakdown.items()}}
                if breakdown
                else {}
            ),
            **({"breakdown_expr": symbolic} if symbolic else {}),
            **counted("flops", t.flops),
            **counted("activations", t.activations),
            **counted("param_bytes", t.param_bytes),
            **counted("activation_bytes", t.activation_bytes),
            **counted("peak_activations", t.peak_activations),
            **counted(
                "peak_activation_bytes",
                None if t.peak_activations is None else t.peak_activations * result.dtype_bytes,
            ),
            "peak_layer": t.peak_layer,
            **counted("input_bytes", t.input_bytes),
        },
        "warnings": [
            {"layer": w.layer, "code": w.code, "message": w.message} for w in result.warnings
        ],
    }


NETWORKS = [
    *sorted(SPECS.glob("*.yaml")),
    "INPUT(11x7x3) -> CONV(4, 3x2, p=same, d=2) -> FC(2)",
    "INPUT(16x16xC) -> CONV(C, 3) -> RELU -> FC(10)",
]


@pytest.mark.parametrize("spec", NETWORKS, ids=str)
def test_json_text_equals_schema_data(spec: Path | str) -> None:
    result = evaluate(load_spec(str(spec)))
    text = render_json(result)
    assert json.dumps(json.loads(text, object_pairs_hook=_no_repeats)) == json.dumps(
        result_dict(result)
    )
    json.loads(render_json(batched(result, 3)), object_pairs_hook=_no_repeats)  # asserts


def _no_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object whose keys are all different (json.loads keeps the last of a repeated
    key silently; strict readers refuse the document)."""
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"repeated keys: {keys}"
    return dict(pairs)


def terminal_output(spec: str, no_color: bool = False) -> str:
    """The summary as a terminal 40 columns wide would receive it (escape codes kept)."""
    from rich.console import Console

    from cnncalc.rendering.table import print_table

    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=True,
        color_system="standard",
        width=40,
        no_color=no_color,
        highlight=False,
    )
    print_table(evaluate(load_spec(spec)), console)
    return out.getvalue()


def _boxed_rows(text: str) -> list[list[str]]:
    """The cells of every row of a boxed table (header and body), stripped."""
    return [
        [cell.strip() for cell in line[1:-1].split(line[0])]
        for line in text.splitlines()
        if line[:1] in ("\u2503", "\u2502")  # the header's and the body's vertical line
    ]


@pytest.mark.parametrize("spec", ["specs/alexnet.yaml", "specs/resnet18.yaml"])
def test_terminal_table_shows_the_plain_table_s_cells_whole(spec: str) -> None:
    # even 40 columns wide, no number is cut short: the cells of the columns shown are
    # the plain table's, and the totals are the same lines
    shown = terminal_output(spec)
    text = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    plain = list(plain_lines(evaluate(load_spec(spec))))
    rule = next(i for i, line in enumerate(plain) if set(line) <= {"-", "+"})
    header = [c.strip() for c in plain[rule - 1].split(" | ")]
    boxed = _boxed_rows(text)
    at = [header.index(title) for title in boxed[0]]
    rows = [[c.strip() for c in line.split("|")] for line in plain[rule + 1 : plain.index("")]]
    rows = [row + [""] * (len(header) - len(row)) for row in rows]  # lines are rstripped
    assert boxed[1:] == [[row[i] for i in at] for row in rows]
    assert plain[plain.index("", rule) + 1] in text  # the first totals line
    assert "\x1b[1m" in shown and "\x1b[2m" in shown  # header bold, input row dim


def test_terminal_table_without_color_has_no_styles() -> None:
    shown = terminal_output("specs/lenet5.yaml", no_color=True)
    assert "\x1b[" not in shown
    assert _boxed_rows(shown)[0][:2] == ["#", "name"]


def test_terminal_table_shows_markup_looking_names_as_written() -> None:
    spec = "INPUT(8x8x1, name='[bold]net') -> CONV(2, 3, name='[/x]') -> FC(2, name='[red]')"
    shown = re.sub(r"\x1b\[[0-9;]*m", "", terminal_output(spec))
    assert shown.startswith("[bold]net\n")
    assert "\u2502 [/x] " in shown and "\u2502 [red] " in shown


def test_grids_keep_every_cell_whole_on_a_narrow_terminal() -> None:
    from rich.console import Console

    from cnncalc.rendering.table import print_grid

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=20)
    print_grid(["question", "asked", "answer"], [["3b", "[b]params", "105,705,600"]], console)
    assert re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()) == (
        "question | asked     |      answer\n"
        "---------+-----------+------------\n"
        "3b       | [b]params | 105,705,600\n"
    )
    assert out.getvalue().startswith("\x1b[1mquestion")


def test_plain_table_shows_braces_in_names_as_written() -> None:
    spec = "INPUT(8x8x1) -> CONV(2, 3, name='{0:>30}') -> FC(2, name='{}')"
    lines = list(plain_lines(evaluate(load_spec(spec))))
    assert lines[3].startswith("1 | {0:>30} | conv")
    assert lines[4].startswith("2 | {}      | fc")


def test_markdown_escapes_dollars_github_reads_as_math() -> None:
    # GitHub renders $x$ in a table cell as math; a name is text, so its dollars are
    # escaped (\$ renders as $ in every Markdown)
    code, out, _ = run_cli("summarize", 'INPUT(4x4x1) -> CONV(2, 1, name="$x$")', "-f", "markdown")
    assert code == 0 and "| \\$x\\$ |" in out and "$x$" not in out.replace("\\$", "")
