"""Worked derivations: each quantity of a layer as formula, numbers substituted, result.

The numbers come from :mod:`cnncalc.engine.formulas` (the same functions the engine
uses), so a derivation can never disagree with the summary; this module only writes
them out the way a lecture does: ``floor((11 + 2*1 - 2*(3-1) - 1)/2) + 1 = 5``.
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

from cnncalc.engine import formulas as f
from cnncalc.record import record, replace
from cnncalc.results import AxisField, LayerResult, Shape, json_number
from cnncalc.spec import (
    AXIS_NAMES,
    AdaptivePool,
    Add,
    Conv,
    ConvTranspose,
    Dense,
    DepthwiseConv,
    GlobalPool,
    LayerSpec,
    Merge,
    Multiply,
    Pool,
    is_merge,
)
from cnncalc.symbolic import Count, quotient_text, ratio_text

if TYPE_CHECKING:
    from fractions import Fraction


@record
class Step:
    """One line of working: a quantity, its formula, the numbers put in, the result."""

    quantity: str
    formula: str
    substituted: str
    result: Count | float | str


@record
class Source:
    """One input of a merge: the layer's name, its output and its receptive field."""

    name: str
    shape: Shape
    rf: tuple[AxisField, ...]


@record
class Derivation:
    """The working for one layer."""

    title: str
    steps: tuple[Step, ...]


def _n(value: Count) -> str:
    return f"{value:,}" if isinstance(value, int) else value.pretty()


def _exact(value: int | float | Fraction) -> Count | float | str:
    """A number as it is; a fraction (after upsampling) as ``a/b``."""
    return json_number(value)


def _axis_names(dims: int) -> tuple[str, ...]:
    return AXIS_NAMES.get(dims, tuple(str(i) for i in range(dims)))


