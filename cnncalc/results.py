"""Immutable results: what the engine computed, and all that any renderer reads."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from cnncalc.spec import Axes
from cnncalc.symbolic import Count

HyperValue = Count | float | bool | str | tuple[int, ...] | tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Shape:
    """A feature map: channels and spatial size (empty once flattened)."""

    channels: Count
    size: Axes

    @property
    def numel(self) -> Count:
        """Number of elements: channels times every spatial extent."""
        return self.channels * prod(self.size)


@dataclass(frozen=True)
class AxisField:
    """Receptive field on one input axis: size r, effective stride (jump) S, padding P.

    Output unit i is centred on input coordinate ``-P + i*S + (r-1)/2``.
    """

    size: int
    jump: int
    padding: int

    @property
    def start(self) -> int | float:
        """Centre of output unit 0 on the input: ``(r - 1)/2 - P`` (exact, may be .5)."""
        twice = self.size - 1 - 2 * self.padding
        return twice // 2 if twice % 2 == 0 else twice / 2


@dataclass(frozen=True)
class Notice:
    """A warning a user should see; ``layer`` is the 1-based index, or None for the network."""

    code: str
    message: str
    layer: int | None = None


@dataclass(frozen=True)
class LayerResult:
    """Everything computed for one layer."""

    index: int
    name: str
    kind: str
    hyper: tuple[tuple[str, HyperValue], ...]
    output: Shape
    params: Count
    params_nonshared: Count | None
    params_fc: Count | None
    receptive_field: tuple[AxisField, ...]
    macs: Count
    activations: Count
    inputs: tuple[str, ...] = ()
    """Names of the layers (or ``input``) this layer reads."""

    def hyper_value(self, key: str) -> HyperValue | None:
        """One resolved hyperparameter, or None when the layer has no such key."""
        return dict(self.hyper).get(key)


@dataclass(frozen=True)
class Totals:
    """Whole-network totals; bytes use the result's dtype."""

    params: Count
    macs: Count
    activations: Count
    param_bytes: Count
    activation_bytes: Count
    input_elements: Count
    input_bytes: Count

    @property
    def flops(self) -> Count:
        """FLOPs counted as 2 x MACs (one multiply and one add each)."""
        return 2 * self.macs


@dataclass(frozen=True)
class NetworkResult:
    """The whole computation: input, layers, totals, warnings."""

    name: str | None
    input: Shape
    layers: tuple[LayerResult, ...]
    totals: Totals
    warnings: tuple[Notice, ...]
    dtype: str
    dtype_bytes: int
