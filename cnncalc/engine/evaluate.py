"""Evaluate a network spec layer by layer into an immutable :class:`NetworkResult`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from cnncalc.engine import formulas as f
from cnncalc.engine import modern, resample
from cnncalc.engine.checks import avg_pool3d_problem, pool_padding_problem, window_problem
from cnncalc.engine.dtypes import DTYPE_BYTES
from cnncalc.engine.memory import inference_peak
from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.results import (
    AxisField,
    Exact,
    HyperValue,
    LayerResult,
    NetworkResult,
    Notice,
    Shape,
    Totals,
    Window,
)
from cnncalc.spec import (
    AXIS_NAMES,
    INPUT,
    LRN,
    Activation,
    AdaptivePool,
    Add,
    Axes,
    BatchNorm,
    Conv,
    Crop,
    Dense,
    DepthwiseConv,
    Dropout,
    Flatten,
    GlobalPool,
    Identity,
    LayerOp,
    LayerSpec,
    ModernOp,
    Multiply,
    NetworkSpec,
    PadPair,
    Pool,
    is_merge,
    layer_names,
    resolve_ref,
    size_reference,
)
from cnncalc.symbolic import Count, Poly, quotient_text, total


class AxisStep(NamedTuple):
    """How one layer moves along one axis, for the receptive field recurrence."""

    kernel: Exact
    stride: Exact
    pad_left: Exact


class _Outcome:
    """What one layer produces before it is frozen into a LayerResult.

    A plain slotted class, not a dataclass: defining a dataclass costs about a
    millisecond of every start (its methods are compiled then), and this one is private.
    """

    __slots__ = (
        "hyper",
        "macs",
        "mixes_all",
        "notices",
        "output",
        "params",
        "params_fc",
        "params_nonshared",
        "steps",
        "window",
    )

    def __init__(
        self,
        output: Shape,
        hyper: dict[str, HyperValue],
        params: Count = 0,
        params_nonshared: Count | None = None,
        params_fc: Count | None = None,
        macs: Count = 0,
        steps: tuple[AxisStep, ...] | None = None,
        window: Window | None = None,
        mixes_all: bool = False,
        notices: list[tuple[str, str]] | None = None,
    ) -> None:
        self.output = output
        self.hyper = hyper
        self.params = params
        self.params_nonshared = params_nonshared
        self.params_fc = params_fc
        self.macs = macs
        self.steps = steps
        self.window = window
        self.mixes_all = mixes_all
        self.notices: list[tuple[str, str]] = [] if notices is None else notices


class _At:
    """The layer being evaluated: its spec, 1-based index and display name.

    A plain slotted class: one is made per layer, in the hottest loop."""

    __slots__ = ("index", "layer", "name")

    def __init__(self, layer: LayerSpec, index: int, name: str) -> None:
        self.layer = layer
        self.index = index
        self.name = name

    def where(self) -> str:
        return f"layer {self.index} ({self.name})"

    def fail(self, message: str) -> CnnCalcError:
        error = self.layer.origin.error(f"{self.where()}: {message}")
        return error if isinstance(error, CnnCalcError) else CnnCalcError(str(error))


class _CropAt(_At):
    """A crop centred to a layer's size: a crop larger than its input says why the sizes
    parted (:func:`cnncalc.engine.sizes.explain_crop`)."""

    __slots__ = ("explain",)

    def __init__(self, layer: LayerSpec, index: int, name: str, explain: Callable[[], str]):
        super().__init__(layer, index, name)
        self.explain = explain

    def fail(self, message: str) -> CnnCalcError:
        if message.startswith("the centre crop to"):
            message += self.explain()
        return super().fail(message)


def _axis(dims: int, i: int) -> str:
    return AXIS_NAMES[dims][i] if dims in AXIS_NAMES else str(i)


def _need_spatial(shape: Shape, at: _At) -> None:
    if not shape.size:
        raise at.fail(
            f"{at.layer.kind} needs a spatial input, but its input is a flat vector of "
            f"{shape.channels} features (after flatten or fc)",
        )


def _resolve_padding(
    size: Axes,
    kernel: Axes,
    stride: Axes,
    dilation: Axes,
    padding_mode: str,
    pairs: tuple[PadPair, ...],
    notices: list[tuple[str, str]],
) -> tuple[PadPair, ...]:
    if padding_mode != "same":
        return pairs
    resolved = tuple(
        f.same_padding(n, k, s, d)
        for n, k, s, d in zip(size, kernel, stride, dilation, strict=True)
    )
    if any(s > 1 for s in stride):
        notices.append(
            (
                "same-padding-stride",
                "padding 'same' with stride > 1 follows TensorFlow's rule (PyTorch rejects it): "
                "padding (left, right) per axis "
                + ", ".join(f"{_axis(len(size), i)} {p}" for i, p in enumerate(resolved)),
            )
        )
    elif any(left != right for left, right in resolved):
        notices.append(
            (
                "same-padding-asymmetric",
                "padding 'same' with an even effective kernel pads one more on the right: "
                + ", ".join(f"{_axis(len(size), i)} {p}" for i, p in enumerate(resolved)),
            )
        )
    return resolved


_INEXACT = "is not whole (cs231n calls such a setting invalid)"
"""The words of the inexact-division warning (code ``inexact-floor``)."""


def _sliding(
    at: _At,
    shape: Shape,
    kernel: Axes,
    stride: Axes,
    dilation: Axes,
    pads: tuple[PadPair, ...],
    ceil_mode: bool | str,
    notices: list[tuple[str, str]],
) -> tuple[Axes, tuple[AxisStep, ...]]:
    """Output size and receptive-field steps of a sliding window (conv or pool)."""
    dims = len(shape.size)
    out: list[int] = []
    steps: list[AxisStep] = []
    per_axis: dict[str, list[str]] = {}  # the same warning on several axes is said once
    for i, (n, k, s, d, (pl, pr)) in enumerate(
        zip(shape.size, kernel, stride, dilation, pads, strict=True)
    ):
        k_eff = f.effective_kernel(k, d)
        padded = f.padded_length(n, pl, pr)
        problem = window_problem(n, k, s, pl, pr, d, ceil_mode, _axis(dims, i))
        if problem:
            raise at.fail(problem)
        length = f.pool_output_length(n, k, s, pl, pr, d, ceil_mode)
        remainder = (padded - k_eff) % s
        if remainder and not ceil_mode:
            lost = f.unused_input(n, k, s, pl, pr, d)
            exact = f"({padded} - {k_eff})/{s} + 1 = {quotient_text(padded - k_eff + s, s)}"
            dropped = (
                f"the floor leaves the last {lost} input {'row' if lost == 1 else 'rows'} unseen"
                if lost
                else f"the floor drops {remainder} padded {'row' if remainder == 1 else 'rows'}, "
                "no input"
            )
            per_axis.setdefault(f"{exact} {_INEXACT}; {dropped}", []).append(_axis(dims, i))
        out.append(length)
        steps.append(AxisStep(k_eff, s, pl))
    for text, axes in per_axis.items():
        axis_text = f"{'axis' if len(axes) == 1 else 'axes'} {' and '.join(axes)}"
        notices.append(("inexact-floor", f"{axis_text}: {text}"))
    return tuple(out), tuple(steps)


def _conv(op: Conv, at: _At, shape: Shape) -> _Outcome:
    _need_spatial(shape, at)
    c_in = shape.channels
    if c_in % op.groups or op.filters % op.groups:
        raise at.fail(
            f"groups {op.groups} must divide both the input channels ({c_in}) and the "
            f"filters ({op.filters})",
        )
    notices: list[tuple[str, str]] = []
    pads = _resolve_padding(
        shape.size, op.kernel, op.stride, op.dilation, op.padding.mode, op.padding.pairs, notices
    )
    size, steps = _sliding(at, shape, op.kernel, op.stride, op.dilation, pads, False, notices)
    output = Shape(op.filters, size)
    shared = f.conv_params(c_in, op.filters, op.kernel, op.groups, op.bias)
    nonshared = f.nonshared_params(c_in, op.filters, op.kernel, op.groups, op.bias, size)
    hyper: dict[str, HyperValue] = {
        "filters": op.filters,
        "kernel": op.kernel,
        "stride": op.stride,
        "padding": pads,
        "padding_mode": op.padding.mode,
        "dilation": op.dilation,
    }
    if op.shared:
        hyper["groups"] = op.groups
    hyper["bias"] = op.bias
    return _Outcome(
        output=output,
        hyper=hyper,
        params=shared if op.shared else nonshared,
        params_nonshared=nonshared,
        params_fc=f.dense_params(shape.numel, output.numel, op.bias),
        macs=f.conv_macs(c_in, op.kernel, op.groups, output.numel),
        steps=steps,
        window=Window(op.kernel, op.stride, pads, op.dilation, op.padding.mode),
        notices=notices,
    )


def _pool(op: Pool, at: _At, shape: Shape) -> _Outcome:
    _need_spatial(shape, at)
    notices: list[tuple[str, str]] = []
    pads = _resolve_padding(
        shape.size, op.kernel, op.stride, op.dilation, op.padding.mode, op.padding.pairs, notices
    )
    if op.padding.mode == "explicit":
        problem = pool_padding_problem(op.kernel, pads)
        if problem:
            raise at.fail(problem)
    if op.op == "avg":
        problem = avg_pool3d_problem(shape.size, op.kernel)
        if problem:
            raise at.fail(problem)
    size, steps = _sliding(
        at, shape, op.kernel, op.stride, op.dilation, pads, op.ceil_mode, notices
    )
    hyper: dict[str, HyperValue] = {
        "kernel": op.kernel,
        "stride": op.stride,
        "padding": pads,
        "padding_mode": op.padding.mode,
    }
    if op.op == "max":
        hyper["dilation"] = op.dilation
    hyper["ceil_mode"] = op.ceil_mode
    dilation = op.dilation if op.op == "max" else None
    window = Window(op.kernel, op.stride, pads, dilation, op.padding.mode, op.ceil_mode)
    return _Outcome(Shape(shape.channels, size), hyper, steps=steps, window=window, notices=notices)


def _global_pool(op: GlobalPool, at: _At, shape: Shape) -> _Outcome:
    _need_spatial(shape, at)
    steps = tuple(AxisStep(n, n, 0) for n in shape.size)
    return _Outcome(Shape(shape.channels, tuple(1 for _ in shape.size)), {"op": op.op}, steps=steps)


def _adaptive_pool(op: AdaptivePool, at: _At, shape: Shape) -> _Outcome:
    _need_spatial(shape, at)
    kernel = tuple(f.adaptive_window_max(n, o) for n, o in zip(shape.size, op.output, strict=True))
    stride = tuple(f.adaptive_window_step(n, o) for n, o in zip(shape.size, op.output, strict=True))
    notices = []
    if any(n % o for n, o in zip(shape.size, op.output, strict=True)):
        notices.append(
            (
                "adaptive-uneven",
                f"adaptive pooling from {'x'.join(map(str, shape.size))} to "
                f"{'x'.join(map(str, op.output))} uses uneven windows; the receptive field "
                "assumes the largest window and the smallest step",
            )
        )
    steps = tuple(AxisStep(k, s, 0) for k, s in zip(kernel, stride, strict=True))
    hyper: dict[str, HyperValue] = {"output": op.output, "kernel": kernel, "stride": stride}
    window = Window(kernel, stride, (), None)
    return _Outcome(
        Shape(shape.channels, op.output), hyper, steps=steps, window=window, notices=notices
    )


def _dense(op: Dense, at: _At, shape: Shape) -> _Outcome:
    n_in = shape.numel
    params = f.dense_params(n_in, op.units, op.bias)
    return _Outcome(
        Shape(op.units, ()),
        {"units": op.units, "bias": op.bias},
        params=params,
        params_nonshared=params,
        params_fc=params,
        macs=f.dense_macs(n_in, op.units),
        mixes_all=True,
    )


def _simple(layer: LayerSpec, shape: Shape) -> _Outcome:
    op = layer.op
    if isinstance(op, Flatten):
        return _Outcome(Shape(shape.numel, ()), {})
    if isinstance(op, Activation):
        hyper: dict[str, HyperValue] = dict(op.options)
        if op.num_parameters:
            hyper["num_parameters"] = op.num_parameters
        return _Outcome(shape, hyper, params=op.num_parameters)
    if isinstance(op, Dropout):
        return _Outcome(shape, {"p": op.p})
    if isinstance(op, BatchNorm):
        return _Outcome(
            shape, {"affine": op.affine}, params=f.batchnorm_params(shape.channels, op.affine)
        )
    if isinstance(op, LRN):
        return _Outcome(shape, {"size": op.size})
    if isinstance(op, Identity):
        return _Outcome(shape, {})
    raise AssertionError(f"unhandled layer op {op!r}")


def _resampled(at: _At, shape: Shape, target: Shape | None) -> _Outcome:
    r = resample.outcome(at.layer.op, shape, target, at.fail)
    steps = tuple(AxisStep(*step) for step in r.steps)
    return _Outcome(
        r.output, r.hyper, r.params, r.params_nonshared, r.params_fc, r.macs, steps, r.window
    )


def _outcome(at: _At, shape: Shape, target: Shape | None = None) -> _Outcome:
    op = at.layer.op
    if isinstance(op, resample.DECODER):
        return _resampled(at, shape, target)
    if isinstance(op, Conv):
        return _conv(op, at, shape)
    if isinstance(op, Pool):
        return _pool(op, at, shape)
    if isinstance(op, GlobalPool):
        return _global_pool(op, at, shape)
    if isinstance(op, AdaptivePool):
        if len(op.output) != len(shape.size):
            raise at.fail(f"{at.layer.kind} needs a spatial input")
        return _adaptive_pool(op, at, shape)
    if isinstance(op, Dense):
        return _dense(op, at, shape)
    if isinstance(op, modern.NEEDS_SPATIAL):
        _need_spatial(shape, at)
    if isinstance(op, DepthwiseConv):
        return _conv(modern.depthwise(op, at, shape), at, shape)
    if isinstance(op, ModernOp):
        return _Outcome(*modern.outcome(op, at, shape))
    return _simple(at.layer, shape)


def _advance(rf: tuple[AxisField, ...], steps: tuple[AxisStep, ...]) -> tuple[AxisField, ...]:
    return tuple(
        [
            AxisField(
                f.rf_size(a.size, st.kernel, a.jump),
                f.rf_jump(a.jump, st.stride),
                f.rf_padding(a.padding, st.pad_left, a.jump),
            )
            for a, st in zip(rf, steps, strict=True)
        ]
    )


def _input_seen(field: AxisField, n: int) -> Exact:
    """Input pixels (not padding) in output unit 0's field, which spans [-P, r - 1 - P]."""
    return max(0, min(n - 1, field.size - 1 - field.padding) + 1)