def _size_step(
    axis: str, n: int, k: int, s: int, pl: int, pr: int, d: int, ceil_mode: bool | str
) -> Step:
    """``floor((n + 2p - d*(k-1) - 1)/s) + 1`` for one axis, as PyTorch computes it."""
    pad = f"2*{pl}" if pl == pr else f"{pl} + {pr}"
    pad_formula = "2p" if pl == pr else "p_left + p_right"
    rounding = "ceil" if ceil_mode else "floor"
    formula = f"{rounding}((n + {pad_formula} - d*(k-1) - 1)/s) + 1"
    numerator = n + pl + pr - d * (k - 1) - 1
    inner = f"({n} + {pad} - {d}*({k}-1) - 1)/{s}"
    out = f.pool_output_length(n, k, s, pl, pr, d, ceil_mode)
    text = f"{rounding}({inner}) + 1 = {rounding}({numerator}/{s}) + 1"
    if numerator % s:
        text += f" = {rounding}({quotient_text(numerator, s)}) + 1"
    raw = (-(-numerator // s) if ceil_mode else numerator // s) + 1
    if raw != out:
        text += (
            f" = {raw}, less 1: the last window would start at {(raw - 1) * s}, past "
            f"the input and left padding ({n} + {pl})"
        )
    return Step(f"output {axis}", formula, text, out)


def _same_steps(
    names: tuple[str, ...],
    size: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> list[Step]:
    steps = []
    for axis, n, k, s, d in zip(names, size, kernel, stride, dilation, strict=True):
        left, right = f.same_padding(n, k, s, d)
        out = -(-n // s)
        total = left + right
        steps.append(
            Step(
                f"padding 'same' {axis}",
                "total = max((ceil(n/s) - 1)*s + d*(k-1) + 1 - n, 0); left = floor(total/2)",
                f"max(({out} - 1)*{s} + {d}*({k}-1) + 1 - {n}, 0) = {total}: left {left}, "
                f"right {right}",
                f"{left}, {right}",
            )
        )
    return steps


def _window_steps(layer: LayerSpec, shape: Shape, result: LayerResult) -> list[Step]:
    op = layer.op
    assert isinstance(op, Conv | Pool)
    names = _axis_names(len(shape.size))
    assert result.window is not None
    pads = result.window.padding
    steps: list[Step] = []
    if op.padding.mode == "same":
        steps += _same_steps(names, shape.size, op.kernel, op.stride, op.dilation)
    ceil_mode: bool | str = isinstance(op, Pool) and op.ceil_mode
    for i, axis in enumerate(names):
        pl, pr = pads[i]
        steps.append(
            _size_step(
                axis, shape.size[i], op.kernel[i], op.stride[i], pl, pr, op.dilation[i], ceil_mode
            )
        )
    return steps


def _volume_step(output: Shape) -> Step:
    names = _axis_names(len(output.size))
    formula = " x ".join([*names, "C"]) if output.size else "units"
    numbers = " x ".join(str(v) for v in (*output.size, output.channels))
    return Step("output volume", formula, numbers, output.numel)


def _conv_steps(op: Conv, shape: Shape, result: LayerResult) -> list[Step]:
    names = _axis_names(len(shape.size))
    k_names = "*".join(f"k{a.lower()}" for a in names)
    k_values = "*".join(map(str, op.kernel))
    per_filter = shape.channels // op.groups * prod(op.kernel)
    c_in = "C_in/g" if op.groups > 1 else "C_in"
    c_in_value = f"{shape.channels}/{op.groups}" if op.groups > 1 else str(shape.channels)
    bias = " + 1" if op.bias else ""
    bias_formula = " + bias" if op.bias else ""
    shared = f.conv_params(shape.channels, op.filters, op.kernel, op.groups, op.bias)
    out_positions = "*".join(map(str, result.output.size))
    steps = [
        Step(
            "parameters (shared)",
            f"({c_in}*{k_names}{bias_formula}) * C_out",
            f"({c_in_value}*{k_values}{bias}) * {op.filters}",
            shared,
        ),
        Step(
            "parameters (no sharing)",
            f"({c_in}*{k_names}{bias_formula}) * C_out * " + "*".join(f"{a}_out" for a in names),
            f"({per_filter}{bias}) * {op.filters} * {out_positions}",
            result.params_nonshared or 0,
        ),
        Step(
            "parameters (fully connected)",
            f"(numel_in{bias_formula}) * numel_out",
            f"({_n(shape.numel)}{bias}) * {_n(result.output.numel)}",
            result.params_fc or 0,
        ),
    ]
    if shared:
        steps.append(
            Step(
                "ratios",
                "no sharing / shared; fully connected / shared",
                f"{_n(result.params_nonshared or 0)} / {_n(shared)}; "
                f"{_n(result.params_fc or 0)} / {_n(shared)}",
                f"{ratio_text(result.params_nonshared or 0, shared)}; "
                f"{ratio_text(result.params_fc or 0, shared)}",
            )
        )
    steps.append(
        Step(
            "MACs",
            f"numel_out * {c_in}*{k_names}",
            f"{_n(result.output.numel)} * {per_filter}",
            result.macs,
        )
    )
    return steps


def _conv_transpose_steps(
    op: ConvTranspose, shape: Shape, result: LayerResult, rf_in: tuple[AxisField, ...]
) -> list[Step]:
    """Output size per axis, parameters and MACs of a transposed convolution, and its
    receptive field as a step of stride 1/s (README, "Decoder layers")."""
    names = _axis_names(len(shape.size))
    steps = []
    for i, axis in enumerate(names):
        n, k, s, d = shape.size[i], op.kernel[i], op.stride[i], op.dilation[i]
        (pl, pr), o = op.padding.pairs[i], op.output_padding[i]
        pad = f"2*{pl}" if pl == pr else f"({pl} + {pr})"
        steps.append(
            Step(
                f"output {axis}",
                "(n - 1)*s - 2p + d*(k - 1) + output_padding + 1",
                f"({n} - 1)*{s} - {pad} + {d}*({k} - 1) + {o} + 1",
                f.conv_transpose_output_length(n, k, s, pl, pr, d, o),
            )
        )
    steps.append(_volume_step(result.output))
    c_out = "C_out/g" if op.groups > 1 else "C_out"
    c_out_value = f"{_n(op.filters)}/{op.groups}" if op.groups > 1 else _n(op.filters)
    k_values = "*".join(map(str, op.kernel))
    bias = f" + {_n(op.filters)}" if op.bias else ""
    steps.append(
        Step(
            "parameters",
            f"C_in*{c_out}*prod(k)" + (" + C_out" if op.bias else ""),
            f"{_n(shape.channels)}*{c_out_value}*{k_values}{bias}",
            result.params,
        )
    )
    steps.append(
        Step(
            "MACs",
            f"C_in*prod(n_in)*{c_out}*prod(k)",
            f"{_n(shape.channels)}*{'*'.join(map(str, shape.size))}*{c_out_value}*{k_values}",
            result.macs,
        )
    )
    for i, axis in enumerate(names if rf_in else ()):
        a, b = rf_in[i], result.receptive_field[i]
        k_eff = f.effective_kernel(op.kernel[i], op.dilation[i])
        s = op.stride[i]
        jump = str(a.jump) if isinstance(a.jump, int) else f"({a.jump})"
        steps.append(
            Step(
                f"receptive field {axis}",
                "r = r_in + (k_eff - 1)*j_in/s",
                f"{a.size} + ({k_eff} - 1)*{jump}/{s}",
                _exact(b.size),
            )
        )
        steps.append(Step(f"jump {axis}", "j = j_in/s", f"{jump}/{s}", _exact(b.jump)))
    return steps


def _dense_steps(op: Dense, shape: Shape, result: LayerResult) -> list[Step]:
    bias = " + 1" if op.bias else ""
    return [
        Step(
            "parameters",
            "(n_in + bias) * n_out" if op.bias else "n_in * n_out",
            f"({_n(shape.numel)}{bias}) * {op.units}",
            result.params,
        ),
        Step("MACs", "n_in * n_out", f"{_n(shape.numel)} * {op.units}", result.macs),
    ]


def _rf_steps(
    names: tuple[str, ...],
    before: tuple[AxisField, ...],
    after: tuple[AxisField, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pad_left: tuple[int, ...],
) -> list[Step]:
    steps = []
    for axis, a, b, k, s, p in zip(names, before, after, kernel, stride, pad_left, strict=True):
        steps.append(
            Step(
                f"receptive field {axis}",
                "r = r_in + (k_eff - 1)*j_in",
                f"{a.size} + ({k} - 1)*{a.jump}",
                _exact(b.size),
            )
        )
        steps.append(Step(f"jump {axis}", "j = j_in * s", f"{a.jump} * {s}", _exact(b.jump)))
        steps.append(
            Step(
                f"start {axis}",
                "start = start_in + ((k_eff - 1)/2 - p_left)*j_in",
                f"{a.start} + (({k} - 1)/2 - {p})*{a.jump}",
                _exact(b.start),
            )
        )
    return steps


def _steps_for_window(op: Conv | Pool, result: LayerResult) -> tuple[tuple[int, ...], ...]:
    assert result.window is not None
    k_eff = tuple(f.effective_kernel(k, d) for k, d in zip(op.kernel, op.dilation, strict=True))
    return k_eff, op.stride, tuple(p[0] for p in result.window.padding)


def _adaptive_windows(result: LayerResult) -> tuple[tuple[int, ...], tuple[int, ...]]:
    assert result.window is not None
    return result.window.kernel, result.window.stride


def _merge_steps(op: Merge, sources: tuple[Source, ...], result: LayerResult) -> list[Step]:
    """How add, multiply and concat combine their inputs, and the multi-path receptive field."""
    names = _axis_names(len(result.output.size))
    shapes = " = ".join(f"{s.shape.text()} ({s.name})" for s in sources)
    steps = []
    if isinstance(op, Add):
        steps.append(
            Step(
                "output",
                "every input has the same shape; so has the sum",
                shapes,
                result.output.text(),
            )
        )
    elif isinstance(op, Multiply):
        shapes = " * ".join(f"{s.shape.text()} ({s.name})" for s in sources)
        steps.append(
            Step(
                "output",
                "PyTorch's broadcasting: on each axis equal sizes, or 1 (repeated)",
                shapes,
                result.output.text(),
            )
        )
    else:
        channels = " + ".join(f"{_n(s.shape.channels)} ({s.name})" for s in sources)
        steps.append(
            Step("channels", "C = sum of the inputs' channels", channels, result.output.channels)
        )
    for i, axis in enumerate(names):
        sizes = ", ".join(f"{s.rf[i].size} ({s.name})" for s in sources)
        steps.append(
            Step(
                f"receptive field {axis}",
                "r = the largest over the paths",
                f"max({sizes})",
                _exact(result.receptive_field[i].size),
            )
        )
    return steps


def derive(
    layer: LayerSpec,
    shape: Shape,
    result: LayerResult,
    rf_in: tuple[AxisField, ...] | None = None,
    sources: tuple[Source, ...] = (),
) -> Derivation:
    """The working for one evaluated layer, from its input shape and its result.

    ``rf_in`` is the receptive field of the layer's input (the previous layer's), when
    the layer sits in a network; a lone layer starts from the input itself.
    """
    if isinstance(layer.op, DepthwiseConv) and isinstance(shape.channels, int):
        layer = replace(layer, op=layer.op.as_conv(shape.channels))  # worked as the conv it is
    op = layer.op
    names = _axis_names(len(shape.size))
    if rf_in is None:
        rf_in = tuple(AxisField(1, 1, 0) for _ in shape.size)
    steps: list[Step] = []
    dilation_note = ""
    if isinstance(op, ConvTranspose):
        steps += _conv_transpose_steps(op, shape, result, rf_in)
        return Derivation(f"layer {result.index} ({result.name}): {layer.kind}", tuple(steps))
    if isinstance(op, Conv | Pool):
        steps += _window_steps(layer, shape, result)
        if any(d > 1 for d in op.dilation):
            spans = [f.effective_kernel(k, d) for k, d in zip(op.kernel, op.dilation, strict=True)]
            shown = str(spans[0]) if len(set(spans)) == 1 else "x".join(map(str, spans))
            dilation_note = f"; effective kernel d*(k-1) + 1 = {shown}"
    steps.append(_volume_step(result.output))
    if isinstance(op, Conv):
        steps += _conv_steps(op, shape, result)
    elif isinstance(op, Dense):
        steps += _dense_steps(op, shape, result)
    elif result.params:
        steps.append(Step("parameters", "as the layer kind defines", layer.kind, result.params))
    if isinstance(op, Conv | Pool) and rf_in:
        k_eff, stride, pad_left = _steps_for_window(op, result)
        steps += _rf_steps(names, rf_in, result.receptive_field, k_eff, stride, pad_left)
    elif isinstance(op, GlobalPool | AdaptivePool) and rf_in:
        kernel, stride = shape.size, shape.size
        if isinstance(op, AdaptivePool):
            kernel, stride = _adaptive_windows(result)
        steps += _rf_steps(
            names, rf_in, result.receptive_field, kernel, stride, tuple(0 for _ in names)
        )
    if is_merge(op) and sources:
        steps = _merge_steps(op, sources, result) + steps
    title = f"layer {result.index} ({result.name}): {layer.kind}{dilation_note}"
    return Derivation(title, tuple(steps))
