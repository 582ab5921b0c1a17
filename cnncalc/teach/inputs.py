"""Which input sizes a whole network accepts along one axis (``cnncalc solve --spec``).

The per-axis work is :mod:`cnncalc.engine.sizes`; this module adds what only the whole
engine knows: a check at one valid size (channels, groups, the other axes, which do not
depend on the size solved for), the length a fully connected layer's ``in_features``
fixes, and ranges.
"""

from __future__ import annotations

from cnncalc.engine.evaluate import evaluate, wiring
from cnncalc.engine.sizes import AxisNet, ClosedForm, axis_index, closed_form
from cnncalc.errors import CnnCalcError, LimitError
from cnncalc.record import field, record, replace
from cnncalc.spec import AXIS_NAMES, Dense, NetworkSpec

MAX_RANGE = 1_000_000
"""The most sizes one range may hold per axis."""

DEFAULT_RANGE = (1, 1024)
"""The range listed when there is no closed form and none is given."""


@record
class ValidInputs:
    """The answer of :func:`valid_inputs` for one axis.

    ``closed``: every valid size, when the solver found the closed form (None when it
    would cost too much; then only ``sizes`` is known). ``sizes``: the valid sizes in
    ``range`` (``capped`` when the range asked for was longer than allowed).
    ``failure``: when no size works, the layer that makes every size fail and why.
    """

    spec: NetworkSpec
    axis: str
    strict: bool
    closed: ClosedForm | None
    range: tuple[int, int]
    sizes: tuple[int, ...]
    capped: bool = False
    failure: str | None = None
    _net: AxisNet | None = field(default=None, compare=False, repr=False)

    def output(self, n: int) -> int | None:
        """The network output's length on this axis for input length ``n`` (None when the
        output is a flat vector)."""
        return None if self._net is None else self._net.output(n)

    def nearest(self, n: int) -> tuple[int | None, int | None]:
        """The nearest valid sizes at or below and at or above ``n``."""
        if self.failure is not None:
            return None, None
        if self.closed is not None:
            return self.closed.below(n), self.closed.above(n)
        below = [x for x in self.sizes if x <= n]
        above = [x for x in self.sizes if x >= n]
        return (below[-1] if below else None), (above[0] if above else None)


def parse_range(text: str) -> tuple[int, int]:
    """``"1..1024"`` as ``(1, 1024)``."""
    low, sep, high = text.partition("..")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise CnnCalcError(
            f"a range is written LOW..HIGH, e.g. 1..1024, not '{text}'", option="range"
        )
    if len(low.strip()) > 30 or len(high.strip()) > 30:
        raise LimitError("range bounds must have at most 30 digits", option="range")
    return int(low), int(high)


def _resized(spec: NetworkSpec, axis: int, n: int) -> NetworkSpec:
    size = tuple(n if i == axis else x for i, x in enumerate(spec.input.size))
    return replace(spec, input=replace(spec.input, size=size))


def _pins(spec: NetworkSpec, net: AxisNet, n: int) -> dict[int, int] | str:
    """The input length each fully connected layer's ``in_features`` fixes on this axis
    (its input holds a constant times that length), found from one evaluation at a size
    ``n`` the rest of the network accepts; or the engine's error there."""
    growth = net.growths()
    coupled = [
        i
        for i, layer in enumerate(spec.layers)
        if isinstance(layer.op, Dense)
        and layer.in_channels is not None
        and growth[net.sources[i][0]][1] > 0
    ]
    if not coupled:
        return {}
    free = replace(
        spec,
        layers=tuple(
            replace(layer, in_channels=None) if i in coupled else layer
            for i, layer in enumerate(spec.layers)
        ),
    )
    try:
        result = evaluate(_resized(free, net.axis, n))
    except CnnCalcError as error:
        return str(error)
    values = net.run(n)[0]
    pins = {}
    for i in coupled:
        source = net.sources[i][0]
        numel = result.input.numel if source == 0 else result.layers[source - 1].output.numel
        want = spec.layers[i].in_channels
        m = values[source]
        if isinstance(numel, int) and isinstance(want, int):
            pins[i] = want * m // numel if (want * m) % numel == 0 else -1
        else:
            pins[i] = m if numel == want else -1
    return pins