def dtype_bytes(dtype: str) -> int:
    """Bytes per element of a dtype name."""
    try:
        return DTYPE_BYTES[dtype.lower()]
    except KeyError:
        from cnncalc.engine.dtypes import SUB_BYTE_BITS
        from cnncalc.errors import did_you_mean

        if dtype.lower() in SUB_BYTE_BITS:
            raise CnnCalcError(
                f"{dtype} packs several values in a byte, and the summary's memory figures "
                f"are whole bytes per value; 'cnncalc memory --dtype {dtype.lower()}' counts "
                "it, each tensor rounded up to whole bytes",
                option="dtype",
            ) from None
        raise CnnCalcError(
            f"unknown dtype '{dtype}'{did_you_mean(dtype, DTYPE_BYTES)}; "
            f"known: {', '.join(DTYPE_BYTES)}",
            option="dtype",
        ) from None


class _Tensor(NamedTuple):
    """What flows along an edge: a shape, its receptive field, and for a flat vector the
    spatial extent it still keeps apart (so a following fc can take the whole map)."""

    shape: Shape
    rf: tuple[AxisField, ...]
    extent: Axes


def _graph(spec: NetworkSpec, names: list[str]) -> list[tuple[str, ...]]:
    """The input names of every layer, checked: known, earlier, and without cycles."""
    position: dict[str, int] = {}
    for i, (layer, name) in enumerate(zip(spec.layers, names, strict=True)):
        if name in position or name == INPUT:
            first = f"layer {position[name] + 1}" if name in position else "the network input"
            raise _At(layer, i + 1, name).fail(
                f"the name '{name}' is taken already (by {first}); names must be distinct"
            )
        position[name] = i
    wiring: list[tuple[str, ...]] = []
    previous = INPUT
    for i, (layer, name) in enumerate(zip(spec.layers, names, strict=True)):
        reference = size_reference(layer.op)
        if reference is not None:
            key, ref = reference
            at = _At(layer, i + 1, name)
            _check_ref(spec, names, position, at, resolve_ref(ref, i, names), key)
        if not layer.inputs:  # the common case: the layer before
            wiring.append((previous,))
            previous = name
            continue
        at = _At(layer, i + 1, name)
        refs = tuple(resolve_ref(ref, i, names) for ref in layer.inputs)
        for ref in refs:
            _check_ref(spec, names, position, at, ref)
        if len(refs) > 1 and not is_merge(layer.op):
            raise at.fail(
                f"{layer.kind} takes one input, but 'from' names {len(refs)}; "
                "merge them with add, concat or multiply"
            )
        wiring.append(refs)
        previous = name
    return wiring


