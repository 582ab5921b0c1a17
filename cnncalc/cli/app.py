"""The typer app: the command-line interface, one thin command per job.

Each command reads its options, calls the library, and hands the result to a renderer;
:mod:`cnncalc.cli.io` reports errors and writes output. Heavy modules (the engine, rich)
are imported inside commands, so ``--help`` never pays for the engine.
"""

# No ``from __future__ import annotations`` here: typer reads every command's
# annotations at each run, and string annotations cost a compile() each (about 25 ms
# for the whole app, BENCHMARKS.md).
import re
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cnncalc import __version__
from cnncalc.cli.io import (
    emit,
    on_terminal,
    reporting,
    spec_source,
    terminal_console,
    writing_stdout,
)
from cnncalc.errors import CnnCalcError
from cnncalc.options import MAX_DIGITS, MAX_LAYERS, Options

if TYPE_CHECKING:
    from cnncalc.rendering.cells import Column
    from cnncalc.results import NetworkResult
    from cnncalc.teach.homework import LayerCase

EXAMPLES = """\
Examples:

  cnncalc summarize specs/alexnet.yaml

  cnncalc summarize specs/vgg16.yaml --format json

  cnncalc summarize "INPUT(32x32x3) -> [CONV(16, 3, p=1) -> RELU -> POOL]*2 -> FC(10)"

  cnncalc summarize specs/lecture-pattern.yaml --set N=3 --set M=2
"""