def valid_inputs(
    net: NetworkSpec,
    axis: str | int,
    range: tuple[int, int] | None = None,
    strict: bool = False,
) -> ValidInputs:
    """The input sizes along ``axis`` (a name such as ``"H"``, or an index) for which the
    whole network runs, the other axes kept as the spec gives them.

    Valid means every layer's window fits and leaves an output, every merge (add,
    concat) sees equal sizes, and everything else the engine checks holds; ``strict``
    also refuses sizes where a floor leaves input rows unseen. The answer holds the
    closed form where it can be found, and the valid sizes in ``range`` (LOW, HIGH),
    inclusive, at most :data:`MAX_RANGE` sizes; without a closed form a longer range is
    a LimitError.
    """
    index = axis_index(net.input.dims, axis)
    name = AXIS_NAMES[net.input.dims][index]
    per_axis = AxisNet(net, wiring(net), index, strict)
    closed = closed_form(per_axis)
    low, high = range or DEFAULT_RANGE
    if low < 1 or high < low:
        raise CnnCalcError(f"a range needs 1 <= LOW <= HIGH, got {low}..{high}", option="range")
    capped = high - low + 1 > MAX_RANGE
    if capped:
        if closed is None:
            raise LimitError(
                f"the range {low}..{high} holds {high - low + 1:,} sizes, more than "
                f"{MAX_RANGE:,}, and this network has no closed form within the work limit",
                option="range",
            )
        high = low + MAX_RANGE - 1
    witness = _witness(per_axis, closed, low, high)
    failure: str | None = None
    if witness is not None:
        pins = _pins(net, per_axis, witness)
        if isinstance(pins, str):
            failure = pins
        elif pins:
            per_axis = AxisNet(net, wiring(net), index, strict, pins)
            closed = closed_form(per_axis)
            witness = _witness(per_axis, closed, low, high)
    if failure is None and witness is not None:
        failure = _engine_problem(net, index, witness, strict)
    if failure is None and witness is None:
        failure = _blocking(per_axis, closed, low, high)
    if failure is not None:
        closed = ClosedForm(1, 1, ()) if closed is not None else None
        sizes: list[int] = []
    elif closed is not None:
        sizes = closed.listing(low, high)
    else:
        sizes = [n for n in _range(low, high) if per_axis.valid(n)]
    return ValidInputs(
        net, name, strict, closed, (low, high), tuple(sizes), capped, failure, per_axis
    )


def _range(low: int, high: int) -> range:
    return range(low, high + 1)


def _witness(net: AxisNet, closed: ClosedForm | None, low: int, high: int) -> int | None:
    """One valid size: the smallest of the closed form, else the first in the range."""
    if closed is not None:
        return closed.above(1)
    return next((n for n in _range(low, high) if net.valid(n)), None)


def _engine_problem(spec: NetworkSpec, axis: int, n: int, strict: bool) -> str | None:
    """What the whole engine refuses at a size the axis accepts: it does not depend on
    the size, so every size fails with it."""
    try:
        result = evaluate(_resized(spec, axis, n))
    except CnnCalcError as error:
        return str(error)
    if strict:
        for notice in result.warnings:
            if notice.code == "inexact-floor" and "unseen" in notice.message:
                return f"{notice.message} (--strict, on another axis)"
    return None


def _blocking(net: AxisNet, closed: ClosedForm | None, low: int, high: int) -> str:
    """The layer no size gets past: over the sizes looked at, the latest first failure."""
    if closed is not None:
        t, p = net.bounds()
        sizes = _range(1, t + p - 1)
    else:
        sizes = _range(low, high)
    worst = None
    for n in sizes:
        failure = net.run(n)[1]
        if failure is not None and (worst is None or failure.layer > worst[0].layer):
            worst = (failure, n)
    if worst is None:
        return "no size was looked at"
    failure, n = worst
    scope = "every size" if closed is not None else f"every size in {low}..{high}"
    return (
        f"layer {failure.layer + 1} ({net.names[failure.layer]}) fails for "
        f"{scope}; at {net.axis_name} = {n}: {failure.reason}"
    )