def _check_ref(
    spec: NetworkSpec,
    names: list[str],
    position: dict[str, int],
    at: _At,
    ref: str,
    key: str = "from",
) -> None:
    """A layer's reference (its ``from``, or a size it matches) names the input or an
    earlier layer."""
    if ref == INPUT:
        return
    if ref not in position:
        raise at.fail(
            f"'{key}' names '{ref}', which is no layer{did_you_mean(ref, [*names, INPUT])}"
        )
    if position[ref] >= at.index - 1:
        raise at.fail(_cycle_or_forward(spec, names, position, at.index - 1, ref, key))


def _cycle_or_forward(
    spec: NetworkSpec, names: list[str], position: dict[str, int], i: int, ref: str, key: str
) -> str:
    """Say whether a reference to a later layer closes a cycle, and which layers it has."""
    path = [names[i], ref]
    current = ref
    seen = {names[i]}
    while current not in seen:
        seen.add(current)
        j = position[current]
        inputs = spec.layers[j].inputs or ((names[j - 1],) if j else ())
        following = [r for r in inputs if r in position and position[r] >= i]
        if not following:
            break
        current = following[0]
        path.append(current)
    if path[-1] == names[i]:
        return f"the layers form a cycle: {' -> '.join(reversed(path))}"
    return f"'{key}' names '{ref}', which comes later; list every layer after the layers it reads"