app = typer.Typer(
    name="cnncalc",
    help="A calculator for convolutional neural networks: output sizes, parameters, "
    "receptive fields, MACs and memory, layer by layer.\n\n" + EXAMPLES,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(StrEnum):
    """Output formats of summarize."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    latex = "latex"


class WarningsMode(StrEnum):
    """How human-readable formats show warnings (``cells.WARNING_MODES``)."""

    summary = "summary"
    all = "all"
    none = "none"


SpecArg = Annotated[
    str,
    typer.Argument(
        metavar="SPEC",
        help="A .yaml/.yml spec, a grammar file (.cnn), '-' for standard input, or grammar "
        "text itself.",
        show_default=False,
    ),
]
SetOpt = Annotated[
    list[str],
    typer.Option(
        "--set", metavar="NAME=INT", help="Bind a grammar variable, e.g. N=2.", show_default=False
    ),
]
DefaultOpt = Annotated[
    list[str],
    typer.Option(
        "--default",
        metavar="KIND.KEY=VALUE",
        help="Override a default for a layer kind, e.g. conv.padding=1.",
        show_default=False,
    ),
]
OptionalOpt = Annotated[
    bool,
    typer.Option(
        "--optional/--no-optional",
        help="Take (default) or leave out the parts marked '?' in the grammar.",
    ),
]
MaxLayersOpt = Annotated[
    int,
    typer.Option("--max-layers", metavar="N", help="Refuse specs that expand beyond N layers."),
]
InputOpt = Annotated[
    str | None,
    typer.Option(
        "--input",
        metavar="HxWxC",
        help="Use this input size instead of the spec's, e.g. 320x320x3.",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (atomically) instead of standard output.",
        show_default=False,
    ),
]


@app.command(
    epilog="Examples:  cnncalc summarize specs/alexnet.yaml  |  "
    "cnncalc summarize specs/vgg16.yaml -f json  |  "
    'cnncalc summarize "INPUT(28x28x1) -> CONV(8, 5) -> RELU -> POOL -> FC(10)" -f markdown',
)
def summarize(
    spec: SpecArg,
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="table (terminal), json, csv, markdown, html (a report) or latex (booktabs).",
        ),
    ] = OutputFormat.table,
    dtype: Annotated[
        str,
        typer.Option(
            "--dtype", help="Element type for memory: float32, float16, bfloat16, float64, int8."
        ),
    ] = "float32",
    sets: SetOpt = [],  # noqa: B006 (typer reads the default; it is never mutated)
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    input_size: InputOpt = None,
    depth: Annotated[
        int,
        typer.Option(
            "--depth",
            metavar="N",
            help="Show each block nested deeper than N levels of dotted names as one row "
            "(0: every layer).",
        ),
    ] = 0,
    count: Annotated[
        str,
        typer.Option(
            "--count",
            metavar="PROFILE",
            help="What MACs count: torchvision (conv and fc weights, the default), "
            "torchinfo, fvcore, ptflops or ptflops-aten (each tool's total, exactly), or "
            "custom (with --include).",
        ),
    ] = "torchvision",
    include: Annotated[
        str | None,
        typer.Option(
            "--include",
            metavar="LIST",
            help="With --count custom: what it adds to conv and fc weight products, any of "
            "bias,bn,pool,act,add,upsample (comma-separated).",
            show_default=False,
        ),
    ] = None,
    breakdown: Annotated[
        bool,
        typer.Option("--breakdown", help="Show the MACs per operation class in the totals."),
    ] = False,
    style: Annotated[
        str,
        typer.Option(
            "--style",
            metavar="TOOL",
            help="The footer torchinfo, keras or torchsummary prints under its summary, with "
            "its labels, numbers and units (table and markdown); cnncalc: its own (default).",
        ),
    ] = "cnncalc",
    batch: Annotated[
        int,
        typer.Option(
            "--batch",
            metavar="N",
            help="Samples per pass: MACs, FLOPs, activations, input and peak memory are for "
            "N samples (parameters stay); 1 to 1,000,000,000.",
        ),
    ] = 1,
    layout: Annotated[
        str,
        typer.Option(
            "--layout",
            metavar="LAYOUT",
            help="How shapes are written: hwc (55x55x96, the default), nchw (1x96x55x55, "
            "PyTorch's order) or nhwc (1x55x55x96, Keras's); the batch comes first.",
        ),
    ] = "hwc",
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="LIST",
            help="The table's columns, e.g. name,kind,input,output,params,params_nonshared,"
            "params_fc,params_pct,macs,macs_pct,live (table and markdown).",
            show_default=False,
        ),
    ] = None,
    wide: Annotated[
        bool,
        typer.Option("--wide", help="Show every column (table and markdown)."),
    ] = False,
    warnings: Annotated[
        WarningsMode,
        typer.Option(
            "--warnings",
            help="summary (each kind once), all (every notice) or none, in the table, "
            "markdown, HTML and LaTeX; JSON always lists the summary, with codes.",
        ),
    ] = WarningsMode.summary,
    output: OutputOpt = None,
) -> None:
    """Layer by layer: output size, parameters, receptive field and MACs, with totals."""
    with _reporting():
        from cnncalc.api import evaluate, view
        from cnncalc.loader import parse_source
        from cnncalc.results import check_view

        check_view(batch, layout)  # the options first: they fail before any work
        _check_style(style, fmt, breakdown)
        classes = _included(count, include)
        if breakdown and fmt is OutputFormat.csv:
            raise CnnCalcError(
                "CSV has one row per layer, and the breakdown is a total: it is shown in the "
                "table, markdown, HTML, LaTeX and JSON",
                option="breakdown",
            )
        chosen = _table_columns(columns, wide, fmt)
        options = _options(sets, defaults, optional, max_layers, input_size)
        result = view(
            evaluate(parse_source(spec_source(spec), options), dtype),
            count=count,
            include=None if classes is None else ",".join(classes),
            breakdown=breakdown,
            depth=depth,
            batch=batch,
            layout=layout,
            style=style,
            # JSON and CSV always carry the summary of the warnings, with codes
            warnings="summary" if fmt in (OutputFormat.json, OutputFormat.csv) else warnings,
        )
        _write_result(result, fmt, output, chosen)


def _included(count: str, include: str | None) -> tuple[str, ...] | None:
    """The classes ``--include`` names, checked: it goes with ``--count custom`` only."""
    if include is None:
        return None
    from cnncalc.engine.counting import include_classes

    if count.lower().partition(":")[0] != "custom":
        raise CnnCalcError(f"--include goes with --count custom, not --count {count}")
    try:
        return include_classes(include)
    except CnnCalcError as error:
        raise CnnCalcError(f"--include: {error}") from error


def _table_columns(
    columns: str | None, wide: bool, fmt: OutputFormat
) -> "tuple[Column, ...] | None":
    """The columns ``--columns`` or ``--wide`` ask for (None: the default ones)."""
    if columns is None and not wide:
        return None
    option = "columns" if columns is not None else "wide"
    if columns is not None and wide:
        raise CnnCalcError("give --columns or --wide, not both", option="wide")
    if fmt not in (OutputFormat.table, OutputFormat.markdown):
        raise CnnCalcError(
            "--columns and --wide choose the columns of the table and markdown formats; "
            "JSON and CSV always have every field, HTML and LaTeX the default columns",
            option=option,
        )
    from cnncalc.rendering.cells import WIDE_COLUMNS, parse_columns

    return WIDE_COLUMNS if columns is None else parse_columns(columns)


_STYLED_FORMATS = ("table", "markdown")
"""The formats ``--style`` applies to: the others have no footer of that kind."""


def _check_style(style: str, fmt: OutputFormat, breakdown: bool) -> None:
    """``--style`` names a known footer, for a format that shows one, without
    ``--breakdown`` (a line of cnncalc's own footer)."""
    from cnncalc.rendering.styles import check_style

    check_style(style)
    if style == "cnncalc":
        return
    if fmt.value not in _STYLED_FORMATS:
        raise CnnCalcError(
            f"--style prints {style}'s footer in the table and markdown formats; "
            f"{fmt.value} has no such footer",
            option="style",
        )
    if breakdown:
        raise CnnCalcError(
            f"--breakdown is a part of cnncalc's own footer, which --style {style} replaces",
            option="style",
        )


class ExpandFormat(StrEnum):
    """Output formats of expand."""

    grammar = "grammar"
    yaml = "yaml"


@app.command(
    epilog='Examples:  cnncalc expand "INPUT(32x32x3) -> [CONV(16) -> RELU]*2 -> POOL?"  |  '
    "cnncalc expand specs/lecture-pattern.yaml --set N=1 --no-optional  |  "
    "cnncalc expand specs/vgg16.yaml --format yaml",
)
def expand(
    spec: SpecArg,
    fmt: Annotated[
        ExpandFormat,
        typer.Option("--format", "-f", help="grammar (one layer per line) or yaml."),
    ] = ExpandFormat.grammar,
    sets: SetOpt = [],  # noqa: B006
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    input_size: InputOpt = None,
    output: OutputOpt = None,
) -> None:
    """Print the flat chain after repeats, variables and optional parts are expanded.

    Every layer is written with its resolved hyperparameters (those that differ from
    the built-in defaults); comments list the optional parts and whether they were taken.
    """
    with _reporting():
        from cnncalc.loader import expand_source
        from cnncalc.parsing.unparse import format_network, format_yaml

        options = _options(sets, defaults, optional, max_layers, input_size)
        expansion = expand_source(spec_source(spec), options)
        comments = "".join(
            f"# optional {c.text} at {c.where}: {'taken' if c.taken else 'left out'}\n"
            for c in expansion.choices
        )
        if fmt is ExpandFormat.yaml:
            emit(comments + format_yaml(expansion.spec), output)
        else:
            emit(comments + format_network(expansion.spec) + "\n", output)


@app.command(
    name="format",
    epilog='Examples:  cnncalc format "input(32x32x3)->[conv(16,kernel=3)->relu]*2->fc(10)"  |  '
    "cnncalc format specs/alexnet.yaml",
)
def format_command(
    spec: SpecArg,
    output: OutputOpt = None,
) -> None:
    """Print the canonical grammar text of a spec.

    Grammar keeps its groups, repeats, variables and optional parts; a YAML spec with
    'layers' is written as its flat chain.
    """
    with _reporting():
        from cnncalc.loader import canonical_text

        emit(canonical_text(spec_source(spec)) + "\n", output)


# Homework mode: one layer at a time, with the working shown and answers checked.

LayerInputOpt = Annotated[
    str,
    typer.Option(
        "--input",
        "-i",
        metavar="HxWxC",
        help="The layer's input: spatial sizes then channels, e.g. 11x11x3.",
        show_default=False,
    ),
]
KernelOpt = Annotated[
    str | None,
    typer.Option("--kernel", "-k", help="Kernel: 3, or per axis 3x5.", show_default=False),
]
StrideOpt = Annotated[
    str | None, typer.Option("--stride", "-s", help="Stride (default 1).", show_default=False)
]
PaddingOpt = Annotated[
    str | None,
    typer.Option("--padding", "-p", help="Padding: 1, 1x2, same or valid.", show_default=False),
]
DilationOpt = Annotated[
    str | None, typer.Option("--dilation", "-d", help="Dilation (default 1).", show_default=False)
]
BiasOpt = Annotated[bool, typer.Option("--bias/--no-bias", help="Learnable bias.")]
ExpectOpt = Annotated[
    str | None,
    typer.Option(
        "--expect",
        metavar="HxWxC",
        help="Check an answer for the output size (5x5x3, or 5x5 for the spatial "
        "size); exit code 1 when wrong.",
        show_default=False,
    ),
]
ExpectParamsOpt = Annotated[
    str | None,
    typer.Option(
        "--expect-params",
        metavar="N",
        help="Check an answer for the parameter count (34944, 34,944 or 34 944); exit code "
        "1 when wrong.",
        show_default=False,
    ),
]


FiltersOpt = Annotated[
    int | None,
    typer.Option(
        "--filters",
        "-c",
        help="Number of filters (default 1; a graded answer says when one was assumed).",
        show_default=False,
    ),
]
OneDOpt = Annotated[
    bool,
    typer.Option(
        "--1d",
        help="The input is 1D (length x channels). Without it, a two-number --input is "
        "refused: 3x3 is most likely a 3x3 image, written 3x3x1.",
    ),
]


class WorkFormat(StrEnum):
    """Output formats of the homework commands."""

    text = "text"
    json = "json"


WorkFormatOpt = Annotated[
    WorkFormat, typer.Option("--format", "-f", help="text (the working) or json.")
]


def _show_work(
    case: "LayerCase",
    expect: str | None,
    expect_params: str | None,
    fmt: WorkFormat,
    output: Path | None = None,
    filters_assumed: bool = False,
) -> None:
    from cnncalc.record import replace
    from cnncalc.rendering.derivation import derivation_json, derivation_text, verdict_text

    verdicts = []
    if expect is not None or expect_params is not None:  # homework checks: only when asked
        from cnncalc.teach.grading import check_params, check_shape, filters_note, parse_count
    if expect is not None:
        verdict = check_shape(expect, case.layer, case.input, case.result)
        if filters_assumed and not verdict.right:
            note = "the number of filters was not given (--filters), so one filter was assumed"
            verdict = replace(verdict, notes=(*verdict.notes, note))
        verdicts.append(verdict)
    if expect_params is not None:
        count = parse_count(expect_params)
        verdict = check_params(count, case.layer, case.input, case.result)
        if filters_assumed:
            note = filters_note(count, case.result.params).replace(
                "not given", "not given (--filters)"
            )
            verdict = replace(verdict, notes=(*verdict.notes, note))
        verdicts.append(verdict)
    derivation = case.derivation()
    if fmt is WorkFormat.json:
        emit(derivation_json(derivation, verdicts), output)
    else:
        checks = "".join(verdict_text(v) for v in verdicts)
        emit(checks + ("\n" if checks else "") + derivation_text(derivation), output)
    if not all(v.right for v in verdicts):
        raise typer.Exit(1)


def _one_layer(
    kind: str,
    input_size: str,
    options: dict[str, object],
    expect: str | None,
    expect_params: str | None,
    fmt: WorkFormat,
    one_d: bool = False,
) -> None:
    with _reporting():
        from cnncalc.teach.homework import TwoNumberInput, one_layer

        filters_assumed = "filters" in options and options["filters"] is None
        if filters_assumed:
            options = {**options, "filters": 1}
        try:
            case = one_layer(kind, input_size, options, one_d)
        except TwoNumberInput as error:
            raise CnnCalcError(f"{error} (add --1d)", option=error.option) from None
        _show_work(case, expect, expect_params, fmt, filters_assumed=filters_assumed)


@app.command(
    epilog="Examples:  cnncalc conv -i 11x11x3 -k 3 -p 1 -s 2 -d 2 --filters 3  |  "
    "cnncalc conv -i 55x55x3 -k 11 -p 5 --filters 96 --expect 55x55x96 --expect-params 34944",
)
def conv(
    input_size: LayerInputOpt,
    filters: FiltersOpt = None,
    kernel: KernelOpt = None,
    stride: StrideOpt = None,
    padding: PaddingOpt = None,
    dilation: DilationOpt = None,
    groups: Annotated[int, typer.Option("--groups", "-g", help="Groups.")] = 1,
    bias: BiasOpt = True,
    expect: ExpectOpt = None,
    expect_params: ExpectParamsOpt = None,
    fmt: WorkFormatOpt = WorkFormat.text,
    one_d: OneDOpt = False,
) -> None:
    """One convolution, worked: sizes, parameters three ways, MACs, receptive field."""
    options: dict[str, object] = dict(
        filters=filters, kernel=kernel, stride=stride, padding=padding, dilation=dilation
    )
    _one_layer(
        "conv",
        input_size,
        options | dict(groups=groups, bias=bias),
        expect,
        expect_params,
        fmt,
        one_d,
    )


@app.command(
    epilog="Examples:  cnncalc local -i 55x55x3 -k 11 -p 5 --filters 96",
)
def local(
    input_size: LayerInputOpt,
    filters: FiltersOpt = None,
    kernel: KernelOpt = None,
    stride: StrideOpt = None,
    padding: PaddingOpt = None,
    dilation: DilationOpt = None,
    bias: BiasOpt = True,
    expect: ExpectOpt = None,
    expect_params: ExpectParamsOpt = None,
    fmt: WorkFormatOpt = WorkFormat.text,
    one_d: OneDOpt = False,
) -> None:
    """One locally connected layer (a convolution without weight sharing), worked."""
    options: dict[str, object] = dict(
        filters=filters, kernel=kernel, stride=stride, padding=padding, dilation=dilation
    )
    _one_layer("local", input_size, options | dict(bias=bias), expect, expect_params, fmt, one_d)


@app.command(
    epilog="Examples:  cnncalc pool -i 50x100x16 -k 3 -s 2  |  "
    "cnncalc pool -i 6x6x1 -k 3 -s 2 --ceil --avg --expect 3x3x1",
)
def pool(
    input_size: LayerInputOpt,
    kernel: KernelOpt = None,
    stride: Annotated[
        str | None,
        typer.Option("--stride", "-s", help="Stride (default: the kernel).", show_default=False),
    ] = None,
    padding: PaddingOpt = None,
    dilation: DilationOpt = None,
    ceil: Annotated[bool, typer.Option("--ceil/--floor", help="PyTorch's ceil_mode.")] = False,
    average: Annotated[bool, typer.Option("--avg/--max", help="Average or max pooling.")] = False,
    expect: ExpectOpt = None,
    fmt: WorkFormatOpt = WorkFormat.text,
    one_d: OneDOpt = False,
) -> None:
    """One pooling layer, worked: sizes (floor or ceil mode) and receptive field."""
    options: dict[str, object] = {
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "ceil_mode": ceil,
        "dilation": dilation,
    }
    kind = "avgpool" if average else "maxpool"
    _one_layer(kind, input_size, options, expect, None, fmt, one_d)


@app.command(
    epilog="Examples:  cnncalc fc -i 7x7x512 --units 4096 --expect-params 102764544",
)
def fc(
    input_size: LayerInputOpt,
    units: Annotated[int, typer.Option("--units", "-n", help="Output units.")] = 1,
    bias: BiasOpt = True,
    expect: ExpectOpt = None,
    expect_params: ExpectParamsOpt = None,
    fmt: WorkFormatOpt = WorkFormat.text,
) -> None:
    """One fully connected layer, worked: parameters and MACs."""
    _one_layer("fc", input_size, {"units": units, "bias": bias}, expect, expect_params, fmt)


@app.command(
    epilog="Examples:  cnncalc explain specs/alexnet.yaml --layer conv1  |  "
    "cnncalc explain specs/vgg16.yaml --layer 5",
)
def explain(
    spec: SpecArg,
    layer: Annotated[
        str,
        typer.Option(
            "--layer",
            "-l",
            metavar="N|NAME",
            help="The layer: 1-based index or name.",
            show_default=False,
        ),
    ],
    expect: ExpectOpt = None,
    expect_params: ExpectParamsOpt = None,
    fmt: WorkFormatOpt = WorkFormat.text,
    sets: SetOpt = [],  # noqa: B006
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    input_size: InputOpt = None,
) -> None:
    """The working for one layer of a spec, its receptive field from the layer before."""
    with _reporting():
        from cnncalc.api import evaluate
        from cnncalc.loader import parse_source
        from cnncalc.teach.homework import check_digits, find_layer

        if input_size is not None:
            check_digits(input_size, "input")
        options = _options(sets, defaults, optional, max_layers, input_size)
        network = parse_source(spec_source(spec), options)
        case = find_layer(network, evaluate(network), layer)
        _show_work(case, expect, expect_params, fmt)


class ConvolveOp(StrEnum):
    """Operations of convolve."""

    conv = "conv"
    max = "max"
    avg = "avg"


def _matrix_arg(text: str, what: str) -> str:
    """Matrix text itself, or the contents of a file that holds it."""
    path = Path(text)
    try:
        is_file = "\n" not in text and len(text) < 4096 and path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        is_file = False
    if is_file:
        from cnncalc.loader import read_file

        return read_file(path).text
    return text


@app.command(
    epilog='Examples:  cnncalc convolve --input "1 2 3; 4 5 6; 7 8 9" --kernel "10 20; 30 40" '
    '--steps  |  cnncalc convolve -i "1 2 3; 4 5 6; 7 8 9" -k "10 20 30; 40 50 60; 30 20 10" '
    '-p 1 -s 2  |  cnncalc convolve -i "1 2; 3 4" --op max --size 2',
)
def convolve(
    matrix: Annotated[
        str,
        typer.Option(
            "--input",
            "-i",
            metavar="MATRIX",
            help="Rows split by ';', numbers by spaces, channels by '|'; or a file holding that.",
            show_default=False,
        ),
    ],
    kernels: Annotated[
        list[str],
        typer.Option(
            "--kernel",
            "-k",
            metavar="MATRIX",
            help="A filter (one per --kernel), as --input.",
            show_default=False,
        ),
    ] = [],  # noqa: B006
    op: Annotated[ConvolveOp, typer.Option("--op", help="conv, max or avg.")] = ConvolveOp.conv,
    size: Annotated[int, typer.Option("--size", help="Pooling window (max, avg).")] = 2,
    stride: Annotated[
        int | None,
        typer.Option(
            "--stride", "-s", help="Stride (conv: 1; pools: the size).", show_default=False
        ),
    ] = None,
    padding: Annotated[int, typer.Option("--padding", "-p", help="Zero padding.")] = 0,
    dilation: Annotated[int, typer.Option("--dilation", "-d", help="Dilation.")] = 1,
    steps: Annotated[
        bool,
        typer.Option(
            "--steps", help="Show each window's working (the first 100 windows of each output)."
        ),
    ] = False,
) -> None:
    """The operation itself on small matrices: output values, and with --steps the working.

    Small means at most 1,000,000 numbers in the padded input and 2,000,000 products or
    comparisons (output cells x kernel taps); more is refused before any is computed."""
    with _reporting():
        from cnncalc.teach import numeric

        volume = numeric.parse_volume(_matrix_arg(matrix, "--input"), "input")
        shown = numeric.MAX_STEPS if steps else 0
        if op is ConvolveOp.conv:
            if not kernels:
                raise CnnCalcError("convolve needs at least one --kernel")
            filters = tuple(
                numeric.parse_volume(_matrix_arg(k, "--kernel"), "kernel") for k in kernels
            )
            result = numeric.correlate(
                volume, filters, 1 if stride is None else stride, padding, dilation, shown
            )
        else:
            if kernels:
                raise CnnCalcError("pooling takes --size, not --kernel")
            result = numeric.pool(volume, size, stride, padding, dilation, op.value, shown)
        from cnncalc.rendering.convolve import operation_text

        emit(operation_text(result, size, steps))


@app.command(
    epilog="Examples:  cnncalc solve --input 32 --output 32 --kernel 5  |  "
    "cnncalc solve --input 224 --output 55 --kernel 11 --stride 4  |  "
    "cnncalc solve --rf 100 --kernel 3  |  cnncalc solve --spec specs/vgg16.yaml --strict",
)
def solve(
    size_in: Annotated[
        int | None,
        typer.Option(
            "--input", metavar="N", help="Input length along one axis.", show_default=False
        ),
    ] = None,
    size_out: Annotated[
        int | None,
        typer.Option("--output", metavar="N", help="Wanted output length.", show_default=False),
    ] = None,
    rf: Annotated[
        int | None,
        typer.Option(
            "--rf", metavar="R", help="Wanted receptive field: how many layers?", show_default=False
        ),
    ] = None,
    kernel: Annotated[
        int | None, typer.Option("--kernel", "-k", show_default=False, help="Fix the kernel.")
    ] = None,
    stride: Annotated[
        int | None, typer.Option("--stride", "-s", show_default=False, help="Fix the stride.")
    ] = None,
    padding: Annotated[
        int | None, typer.Option("--padding", "-p", show_default=False, help="Fix the padding.")
    ] = None,
    dilation: Annotated[
        int | None, typer.Option("--dilation", "-d", show_default=False, help="Fix the dilation.")
    ] = None,
    max_kernel: Annotated[int, typer.Option("--max-kernel", help="Search bound.")] = 11,
    max_stride: Annotated[int, typer.Option("--max-stride", help="Search bound.")] = 4,
    max_dilation: Annotated[int, typer.Option("--max-dilation", help="Search bound.")] = 3,
    spec: Annotated[
        str | None,
        typer.Option(
            "--spec", metavar="SPEC", show_default=False, help="Which input sizes work? (a spec)"
        ),
    ] = None,
    axis: Annotated[
        str | None,
        typer.Option("--axis", help="With --spec: the axis (H, W, D, L; default the first)."),
    ] = None,
    size_range: Annotated[
        str | None,
        typer.Option("--range", metavar="LOW..HIGH", help="With --spec: list the valid sizes."),
    ] = None,
    near: Annotated[
        int | None,
        typer.Option("--near", metavar="N", help="With --spec: the nearest valid sizes."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="With --spec: no floor may drop input.")
    ] = False,
) -> None:
    """Find hyperparameters: every (kernel, stride, padding, dilation) for a wanted size,
    or the number of stacked layers for a wanted receptive field.

    Settings are listed in the order a student would try them: by stride, then kernel,
    then padding, with dilated settings last. A search of more than 500,000 settings is
    refused: fix a hyperparameter or lower the --max-* bounds. --rf takes --kernel
    (default 3) and --stride (default 1).

    With --spec: the input sizes along one axis for which the whole network runs (every
    window fits, merges see equal sizes; --strict: no floor drops input), in closed
    form, the sizes in --range (at most 1,000,000), and the nearest to --near."""
    with _reporting():
        from cnncalc.rendering.solve import layers_for_rf_text, settings_text
        from cnncalc.teach.solve import Bounds, layers_for_rf, solve_size

        if spec is not None:
            _solve_spec(spec, axis, size_range, near, strict)
            return
        if rf is not None:
            k = 3 if kernel is None else kernel
            s = 1 if stride is None else stride
            emit(layers_for_rf_text(layers_for_rf(rf, k, s), k, s))
            return
        if size_in is None or size_out is None:
            raise CnnCalcError("solve needs --input and --output (or --rf)")
        bounds = Bounds(max_kernel, max_stride, max_dilation)
        found = solve_size(
            size_in,
            size_out,
            kernel=kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            bounds=bounds,
        )
        emit(settings_text(size_in, size_out, found, bounds))
        if not found:
            raise typer.Exit(1)


@app.command(
    epilog='Examples:  cnncalc compare "INPUT(32x32xC) -> CONV(C, 7, p=3, bias=false)" '
    '"INPUT(32x32xC) -> [CONV(C, 3, p=1, bias=false)]*3"  |  '
    "cnncalc compare specs/vgg11.yaml specs/vgg16.yaml specs/vgg19.yaml",
)
def compare(
    specs: Annotated[
        list[str],
        typer.Argument(
            metavar="SPEC...", show_default=False, help="Two or more specs, as for summarize."
        ),
    ],
    fmt: Annotated[
        WorkFormat, typer.Option("--format", "-f", help="text (a table) or json.")
    ] = WorkFormat.text,
    sets: SetOpt = [],  # noqa: B006
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    input_size: InputOpt = None,
) -> None:
    """Networks side by side: output size, receptive field, parameters, MACs and
    activations, with ratios to the first. Channels may be symbols (C): counts are then
    polynomials, compared exactly."""
    with _reporting():
        from cnncalc.api import evaluate
        from cnncalc.loader import parse_source
        from cnncalc.rendering.compare import HEADERS, comparison_json, comparison_rows

        if len(specs) < 2:
            raise CnnCalcError("compare needs two or more specs")
        options = _options(sets, defaults, optional, max_layers, input_size)
        results = [evaluate(parse_source(spec_source(spec), options)) for spec in specs]
        labels = [
            r.name or (s if len(s) <= 60 else s[:57] + "...")
            for r, s in zip(results, specs, strict=True)
        ]
        if fmt is WorkFormat.json:
            emit(comparison_json(labels, results))
            return
        _grid(HEADERS, comparison_rows(labels, results))


@app.command(
    epilog="Examples:  cnncalc check sheets/lecture5.yaml  |  "
    "cnncalc check sheets/lecture5.yaml --format json",
)
def check(
    sheet: Annotated[
        str,
        typer.Argument(
            metavar="SHEET",
            show_default=False,
            help="A YAML homework sheet: questions and answers.",
        ),
    ],
    fmt: Annotated[
        WorkFormat, typer.Option("--format", "-f", help="text (table and working) or json.")
    ] = WorkFormat.text,
    allow_outside: Annotated[
        bool,
        typer.Option(
            "--allow-outside",
            help="Let questions read spec files outside the sheet's folder (../, absolute "
            "paths, links out).",
        ),
    ] = False,
) -> None:
    """Grade a homework sheet: right or wrong per question, the graded layer, the correct
    values, the likely mistakes and the working for every wrong answer. Exit code 1 when
    any is wrong.

    A sheet is YAML: an optional title and a list of questions. Each question has ask
    (output, params, params_nonshared, params_fc, macs, activations, rf or jump) and
    answer, optionally id and question (its text), and either input and layer (a layer as
    a YAML spec writes it: input: 5x5x3, layer: {conv: {filters: 5, kernel: 3}}) or spec
    (a spec file in the sheet's folder, or grammar text) with optionally layer: the name
    or 1-based index of the layer to grade, the last by default (at is an older spelling
    of it). Unknown keys and keys that conflict (input with spec, layer with at) are
    refused with their line. Answers may be written 34944, 34,944, 34 944, 5x5x3, 5X5X3 or
    (5, 5, 3). The whole format: docs/sheets.md."""
    with _reporting():
        from cnncalc.rendering.sheet import SHEET_HEADERS, sheet_json, sheet_rows, sheet_summary
        from cnncalc.teach.sheet import check_sheet

        graded = check_sheet(sheet, allow_outside)
        if fmt is WorkFormat.json:
            emit(sheet_json(graded))
        else:
            if graded.title:
                from cnncalc.rendering.cells import visible

                emit(visible(graded.title) + "\n")
            _grid(SHEET_HEADERS, sheet_rows(graded))
            emit(sheet_summary(graded))
        if not graded.all_right:
            raise typer.Exit(1)


@app.command(
    epilog="Examples:  cnncalc kinds  |  cnncalc kinds conv",
)
def kinds(
    word: Annotated[
        str | None,
        typer.Argument(
            metavar="[KIND]", show_default=False, help="Show one kind (any alias works)."
        ),
    ] = None,
) -> None:
    """The layer kinds both spec formats know: aliases, keys (with their aliases) and
    defaults, positional arguments in grammar order."""
    with _reporting():
        from cnncalc.kinds import KINDS, lookup_kind
        from cnncalc.rendering.kinds import kinds_text
        from cnncalc.spec import NoOrigin

        emit(kinds_text([lookup_kind(word, NoOrigin())] if word else KINDS))


def _grid(headers: list[str], rows: list[list[str]]) -> None:
    """A table of text cells: styled on a terminal, plain text elsewhere."""
    if on_terminal(None):
        from cnncalc.rendering.table import print_grid

        with writing_stdout():
            print_grid(headers, rows, terminal_console(highlight=False, soft_wrap=False))
        return
    from cnncalc.rendering.plain import SHORTENED_NOTE, align

    grid = align(headers, rows, [i >= 2 for i in range(len(headers))])
    note = [SHORTENED_NOTE] if grid.shortened else []
    emit("".join(f"{line}\n" for line in (grid.header, grid.rule, *grid.rows, *note)))


STYLED_TABLE_LIMIT = 2_000
"""Above this many layers a terminal gets the table unstyled: no one reads the styles of
thousands of rows, and rich takes about 17 us a line for them."""


def _write_result(
    result: "NetworkResult",
    fmt: OutputFormat,
    output: Path | None,
    columns: "tuple[Column, ...] | None" = None,
) -> None:
    """A summary in the chosen format: the table styled by rich on a terminal, every
    format streamed as plain text to pipes and files; ``columns`` for the table and
    markdown (None: the default ones; on a terminal those fit its width)."""
    if (
        fmt is OutputFormat.table
        and on_terminal(output)
        and len(result.layers) <= STYLED_TABLE_LIMIT
    ):
        from cnncalc.rendering.table import print_table

        with writing_stdout():
            print_table(result, terminal_console(highlight=False), columns)
        return
    if columns is not None and fmt is OutputFormat.table:
        from cnncalc.rendering.plain import plain_lines

        emit((f"{line}\n" for line in plain_lines(result, columns)), output)
        return
    if columns is not None and fmt is OutputFormat.markdown:
        from cnncalc.rendering.markdown import render_markdown

        emit(render_markdown(result, columns), output)
        return
    from cnncalc.api import render_chunks

    emit(render_chunks(result, fmt.value), output)


def _parse_sets(values: list[str]) -> dict[str, int]:
    """``--set N=2`` options as variables."""
    out: dict[str, int] = {}
    for item in values:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise CnnCalcError(f"--set takes NAME=INTEGER (e.g. --set N=2), got '{item}'")
        text = value.strip()
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise CnnCalcError(f"--set {name}: '{shown}' is not a whole number")
        if len(text.lstrip("+-")) > MAX_DIGITS:
            raise CnnCalcError(
                f"--set {name}: the value has {len(text.lstrip('+-')):,} digits; cnncalc "
                f"reads whole numbers of at most {MAX_DIGITS} digits"
            )
        number = int(text)
        out[name] = number
    return out


def _parse_defaults(values: list[str]) -> dict[str, object]:
    """``--default conv.padding=1`` options as defaults."""
    out: dict[str, object] = {}
    for item in values:
        target, sep, value = item.partition("=")
        kind, dot, key = target.strip().partition(".")
        if not sep or not dot or not kind.strip() or not key.strip():
            raise CnnCalcError(
                f"--default takes KIND.KEY=VALUE (e.g. --default conv.padding=1), got '{item}'"
            )
        out[target.strip()] = value.strip()
    return out


def _options(
    sets: list[str] | None,
    defaults: list[str] | None,
    optional: bool,
    max_layers: int,
    input_size: str | None,
) -> Options:
    """The loading options the shared command-line options give."""
    if max_layers < 1:
        raise CnnCalcError(f"--max-layers must be positive, got {max_layers}")
    return Options(
        _parse_sets(sets or []), _parse_defaults(defaults or []), optional, max_layers, input_size
    )


@contextmanager
def _reporting() -> Iterator[None]:
    """:func:`cnncalc.cli.io.reporting`, leaving typer's own exits alone."""
    with reporting(passthrough=(typer.Exit, typer.Abort)):
        yield


def _version(value: bool) -> None:
    if value:
        emit(f"cnncalc {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """A calculator for convolutional neural networks."""


class DrawStyle(StrEnum):
    """Drawing styles of draw."""

    graph = "graph"
    blocks = "blocks"


class DrawFormat(StrEnum):
    """Output formats of draw."""

    svg = "svg"
    dot = "dot"
    tikz = "tikz"


@app.command(
    epilog="Examples:  cnncalc draw specs/resnet18.yaml --depth 2 -o /tmp/resnet18.svg  |  "
    "cnncalc draw specs/alexnet.yaml --style blocks -o /tmp/alexnet.svg  |  "
    "cnncalc draw specs/lenet5.yaml --rf C3 --format tikz",
)
def draw(
    spec: SpecArg,
    style: Annotated[
        DrawStyle,
        typer.Option(
            "--style", help="graph (one box per layer) or blocks (feature maps as boxes)."
        ),
    ] = DrawStyle.graph,
    fmt: Annotated[
        DrawFormat,
        typer.Option("--format", "-f", help="svg, dot (Graphviz; graph style) or tikz (LaTeX)."),
    ] = DrawFormat.svg,
    rf: Annotated[
        str | None,
        typer.Option(
            "--rf",
            metavar="LAYER",
            help="Draw the receptive field of one unit of LAYER on the input grid instead.",
            show_default=False,
        ),
    ] = None,
    sets: SetOpt = [],  # noqa: B006 (typer reads the default; it is never mutated)
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    input_size: InputOpt = None,
    depth: Annotated[
        int,
        typer.Option(
            "--depth",
            metavar="N",
            help="Draw each block nested deeper than N levels of dotted names as one box.",
        ),
    ] = 0,
    output: OutputOpt = None,
) -> None:
    """Draw the network as SVG, DOT or TikZ text: its graph, its feature maps as blocks,
    or the receptive field of one layer."""
    with _reporting():
        from cnncalc.api import evaluate
        from cnncalc.loader import parse_source
        from cnncalc.rendering.drawing import draw_chunks

        options = _options(sets, defaults, optional, max_layers, input_size)
        result = evaluate(parse_source(spec_source(spec), options))
        if depth < 0:
            raise CnnCalcError(f"must be 0 or more, got {depth}", option="depth")
        emit(draw_chunks(result, style.value, fmt.value, rf, depth), output)


def _solve_spec(
    spec: str, axis: str | None, size_range: str | None, near: int | None, strict: bool
) -> None:
    """``solve --spec``: which input sizes a whole network accepts along one axis."""
    from cnncalc.loader import parse_source
    from cnncalc.options import Options
    from cnncalc.rendering.solve import valid_inputs_text
    from cnncalc.teach.inputs import parse_range, valid_inputs

    if near is not None and near < 1:
        raise CnnCalcError(f"an input size is 1 or more, got {near}", option="near")
    net = parse_source(spec_source(spec), Options())
    bounds = parse_range(size_range) if size_range is not None else None
    answer = valid_inputs(net, axis if axis is not None else 0, bounds, strict)
    emit(valid_inputs_text(answer, near, size_range is not None))
    if answer.failure is not None:
        raise typer.Exit(1)


class ExportTarget(StrEnum):
    """Frameworks export writes code for."""

    pytorch = "pytorch"
    keras = "keras"


@app.command(
    epilog="Examples:  cnncalc export specs/resnet18.yaml --to pytorch  |  "
    "cnncalc export specs/vgg16.yaml --to keras",
)
def export(
    spec: SpecArg,
    to: Annotated[
        ExportTarget,
        typer.Option("--to", help="pytorch (an nn.Module) or keras (a functional model)."),
    ] = ExportTarget.pytorch,
    sets: SetOpt = [],  # noqa: B006
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    input_size: InputOpt = None,
    output: OutputOpt = None,
) -> None:
    """Write the network as runnable model code: PyTorch (sequential parts as
    nn.Sequential, blocks as submodules with their names) or Keras (a functional model).
    What the framework lacks (TF 'same' padding at stride > 1, asymmetric padding, Caffe
    rounding) becomes an explicit pad layer with a comment; what it cannot express is
    refused with the layer and the reason."""
    with _reporting():
        from cnncalc.api import evaluate
        from cnncalc.loader import parse_source

        options = _options(sets, defaults, optional, max_layers, input_size)
        network = parse_source(spec_source(spec), options)
        result = evaluate(network)
        if to is ExportTarget.pytorch:
            from cnncalc.interop.export_pytorch import export_pytorch

            text = export_pytorch(network, result).text
        else:
            from cnncalc.interop.export_keras import export_keras

            text = export_keras(network, result)
        emit(text, output)


@app.command(
    epilog="Examples:  cnncalc verify specs/lenet5.yaml  |  "
    "cnncalc verify specs/resnet18.yaml --input 64x64x3",
)
def verify(
    spec: SpecArg,
    sets: SetOpt = [],  # noqa: B006
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    input_size: InputOpt = None,
) -> None:
    """Check cnncalc's figures against PyTorch (needs pip install 'cnncalc[torch]'):
    build the exported model, run it once on zeros at the spec's input, and compare every
    layer's output shape, parameters and conv/fc MACs. Prints the differences; exit code
    1 when there is any."""
    with _reporting():
        from cnncalc.api import evaluate
        from cnncalc.interop.verify import verification_text
        from cnncalc.interop.verify import verify as check_against_torch
        from cnncalc.loader import parse_source

        options = _options(sets, defaults, optional, max_layers, input_size)
        network = parse_source(spec_source(spec), options)
        result = evaluate(network)
        check = check_against_torch(network, result)
        if not check.differences:
            emit(verification_text(network.name or "the network", check, result))
            return
        _grid(
            ["layer", "quantity", "cnncalc", f"PyTorch {check.version}"],
            [list(d) for d in check.differences],
        )
        emit(f"{len(check.differences)} differences\n")
        raise typer.Exit(1)


@app.command(
    name="import",
    epilog="Examples:  cnncalc import tests/fixtures/onnx/resnet.onnx  |  "
    "cnncalc import tests/fixtures/onnx/dynamic.onnx --input 20x20x3  |  "
    "cnncalc summarize tests/fixtures/keras/mnist_convnet_keras3.json",
)
def import_command(
    model: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="An ONNX model (.onnx), a Keras model JSON (model.to_json()) or a Keras 3 "
            ".keras archive.",
            show_default=False,
        ),
    ],
    output: OutputOpt = None,
    input_size: Annotated[
        str | None,
        typer.Option(
            "--input",
            metavar="HxWxC",
            help="The input size, where the model's is dynamic (or to replace it).",
            show_default=False,
        ),
    ] = None,
    skip_unknown: Annotated[
        bool,
        typer.Option(
            "--skip-unknown",
            help="Go on past operators cnncalc cannot model, counting them as zero "
            "(listed in the spec's comments and on standard error).",
        ),
    ] = False,
) -> None:
    """Write a model from ONNX or Keras as a readable cnncalc YAML spec.

    Layer names come from the model; repeated chains become 'repeat'. Nothing in the
    file is run. Every operator cnncalc cannot model is listed, as an error unless
    --skip-unknown.
    """
    with _reporting():
        from cnncalc.cli.io import note_input, say
        from cnncalc.engine import evaluate
        from cnncalc.loader import import_file

        imported = import_file(model, input=input_size, skip_unknown=skip_unknown)
        note_input(model)
        if imported.input_size is None:
            raise CnnCalcError(
                f"{model}: the model's input size is dynamic; give it with --input HxWxC",
                option="input",
            )
        evaluate(imported.spec())  # a spec that loads and runs, or an error and no file
        if imported.unknown:
            say(
                f"note: {len(imported.unknown)} operator(s) counted as zero (--skip-unknown): "
                + "; ".join(u.describe() for u in imported.unknown[:10])
                + "\n"
            )
        emit(imported.text, output)


class SweepFormat(StrEnum):
    """Output formats of sweep."""

    table = "table"
    json = "json"
    csv = "csv"


@app.command(
    name="sweep",
    epilog="Examples:  cnncalc sweep specs/lecture-pattern.cnn --set N=1..4 --set M=1,2,3 "
    "--set K=1 --default conv.filters=32 --default conv.padding=1 --default fc.units=128  |  "
    "cnncalc sweep specs/resnet50.yaml --input 224x224x3,320x320x3 -f csv  |  "
    'cnncalc sweep specs/lecture-pattern.yaml --set N=1..4 --where "params < 5e6"  |  '
    "cnncalc sweep specs/lecture-pattern.yaml --set N=1..4 --plot params",
)
def sweep_command(
    spec: SpecArg,
    sets: Annotated[
        list[str],
        typer.Option(
            "--set",
            metavar="NAME=VALUES",
            help="Values of a variable: 1..4, 1,2,3 or both (1..3,8); every combination "
            f"is evaluated, at most {10_000:,} in all.",
            show_default=False,
        ),
    ] = [],  # noqa: B006
    inputs: Annotated[
        list[str],
        typer.Option(
            "--input",
            metavar="HxWxC,...",
            help="Input sizes to sweep, split by commas: 32x32x3,224x224x3.",
            show_default=False,
        ),
    ] = [],  # noqa: B006
    where: Annotated[
        str | None,
        typer.Option(
            "--where",
            metavar="CONDITION",
            help="Keep the rows where it holds: params < 5e6 and macs <= 1.5G (names: the "
            "JSON totals and the variables; and, or, not, parentheses).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        SweepFormat, typer.Option("--format", "-f", help="table, json or csv.")
    ] = SweepFormat.table,
    count: Annotated[
        str,
        typer.Option("--count", metavar="PROFILE", help="What MACs count, as for summarize."),
    ] = "torchvision",
    dtype: Annotated[
        str, typer.Option("--dtype", help="Element type for memory, as for summarize.")
    ] = "float32",
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    plot: Annotated[
        str | None,
        typer.Option(
            "--plot",
            metavar="FIGURE",
            help="Write an SVG plot of FIGURE (params, macs, ...) against a variable instead.",
            show_default=False,
        ),
    ] = None,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            metavar="VAR",
            help="The variable on the plot's x axis (default: the first --set).",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Evaluate a spec for every combination of variable values and input sizes: one row
    of totals (parameters, MACs, activations, inference peak, memory) and the final
    receptive field per combination."""
    with _reporting():
        from cnncalc.sweeps import sweep_source

        values: dict[str, str] = {}
        for item in sets:
            name, sep, text = item.partition("=")
            if not sep or not name.strip().isidentifier():
                raise CnnCalcError(f"--set takes NAME=VALUES (e.g. --set N=1..4), got '{item}'")
            values[name.strip()] = text
        options = _options([], defaults, optional, max_layers, None)
        sizes = [part for item in inputs for part in item.split(",")] or None
        result = sweep_source(spec_source(spec), values, sizes, where, count, dtype, options)
        if plot is not None:
            from cnncalc.rendering.scene import render_svg
            from cnncalc.rendering.sweep_plot import sweep_scene

            emit(render_svg(sweep_scene(result, plot, against)), output)
            return
        if fmt is SweepFormat.json:
            from cnncalc.rendering.sweep import sweep_json

            emit(sweep_json(result), output)
        elif fmt is SweepFormat.csv:
            from cnncalc.rendering.sweep import sweep_csv

            emit(sweep_csv(result), output)
        else:
            from cnncalc.rendering.sweep import sweep_headers, sweep_note, sweep_rows

            headers = sweep_headers(result)
            if output is not None or not on_terminal(None):
                from cnncalc.rendering.plain import align

                grid = align(headers, sweep_rows(result), [h != "input" for h in headers])
                lines = (grid.header, grid.rule, *grid.rows)
                emit("".join(f"{line}\n" for line in lines) + sweep_note(result), output)
                return
            _grid(sweep_headers(result), sweep_rows(result))
            emit(sweep_note(result))


@app.command(
    name="schema",
    epilog="Examples:  cnncalc schema summarize  |  cnncalc schema",
)
def schema_command(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="[summarize|compare|check|sweep|work|memory]",
            show_default=False,
            help="The command whose JSON output to describe (work: conv, local, pool, fc "
            "and explain); all of them when left out.",
        ),
    ] = None,
) -> None:
    """Print the JSON Schema (draft 2020-12) of a command's JSON output. Every document
    carries schema_version; counts are integers, or null with their text under *_expr."""
    with _reporting():
        import json

        from cnncalc.schemas import NAMES, schema

        data = schema(name) if name is not None else {n: schema(n) for n in NAMES}
        emit(json.dumps(data, indent=2) + "\n")


class MemoryFormat(StrEnum):
    """Output formats of memory."""

    table = "table"
    json = "json"


@app.command(
    name="memory",
    epilog="Examples:  cnncalc memory specs/resnet50.yaml --budget 8GiB  |  "
    "cnncalc memory specs/resnet50.yaml --optimizer adam --batch 32 --dtype float16 "
    "--master-dtype float32  |  cnncalc memory specs/alexnet.yaml --dtype int4 -f json",
)
def memory_command(
    spec: SpecArg,
    batch: Annotated[
        int, typer.Option("--batch", metavar="N", help="Samples per step (inference and training).")
    ] = 1,
    optimizer: Annotated[
        str,
        typer.Option(
            "--optimizer",
            metavar="NAME",
            help="sgd (no state), momentum (1 value per parameter) or adam (2).",
        ),
    ] = "sgd",
    dtype: Annotated[
        str,
        typer.Option(
            "--dtype",
            metavar="DTYPE",
            help="Type of weights, gradients and activations: float32, float16, bfloat16, "
            "float64, int8 or int4 (half a byte per value, rounded up per tensor).",
        ),
    ] = "float32",
    master_dtype: Annotated[
        str | None,
        typer.Option(
            "--master-dtype",
            metavar="DTYPE",
            help="Mixed precision: a master copy of the weights and the optimizer state in "
            "this wider type (--dtype float16 --master-dtype float32).",
            show_default=False,
        ),
    ] = None,
    in_place: Annotated[
        bool,
        typer.Option(
            "--in-place", help="Activations write over their input (PyTorch's inplace=True)."
        ),
    ] = False,
    budget: Annotated[
        str | None,
        typer.Option(
            "--budget",
            metavar="SIZE",
            help="Memory available (8GiB, 16GB, 512MiB or bytes): does it fit, and the "
            "largest batch that does.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        MemoryFormat, typer.Option("--format", "-f", help="table (text) or json.")
    ] = MemoryFormat.table,
    sets: SetOpt = [],  # noqa: B006
    defaults: DefaultOpt = [],  # noqa: B006
    optional: OptionalOpt = True,
    max_layers: MaxLayersOpt = MAX_LAYERS,
    input_size: InputOpt = None,
    output: OutputOpt = None,
) -> None:
    """Will it fit? Inference memory (the peak of tensors alive at once, where, and what
    is alive there) and training memory (parameters, gradients, optimizer state, master
    weights and saved activations, each with its assumption), for a batch, a dtype and
    an optional budget."""
    with _reporting():
        from cnncalc.api import evaluate
        from cnncalc.engine.memory import memory_report, parse_budget
        from cnncalc.loader import parse_source
        from cnncalc.rendering.memory import memory_json, memory_text

        budget_bytes = None if budget is None else parse_budget(budget)
        options = _options(sets, defaults, optional, max_layers, input_size)
        result = evaluate(parse_source(spec_source(spec), options))
        report = memory_report(
            result, batch, optimizer, dtype, master_dtype, in_place, budget_bytes
        )
        if fmt is MemoryFormat.json:
            emit(memory_json(result, report), output)
        else:
            emit(memory_text(result, report), output)
