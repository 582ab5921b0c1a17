"""The one table of layer kinds: names, aliases, keys, defaults and value checks.

Both spec formats resolve layers here, so adding a kind (or an alias, or a key) in
:data:`KINDS` makes it available to YAML and to the grammar at once.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, NamedTuple

from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.options import MAX_DIGITS
from cnncalc.spec import (
    LRN,
    Activation,
    AdaptivePool,
    Add,
    Axes,
    BatchNorm,
    ChannelShuffle,
    ChannelSlice,
    ChannelSplit,
    Concat,
    Conv,
    ConvTranspose,
    Crop,
    Dense,
    DepthwiseConv,
    Dropout,
    DropPath,
    Flatten,
    GlobalPool,
    GroupNorm,
    Identity,
    InstanceNorm,
    LayerNorm,
    LayerOp,
    LayerScale,
    LayerSpec,
    Multiply,
    Origin,
    Pad,
    Padding,
    PixelShuffle,
    Pool,
    SeparableConv,
    Upsample,
)
from cnncalc.symbolic import Count, Poly

Converter = Callable[[object, str, int, Origin], object]
Values = Mapping[str, Any]

_DIMS_SPLIT = re.compile("\\s*[x\u00d7]\\s*")  # 3x3, also with the multiplication sign
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _int(value: object, what: str, origin: Origin, minimum: int) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
        if re.match(r"\s*[+-]?0[0-9]", value):
            raise origin.error(
                f"{what}: '{value.strip()}' is written with a leading zero; numbers are "
                "written in decimal without one"
            )
        digits = len(value.strip().lstrip("+-"))
        if digits > MAX_DIGITS:
            raise origin.error(
                f"{what} has {digits:,} digits; cnncalc reads whole numbers of at most "
                f"{MAX_DIGITS:,} digits"
            )
        value = int(value)
    if isinstance(value, int) and abs(value) >= 10**MAX_DIGITS:
        raise origin.error(
            f"{what} has more than {MAX_DIGITS} digits; cnncalc reads whole numbers of at "
            f"most {MAX_DIGITS} digits"
        )
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "a number with a fraction" if isinstance(value, float) else type(value).__name__
        raise origin.error(f"{what} must be a whole number, got {_show(value)} ({kind})")
    if value < minimum:
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise origin.error(f"{what} must be {bound}, got {value}")
    return value


def to_count(value: object, what: str, dims: int, origin: Origin) -> int:
    """A positive whole number (groups, sizes)."""
    return _int(value, what, origin, 1)


_RESERVED = _TRUE | _FALSE | {"same", "valid", "none", "null"}


def to_channels(value: object, what: str, dims: int, origin: Origin) -> Count:
    """A positive whole number, or a symbol such as ``C`` (filters, units, channels).

    Counts built from symbols stay exact polynomials: ``CONV(C, 7)`` has ``49C^2 + C``
    parameters on a ``C``-channel input.
    """
    if isinstance(value, str) and value.isidentifier() and value.lower() not in _RESERVED:
        return Poly.symbol(value)
    return _int(value, what, origin, 1)


def _per_axis(value: object, what: str, dims: int, origin: Origin) -> list[object]:
    if isinstance(value, str) and _DIMS_SPLIT.search(value.strip()):
        items: list[object] = [p for p in _DIMS_SPLIT.split(value.strip())]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return [value] * max(dims, 1)
    if dims == 0:
        raise origin.error(f"{what} has per-axis values, but the input has no spatial axes")
    if len(items) != dims:
        raise origin.error(
            f"{what} has {len(items)} values, but the input has {dims} spatial "
            f"ax{'is' if dims == 1 else 'es'}: give one value or {dims}"
        )
    return items


def to_axes(value: object, what: str, dims: int, origin: Origin) -> Axes:
    """One positive whole number, or one per spatial axis (a list or ``3x3``)."""
    return tuple(_int(v, what, origin, 1) for v in _per_axis(value, what, dims, origin))


def to_padding(value: object, what: str, dims: int, origin: Origin) -> Padding:
    """A non-negative number, one per axis (each may be ``[left, right]``), or same/valid."""
    if isinstance(value, str) and value.strip().lower() in ("same", "valid"):
        mode = value.strip().lower()
        if mode == "valid":
            return Padding("valid", tuple((0, 0) for _ in range(dims)))
        return Padding("same")
    pairs = []
    for item in _per_axis(value, what, dims, origin):
        if isinstance(item, list | tuple):
            if len(item) != 2:
                raise origin.error(f"{what} per axis is one number or [left, right], got {item}")
            pairs.append((_int(item[0], what, origin, 0), _int(item[1], what, origin, 0)))
        else:
            if isinstance(item, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", item):
                raise origin.error(
                    f"{what} must be a whole number, a list per axis, 'same' or 'valid', "
                    f"got {_show(item)}{did_you_mean(item, ['same', 'valid'])}"
                )
            p = _int(item, what, origin, 0)
            pairs.append((p, p))
    return Padding("explicit", tuple(pairs[:dims]))


def to_bool(value: object, what: str, dims: int, origin: Origin) -> bool:
    """true/false (also yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise origin.error(f"{what} must be true or false, got {_show(value)}")


def to_float(value: object, what: str, dims: int, origin: Origin) -> float:
    """A finite number."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise origin.error(f"{what} must be a number, got {_show(value)}")
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise origin.error(f"{what} must be a finite number, got {_show(value)}")
    return result


def to_probability(value: object, what: str, dims: int, origin: Origin) -> float:
    """A number from 0 to 1."""
    p = to_float(value, what, dims, origin)
    if not 0.0 <= p <= 1.0:
        raise origin.error(f"{what} is a probability between 0 and 1, got {_show(value)}")
    return p


class Field(NamedTuple):
    """One hyperparameter of a kind: its key, aliases, value check and default.

    ``default`` is ``None`` for a required key or one derived by the kind's builder.
    """

    name: str
    convert: Converter
    default: object = None
    aliases: tuple[str, ...] = ()
    required: bool = False
    unset: str = "the kernel"
    """What a ``None`` default means, as ``cnncalc kinds`` says it."""


class Kind(NamedTuple):
    """A layer kind: canonical name, aliases, keys, positional order and builder."""

    name: str
    summary: str
    fields: tuple[Field, ...]
    build: Callable[[str, Values], LayerOp]
    aliases: tuple[str, ...] = ()
    positional: tuple[str, ...] = ()
    macs: str = "0 (only products with conv, local and fc weights are counted)"
    """The kind's multiply-accumulate rule as ``cnncalc kinds`` states it."""

    def field(self, key: str) -> Field | None:
        """The field a key (or alias) names, case-insensitively."""
        key = key.lower()
        for f in self.fields:
            if key == f.name or key in f.aliases:
                return f
        return None

    def keys(self) -> list[str]:
        """Every accepted key, aliases included."""
        fields = [k for f in self.fields for k in (f.name, *f.aliases)]
        return ["name", "from", "training_only", "functional", "share", "frozen", *fields]


def _conv(shared: bool) -> Callable[[str, Values], LayerOp]:
    def build(kind: str, v: Values) -> LayerOp:
        return Conv(
            filters=v["filters"],
            kernel=v["kernel"],
            stride=v["stride"],
            padding=v["padding"],
            dilation=v["dilation"],
            groups=v.get("groups", 1),
            bias=v["bias"],
            shared=shared,
        )

    return build


def _pool(op: str) -> Callable[[str, Values], LayerOp]:
    def build(kind: str, v: Values) -> LayerOp:
        kernel = v["kernel"]
        return Pool(
            op="max" if op == "max" else "avg",
            kernel=kernel,
            stride=v["stride"] if v["stride"] is not None else kernel,
            padding=v["padding"],
            dilation=v.get("dilation", tuple(1 for _ in kernel)),
            ceil_mode=v["ceil_mode"],
        )

    return build


def _dropout(kind: str, v: Values) -> LayerOp:
    return Dropout(v["p"])


def _activation(kind: str, v: Values) -> LayerOp:
    options = tuple((k, float(x)) for k, x in v.items() if k != "num_parameters")
    return Activation(kind, options, int(v.get("num_parameters", 0)))


_KERNEL = Field("kernel", to_axes, 3, aliases=("k", "kernel_size", "size"))
_STRIDE = Field("stride", to_axes, 1, aliases=("s", "strides"))
_PADDING = Field("padding", to_padding, 0, aliases=("p", "pad"))
_DILATION = Field("dilation", to_axes, 1, aliases=("d", "dilation_rate"))
_BIAS = Field("bias", to_bool, True, aliases=("use_bias",))
_FILTERS = Field("filters", to_channels, aliases=("out_channels", "channels"), required=True)
_POOL_KERNEL = Field("kernel", to_axes, 2, aliases=("k", "kernel_size", "size", "pool_size"))
_POOL_STRIDE = Field("stride", to_axes, None, aliases=("s", "strides"))


def to_rounding(value: object, what: str, dims: int, origin: Origin) -> bool | str:
    """Pooling's rounding: false (floor), true (PyTorch's ceil mode) or ``caffe``."""
    word = value.strip().lower() if isinstance(value, str) else None
    if word in ("caffe", "pytorch"):
        return "caffe" if word == "caffe" else True
    try:
        return to_bool(value, what, dims, origin)
    except CnnCalcError:
        raise origin.error(f"{what} must be true, false or caffe, got {_show(value)}") from None


_CEIL = Field("ceil_mode", to_rounding, False, aliases=("ceil",))
_OUTPUT = Field("output", to_axes, 1, aliases=("output_size", "out", "size"))

_ACTIVATIONS: dict[str, tuple[str, tuple[Field, ...], tuple[str, ...]]] = {
    "relu": ("rectified linear unit max(0, x)", (), ()),
    "relu6": ("min(max(0, x), 6)", (), ()),
    "leaky_relu": (
        "max(0, x) + negative_slope * min(0, x)",
        (Field("negative_slope", to_float, 0.01, aliases=("slope", "alpha")),),
        ("leakyrelu", "lrelu"),
    ),
    "prelu": (
        "leaky ReLU with a learnable slope (num_parameters of them)",
        (Field("num_parameters", to_count, 1, aliases=("n",)),),
        (),
    ),
    "elu": ("exponential linear unit", (Field("alpha", to_float, 1.0),), ()),
    "selu": ("scaled exponential linear unit", (), ()),
    "gelu": ("Gaussian error linear unit", (), ()),
    "silu": ("x * sigmoid(x)", (), ("swish",)),
    "mish": ("x * tanh(softplus(x))", (), ()),
    "hardswish": ("x * relu6(x + 3) / 6", (), ("hard_swish",)),
    "hardsigmoid": ("relu6(x + 3) / 6", (), ("hard_sigmoid",)),
    "sigmoid": ("logistic function 1 / (1 + exp(-x))", (), ("logistic",)),
    "tanh": ("hyperbolic tangent", (), ()),
    "softplus": ("log(1 + exp(x))", (), ()),
    "softmax": ("normalised exponential over channels", (), ()),
    "log_softmax": ("log of softmax over channels", (), ("logsoftmax",)),
}


def to_offsets(value: object, what: str, dims: int, origin: Origin) -> Axes:
    """One non-negative whole number, or one per spatial axis (output_padding)."""
    return tuple(_int(v, what, origin, 0) for v in _per_axis(value, what, dims, origin))


def to_sides(value: object, what: str, dims: int, origin: Origin) -> Padding:
    """Amounts per side, as padding is written (one number, per axis, [left, right]),
    without same/valid."""
    if isinstance(value, str) and value.strip().lower() in ("same", "valid"):
        raise origin.error(f"{what} takes amounts (one number, per axis, or [left, right])")
    return to_padding(value, what, dims, origin)


def to_scales(value: object, what: str, dims: int, origin: Origin) -> tuple[float, ...]:
    """One positive number or one per spatial axis; fractions allowed (scale factors)."""
    scales = tuple(to_float(v, what, dims, origin) for v in _per_axis(value, what, dims, origin))
    for scale in scales:
        if scale <= 0:
            raise origin.error(f"{what} must be positive, got {_show(scale)}")
    return scales


def to_size_or_layer(value: object, what: str, dims: int, origin: Origin) -> Axes | str:
    """A size (one positive number or one per axis), or the name of an earlier layer whose
    spatial size to match."""
    sizes = isinstance(value, str) and re.fullmatch("[0-9\\s.x\u00d7+-]*", value)
    if isinstance(value, str) and not (sizes and re.search("[0-9]", value)):
        return to_name(value.strip(), origin)
    return to_axes(value, what, dims, origin)


CHOICE_WORDS: set[str] = set()
"""Every word a kind's field may choose (``nearest-exact``): the grammar's tokens read
the hyphenated ones as one word, unquoted."""


def _choice(*words: str) -> Converter:
    """A converter accepting one of ``words`` (case-insensitive)."""
    CHOICE_WORDS.update(words)

    def convert(value: object, what: str, dims: int, origin: Origin) -> str:
        word = value.strip().lower() if isinstance(value, str) else None
        if word not in words:
            hint = did_you_mean(str(value), words) if isinstance(value, str) else ""
            raise origin.error(
                f"{what} must be one of {', '.join(words)}, got {_show(value)}{hint}"
            )
        return word

    convert.__doc__ = f"One of {', '.join(words)}."
    return convert


def _conv_transpose(kind: str, v: Values) -> LayerOp:
    return ConvTranspose(
        filters=v["filters"],
        kernel=v["kernel"],
        stride=v["stride"],
        padding=v["padding"],
        output_padding=v["output_padding"],
        dilation=v["dilation"],
        groups=v["groups"],
        bias=v["bias"],
    )


def _upsample(kind: str, v: Values) -> LayerOp:
    return Upsample(v["scale"], v["size"], v["mode"], v["align_corners"])


UPSAMPLE_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear")
PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _spatial_aliases(*stems: str) -> tuple[str, ...]:
    return tuple(f"{stem}{n}d" for stem in stems for n in (1, 2, 3))


def to_index(value: object, what: str, dims: int, origin: Origin) -> int:
    """A whole number from 0 (a channel or a part, counted from 0)."""
    return _int(value, what, origin, 0)


_NORM_MACS = (
    "0 under the default convention (it multiplies no conv, local or fc weights; "
    "inference folds it into the layer before)"
)


def _dwconv(kind: str, v: Values) -> LayerOp:
    return DepthwiseConv(
        v["multiplier"], v["kernel"], v["stride"], v["padding"], v["dilation"], v["bias"]
    )


def _sepconv(kind: str, v: Values) -> LayerOp:
    return SeparableConv(
        v["filters"],
        v["kernel"],
        v["stride"],
        v["padding"],
        v["dilation"],
        v["depth_multiplier"],
        v["bias"],
    )


_MODERN_KINDS: tuple[Kind, ...] = (
    Kind(
        "multiply",
        "elementwise product of its inputs, broadcast as PyTorch does (squeeze-and-excitation)",
        (),
        lambda kind, v: Multiply(),
        aliases=("mul",),
        macs="0 (products of two activations, no weights: not counted, as add's sums)",
    ),
    Kind(
        "channel_shuffle",
        "ShuffleNet's channel shuffle of groups groups (groups must divide the channels)",
        (Field("groups", to_count, aliases=("g",), required=True),),
        lambda kind, v: ChannelShuffle(v["groups"]),
        aliases=("channelshuffle", "shuffle"),
        positional=("groups",),
    ),
    Kind(
        "slice",
        "the channels from start (from 0), channels of them (default: to the last)",
        (
            Field("start", to_index, 0, aliases=("offset",)),
            Field("channels", to_count, aliases=("length",)),
        ),
        lambda kind, v: ChannelSlice(v["start"], v["channels"]),
        aliases=("channel_slice", "narrow"),
        positional=("start", "channels"),
    ),
    Kind(
        "split",
        "part index (from 0) of the channels cut into parts equal parts (torch.chunk)",
        (
            Field("parts", to_count, aliases=("chunks",), required=True),
            Field("index", to_index, 0, aliases=("part",)),
        ),
        lambda kind, v: ChannelSplit(v["parts"], v["index"]),
        aliases=("channel_split", "chunk"),
        positional=("parts", "index"),
    ),
    Kind(
        "layernorm",
        "layer norm over the channels at each position (C weights, C biases when affine)",
        (Field("affine", to_bool, True, aliases=("elementwise_affine",)), _BIAS),
        lambda kind, v: LayerNorm(v["affine"], v["bias"]),
        aliases=("layer_norm", "ln", "layernorm2d", "layernormalization"),
        macs=_NORM_MACS,
    ),
    Kind(
        "groupnorm",
        "group norm over groups groups of channels (2C parameters when affine)",
        (
            Field("groups", to_count, aliases=("num_groups", "g"), required=True),
            Field("affine", to_bool, True),
        ),
        lambda kind, v: GroupNorm(v["groups"], v["affine"]),
        aliases=("group_norm", "gn", "groupnormalization"),
        positional=("groups",),
        macs=_NORM_MACS,
    ),
    Kind(
        "instancenorm",
        "instance norm (2C parameters when affine; PyTorch's default is not)",
        (Field("affine", to_bool, False),),
        lambda kind, v: InstanceNorm(v["affine"]),
        aliases=("instance_norm", "instancenormalization", *_spatial_aliases("instancenorm")),
        macs=_NORM_MACS,
    ),
    Kind(
        "layer_scale",
        "one learned factor per channel (C parameters)",
        (),
        lambda kind, v: LayerScale(),
        aliases=("layerscale",),
        macs="0 under the default convention (out_numel products with its per-channel "
        "factors; only conv, local and fc weights are counted)",
    ),
    Kind(
        "drop_path",
        "stochastic depth: drops a residual branch in training, identity at inference",
        (Field("p", to_probability, 0.0, aliases=("rate", "prob", "drop_prob")),),
        lambda kind, v: DropPath(v["p"]),
        aliases=("droppath", "stochastic_depth", "stochasticdepth"),
        positional=("p",),
    ),
    Kind(
        "dwconv",
        "depthwise convolution: groups = input channels, filters = multiplier * C_in",
        (
            Field("multiplier", to_count, 1, aliases=("depth_multiplier", "m")),
            _KERNEL,
            _STRIDE,
            _PADDING,
            _DILATION,
            _BIAS,
        ),
        _dwconv,
        aliases=("depthwise", "depthwiseconv", *_spatial_aliases("depthwiseconv")),
        positional=("kernel", "stride"),
        macs="out_numel * prod(kernel) (each filter reads one channel), bias excluded",
    ),
    Kind(
        "sepconv",
        "separable convolution (Keras's SeparableConv2D): expands to a dwconv without "
        "bias and a 1x1 conv",
        (
            _FILTERS,
            _KERNEL,
            _STRIDE,
            _PADDING,
            _DILATION,
            Field("depth_multiplier", to_count, 1, aliases=("multiplier", "m")),
            _BIAS,
        ),
        _sepconv,
        aliases=("separableconv", "separable_conv", *_spatial_aliases("separableconv")),
        positional=("filters", "kernel"),
        macs="those of the dwconv and the 1x1 conv it expands to, each on its own row",
    ),
)
"""Today's layer kinds (issue 12), added at the end of :data:`KINDS`."""


def expand_shorthand(layer: LayerSpec) -> list[LayerSpec]:
    """The ordinary layers a shorthand stands for: ``sepconv`` (named N) becomes a
    ``dwconv`` without bias (named ``N_dw``) and a 1x1 ``conv`` (named N, so ``from: N``
    reads its output), as Keras's SeparableConv2D computes; any other layer is itself.
    A sepconv that shares with sepconv M shares each half with M's (``M_dw`` and M)."""
    op = layer.op
    if not isinstance(op, SeparableConv):
        return [layer]
    ones = tuple(1 for _ in op.kernel)
    depthwise = DepthwiseConv(
        op.depth_multiplier, op.kernel, op.stride, op.padding, op.dilation, bias=False
    )
    pointwise = Conv(
        op.filters, ones, ones, Padding("explicit", tuple((0, 0) for _ in ones)), ones, bias=op.bias
    )
    name, share = layer.name, layer.share
    return [
        LayerSpec(
            "dwconv",
            depthwise,
            f"{name}_dw" if name else None,
            layer.origin,
            layer.inputs,
            layer.training_only,
            layer.in_channels,
            share=f"{share}_dw" if share else None,  # the owner sepconv's depthwise half
            frozen=layer.frozen,
        ),
        LayerSpec(
            "conv",
            pointwise,
            name,
            layer.origin,
            (),
            layer.training_only,
            share=share,
            frozen=layer.frozen,
        ),
    ]


KINDS: tuple[Kind, ...] = (
    Kind(
        "conv",
        "convolution with weight sharing",
        (
            _FILTERS,
            _KERNEL,
            _STRIDE,
            _PADDING,
            _DILATION,
            Field("groups", to_count, 1, aliases=("g",)),
            _BIAS,
        ),
        _conv(shared=True),
        aliases=("convolution", *_spatial_aliases("conv")),
        positional=("filters", "kernel"),
        macs="out_numel * C_in/groups * prod(kernel), bias excluded",
    ),
    Kind(
        "local",
        "locally connected layer: a convolution without weight sharing",
        (_FILTERS, _KERNEL, _STRIDE, _PADDING, _DILATION, _BIAS),
        _conv(shared=False),
        aliases=("locally_connected", *_spatial_aliases("local", "locallyconnected")),
        positional=("filters", "kernel"),
        macs="out_numel * C_in * prod(kernel), bias excluded (as the shared convolution)",
    ),
    Kind(
        "maxpool",
        "max pooling",
        (_POOL_KERNEL, _POOL_STRIDE, _PADDING, _DILATION, _CEIL),
        _pool("max"),
        aliases=("pool", "max_pool", "maxpooling", *_spatial_aliases("maxpool", "maxpooling")),
        positional=("kernel", "stride"),
    ),
    Kind(
        "avgpool",
        "average pooling",
        (_POOL_KERNEL, _POOL_STRIDE, _PADDING, _CEIL),
        _pool("avg"),
        aliases=(
            "avg_pool",
            "averagepooling",
            "average_pooling",
            *_spatial_aliases("avgpool", "averagepooling"),
        ),
        positional=("kernel", "stride"),
    ),
    Kind(
        "gap",
        "global average pooling: one value per channel",
        (),
        lambda kind, v: GlobalPool("avg"),
        aliases=(
            "global_avgpool",
            "global_avg_pool",
            "globalaveragepooling",
            *_spatial_aliases("globalaveragepooling"),
        ),
    ),
    Kind(
        "gmp",
        "global max pooling: one value per channel",
        (),
        lambda kind, v: GlobalPool("max"),
        aliases=(
            "global_maxpool",
            "global_max_pool",
            "globalmaxpooling",
            *_spatial_aliases("globalmaxpooling"),
        ),
    ),
    Kind(
        "adaptive_avgpool",
        "adaptive average pooling to a fixed output size",
        (_OUTPUT,),
        lambda kind, v: AdaptivePool("avg", v["output"]),
        aliases=("adaptiveavgpool", *_spatial_aliases("adaptiveavgpool", "adaptive_avgpool")),
        positional=("output",),
    ),
    Kind(
        "adaptive_maxpool",
        "adaptive max pooling to a fixed output size",
        (_OUTPUT,),
        lambda kind, v: AdaptivePool("max", v["output"]),
        aliases=("adaptivemaxpool", *_spatial_aliases("adaptivemaxpool", "adaptive_maxpool")),
        positional=("output",),
    ),
    Kind("flatten", "flatten to a feature vector", (), lambda kind, v: Flatten()),
    Kind(
        "add",
        "elementwise sum of its inputs (residual connection)",
        (),
        lambda kind, v: Add(),
        aliases=("sum", "residual"),
    ),
    Kind(
        "concat",
        "concatenation of its inputs along channels",
        (),
        lambda kind, v: Concat(),
        aliases=("concatenate", "cat", "depthconcat"),
    ),
    Kind(
        "identity",
        "passes its input on unchanged",
        (),
        lambda kind, v: Identity(),
        aliases=("id", "shortcut"),
    ),
    Kind(
        "fc",
        "fully connected layer",
        (
            Field("units", to_channels, aliases=("out_features", "features", "n"), required=True),
            _BIAS,
        ),
        lambda kind, v: Dense(v["units"], v["bias"]),
        aliases=("linear", "dense", "fully_connected", "fullyconnected"),
        positional=("units",),
        macs="n_in * units, bias excluded",
    ),
    Kind(
        "dropout",
        "dropout (no effect on sizes)",
        (Field("p", to_probability, 0.5, aliases=("rate", "prob")),),
        _dropout,
        aliases=_spatial_aliases("dropout"),
        positional=("p",),
    ),
    Kind(
        "batchnorm",
        "batch normalisation (2 learnable parameters per channel)",
        (Field("affine", to_bool, True),),
        lambda kind, v: BatchNorm(v["affine"]),
        aliases=("bn", "batch_norm", "batchnormalization", *_spatial_aliases("batchnorm")),
        macs=_NORM_MACS,
    ),
    Kind(
        "lrn",
        "local response normalisation",
        (Field("size", to_count, 5, aliases=("n", "depth_radius")),),
        lambda kind, v: LRN(v["size"]),
        aliases=("localresponsenorm", "local_response_norm"),
        positional=("size",),
    ),
    *(
        Kind(
            name,
            summary,
            fields,
            _activation,
            aliases=aliases,
            positional=tuple(f.name for f in fields),
        )
        for name, (summary, fields, aliases) in _ACTIVATIONS.items()
    ),
    *_MODERN_KINDS,
    Kind(
        "conv_transpose",
        "transposed convolution (deconvolution): upsamples by its stride",
        (
            _FILTERS,
            _KERNEL,
            _STRIDE,
            Field("padding", to_sides, 0, aliases=("p", "pad")),
            Field("output_padding", to_offsets, 0, aliases=("out_padding", "op")),
            _DILATION,
            Field("groups", to_count, 1, aliases=("g",)),
            _BIAS,
        ),
        _conv_transpose,
        aliases=(
            "deconv",
            "deconvolution",
            "convtranspose",
            "transposed_conv",
            *_spatial_aliases("convtranspose", "conv_transpose", "deconv"),
            *(f"conv{n}dtranspose" for n in (1, 2, 3)),
        ),
        positional=("filters", "kernel"),
        macs="C_in * prod(n_in) * C_out/groups * prod(kernel), bias excluded",
    ),
    Kind(
        "upsample",
        "interpolation to a scale, a size, or a named earlier layer's size",
        (
            Field("scale", to_scales, None, ("scale_factor", "factor"), unset="none (or size)"),
            Field(
                "size",
                to_size_or_layer,
                None,
                ("output_size",),
                unset="none; a size, or an earlier layer's name to match its size",
            ),
            Field("mode", _choice(*UPSAMPLE_MODES), "nearest", aliases=("interpolation",)),
            Field("align_corners", to_bool, False),
        ),
        _upsample,
        aliases=(
            "interpolate",
            "upsampling",
            "resize",
            *_spatial_aliases("upsampling"),
        ),
        positional=("scale", "mode"),
        macs="0 (interpolation weights are fixed, not learned; only products with learned "
        "weights are counted)",
    ),
    Kind(
        "pixel_shuffle",
        "channels to space: C*r^2 x H x W -> C x H*r x W*r (2D inputs)",
        (Field("factor", to_count, 2, aliases=("r", "upscale_factor", "block_size")),),
        lambda kind, v: PixelShuffle(v["factor"]),
        aliases=("pixelshuffle", "depth_to_space"),
        positional=("factor",),
        macs="0 (a rearrangement)",
    ),
    Kind(
        "pixel_unshuffle",
        "space to channels: C x H*r x W*r -> C*r^2 x H x W (2D inputs)",
        (Field("factor", to_count, 2, aliases=("r", "downscale_factor", "block_size")),),
        lambda kind, v: PixelShuffle(v["factor"], inverse=True),
        aliases=("pixelunshuffle", "space_to_depth"),
        positional=("factor",),
        macs="0 (a rearrangement)",
    ),
    Kind(
        "pad",
        "padding per side: constant, reflect, replicate or circular",
        (
            Field("padding", to_sides, 1, aliases=("p", "pad", "amount")),
            Field("mode", _choice(*PAD_MODES), "constant", aliases=("padding_mode",)),
            Field("value", to_float, 0.0, aliases=("constant_values",)),
        ),
        lambda kind, v: Pad(v["padding"], v["mode"], v["value"]),
        aliases=(
            "zeropad",
            *_spatial_aliases("zeropad", "constantpad", "zeropadding"),
        ),
        positional=("padding", "mode"),
        macs="0 (copies)",
    ),
    Kind(
        "crop",
        "cropping per side, or centred to a size or to a named earlier layer's size",
        (
            Field("cropping", to_sides, 0, aliases=("crop", "amount")),
            Field(
                "center",
                to_size_or_layer,
                None,
                ("centre", "center_to"),
                unset="none; a size, or an earlier layer's name to match its size",
            ),
        ),
        lambda kind, v: Crop(v["cropping"], v["center"]),
        aliases=("cropping", "center_crop", "centercrop", *_spatial_aliases("cropping")),
        positional=("cropping",),
        macs="0 (a slice)",
    ),
)

INPUT_KEYS = ("in_channels", "in_features", "num_features")
"""Keys naming what a layer reads (PyTorch's): checked against its input, not built in."""


def _numbered_words(*stems: str) -> tuple[str, ...]:
    return tuple(f"{stem}{n}d" for stem in stems for n in (1, 2, 3))


# Layers written with PyTorch's class names, exactly as PyTorch spells them, take
# PyTorch's positional order: nn.Conv2d(3, 16, 5) reads 3 input channels, 16 filters,
# kernel 5. Keras's spellings (Conv2D(16, 5), Dense(10)) and cnncalc's own words keep
# cnncalc's order, which is Keras's.
PYTORCH_ORDER: dict[str, tuple[str, ...]] = {
    **{
        word: (
            "in_channels",
            "filters",
            "kernel",
            "stride",
            "padding",
            "dilation",
            "groups",
            "bias",
        )
        for word in _numbered_words("Conv")
    },
    "Linear": ("in_channels", "units", "bias"),
    **{word: ("in_channels",) for word in _numbered_words("BatchNorm")},
    **{word: ("kernel", "stride", "padding", "dilation") for word in _numbered_words("MaxPool")},
    **{word: ("kernel", "stride", "padding", "ceil_mode") for word in _numbered_words("AvgPool")},
    **{
        word: (
            "in_channels",
            "filters",
            "kernel",
            "stride",
            "padding",
            "output_padding",
            "groups",
            "bias",
            "dilation",
        )
        for word in _numbered_words("ConvTranspose")
    },
    "Upsample": ("size", "scale", "mode", "align_corners"),
    **{word: ("padding", "value") for word in _numbered_words("ConstantPad")},
}

# Keras's UpSampling1D/2D/3D call their scale factor ``size``; written with Keras's
# spelling, exactly, ``size`` means that (cnncalc's and PyTorch's ``size`` is an output
# size): UpSampling2D(size=2) doubles H and W, as in Keras.
KERAS_KEYS: dict[str, dict[str, str]] = {
    word: {"size": "scale"} for word in ("UpSampling1D", "UpSampling2D", "UpSampling3D")
}

_BY_WORD: dict[str, Kind] = {word: kind for kind in KINDS for word in (kind.name, *kind.aliases)}

Defaults = Mapping[str, Mapping[str, object]]
"""Per canonical kind, converted default values that replace the built-in ones."""


def find_kind(word: str) -> Kind | None:
    """The kind a word names (case-insensitive, aliases accepted), or None."""
    return _BY_WORD.get(word.lower())


def lookup_kind(word: str, origin: Origin) -> Kind:
    """The kind a word names, or an error with a suggestion."""
    kind = find_kind(word)
    if kind is None:
        raise origin.error(
            f"unknown layer kind '{word}'{did_you_mean(word, _BY_WORD)}; "
            f"known kinds: {', '.join(k.name for k in KINDS)}"
        )
    return kind


def lookup_field(kind: Kind, key: str, origin: Origin) -> Field:
    """The field of ``kind`` that ``key`` names, or an error with a suggestion."""
    f = kind.field(key)
    if f is None:
        known = ", ".join(f.name for f in kind.fields) or "none besides name"
        raise origin.error(
            f"unknown key '{key}' for {kind.name}{did_you_mean(key, kind.keys())}; "
            f"{kind.name} takes: {known}"
        )
    return f


def convert_defaults(
    raw: Sequence[tuple[str, str, object, Origin]], dims: int
) -> dict[str, dict[str, object]]:
    """Check user defaults given as (kind word, key, value, origin) entries."""
    out: dict[str, dict[str, object]] = {}
    for word, key, value, origin in raw:
        kind = lookup_kind(word, origin)
        f = lookup_field(kind, key, origin)
        out.setdefault(kind.name, {})[f.name] = f.convert(
            value, f"{kind.name} {f.name}", dims, origin
        )
    return out


def make_layer(
    word: str,
    positional: Sequence[tuple[object, Origin]],
    keywords: Sequence[tuple[str, object, Origin]],
    *,
    dims: int,
    defaults: Defaults,
    origin: Origin,
    variables: Mapping[str, int] | None = None,
    params: Collection[str] = (),
) -> LayerSpec:
    """Resolve one layer from its kind word and raw arguments into a :class:`LayerSpec`.

    Order of precedence: arguments given, then the user's per-kind defaults, then
    the built-in defaults of :data:`KINDS`.
    """
    kind = lookup_kind(word, origin)
    given: dict[str, tuple[object, Origin]] = {}
    order = PYTORCH_ORDER.get(word, kind.positional)
    if len(positional) > len(order):
        extra_origin = positional[len(order)][1]
        takes = ", ".join(order) if order else "no positional arguments"
        spelling = f" (PyTorch's order, as {word} is written)" if word in PYTORCH_ORDER else ""
        raise extra_origin.error(
            f"too many positional arguments for {kind.name}: it takes {takes}{spelling}"
        )
    for (value, where), key in zip(positional, order, strict=False):
        given[key] = (value, where)
    name: str | None = None
    inputs: tuple[str, ...] = ()
    training_only = False
    functional = False
    frozen = False
    in_channels: Count | None = None
    share: str | None = None
    if "in_channels" in given:  # given by position in PyTorch's order
        value, where = given.pop("in_channels")
        in_channels = to_channels(value, f"{kind.name} in_channels", dims, where)
    renamed = KERAS_KEYS.get(word, {})
    for key, value, where in keywords:
        key = renamed.get(key.lower(), key)
        if key.lower() in INPUT_KEYS:
            in_channels = to_channels(value, f"{kind.name} {key.lower()}", dims, where)
            continue
        if key.lower() == "inplace" and kind.build in (_activation, _dropout):
            to_bool(value, "inplace", dims, where)  # checked, and of no consequence here
            continue
        if key.lower() in ("from", "inputs"):
            inputs = layer_refs(value, where)
            continue
        if key.lower() == "training_only":
            training_only = to_bool(value, "training_only", dims, where)
            continue
        if key.lower() == "functional":
            functional = _functional(kind, value, dims, where)
            continue
        if key.lower() == "frozen":
            frozen = to_bool(value, "frozen", dims, where)
            continue
        if key.lower() == "name":
            name = to_name(value, where)
            continue
        if key.lower() == "share":
            share = to_share(value, where)
            continue
        f = lookup_field(kind, key, where)
        if f.name in given:
            raise where.error(f"{kind.name} {f.name} is given twice")
        given[f.name] = (value, where)
    values: dict[str, object] = {}
    kind_defaults = defaults.get(kind.name, {})
    for f in kind.fields:
        if f.name in given:
            value, where = given[f.name]
            if f.convert is to_channels and isinstance(value, str):
                # a bound variable stands only where a symbol may: ``CONV(C)`` with C=64
                value = (variables or {}).get(value, value)
                _not_a_misspelt_parameter(value, params, where)
            values[f.name] = f.convert(value, f"{kind.name} {f.name}", dims, where)
        elif f.name in kind_defaults:
            values[f.name] = kind_defaults[f.name]
        elif f.required:
            spelling = (
                f"; {word} takes PyTorch's order: {', '.join(order)}"
                if word in PYTORCH_ORDER
                else ""
            )
            error = origin.error(
                f"{kind.name} needs {f.name}: give it (e.g. {kind.name.upper()}(64)) or set a "
                f"default for {kind.name}.{f.name} (YAML 'defaults', or the defaults option)"
                f"{spelling}"
            )
            if isinstance(error, CnnCalcError):
                error.option = "defaults"
            raise error
        elif f.default is None:
            values[f.name] = None
        else:
            values[f.name] = f.convert(f.default, f.name, dims, origin)
    return LayerSpec(
        kind.name,
        kind.build(kind.name, values),
        name,
        origin,
        inputs,
        training_only,
        in_channels,
        functional,
        share,
        frozen,
    )


FUNCTIONAL_KINDS = frozenset(
    {
        *(name for name in _ACTIVATIONS),
        "maxpool",
        "avgpool",
        "adaptive_avgpool",
        "adaptive_maxpool",
        "gap",
        "gmp",
        "upsample",
        "flatten",
    }
)
"""Kinds PyTorch also offers as functions (``F.relu``, ``F.adaptive_avg_pool2d``,
``torch.flatten``)."""


def _functional(kind: Kind, value: object, dims: int, where: Origin) -> bool:
    """``functional: true``: the layer is a function call in the PyTorch model."""
    if kind.name not in FUNCTIONAL_KINDS:
        raise where.error(
            "functional applies to activation, pooling, upsample and flatten layers, which "
            f"PyTorch also offers as functions; {kind.name} is not one of them"
        )
    return to_bool(value, "functional", dims, where)


def to_name(value: object, where: Origin) -> str:
    """A layer's (or a block use's) name: non-empty text; a whole number reads as text."""
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise where.error(f"name must be a non-empty text, got {_show(value)}")
    return str(value)


def to_share(value: object, where: Origin) -> str:
    """``share: conv1``: the name of one earlier layer (or block use) whose parameters a
    layer (or use) reuses."""
    if (
        isinstance(value, bool)
        or not isinstance(value, str | int)
        or str(value) == ""
        or str(value).startswith("@")
    ):
        raise where.error(f"'share' takes one layer name, got {_show(value)}")
    return str(value)


def layer_refs(value: object, where: Origin) -> tuple[str, ...]:
    """``from: a`` or ``from: [a, b]``: names of earlier layers (``input`` for the input)."""
    items = value if isinstance(value, list | tuple) else [value]
    refs = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int) or str(item) == "":
            raise where.error(f"'from' takes layer names, got {_show(item)}")
        if str(item).startswith("@"):  # relative references are cnncalc's own notation
            raise where.error(f"'from' takes layer names, got {_show(item)}")
        refs.append(str(item))
    if not refs:
        raise where.error("'from' needs at least one layer name")
    return tuple(refs)