def _explain_mismatch(spec: NetworkSpec, wiring: list[tuple[str, ...]], layer: int) -> str:
    """Where the paths into a failing merge parted (the solver's explainer, imported only
    when a merge fails: it costs start-up time)."""
    from cnncalc.engine.sizes import explain_mismatch

    return explain_mismatch(spec, wiring, layer)


def _explain_crop(spec: NetworkSpec, wiring: list[tuple[str, ...]], layer: int) -> str:
    """Why a centre crop to a layer's size does not fit (imported only when one fails)."""
    from cnncalc.engine.sizes import explain_crop

    return explain_crop(spec, wiring, layer)


def _merge(
    at: _At, tensors: list[tuple[str, _Tensor]], explain: Callable[[], str] = str
) -> _Outcome:
    """Shapes at add/concat; the receptive field is the largest over the paths. On a
    mismatch, ``explain()`` says where the paths parted."""
    op = at.layer.op
    if isinstance(op, Multiply):
        output, notes = modern.multiply(at, [(name, t.shape) for name, t in tensors])
        notices = [("broadcast-gate", text) for text in notes]
        return _Outcome(output, {"inputs": len(tensors)}, notices=notices)
    shapes = [t.shape for _, t in tensors]
    listing = ", ".join(f"{name} {t.shape.text()}" for name, t in tensors)
    if isinstance(op, Add):
        if len(set(shapes)) != 1:
            raise at.fail(f"add needs inputs of one shape, got {listing}{explain()}")
        output = shapes[0]
    else:
        if len({s.size for s in shapes}) != 1:
            raise at.fail(f"concat needs inputs of one spatial size, got {listing}{explain()}")
        output = Shape(total(s.channels for s in shapes), shapes[0].size)
    return _Outcome(output, {"inputs": len(tensors)})


