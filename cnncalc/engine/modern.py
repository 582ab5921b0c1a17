"""Evaluation of today's layer kinds: elementwise multiply (the squeeze-and-excitation
merge), channel shuffle, split and slice, layer, group and instance norm, layer scale,
stochastic depth and depthwise convolution.

Called from :mod:`cnncalc.engine.evaluate`'s dispatch; sizes and parameter counts follow
PyTorch's documented semantics (``torch.mul``, ``nn.ChannelShuffle``, ``torch.narrow``,
``torch.chunk``, ``nn.LayerNorm``, ``nn.GroupNorm``, ``nn.InstanceNorm2d``, ``nn.Conv2d``
with ``groups=in_channels``).
"""

from __future__ import annotations

from math import prod
from typing import NamedTuple, Protocol

from cnncalc.engine import formulas as f
from cnncalc.results import HyperValue, Shape
from cnncalc.spec import (
    ChannelShuffle,
    ChannelSlice,
    ChannelSplit,
    Conv,
    DepthwiseConv,
    DropPath,
    GroupNorm,
    InstanceNorm,
    LayerNorm,
    LayerScale,
    ModernOp,
    SeparableConv,
)
from cnncalc.symbolic import Count

NEEDS_SPATIAL = (ChannelShuffle, InstanceNorm, DepthwiseConv)
"""The kinds refused on a flat vector (as PyTorch's 2D/3D modules are)."""


class Layer(Protocol):
    """The layer being evaluated, as the engine hands it over: it makes located errors."""

    def fail(self, message: str) -> Exception:
        """An error pointing at the layer."""
        ...


class Made(NamedTuple):
    """What a modern single-input layer makes: output, hyperparameters, parameters."""

    output: Shape
    hyper: dict[str, HyperValue]
    params: Count = 0


def _dims(shape: Shape) -> tuple[Count, ...]:
    """The shape as PyTorch holds it, batch left out: ``(C, *size)``."""
    return (shape.channels, *shape.size)


def depthwise(op: DepthwiseConv, at: Layer, shape: Shape) -> Conv:
    """The ordinary convolution a depthwise one is on this input (groups = channels)."""
    if not isinstance(shape.channels, int):
        raise at.fail(
            f"dwconv needs a known number of input channels (its groups), got "
            f"{shape.channels}; give the symbol a value"
        )
    return op.as_conv(shape.channels)


def outcome(op: ModernOp, at: Layer, shape: Shape) -> Made:
    """What one of the other single-input modern layers makes of its input."""
    c = shape.channels
    if isinstance(op, DepthwiseConv | SeparableConv):  # evaluated as conv; expanded
        raise at.fail(f"{type(op).__name__} is evaluated as the convolutions it stands for")
    if isinstance(op, ChannelShuffle):
        _check_groups(at, "channel_shuffle groups", op.groups, c)
        return Made(shape, {"groups": op.groups})
    if isinstance(op, ChannelSlice):
        return _slice(op, at, shape)
    if isinstance(op, ChannelSplit):
        if op.index >= op.parts:
            raise at.fail(
                f"split index {op.index} is beyond its {op.parts} parts (indices 0 to "
                f"{op.parts - 1})"
            )
        if isinstance(c, int) and op.parts > c:
            raise at.fail(f"split into {op.parts} parts is beyond the {c} input channels")
        _check_groups(at, "split parts", op.parts, c)
        hyper: dict[str, HyperValue] = {"parts": op.parts, "index": op.index}
        return Made(Shape(c // op.parts, shape.size), hyper)
    if isinstance(op, LayerNorm):
        params = f.layernorm_params(c, op.affine, op.bias)
        return Made(shape, {"affine": op.affine, "bias": op.bias}, params)
    if isinstance(op, GroupNorm):
        _check_groups(at, "groupnorm groups", op.groups, c)
        _check_values(at, "groupnorm", c // op.groups * prod(shape.size), "group")
        hyper = {"groups": op.groups, "affine": op.affine}
        return Made(shape, hyper, f.affine_norm_params(c, op.affine))
    if isinstance(op, InstanceNorm):
        _check_values(at, "instancenorm", prod(shape.size), "channel")
        return Made(shape, {"affine": op.affine}, f.affine_norm_params(c, op.affine))
    if isinstance(op, LayerScale):
        return Made(shape, {}, f.layer_scale_params(c))
    assert isinstance(op, DropPath)
    return Made(shape, {"p": op.p})


def _check_groups(at: Layer, what: str, groups: int, channels: Count) -> None:
    """Refuse a group (or part) count that does not divide the channels."""
    if channels % groups:
        raise at.fail(f"{what} {groups} does not divide the {channels} input channels")


def _check_values(at: Layer, kind: str, values: Count, per: str) -> None:
    """Refuse a norm over one value, which PyTorch refuses (its variance is undefined)."""
    if values == 1:
        raise at.fail(
            f"{kind} would normalise one value per {per}, which PyTorch refuses; "
            "it needs more than one"
        )


def _slice(op: ChannelSlice, at: Layer, shape: Shape) -> Made:
    """``torch.narrow(x, 1, start, channels)``: refused past the last channel."""
    c = shape.channels
    end = None if op.channels is None else op.start + op.channels
    if isinstance(c, int):
        if op.start >= c or (end is not None and end > c):
            upto = f"{op.start} to {end - 1}" if end is not None else f"from {op.start}"
            raise at.fail(f"slice of channels {upto} is beyond the {c} input channels")
    elif op.channels is None:
        raise at.fail(f"slice to the last channel needs a known channel count, got {c}")
    channels: Count = c - op.start if op.channels is None else op.channels
    hyper: dict[str, HyperValue] = {"start": op.start, "channels": channels}
    return Made(Shape(channels, shape.size), hyper)


def multiply(at: Layer, inputs: list[tuple[str, Shape]]) -> tuple[Shape, list[str]]:
    """The shape of an elementwise product, PyTorch's broadcasting of every input, and
    any warnings.

    A flat vector of C features (or of 1) times a spatial map of C channels reads as a
    1x1xC gate (the ``.view(N, C, 1, 1)`` a PyTorch SENet writes), with a warning.
    """
    notices: list[str] = []
    spatial = next((shape for _, shape in inputs if shape.size), None)
    dims: tuple[Count, ...] | None = ()
    for name, shape in inputs:
        if spatial is not None and not shape.size:
            if shape.channels not in (1, spatial.channels):
                dims = None
                break
            shape = Shape(shape.channels, tuple(1 for _ in spatial.size))
            notices.append(
                f"the flat vector {name} ({shape.channels} features) multiplies as a "
                f"{shape.text()} gate (PyTorch needs .view(N, C, 1, 1) for that)"
            )
        dims = f.broadcast(dims or (), _dims(shape))
        if dims is None:
            break
    if not dims:
        listing = ", ".join(f"{name} {shape.text()}" for name, shape in inputs)
        raise at.fail(
            f"multiply needs inputs whose shapes broadcast (on each axis equal, or one of "
            f"them 1), got {listing}"
        )
    return Shape(dims[0], tuple(n for n in dims[1:] if isinstance(n, int))), notices


GATE_NOTE = (
    "a gate broadcast over the map (squeeze-and-excitation) makes every output unit depend "
    "on the whole input; the receptive field shown here and after follows the map's own "
    "path, as receptive-field tables of such networks do"
)
"""Said once per network, at the first multiply whose gate is broadcast."""