def _not_a_misspelt_parameter(value: object, params: Collection[str], where: Origin) -> None:
    """In a block, a word where a count is expected and close to one of the block's
    parameters is a misspelling, not a new symbol."""
    if not params or not isinstance(value, str) or value in params:
        return
    hint = did_you_mean(value, params)
    if hint:
        raise where.error(
            f"'{value}' is no parameter of this block{hint}; a new symbol would need another name"
        )


def typed_key(value: object) -> object:
    """A cache key for a raw value that keeps its type: ``1``, ``1.0`` and ``True`` are
    equal in Python but not the same argument (a float filter count is an error)."""
    if isinstance(value, list | tuple):
        return (list, tuple([typed_key(v) for v in value]))
    return (type(value), value)


class LayerFactory:
    """:func:`make_layer` for one spec (fixed dims and defaults), remembering results.

    Long chains repeat the same few layers; a layer written with the same arguments
    (same values of the same types) resolves to the same (immutable) op, so it is
    converted once: about a fifth of the time to load the zoo. Each layer keeps its own
    origin, so errors still point at the right place.
    """

    def __init__(
        self, dims: int, defaults: Defaults, variables: Mapping[str, int] | None = None
    ) -> None:
        self.dims = dims
        self.defaults = defaults
        self.variables = variables or {}
        self._cache: dict[object, LayerSpec] = {}

    def __call__(
        self,
        word: str,
        positional: Sequence[tuple[object, Origin]],
        keywords: Sequence[tuple[str, object, Origin]],
        origin: Origin,
        params: Collection[str] = (),
    ) -> LayerSpec:
        key: object = (
            word,
            tuple([typed_key(v) for v, _ in positional]),
            tuple([(k, typed_key(v)) for k, v, _ in keywords]),
            tuple(sorted(params)),
        )
        try:
            known = self._cache.get(key)
        except TypeError:  # unhashable values (YAML mappings): resolve without remembering
            key, known = None, None
        if known is not None:
            return known.placed(origin)
        layer = make_layer(
            word,
            positional,
            keywords,
            dims=self.dims,
            defaults=self.defaults,
            origin=origin,
            variables=self.variables,
            params=params,
        )
        if key is not None:
            self._cache[key] = layer
        return layer