def _merge_fields(
    at: _At, tensors: list[tuple[str, _Tensor]], notices: list[tuple[str, str]]
) -> tuple[AxisField, ...]:
    """Distill's multi-path rule: the largest field over the paths; warn when the paths
    have different effective strides or centres (the network is not aligned)."""
    fields = [t.rf for _, t in tensors]
    if not fields[0]:
        return ()
    merged = []
    for axis in range(len(fields[0])):
        per_path = [f[axis] for f in fields]
        merged.append(max(per_path, key=lambda a: (a.size, a.padding)))
        jumps = {a.jump for a in per_path}
        starts = {a.start for a in per_path}
        if len(jumps) > 1 or len(starts) > 1:
            detail = "; ".join(
                f"{name}: stride {f[axis].jump}, centre {f[axis].start}"
                for (name, _), f in zip(tensors, fields, strict=True)
            )
            notices.append(
                (
                    "paths-not-aligned",
                    f"the paths into {at.name} are not aligned on axis "
                    f"{_axis(len(fields[0]), axis)} ({detail}); output units see differently "
                    "sized parts of the input",
                )
            )
    return tuple(merged)


def _check_in_channels(at: _At, shape: Shape) -> None:
    """A layer written for a number of inputs (PyTorch's in_channels, or in_features of a
    linear layer, which reads its input flattened) must get that many."""
    flat = isinstance(at.layer.op, Dense)
    got = shape.numel if flat else shape.channels
    if got != at.layer.in_channels:
        what = "input features (flattened)" if flat else "input channels"
        raise at.fail(
            f"written for {at.layer.in_channels} {what}, but it gets {got} "
            f"(its input is {shape.text()})"
        )


