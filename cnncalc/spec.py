"""The spec model: what a network is, as written, with every default resolved.

Frozen records only (``cnncalc.record``: dataclasses made cheaply); no arithmetic beyond
validation of types lives here.
Both spec formats (YAML and the grammar) produce a :class:`NetworkSpec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol, TypeGuard

from cnncalc.record import field, record, replace
from cnncalc.symbolic import Count

Axes = tuple[int, ...]
"""One positive integer per spatial axis, in input order (D, H, W)."""

PadPair = tuple[int, int]
PadMode = Literal["explicit", "same", "valid"]
PoolOp = Literal["max", "avg"]

AXIS_NAMES: dict[int, tuple[str, ...]] = {0: (), 1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


class Origin(Protocol):
    """Where a piece of a spec was written; turns a message into an error pointing there."""

    def error(self, message: str) -> Exception:
        """Return an error whose text points at this place."""
        ...

    def describe(self) -> str:
        """A short human description of the place, e.g. ``line 12``."""
        ...


@record
class NoOrigin:
    """Origin of layers built in code (tests, library users)."""

    def error(self, message: str) -> Exception:
        from cnncalc.errors import SpecError

        return SpecError(message)

    def describe(self) -> str:
        return "built in code"


@record
class Padding:
    """Padding as written: explicit (left, right) per axis, or ``same``/``valid``.

    ``same`` is resolved against the input size by the engine (TensorFlow's rule,
    which equals PyTorch's ``padding='same'`` at stride 1).
    """

    mode: PadMode
    pairs: tuple[PadPair, ...] = ()

    @property
    def symmetric(self) -> bool:
        """True when every axis pads the same amount on both sides."""
        return all(left == right for left, right in self.pairs)


@record
class Conv:
    """A convolution (``shared``) or a locally connected layer (not ``shared``)."""

    filters: Count
    kernel: Axes
    stride: Axes
    padding: Padding
    dilation: Axes
    groups: int = 1
    bias: bool = True
    shared: bool = True


@record
class Pool:
    """Max or average pooling over a sliding window."""

    op: PoolOp
    kernel: Axes
    stride: Axes
    padding: Padding
    dilation: Axes
    ceil_mode: bool | Literal["caffe"] = False


@record
class GlobalPool:
    """Global pooling: one value per channel."""

    op: PoolOp


@record
class AdaptivePool:
    """Adaptive pooling to a fixed output size, windows as PyTorch computes them."""

    op: PoolOp
    output: Axes


@record
class Flatten:
    """Flattens channels and spatial axes into one feature vector."""


@record
class Dense:
    """A fully connected layer (flattens a spatial input itself)."""

    units: Count
    bias: bool = True


@record
class Activation:
    """An elementwise (or per-position, for softmax) activation function."""

    function: str
    options: tuple[tuple[str, float], ...] = ()
    num_parameters: int = 0


@record
class Dropout:
    """Dropout with probability ``p`` (no effect on sizes)."""

    p: float


@record
class BatchNorm:
    """Batch normalisation: 2 learnable parameters per channel when ``affine``."""

    affine: bool = True


@record
class LRN:
    """Local response normalisation across ``size`` neighbouring channels."""

    size: int


@record
class Add:
    """Elementwise sum of several inputs of one shape (a residual connection)."""


@record
class Concat:
    """Concatenation of several inputs along channels (spatial sizes must agree)."""


@record
class Identity:
    """Passes its input on unchanged (an empty branch, a shortcut)."""


@record
class Multiply:
    """Elementwise product of its inputs with PyTorch broadcasting (a squeeze-and-excitation
    gate of 1x1xC times an HxWxC map)."""


@record
class ChannelShuffle:
    """ShuffleNet's channel shuffle: ``groups`` groups of channels interleaved."""

    groups: int


@record
class ChannelSlice:
    """``channels`` channels from ``start`` (None: to the last), as ``torch.narrow``."""

    start: int = 0
    channels: int | None = None


@record
class ChannelSplit:
    """Part ``index`` of the channels cut into ``parts`` equal parts (ShuffleNet v2's
    ``x.chunk(2, dim=1)``)."""

    parts: int
    index: int = 0


@record
class LayerNorm:
    """Layer normalisation over the channels at each position (ConvNeXt's channels-last
    LayerNorm, torchvision's LayerNorm2d): ``C`` weights when affine, ``C`` biases more
    with ``bias``."""

    affine: bool = True
    bias: bool = True


@record
class GroupNorm:
    """Group normalisation over ``groups`` groups of channels: ``2C`` parameters when
    affine."""

    groups: int
    affine: bool = True


@record
class InstanceNorm:
    """Instance normalisation: ``2C`` parameters when affine (PyTorch's default is not)."""

    affine: bool = False


@record
class LayerScale:
    """One learned factor per channel (CaiT, ConvNeXt): ``C`` parameters."""


@record
class DropPath:
    """Stochastic depth with probability ``p``: no parameters, identity at inference."""

    p: float


@record
class DepthwiseConv:
    """A depthwise convolution: groups = input channels, ``multiplier`` filters per input
    channel; evaluated as the :class:`Conv` :meth:`as_conv` gives."""

    multiplier: int
    kernel: Axes
    stride: Axes
    padding: Padding
    dilation: Axes
    bias: bool = True

    def as_conv(self, channels: int) -> Conv:
        """The ordinary convolution this is on an input of ``channels`` channels."""
        return Conv(
            self.multiplier * channels,
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
            groups=channels,
            bias=self.bias,
        )


@record
class SeparableConv:
    """Keras's SeparableConv2D as written; the parsers expand it into a depthwise
    convolution without bias and a pointwise (1x1) convolution (see
    :func:`cnncalc.kinds.expand_shorthand`), so it never reaches the engine."""

    filters: Count
    kernel: Axes
    stride: Axes
    padding: Padding
    dilation: Axes
    depth_multiplier: int = 1
    bias: bool = True


ModernOp = (
    ChannelShuffle
    | ChannelSlice
    | ChannelSplit
    | LayerNorm
    | GroupNorm
    | InstanceNorm
    | LayerScale
    | DropPath
    | DepthwiseConv
    | SeparableConv
)
"""The single-input ops of today's networks, evaluated by :mod:`cnncalc.engine.modern`."""


@record
class ConvTranspose:
    """A transposed convolution (PyTorch's ConvTranspose, Keras's Conv2DTranspose)."""

    filters: Count
    kernel: Axes
    stride: Axes
    padding: Padding
    output_padding: Axes
    dilation: Axes
    groups: int = 1
    bias: bool = True


@record
class Upsample:
    """Interpolation to a scale (per axis), or to a size: given, or (a name) the spatial
    size of that earlier layer."""

    scale: tuple[float, ...] | None
    size: Axes | str | None
    mode: str = "nearest"
    align_corners: bool = False


@record
class PixelShuffle:
    """Channels to space by ``factor`` (``inverse``: space to channels), on 2D inputs."""

    factor: int
    inverse: bool = False


@record
class Pad:
    """Padding by (left, right) per axis, with a constant or by reflect/replicate/circular."""

    padding: Padding
    mode: str = "constant"
    value: float = 0.0


@record
class Crop:
    """Cropping by (left, right) per axis, or centred to a size: given, or (a name) the
    spatial size of that earlier layer."""

    cropping: Padding
    center: Axes | str | None = None


LayerOp = (
    Conv
    | Pool
    | GlobalPool
    | AdaptivePool
    | Flatten
    | Dense
    | Activation
    | Dropout
    | BatchNorm
    | LRN
    | Add
    | Concat
    | Identity
    | Multiply
    | ModernOp
    | ConvTranspose
    | Upsample
    | PixelShuffle
    | Pad
    | Crop
)


Merge = Add | Concat | Multiply
"""The ops that read several inputs (``from: [a, b]``; the grammar's ``ADD{...|...}``)."""


def is_merge(op: LayerOp) -> TypeGuard[Merge]:
    """True for an op that merges several inputs into one."""
    return isinstance(op, Add | Concat | Multiply)


@record
class LayerSpec:
    """One layer: its canonical kind, resolved hyperparameters and optional name."""

    kind: str
    op: LayerOp
    name: str | None = None
    origin: Origin = field(default=NoOrigin(), compare=False, repr=False)
    inputs: tuple[str, ...] = ()
    """Names of the layers this one reads; empty means the layer before (or the input)."""
    training_only: bool = False
    """Trained but not run at inference (an auxiliary classifier): its parameters count,
    its MACs and activations do not."""
    in_channels: Count | None = None
    """What the layer was written to read (PyTorch's in_channels, in_features or
    num_features), checked against its input; None when not given."""
    functional: bool = False
    """Written in PyTorch as a function call (``F.relu(x)``) rather than a module: the
    same computation, which only ptflops counts differently (see engine/counting.py)."""
    share: str | None = None
    """The name of an earlier layer whose parameters this one reuses (``share: conv1``);
    None when it has its own."""
    frozen: bool = False
    """Its parameters are not trained (``frozen: true``; PyTorch's ``requires_grad=False``,
    Keras's ``trainable=False``): they count as non-trainable."""
    shared_by_use: bool = False
    """``share`` comes from the block use around the layer (a use shares layer by layer,
    also layers without parameters), not from the layer itself."""

    def placed(self, origin: Origin) -> LayerSpec:
        """The same layer written at another place (cheaper than ``dataclasses.replace``,
        which long specs call once per layer)."""
        return LayerSpec(
            self.kind,
            self.op,
            self.name,
            origin,
            self.inputs,
            self.training_only,
            self.in_channels,
            self.functional,
            self.share,
            self.frozen,
            self.shared_by_use,
        )


@record
class InputSpec:
    """The network input: spatial size (0 to 3 axes) and channels."""

    size: Axes
    channels: Count

    @property
    def dims(self) -> int:
        """Number of spatial axes."""
        return len(self.size)


@record
class NetworkSpec:
    """A whole network: input and a chain of layers."""

    input: InputSpec
    layers: tuple[LayerSpec, ...]
    name: str | None = None


INPUT = "input"
"""The name by which layers refer to the network input."""


def layer_names(layers: tuple[LayerSpec, ...]) -> list[str]:
    """Display names: given names, and ``<kind><n>`` (counted per kind) for the rest, all
    distinct."""
    taken = {layer.name for layer in layers if layer.name}
    counters: dict[str, int] = {}
    names = []
    for layer in layers:
        if layer.name:
            names.append(layer.name)
            continue
        while True:
            counters[layer.kind] = counters.get(layer.kind, 0) + 1
            candidate = f"{layer.kind}{counters[layer.kind]}"
            if candidate not in taken:
                break
        taken.add(candidate)
        names.append(candidate)
    return names


def resolve_ref(ref: str, index: int, names: list[str]) -> str:
    """A reference made by layer ``index`` as a name: ``@-n`` (n layers back, how blocks
    and branches reach their input) becomes that layer's name, or ``input``."""
    if not ref.startswith("@-") or not ref[2:].isdigit():
        return ref
    j = index - int(ref[2:])
    return names[j] if j >= 0 else INPUT


def size_reference(op: LayerOp) -> tuple[str, str] | None:
    """The key and name of the earlier layer whose spatial size ``op`` matches (an
    upsample's ``size``, a crop's ``center``), or None."""
    if isinstance(op, Upsample) and isinstance(op.size, str):
        return "size", op.size
    if isinstance(op, Crop) and isinstance(op.center, str):
        return "center", op.center
    return None


def rename_reference(op: LayerOp, rename: Mapping[str, str]) -> LayerOp:
    """``op`` with the layer its size or centre names renamed (blocks and repeats rename
    the layers in them, and what refers to them follows)."""
    reference = size_reference(op)
    if reference is None or reference[1] not in rename:
        return op
    key, ref = reference
    return replace(op, **{key: rename[ref]})


_NO_PARAMETERS = (
    Pool,
    GlobalPool,
    AdaptivePool,
    Flatten,
    Dropout,
    Identity,
    ChannelShuffle,
    ChannelSlice,
    ChannelSplit,
    DropPath,
    Upsample,
    PixelShuffle,
    Pad,
    Crop,
    LRN,
    Add,
    Concat,
    Multiply,
)


def holds_no_parameters(op: LayerOp) -> bool:
    """True for an op that has no parameters whatever its input (a pool, a merge, an
    activation without learned slopes, a norm without affine); the engine counts them."""
    if isinstance(op, Activation):
        return op.num_parameters == 0
    if isinstance(op, BatchNorm | LayerNorm | GroupNorm | InstanceNorm):
        return not op.affine
    return isinstance(op, _NO_PARAMETERS)
