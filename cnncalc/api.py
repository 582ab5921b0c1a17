"""The library's front door: load or parse a spec, evaluate it, render the result.

::

    import cnncalc
    net = cnncalc.load("specs/resnet18.yaml", variables={"N": 2}, input="320x320x3")
    result = cnncalc.evaluate(net, dtype="float16")
    print(result.totals.params, result.layers[1].output)
    print(cnncalc.render(result, "markdown"))
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Literal

from cnncalc.options import MAX_LAYERS, Options
from cnncalc.record import replace
from cnncalc.speed import collector_paused

if TYPE_CHECKING:
    from cnncalc.loader import Format
    from cnncalc.results import NetworkResult
    from cnncalc.spec import NetworkSpec
    from cnncalc.sweeps import Sweep
    from cnncalc.teach.inputs import ValidInputs

RenderFormat = Literal["table", "json", "csv", "markdown", "html", "latex"]
RENDER_FORMATS: tuple[RenderFormat, ...] = ("table", "json", "csv", "markdown", "html", "latex")


def _options(
    options: Options | None,
    variables: Mapping[str, int] | None,
    defaults: Mapping[str, object] | None,
    optional: bool | None,
    max_layers: int | None,
    input: str | None,
) -> Options:
    base = options or Options()
    changes: dict[str, object] = {}
    if variables is not None:
        changes["variables"] = dict(variables)
    if defaults is not None:
        changes["defaults"] = dict(defaults)
    if optional is not None:
        changes["optional"] = optional
    if max_layers is not None:
        changes["max_layers"] = max_layers
    if input is not None:
        changes["input"] = input
    return replace(base, **changes) if changes else base


def load(
    path: str | os.PathLike[str],
    *,
    format: Format | None = None,
    options: Options | None = None,
    variables: Mapping[str, int] | None = None,
    defaults: Mapping[str, object] | None = None,
    optional: bool | None = None,
    max_layers: int | None = None,
    input: str | None = None,
) -> NetworkSpec:
    """Read a spec file (YAML or grammar, by its suffix or content) into a network.

    The keywords override ``options`` (see :class:`cnncalc.Options`). Raises
    InputFileError when the file cannot be read, SpecError (GrammarError for grammar
    text) naming the place of anything wrong in it, LimitError past a safety limit;
    all are CnnCalcError.
    """
    from cnncalc.loader import parse_source, read_file

    chosen = _options(options, variables, defaults, optional, max_layers, input)
    return parse_source(read_file(path, format), chosen)


def parse(
    text: str,
    format: Format = "grammar",
    *,
    name: str = "<text>",
    options: Options | None = None,
    variables: Mapping[str, int] | None = None,
    defaults: Mapping[str, object] | None = None,
    optional: bool | None = None,
    max_layers: int | None = None,
    input: str | None = None,
) -> NetworkSpec:
    """Parse spec text (``"grammar"`` by default, or ``"yaml"``) into a network; ``name``
    is shown in messages. Raises as :func:`load` does (never InputFileError)."""
    from cnncalc.loader import parse_source, text_source

    chosen = _options(options, variables, defaults, optional, max_layers, input)
    return parse_source(text_source(text, format, name), chosen)


def evaluate(spec: NetworkSpec, dtype: str = "float32") -> NetworkResult:
    """Every layer's output size, parameters, receptive field, MACs and activations, and
    the totals; memory in ``dtype`` (float32, float16, bfloat16, float64, int8, ...).
    Raises SpecError for a layer that cannot run on its input (naming the layer) and
    CnnCalcError for an unknown dtype."""
    from cnncalc.engine import evaluate as evaluate_spec
    from cnncalc.rendering import notebook  # noqa: F401  (results show in notebooks)

    with collector_paused():
        return evaluate_spec(spec, dtype)


def view(
    result: NetworkResult,
    *,
    count: str = "torchvision",
    include: str | None = None,
    breakdown: bool = False,
    depth: int = 0,
    batch: int = 1,
    layout: str = "hwc",
    style: str = "cnncalc",
    warnings: str = "summary",
) -> NetworkResult:
    """``result`` as a summary shows it (what ``cnncalc summarize`` renders): MACs counted
    under ``count`` (``torchvision``, a peer's profile, or ``custom`` with the ``include``d
    classes, e.g. ``"bias,bn"``) and their per-class ``breakdown``; each block nested
    deeper than ``depth`` dotted levels as one row (0: every layer); counts for ``batch``
    samples; shapes written in ``layout`` (``hwc``, ``nchw``, ``nhwc``); the footer
    ``style``'s tool prints (``torchinfo``, ``keras``, ``torchsummary``); warnings as
    ``warnings`` says (``summary``, ``all``, ``none``). Raises CnnCalcError for an unknown
    profile, class, layout, style or warnings mode, or a batch or depth out of range."""
    from cnncalc.errors import CnnCalcError
    from cnncalc.rendering.cells import WARNING_MODES, with_warnings
    from cnncalc.rendering.styles import check_style, footer_of
    from cnncalc.results import batched, check_view, collapse_blocks

    check_view(batch, layout)
    check_style(style)
    if depth < 0:
        raise CnnCalcError(f"must be 0 or more, got {depth}", option="depth")
    if warnings not in WARNING_MODES:
        raise CnnCalcError(
            f"unknown warnings mode '{warnings}'; known: {', '.join(WARNING_MODES)}",
            option="warnings",
        )
    footer = footer_of(result, style, batch)  # the tool's rule: every layer, one sample
    if count != "torchvision" or breakdown or include is not None:
        from cnncalc.engine.counting import counted_as

        result = counted_as(result, count, breakdown, include)
    if depth:
        result = collapse_blocks(result, depth)
    result = batched(result, batch)._replace(layout=layout, footer=footer)
    return with_warnings(result, warnings)


def render(result: NetworkResult, format: RenderFormat = "table") -> str:
    """The result as text: ``table`` (aligned plain text), ``json``, ``csv``,
    ``markdown``, ``html`` (a self-contained report) or ``latex`` (a booktabs table).
    Raises CnnCalcError for an unknown format."""
    return "".join(render_chunks(result, format))


def render_chunks(result: NetworkResult, format: RenderFormat = "table") -> Iterator[str]:
    """:func:`render` in pieces, so a long network can be written out as it goes."""
    if format == "json":
        from cnncalc.rendering.data import json_chunks

        return json_chunks(result)
    if format == "csv":
        from cnncalc.rendering.data import render_csv

        return iter([render_csv(result)])
    if format == "markdown":
        from cnncalc.rendering.markdown import render_markdown

        return iter([render_markdown(result)])
    if format == "html":
        from cnncalc.rendering.report import html_chunks

        return html_chunks(result)
    if format == "latex":
        from cnncalc.rendering.latex import render_latex

        return iter([render_latex(result)])
    if format == "table":
        from cnncalc.rendering.plain import plain_lines

        return (f"{line}\n" for line in plain_lines(result))
    from cnncalc.errors import CnnCalcError

    raise CnnCalcError(
        f"unknown output format '{format}'; use {', '.join(RENDER_FORMATS)}", option="format"
    )


def valid_inputs(
    net: NetworkSpec,
    axis: str | int,
    range: tuple[int, int] | None = None,
    strict: bool = False,
) -> ValidInputs:
    """The input sizes along ``axis`` (``"H"``, ``"W"``, ... or an index) for which the
    whole network runs, the other axes as the spec gives them: ``.closed`` the closed
    form (``start``, ``period``, ``residues``, ``extra``; ``n in .closed``), ``.sizes``
    the valid sizes in ``range`` (LOW, HIGH; default 1..1024, at most 1,000,000 sizes),
    ``.output(n)`` the output size one gives, ``.nearest(n)``, and ``.failure`` naming
    the layer that makes every size fail when none works. ``strict`` also refuses sizes
    where a floor leaves input rows unseen. Raises LimitError for a range too long."""
    from cnncalc.teach.inputs import valid_inputs as solve

    with collector_paused():
        return solve(net, axis, range, strict)


def sweep(
    path: str | os.PathLike[str] | None = None,
    *,
    text: str | None = None,
    format: Format | None = None,
    values: Mapping[str, Iterable[int] | str] | None = None,
    inputs: Iterable[str] | str | None = None,
    where: str | None = None,
    count: str = "torchvision",
    dtype: str = "float32",
    options: Options | None = None,
) -> Sweep:
    """Evaluate a spec (a file at ``path``, or ``text``) for every combination of
    variable values and input sizes: one typed row of totals per combination.

    ``values`` maps a variable to its values (``{"N": "1..4", "M": [1, 2]}``);
    ``inputs`` lists input sizes (``"32x32x3,224x224x3"``; None keeps the spec's);
    ``where`` keeps the rows a condition holds for (``"params < 5e6"``); ``count`` is
    the MACs' counting profile. Raises LimitError past the sweep's bounds and what
    :func:`load` and :func:`evaluate` raise.
    """
    from cnncalc.errors import CnnCalcError
    from cnncalc.loader import read_file, text_source
    from cnncalc.sweeps import sweep_source

    if (path is None) == (text is None):
        raise CnnCalcError("give a spec path or text, not both or neither", option="path")
    source = read_file(path, format) if path is not None else text_source(text or "", format)
    return sweep_source(source, values, inputs, where, count, dtype, options)


__all__ = [
    "MAX_LAYERS",
    "RENDER_FORMATS",
    "Options",
    "evaluate",
    "load",
    "parse",
    "render",
    "render_chunks",
    "sweep",
    "valid_inputs",
]