def _input_notices(size: Axes, channels: Count) -> list[Notice]:
    """A warning when an input reads like channels first (``3x224x224``): cnncalc reads
    spatial sizes then channels, so that is 3 rows of 224 columns with 224 channels."""
    if (
        len(size) >= 2
        and size[0] <= 4
        and isinstance(channels, int)
        and channels > 4
        and channels == size[-1]
    ):
        shape = "x".join(map(str, (*size, channels)))
        intended = "x".join(map(str, (*size[1:], channels, size[0])))
        return [
            Notice(
                "input-layout",
                f"the input {shape} is read as spatial sizes then channels ({size[0]} rows, "
                f"{channels} channels); if {size[0]} is the channel count, write {intended}",
            )
        ]
    return []


def evaluate(spec: NetworkSpec, dtype: str = "float32") -> NetworkResult:
    """Compute every layer's output, parameters, receptive field and MACs, and totals.

    Layers are evaluated in order; each reads the layers its ``inputs`` name (by default
    the layer before), so chains and directed acyclic graphs both work.
    """
    nbytes = dtype_bytes(dtype)
    input_shape = Shape(spec.input.channels, spec.input.size)
    tensors: dict[str, _Tensor] = {
        INPUT: _Tensor(
            input_shape, tuple(AxisField(1, 1, 0) for _ in spec.input.size), spec.input.size
        )
    }
    names = layer_names(spec.layers)
    wiring = _graph(spec, names)
    results: list[LayerResult] = []
    notices: list[Notice] = _input_notices(spec.input.size, spec.input.channels)
    rf_warned = padding_warned = upsampled = gate_noted = False
    # Long chains repeat the same layer on the same input: compute each pair once.
    memo: dict[
        tuple[LayerOp, Shape, Shape | None],
        tuple[_Outcome, tuple[tuple[str, HyperValue], ...], Count],
    ] = {}
    owners: dict[str, str] = {}  # layer name -> the layer owning the parameters it shares
    position = {n: i for i, n in enumerate(names)} if _any_share(spec) else {}
    for index, (layer, name, refs) in enumerate(
        zip(spec.layers, names, wiring, strict=True), start=1
    ):
        if is_merge(layer.op):
            at = _At(layer, index, name)
            sources = [(ref, tensors[ref]) for ref in refs]
            out = _merge(at, sources, partial(_explain_mismatch, spec, wiring, index - 1))
            hyper: tuple[tuple[str, HyperValue], ...] = ()
            numel = out.output.numel
            if isinstance(layer.op, Multiply):  # a broadcast gate has no positions to align
                full = [s for s in sources if s[1].shape.size == out.output.size] or sources
                rf = _merge_fields(at, full, out.notices)
                if len(full) < len(sources) and not gate_noted:
                    gate_noted = True
                    out.notices.append(("gate-receptive-field", modern.GATE_NOTE))
            else:
                rf = _merge_fields(at, sources, out.notices)
            extent = out.output.size
        else:
            source = tensors[refs[0]]
            if layer.in_channels is not None:
                _check_in_channels(_At(layer, index, name), source.shape)
            reference = size_reference(layer.op)  # a size to match: part of the key
            target = (
                tensors[resolve_ref(reference[1], index - 1, names)].shape if reference else None
            )
            known = memo.get((layer.op, source.shape, target))
            if known is None:
                at = _At(layer, index, name)
                if isinstance(layer.op, Crop) and target is not None:  # centred to a layer
                    at = _CropAt(
                        layer, index, name, partial(_explain_crop, spec, wiring, index - 1)
                    )
                out = _outcome(at, source.shape, target)
                known = memo[layer.op, source.shape, target] = (
                    out,
                    tuple(out.hyper.items()),
                    out.output.numel,
                )
            out, hyper, numel = known
            rf, extent = source.rf, source.extent
            if out.steps is not None:
                rf = _advance(rf, out.steps)
                extent = out.output.size
                if upsampled:  # fractions may grow: keep them bounded
                    problem = resample.field_problem(tuple(x for a in rf for x in a))
                    if problem:
                        raise _At(layer, index, name).fail(problem)
            elif out.mixes_all and extent:
                rf = _advance(rf, tuple(AxisStep(n, n, 0) for n in extent))
                extent = ()
        if out.notices:
            where = _At(layer, index, name).where()
            notices.extend(Notice(code, f"{where}: {text}", index) for code, text in out.notices)
        if not padding_warned and isinstance(layer.op, Conv | Pool):
            seen = [_input_seen(a, n) for a, n in zip(rf, spec.input.size, strict=True)]
            if any(2 * v < a.size for v, a in zip(seen, rf, strict=True)):
                padding_warned = True
                notices.append(
                    Notice(
                        "receptive-field-padding",
                        f"{_At(layer, index, name).where()}: the corner unit's receptive field "
                        f"({'x'.join(str(a.size) for a in rf)}) is mostly padding: it sees "
                        f"{'x'.join(map(str, seen))} input pixels",
                        index,
                    )
                )
        if not upsampled and isinstance(layer.op, resample.UPSAMPLING):
            upsampled = True
            notices.append(_upsampled_notice(_At(layer, index, name).where(), index))
        if not rf_warned and any(a.size > n for a, n in zip(rf, spec.input.size, strict=True)):
            rf_warned = True
            notices.append(
                Notice(
                    "receptive-field",
                    f"{_At(layer, index, name).where()}: the receptive field "
                    f"({'x'.join(str(a.size) for a in rf)}) exceeds the input "
                    f"({'x'.join(map(str, spec.input.size))}) from here on; part of it is padding",
                    index,
                )
            )
        tensors[name] = _Tensor(out.output, rf, extent)
        owner = None
        if layer.share is not None:
            at = _At(layer, index, name)
            if out.params == 0 and not layer.shared_by_use:
                raise at.fail(
                    f"'share' on this {layer.kind} layer, which has no parameters to share"
                )
            j = position.get(layer.share, index)
            if j < index - 1 and results[j].params == 0 and not layer.shared_by_use:
                raise at.fail(
                    f"'share' names '{layer.share}', a {results[j].kind} layer, which has no "
                    "parameters to share"
                )
            _check_share(at, spec, names, wiring, tensors, position)
            owner = owners[name] = owners.get(layer.share, layer.share)
        results.append(  # positional: keywords cost a third more in this loop
            LayerResult(
                index,
                name,
                layer.kind,
                hyper,
                out.window,
                out.output,
                out.params,
                out.params_nonshared,
                out.params_fc,
                rf,
                out.macs,
                numel,
                refs,
                layer.training_only,
                layer.functional,
                owner,
                layer.frozen,
                _buffers(layer.op, out.output),
            )
        )
    params = total(r.params for r in results if r.shares is None)  # each parameter once
    frozen = total(r.params for r in results if r.shares is None and r.frozen)
    run = [r for r in results if not r.training_only]  # what inference computes
    activations = total(r.activations for r in run)
    totals = Totals(
        params=params,
        macs=total(r.macs for r in run),
        activations=activations,
        param_bytes=params * nbytes,
        activation_bytes=activations * nbytes,
        input_elements=input_shape.numel,
        input_bytes=input_shape.numel * nbytes,
        trainable_params=params - frozen,
        non_trainable_params=frozen,
        buffers=total(r.buffers for r in results if r.shares is None),
    )
    symbols = _symbols((spec.input.channels, totals.params, totals.macs, totals.activations))
    if symbols:
        notices.append(
            Notice(
                "symbols",
                f"counts are exact polynomials in {', '.join(symbols)}; give "
                f"{'it a value' if len(symbols) == 1 else 'them values'} for numbers",
            )
        )
    result = NetworkResult(
        spec.name, input_shape, tuple(results), totals, _summarized(notices), dtype.lower(), nbytes
    )
    peak = inference_peak(result)
    return result._replace(
        totals=totals._replace(peak_activations=peak.elements, peak_layer=peak.layer)
    )


