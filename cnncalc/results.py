"""Immutable results: what the engine computed, and all that any renderer reads.

The records are named tuples: immutable like frozen dataclasses, but made and hashed in
C, which long networks feel (one LayerResult, and a receptive field, per layer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from cnncalc.spec import Axes, PadPair
from cnncalc.symbolic import Count, total

if TYPE_CHECKING:
    from fractions import Fraction

HyperValue = (
    Count | float | bool | str | tuple[int, ...] | tuple[tuple[int, int], ...] | tuple[float, ...]
)

Exact: TypeAlias = "int | Fraction"
"""An exact number: an int, or a fraction where upsampling makes one (never a whole one)."""


class Shape(NamedTuple):
    """A feature map: channels and spatial size (empty once flattened)."""

    channels: Count
    size: Axes

    @property
    def numel(self) -> Count:
        """Number of elements: channels times every spatial extent."""
        return self.channels * prod(self.size)

    def text(self) -> str:
        """Spatial extents then channels, as the lecture writes volumes: ``55x55x96``."""
        return "x".join(map(str, (*self.size, self.channels)))


class AxisField(NamedTuple):
    """Receptive field on one input axis: size r, effective stride (jump) S, padding P.

    Output unit i is centred on input coordinate ``-P + i*S + (r-1)/2``. Through
    upsampling and transposed convolution the three may be exact fractions (README,
    "Decoder layers"); otherwise they are ints.
    """

    size: Exact
    jump: Exact
    padding: Exact

    @property
    def start(self) -> int | float | Fraction:
        """Centre of output unit 0 on the input: ``(r - 1)/2 - P`` (exact, may be .5, or a
        fraction when the field is one)."""
        twice = self.size - 1 - 2 * self.padding
        if not isinstance(twice, int):
            half = twice / 2
            return half.numerator if half.denominator == 1 else half
        return twice // 2 if twice % 2 == 0 else twice / 2


def json_number(value: int | float | Fraction) -> int | float | str:
    """A receptive-field number for JSON: ints and floats as they are, an exact fraction
    (after upsampling) as the string ``"a/b"``."""
    return value if isinstance(value, int | float) else str(value)


class Window(NamedTuple):
    """A sliding window as the engine resolved it: kernel, stride, padding per side
    (``same`` worked out for this input) and dilation per spatial axis. Adaptive pooling's
    window is its largest one, with the smallest step."""

    kernel: Axes
    stride: Axes
    padding: tuple[PadPair, ...]
    """(left, right) per axis; empty for adaptive pooling, which has none."""
    dilation: Axes | None
    """None where the kind has none (average and adaptive pooling)."""
    padding_mode: str = "explicit"
    """As written: ``explicit``, ``same`` or ``valid``."""
    ceil_mode: bool | str = False
    """Pooling's rounding: False (floor), True (PyTorch's ceil mode) or ``"caffe"``."""


class Notice(NamedTuple):
    """A warning a user should see; ``layer`` is the 1-based index, or None for the network.
    ``code`` is one of :data:`NOTICE_CODES`."""

    code: str
    message: str
    layer: int | None = None
    parts: tuple[Notice, ...] = ()
    """The notices this one says at once (the layers an ``inexact-floor`` summary names),
    each on its own; empty for a notice about one thing."""

    def each(self) -> tuple[Notice, ...]:
        """The notices this one stands for, each on its own (``--warnings all``)."""
        return self.parts or (self,)


NOTICE_CODES: dict[str, str] = {
    "input-layout": "the input reads like channels first (3x224x224)",
    "inexact-floor": "a window's output size is not whole before rounding down",
    "same-padding-stride": "padding 'same' with stride > 1 follows TensorFlow's rule",
    "same-padding-asymmetric": "padding 'same' with an even kernel pads one more on the right",
    "adaptive-uneven": "adaptive pooling with uneven windows",
    "paths-not-aligned": "the paths into a merge have different strides or centres",
    "broadcast-gate": "a flat vector multiplies as a 1x1xC gate",
    "gate-receptive-field": "a broadcast gate: the receptive field follows the map's path",
    "receptive-field-padding": "the corner unit's receptive field is mostly padding",
    "receptive-field": "the receptive field exceeds the input from here on",
    "receptive-field-upsampled": "the receptive field passes through upsampling",
    "symbols": "the counts are polynomials in symbols",
}
"""Every warning code the engine emits, with what it means (JSON's ``warnings[].code``)."""


class LayerResult(NamedTuple):
    """Everything computed for one layer."""

    index: int  # type: ignore[assignment]  # the 1-based position; shadows tuple.index
    name: str
    kind: str
    hyper: tuple[tuple[str, HyperValue], ...]
    """The resolved hyperparameters by key, as JSON writes them."""
    window: Window | None
    """The sliding window of a convolution or pooling layer, typed; None for others."""
    output: Shape
    params: Count
    params_nonshared: Count | None
    params_fc: Count | None
    receptive_field: tuple[AxisField, ...]
    macs: Count
    activations: Count
    inputs: tuple[str, ...] = ()
    """Names of the layers (or ``input``) this layer reads."""
    training_only: bool = False
    """Not run at inference: left out of the MACs and activations totals."""
    functional: bool = False
    """Written as a function call in PyTorch, not a module (see LayerSpec.functional)."""
    shares: str | None = None
    """The layer whose parameters this one reuses (the owner, at the end of any chain of
    shares); its ``params`` are then counted once, in the owner's row, in the totals."""
    frozen: bool = False
    """Its parameters are not trained (``frozen: true``): non-trainable parameters."""
    buffers: Count = 0
    """State that is not a parameter: batch norm's running mean and variance (PyTorch's
    buffers; Keras counts them as non-trainable parameters)."""

    @property
    def trainable(self) -> Count:
        """Its trainable parameters: all of them, unless frozen."""
        return 0 if self.frozen else self.params


def alike_key(layer: LayerResult) -> tuple[object, ...]:
    """A key that layers written alike share: everything but index, name, inputs and the
    receptive field. Renderers cache a layer's text under it. The hyperparameters and
    output are keyed by identity (the engine gives layers alike the same objects), so the
    key holds only while the result that owns them does."""
    return (
        layer.kind,
        layer.training_only,
        id(layer.hyper),
        id(layer.output),
        layer.params,
        layer.params_nonshared,
        layer.params_fc,
        layer.macs,
        layer.activations,
        layer.shares,
        layer.frozen,
        layer.buffers,
    )


class Totals(NamedTuple):
    """Whole-network totals; bytes use the result's dtype."""

    params: Count
    macs: Count
    activations: Count
    param_bytes: Count
    activation_bytes: Count
    input_elements: Count
    input_bytes: Count
    peak_activations: Count | None = 0
    """Elements alive at once at the inference peak (``cnncalc.engine.memory``); None
    when the sizes are polynomials in symbols, whose values decide where the peak is."""
    peak_layer: int | None = None
    """1-based index of the layer at the peak; None when the input alone is the peak."""
    trainable_params: Count = 0
    """Parameters that training updates (each counted once, as ``params``)."""
    non_trainable_params: Count = 0
    """Parameters of frozen layers; ``trainable_params + non_trainable_params == params``."""
    buffers: Count = 0
    """Elements of state that are not parameters (batch norm's running statistics)."""

    @property
    def flops(self) -> Count:
        """FLOPs counted as 2 x MACs (one multiply and one add each)."""
        return 2 * self.macs


class NetworkResult(NamedTuple):
    """The whole computation: input, layers, totals, warnings."""

    name: str | None
    input: Shape
    layers: tuple[LayerResult, ...]
    totals: Totals
    warnings: tuple[Notice, ...]
    dtype: str
    dtype_bytes: int
    counting: str = "torchvision"
    """The counting profile of the MACs (``cnncalc.engine.counting.PROFILES``)."""
    breakdown: tuple[tuple[str, Count], ...] = ()
    """MACs per operation class (conv, linear, bias, ...), when asked for."""
    batch: int = 1
    """Samples per pass: the MACs, activations, input and peak are for this many."""
    layout: str = "hwc"
    """How human-readable output writes shapes (:data:`LAYOUTS`)."""
    footer: tuple[str, ...] = ()
    """Another tool's footer lines (``--style``), shown in place of cnncalc's totals."""

    def _repr_html_(self) -> str | None:
        """Jupyter's view: the summary as an HTML table (see :data:`DISPLAYS`)."""
        show = DISPLAYS.get("html")
        return None if show is None else str(show(self))

    def __rich__(self) -> object:
        """rich's view (a REPL with rich's pretty printing): the styled table."""
        show = DISPLAYS.get("rich")
        return repr(self) if show is None else show(self)


DISPLAYS: dict[str, Callable[[NetworkResult], object]] = {}
"""How a notebook (``html``) and rich (``rich``) show a result. The renderers fill it in
(cnncalc.rendering.notebook, imported by cnncalc.evaluate): results never import them."""


def _group_key(name: str, depth: int) -> str | None:
    """The block a layer belongs to at ``depth`` dotted levels, or None when shallower."""
    parts = name.split(".")
    return ".".join(parts[:depth]) if len(parts) > depth else None


def _owners(members: list[LayerResult], depth: int) -> str | None:
    """Who a block row's shared layers share with, as rows at ``depth`` name them."""
    owners = [layer.shares for layer in members if layer.shares is not None]
    if not owners:
        return None
    return ", ".join(dict.fromkeys(_group_key(o, depth) or o for o in owners))


def params_counted_as(members: Sequence[LayerResult], key: str) -> Count | None:
    """Layers' parameters counted another way, ``key`` ``params_nonshared`` (without
    sharing) or ``params_fc`` (as fully connected layers): the sum of the layers' counts,
    a layer without such a form (batch norm) counting its own parameters; None when no
    layer has one. The footer's totals and a block row's count (``collapse_blocks``)."""
    counts = [getattr(layer, key) for layer in members]
    if all(count is None for count in counts):
        return None
    return total(
        layer.params if count is None else count
        for layer, count in zip(members, counts, strict=True)
    )


def collapse_blocks(result: NetworkResult, depth: int) -> NetworkResult:
    """The same result with each block below ``depth`` levels of dotted names shown as one
    row: counts summed, the block's last output and receptive field. Totals stay."""
    rows: list[LayerResult] = []
    group: list[LayerResult] = []
    shown_as: dict[str, str] = {}  # layer name -> the row that now stands for it

    def block_row(members: list[LayerResult], name: str, training_only: bool) -> LayerResult:
        """One row standing for ``members``: every count their sum."""
        first, last = members[0], members[-1]
        return LayerResult(
            index=first.index,
            name=name,
            kind=f"block ({len(members)} layers)",
            hyper=(),
            window=None,
            output=last.output,
            params=total(layer.params for layer in members),
            params_nonshared=params_counted_as(members, "params_nonshared"),
            params_fc=params_counted_as(members, "params_fc"),
            receptive_field=last.receptive_field,
            macs=total(layer.macs for layer in members),
            activations=total(layer.activations for layer in members),
            inputs=first.inputs,
            training_only=training_only,
            shares=_owners(members, depth),
            buffers=total(layer.buffers for layer in members),
        )

    def flush() -> None:
        if not group:
            return
        if len(group) == 1:
            rows.append(group[0])
        else:
            name = _group_key(group[0].name, depth) or group[0].name
            for layer in group:
                shown_as[layer.name] = name
            # Layers that only train are counted apart, as the totals count them: a block
            # that mixes both kinds is shown as two rows.
            run = [layer for layer in group if not layer.training_only]
            train = [layer for layer in group if layer.training_only]
            if run:
                rows.append(block_row(run, name, False))
            if train:
                rows.append(block_row(train, f"{name} (training only)" if run else name, True))
        group.clear()

    current: str | None = None
    for layer in result.layers:
        key = _group_key(layer.name, depth)
        if current is not None and layer.name == current:
            group.append(layer)  # a block's output carries the block's own name
            flush()
            current = None
            continue
        if key is None:
            flush()
            current = None
            rows.append(layer)
            continue
        if key != current:
            flush()
            current = key
        group.append(layer)
    flush()
    rows = [row._replace(inputs=tuple(shown_as.get(r, r) for r in row.inputs)) for row in rows]
    return NetworkResult(
        result.name,
        result.input,
        tuple(rows),
        result.totals,
        result.warnings,
        result.dtype,
        result.dtype_bytes,
    )


LAYOUTS = ("hwc", "nchw", "nhwc")
"""Shape layouts: the lecture's ``55x55x96`` (spatial sizes then channels, no batch),
PyTorch's ``1x96x55x55`` (torchinfo's order) and Keras's ``1x55x55x96``."""


def shape_text(shape: Shape, layout: str = "hwc", batch: int = 1) -> str:
    """A shape as ``layout`` writes it. ``nchw`` and ``nhwc`` put the batch first; a 1D
    map is ``NxCxL`` or ``NxLxC``, a 3D one ``NxCxDxHxW`` or ``NxDxHxWxC``, and a flat
    vector ``NxC`` in both (PyTorch's and Keras's shapes after a flatten or a linear
    layer)."""
    if layout == "nchw":
        return "x".join(map(str, (batch, shape.channels, *shape.size)))
    if layout == "nhwc":
        return "x".join(map(str, (batch, *shape.size, shape.channels)))
    return shape.text()


MAX_BATCH = 10**9
"""The largest batch taken (``summarize --batch``, ``memory --batch``): far past any real
one; counts stay exact integers at any size, this keeps a typo from printing figures of
no use."""


def check_batch(batch: int) -> int:
    """A batch from 1 to :data:`MAX_BATCH`, or a CnnCalcError (the one check of a batch)."""
    from cnncalc.errors import CnnCalcError

    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
        shown = f", got {batch:,}" if isinstance(batch, int) and abs(batch) < 10**30 else ""
        raise CnnCalcError(
            f"the batch must be a whole number from 1 to {MAX_BATCH:,}{shown}", option="batch"
        )
    return batch


def check_view(batch: int, layout: str) -> None:
    """A batch from 1 to :data:`MAX_BATCH` and a known layout, or a CnnCalcError."""
    from cnncalc.errors import CnnCalcError, did_you_mean

    check_batch(batch)
    if layout not in LAYOUTS:
        raise CnnCalcError(
            f"unknown layout '{layout}'{did_you_mean(layout, LAYOUTS)}; known: "
            f"{', '.join(LAYOUTS)}",
            option="layout",
        )


def batched(result: NetworkResult, batch: int) -> NetworkResult:
    """The result for ``batch`` samples at once: the MACs, activations, input and peak
    (totals, breakdown and every layer) times ``batch``; parameters and buffers stay."""
    check_view(batch, result.layout)
    if batch == 1:
        return result
    t = result.totals
    totals = t._replace(
        macs=t.macs * batch,
        activations=t.activations * batch,
        activation_bytes=t.activation_bytes * batch,
        input_elements=t.input_elements * batch,
        input_bytes=t.input_bytes * batch,
        peak_activations=None if t.peak_activations is None else t.peak_activations * batch,
    )
    layers = tuple(
        layer._replace(macs=layer.macs * batch, activations=layer.activations * batch)
        for layer in result.layers
    )
    breakdown = tuple((cls, value * batch) for cls, value in result.breakdown)
    return result._replace(layers=layers, totals=totals, breakdown=breakdown, batch=batch)