def _buffers(op: LayerOp, output: Shape) -> Count:
    """Elements of state a layer keeps that are not parameters: batch norm's running
    statistics (its output has its input's channels)."""
    return f.batchnorm_buffers(output.channels) if isinstance(op, BatchNorm) else 0


def _any_share(spec: NetworkSpec) -> bool:
    return any(layer.share is not None for layer in spec.layers)


def _param_shapes(op: LayerOp, source: Shape) -> list[tuple[str, object]]:
    """What fixes the shapes of a layer's parameters, by name (empty when it has none
    that depend on more than its kind)."""
    if isinstance(op, Conv):
        return [
            ("filters", op.filters),
            ("kernel", op.kernel),
            ("groups", op.groups),
            ("bias", op.bias),
            ("input channels", source.channels),
        ]
    if isinstance(op, Dense):
        return [("units", op.units), ("bias", op.bias), ("input features", source.numel)]
    if isinstance(op, BatchNorm):
        return [("affine", op.affine), ("channels", source.channels)]
    if isinstance(op, Activation):
        return [("num_parameters", op.num_parameters)]
    return []


def _check_share(
    at: _At,
    spec: NetworkSpec,
    names: list[str],
    wiring: list[tuple[str, ...]],
    tensors: dict[str, _Tensor],
    position: dict[str, int],
) -> None:
    """A layer shares the parameters of an earlier layer of the same parameter shapes."""
    target = at.layer.share
    assert target is not None
    if target == at.name:
        raise at.fail(
            "'share' names the layer itself; a layer shares an earlier layer's parameters "
            "(in a repeat, name the layer and share that name: each copy shares the first's)"
        )
    if target == INPUT:
        raise at.fail("'share' names the input, which has no parameters")
    j = position.get(target)
    if j is None:
        hint = (
            "; a block use shares layer by layer with the same layers of the use it names"
            if "." in target
            else ""
        )
        raise at.fail(
            f"'share' names '{target}', which is no layer{did_you_mean(target, names)}{hint}"
        )
    if j >= at.index - 1:
        raise at.fail(
            f"'share' names '{target}', which comes later; a layer shares with an earlier one"
        )
    other = spec.layers[j]
    if other.kind != at.layer.kind:
        raise at.fail(
            f"cannot share with '{target}': it is a {other.kind} layer, this a {at.layer.kind}"
        )
    if isinstance(at.layer.op, Conv) and not at.layer.op.shared:
        mine_extra = [("output size", tensors[at.name].shape.size)]
        theirs_extra = [("output size", tensors[target].shape.size)]
    else:
        mine_extra = theirs_extra = []
    mine = _param_shapes(at.layer.op, tensors[wiring[at.index - 1][0]].shape) + mine_extra
    theirs = _param_shapes(other.op, tensors[wiring[j][0]].shape) + theirs_extra
    for (what, value), (_, owned) in zip(mine, theirs, strict=True):
        if value != owned:
            raise at.fail(
                f"cannot share with '{target}': the parameter shapes differ ({what} "
                f"{_value_text(value)} here, {_value_text(owned)} there)"
            )


def _value_text(value: object) -> str:
    if isinstance(value, tuple):
        return "x".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def _upsampled_notice(where: str, index: int) -> Notice:
    """Said once, at the first layer that upsamples: what the receptive field means after."""
    return Notice(
        "receptive-field-upsampled",
        f"{where}: from here on the receptive field passes through upsampling: its size, "
        "jump and start are exact spans in input pixels and may be fractions (a jump of 1/2 "
        "is two output units per input pixel), not the lecture's window of whole pixels "
        "(README, 'Decoder layers')",
        index,
    )


def _symbols(counts: tuple[Count, ...]) -> list[str]:
    """The symbols the counts are written in, sorted."""
    names: set[str] = set()
    for count in counts:
        if isinstance(count, Poly):
            names |= count.symbols
    return sorted(names)


def _summarized(notices: list[Notice]) -> tuple[Notice, ...]:
    """The warnings, with the inexact-division note said once for all the layers it
    concerns when there are several (ResNet-50's stride-2 convolutions), where the
    first of them stood."""
    inexact = [n for n in notices if n.code == "inexact-floor"]
    if len(inexact) < 2:
        return tuple(notices)
    lose = [n for n in inexact if "unseen" in n.message]
    pad = [n for n in inexact if "unseen" not in n.message]

    def names(group: list[Notice]) -> str:
        return ", ".join(n.message.split(": ", 1)[0] for n in group)

    parts = []
    if pad:
        parts.append(f"the floor drops only padding at {names(pad)}")
    if lose:
        parts.append(f"the floor leaves input rows unseen at {names(lose)}")
    summary = Notice(
        "inexact-floor",
        f"{len(inexact)} layers' output sizes are not whole before rounding down (cs231n calls "
        f"such settings invalid): {'; '.join(parts)}",
        parts=tuple(inexact),
    )
    first = notices.index(inexact[0])
    rest = [n for n in notices if n.code != "inexact-floor"]
    return (*rest[:first], summary, *rest[first:])


def wiring(spec: NetworkSpec) -> list[tuple[str, ...]]:
    """The input names of every layer (``input`` for the network input), checked as
    :func:`evaluate` checks them."""
    return _graph(spec, layer_names(spec.layers))
