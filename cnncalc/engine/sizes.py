"""Which input lengths a network accepts along one spatial axis.

Each layer kind maps its input length ``m`` along an axis to an output length by the
engine's formulas (:mod:`cnncalc.engine.formulas`) and checks (:mod:`cnncalc.engine.checks`);
:data:`AXIS_RULES` is the one table that says how, per op class. A rule also states a
threshold ``T``, a period ``P`` and a growth ``Q`` such that for every ``m >= T``
``size(m + P) == size(m) + Q``, its checks repeat with period ``P``, and ``size`` does not
decrease. A new kind plugs in by adding one entry to :data:`AXIS_RULES` (a merge kind
needs none: :func:`cnncalc.spec.is_merge` makes it a merge).

Composing the rules along the graph gives, for every layer, such a triple as a function
of the network input ``n`` (:meth:`AxisNet.bounds`); every condition (windows fit, output
>= 1, merged lengths equal (a multiply's equal or 1), in strict mode no floor drops input)
is then periodic in ``n`` from a derived threshold ``T*`` with a period ``P*``, so
evaluating ``n < T* + P*`` gives the whole valid set in closed form.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import gcd, isqrt, lcm

from cnncalc.engine import formulas as f
from cnncalc.engine import resample
from cnncalc.engine.checks import avg_pool3d_problem, window_problem
from cnncalc.errors import CnnCalcError
from cnncalc.record import record, replace
from cnncalc.spec import (
    AXIS_NAMES,
    LRN,
    Activation,
    AdaptivePool,
    BatchNorm,
    ChannelShuffle,
    ChannelSlice,
    ChannelSplit,
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
    Multiply,
    NetworkSpec,
    Pad,
    Padding,
    PixelShuffle,
    Pool,
    SeparableConv,
    Upsample,
    is_merge,
    layer_names,
    resolve_ref,
    size_reference,
)

MAX_WORK = 1_500_000
"""The most (input size x layer) evaluations a closed form may cost; past it the solver
answers for a range only."""


def _none(m: int) -> str | None:
    return None


def _zero(m: int) -> int:
    return 0


def _same(m: int) -> int:
    return m


@record
class AxisRule:
    """How one layer maps its input length ``m`` along one axis.

    ``size(m)``: the output length (any integer, also where the layer fails);
    ``problem(m)``: why the layer cannot run, or None; ``unseen(m)``: input rows a floor
    leaves unseen (refused with ``strict``); ``rounding(m)``: the rounding written out
    when the division is not whole, for the mismatch explainer. For ``m >= threshold``:
    ``size(m + period) == size(m) + growth``, problem and unseen repeat with ``period``,
    and size does not decrease. ``spatial``: the layer needs a spatial input;
    ``flattens``: its output is a flat vector.
    """

    size: Callable[[int], int] = _same
    problem: Callable[[int], str | None] = _none
    unseen: Callable[[int], int] = _zero
    rounding: Callable[[int], str | None] = _none
    threshold: int = 1
    period: int = 1
    growth: int = 1
    spatial: bool = False
    flattens: bool = False
    matches: Callable[[int, int], str | None] | None = None
    """Set for a layer whose output length is another node's (an upsample's ``size`` or a
    crop's ``center`` naming a layer): ``matches(m, r)`` says why it cannot run on input
    length ``m`` when the named node's length is ``r``; its output is ``r``."""


def _rows(count: int) -> str:
    return f"{count} {'row' if count == 1 else 'rows'}"


def sliding_rule(
    kernel: int,
    stride: int,
    dilation: int,
    padding: Padding,
    axis: int,
    ceil_mode: bool | str,
    axis_name: str,
    extra: Callable[[int], str | None] = _none,
    least: int = 1,
) -> AxisRule:
    """A sliding window (conv, local, pool): PyTorch's output length, ``same`` padding
    resolved per length. Explicit padding: periodic with period ``s`` once the window
    fits (``m >= k_eff - p_left - p_right``); ``same`` padding is periodic in ``m mod s``
    and always fits. ``least``: a smallest length another check needs (3D avg pooling)."""
    k, s, d = kernel, stride, dilation
    k_eff = f.effective_kernel(k, d)
    if padding.mode == "same":

        def pads(m: int) -> tuple[int, int]:
            return f.same_padding(m, k, s, d)

        threshold = 1
    else:
        pl, pr = padding.pairs[axis]

        def pads(m: int) -> tuple[int, int]:
            return pl, pr

        threshold = k_eff - pl - pr

    def size(m: int) -> int:
        return f.pool_output_length(m, k, s, *pads(m), d, ceil_mode)

    def problem(m: int) -> str | None:
        return window_problem(m, k, s, *pads(m), d, ceil_mode, axis_name) or extra(m)

    def unseen(m: int) -> int:
        return 0 if ceil_mode else f.unused_input(m, k, s, *pads(m), d)

    def rounding(m: int) -> str | None:
        left, right = pads(m)
        span = f.padded_length(m, left, right) - k_eff
        if span % s == 0 or span < 0:
            return None
        padded = f"{m} + {left + right}" if left + right else f"{m}"
        text = f"({padded} - {k_eff})/{s}" if k_eff > 1 else f"({padded} - 1)/{s}"
        if ceil_mode:
            return f"ceil({text}) + 1 = {size(m)} adds a window past the end"
        lost = unseen(m)
        what = f"drops {_rows(lost)}" if lost else "drops only padding"
        return f"floor({text}) + 1 = {size(m)} {what}"

    return AxisRule(size, problem, unseen, rounding, max(1, threshold, least), s, 1, spatial=True)


def _conv_rule(op: Conv, axis: int, names: tuple[str, ...]) -> AxisRule:
    return sliding_rule(
        op.kernel[axis], op.stride[axis], op.dilation[axis], op.padding, axis, False, names[axis]
    )


def _pool_rule(op: Pool, axis: int, names: tuple[str, ...]) -> AxisRule:
    extra = _none
    least = 1
    if op.op == "avg" and len(names) == 3:  # PyTorch's avg_pool3d wants a whole window
        kernel = op.kernel
        least = kernel[axis]

        def extra(m: int) -> str | None:
            return avg_pool3d_problem(
                tuple(m if j == axis else kernel[j] for j in range(3)), kernel
            )

    return sliding_rule(
        op.kernel[axis],
        op.stride[axis],
        op.dilation[axis],
        op.padding,
        axis,
        op.ceil_mode,
        names[axis],
        extra,
        least,
    )


def _constant(value: int) -> AxisRule:
    return AxisRule(size=lambda m: value, growth=0, spatial=True)


def _adaptive_rule(op: AdaptivePool, axis: int, names: tuple[str, ...]) -> AxisRule:
    return _constant(op.output[axis])


def _global_rule(op: GlobalPool, axis: int, names: tuple[str, ...]) -> AxisRule:
    return _constant(1)


def _flatten_rule(op: Flatten, axis: int, names: tuple[str, ...]) -> AxisRule:
    # keeps the length: a fully connected layer reading the vector may fix it
    return AxisRule(flattens=True)


def _dense_rule(op: Dense, axis: int, names: tuple[str, ...]) -> AxisRule:
    return AxisRule(size=_zero, growth=0, flattens=True)


def _keeps(op: LayerOp, axis: int, names: tuple[str, ...]) -> AxisRule:
    return AxisRule()


def _depthwise_rule(op: DepthwiseConv, axis: int, names: tuple[str, ...]) -> AxisRule:
    return sliding_rule(
        op.kernel[axis], op.stride[axis], op.dilation[axis], op.padding, axis, False, names[axis]
    )


def _conv_transpose_rule(op: ConvTranspose, axis: int, names: tuple[str, ...]) -> AxisRule:
    k, s, d = op.kernel[axis], op.stride[axis], op.dilation[axis]
    (pl, pr), out_pad = op.padding.pairs[axis], op.output_padding[axis]

    def size(m: int) -> int:
        return f.conv_transpose_output_length(m, k, s, pl, pr, d, out_pad)

    def problem(m: int) -> str | None:
        return resample.conv_transpose_problem(m, k, s, pl, pr, d, out_pad, names[axis])

    least = max(1, _ceil_div(pl + pr - d * (k - 1) - out_pad, s) + 1)
    return AxisRule(size, problem, threshold=least, period=1, growth=s, spatial=True)


def _upsample_rule(op: Upsample, axis: int, names: tuple[str, ...]) -> AxisRule:
    if isinstance(op.size, str):  # any input length interpolates to the named length
        return AxisRule(spatial=True, matches=lambda m, r: None)
    if op.size is not None:
        return _constant(op.size[axis])
    assert op.scale is not None
    scale = op.scale[axis]
    from fractions import Fraction

    exact = Fraction(scale)  # the double PyTorch multiplies by, exactly

    def size(m: int) -> int:
        return f.interpolate_output_length(m, scale)

    def problem(m: int) -> str | None:
        return None if size(m) >= 1 else f"floor({m} * {scale}) is 0 on axis {names[axis]}"

    least = max(1, math.ceil(1 / exact))
    return AxisRule(
        size,
        problem,
        threshold=least,
        period=exact.denominator,
        growth=exact.numerator,
        spatial=True,
    )


def _pixel_shuffle_rule(op: PixelShuffle, axis: int, names: tuple[str, ...]) -> AxisRule:
    r = op.factor
    if not op.inverse:
        return AxisRule(size=lambda m: m * r, period=1, growth=r, spatial=True)

    def problem(m: int) -> str | None:
        return resample.unshuffle_problem(m, r, names[axis])

    return AxisRule(size=lambda m: m // r, problem=problem, period=r, growth=1, spatial=True)


def _pad_rule(op: Pad, axis: int, names: tuple[str, ...]) -> AxisRule:
    left, right = op.padding.pairs[axis]

    def problem(m: int) -> str | None:
        return resample.pad_problem(op.mode, m, left, right, names[axis])

    # a longer input never breaks padding: every mode fits any length above it
    return AxisRule(
        size=lambda m: f.padded_length(m, left, right),
        problem=problem,
        threshold=1 if problem(1) is None else max(left, right) + 1,
        spatial=True,
    )


def _crop_rule(op: Crop, axis: int, names: tuple[str, ...]) -> AxisRule:
    if isinstance(op.center, str):
        return AxisRule(
            spatial=True, matches=lambda m, r: resample.center_crop_problem(m, r, names[axis])
        )
    if op.center is not None:
        target = op.center[axis]

        def too_small(m: int) -> str | None:
            return resample.center_crop_problem(m, target, names[axis])

        return AxisRule(
            size=lambda m: target, problem=too_small, threshold=target, growth=0, spatial=True
        )
    left, right = op.cropping.pairs[axis]

    def problem(m: int) -> str | None:
        return resample.crop_problem(m, left, right, names[axis])

    return AxisRule(
        size=lambda m: m - left - right,
        problem=problem,
        threshold=left + right + 1,
        spatial=True,
    )


AXIS_RULES: dict[type, Callable[..., AxisRule]] = {
    Conv: _conv_rule,
    Pool: _pool_rule,
    AdaptivePool: _adaptive_rule,
    GlobalPool: _global_rule,
    Flatten: _flatten_rule,
    Dense: _dense_rule,
    Activation: _keeps,
    Dropout: _keeps,
    BatchNorm: _keeps,
    LRN: _keeps,
    Identity: _keeps,
    ChannelShuffle: _keeps,
    ChannelSlice: _keeps,
    ChannelSplit: _keeps,
    LayerNorm: _keeps,
    GroupNorm: _keeps,
    InstanceNorm: _keeps,
    LayerScale: _keeps,
    DropPath: _keeps,
    DepthwiseConv: _depthwise_rule,
    SeparableConv: _keeps,  # expanded by the parsers; never evaluated
    ConvTranspose: _conv_transpose_rule,
    Upsample: _upsample_rule,
    PixelShuffle: _pixel_shuffle_rule,
    Pad: _pad_rule,
    Crop: _crop_rule,
}
"""THE table: op class -> ``(op, axis index, axis names) -> AxisRule``. Merges (add,
concat, and any op :func:`cnncalc.spec.is_merge` accepts) need no entry: they require
equal lengths on their spatial inputs."""


def axis_rule(op: LayerOp, axis: int, names: tuple[str, ...]) -> AxisRule:
    """The rule of one layer along one axis."""
    build = AXIS_RULES.get(type(op))
    if build is None:
        raise CnnCalcError(
            f"the input-size solver does not know the layer kind {type(op).__name__}"
        )
    return build(op, axis, names)


def axis_index(dims: int, axis: str | int) -> int:
    """The index of an axis given by name (H, W, D, L) or number (0 = first)."""
    names = AXIS_NAMES.get(dims, ())
    if not names:
        raise CnnCalcError("the input has no spatial axis to solve for", option="axis")
    if isinstance(axis, int) or axis.strip().isdigit():
        index = int(axis)
        if 0 <= index < dims:
            return index
    elif axis.strip().upper() in names:
        return names.index(axis.strip().upper())
    raise CnnCalcError(f"no axis '{axis}'; this input has {', '.join(names)}", option="axis")


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class Failure(tuple[int, str]):
    """The first layer (0-based) that fails, and why."""

    @property
    def layer(self) -> int:
        return self[0]

    @property
    def reason(self) -> str:
        return self[1]


class _TooMuch(Exception):
    """The bounds would cost more than :data:`MAX_WORK` to derive."""


class AxisNet:
    """A network seen along one axis: node 0 is the input, node ``i + 1`` layer ``i``.

    ``sources[i]``: the nodes layer ``i`` reads (from the engine's wiring);
    ``pins``: layer index -> the input length a fully connected layer's in_features fixes.
    """

    def __init__(
        self,
        spec: NetworkSpec,
        wiring: list[tuple[str, ...]],
        axis: int,
        strict: bool = False,
        pins: dict[int, int] | None = None,
    ) -> None:
        self.spec = spec
        self.axis = axis
        self.strict = strict
        self.pins = pins or {}
        self.names = layer_names(spec.layers)
        node = {"input": 0, **{name: i + 1 for i, name in enumerate(self.names)}}
        self.sources = [tuple(node[ref] for ref in refs) for refs in wiring]
        self.refs: list[int | None] = []
        """Per layer: the node whose length it takes (an upsample's size, a crop's
        centre naming a layer), or None."""
        for i, layer in enumerate(spec.layers):
            reference = size_reference(layer.op)
            self.refs.append(
                None if reference is None else node[resolve_ref(reference[1], i, self.names)]
            )
        axis_names = AXIS_NAMES[spec.input.dims]
        self.axis_name = axis_names[axis]
        self.rules: list[AxisRule | None] = [
            None if is_merge(layer.op) else axis_rule(layer.op, axis, axis_names)
            for layer in spec.layers
        ]
        self.broadcasts = [isinstance(layer.op, Multiply) for layer in spec.layers]
        flat = [False]
        for rule, sources in zip(self.rules, self.sources, strict=True):
            if rule is None:
                flat.append(any(flat[s] for s in sources))
            else:
                flat.append(rule.flattens or flat[sources[0]])
        self.flat = flat
        self._cache: dict[int, tuple[list[int], Failure | None]] = {}
        self._keep = max(8, 200_000 // max(1, len(self.rules)))  # cached runs
        self.work = 0
        """Layer evaluations done so far (bounded by :data:`MAX_WORK` in :meth:`bounds`)."""
        self._growth: list[tuple[int, int]] | None = None

    def run(self, n: int) -> tuple[list[int], Failure | None]:
        """Every node's length for input length ``n``, and the first layer that fails."""
        known = self._cache.get(n)
        if known is not None:
            return known
        values = [n]
        failure: Failure | None = None
        for i, (rule, sources) in enumerate(zip(self.rules, self.sources, strict=True)):
            m = values[sources[0]]
            problem: str | None = None
            if rule is None:
                spatial = [s for s in sources if not self.flat[s]]
                lengths = {values[s] for s in spatial}
                if self.broadcasts[i]:  # a length of 1 (a squeeze-and-excitation gate) fits any
                    lengths = lengths - {1} or lengths
                if len(lengths) > 1:
                    listing = ", ".join(f"{self._node_name(s)} {values[s]}" for s in spatial)
                    problem = (
                        f"{self.spec.layers[i].kind} needs equal lengths on axis "
                        f"{self.axis_name}, got {listing}"
                    )
                broadcast = self.broadcasts[i] and lengths
                values.append(max(lengths) if broadcast else values[(spatial or sources)[0]])
            elif rule.spatial and self.flat[sources[0]]:
                problem = f"{self.spec.layers[i].kind} needs a spatial input"
                values.append(0)
            elif rule.matches is not None:
                ref = self.refs[i]
                assert ref is not None
                problem = (
                    f"{self.spec.layers[i].kind} names {self._node_name(ref)}, which is flat"
                    if self.flat[ref]
                    else rule.matches(m, values[ref])
                )
                values.append(values[ref])
            else:
                problem = rule.problem(m)
                if problem is None and self.strict and rule.unseen(m):
                    problem = f"{rule.rounding(m)} (--strict: no floor may drop input)"
                values.append(rule.size(m))
            pin = self.pins.get(i)
            if problem is None and pin is not None and m != pin:
                problem = (
                    f"its in_features need length {pin} on axis {self.axis_name}, not {m}"
                    if pin > 0
                    else f"its in_features fit no length on axis {self.axis_name}"
                )
            if problem is not None and failure is None:
                failure = Failure((i, problem))
        result = (values, failure)
        self.work += len(self.rules) + 1
        if len(self._cache) < self._keep:
            self._cache[n] = result
        return result

    def _node_name(self, node: int) -> str:
        return "input" if node == 0 else self.names[node - 1]

    def growths(self) -> list[tuple[int, int]]:
        """Per node ``(P, Q)``: its length gains ``Q`` every ``P`` input sizes once the input
        is large; ``Q = 0`` (and ``P = 1``) for a length that is the same for every input
        (after global or adaptive pooling, fc). See :meth:`bounds`."""
        if self._growth is not None:
            return self._growth
        found = [(1, 1)]
        for i, (rule, sources) in enumerate(zip(self.rules, self.sources, strict=True)):
            if rule is None:
                spatial = [s for s in sources if not self.flat[s]] or [sources[0]]
                if self.broadcasts[i]:  # a constant input is a gate: the others set the length
                    spatial = [s for s in spatial if found[s][1]] or spatial
                p = lcm(*(found[s][0] for s in spatial))
                gain = found[spatial[0]][1] * (p // found[spatial[0]][0])
            else:
                p, q = found[sources[0]]
                ref = self.refs[len(found) - 1]
                if rule.spatial and self.flat[sources[0]]:
                    gain = 0
                elif ref is not None:  # the named node's length
                    p, gain = found[ref] if not self.flat[ref] else (1, 0)
                elif q == 0:
                    gain = 0
                else:
                    k = rule.period // gcd(q, rule.period)
                    p, gain = p * k, k * q // rule.period * rule.growth
            found.append((p if gain else 1, gain))
        self._growth = found
        return found

    def bounds(self, budget: int = MAX_WORK) -> tuple[int, int]:
        """``(T*, P*)``: from ``T*`` on, whether ``n`` is valid repeats with period ``P*``.

        Per node a triple ``(T, P, Q)`` with ``v(n + P) == v(n) + Q`` for ``n >= T``
        (``v`` non-decreasing there): the input is ``(1, 1, 1)``. A rule ``(t, p, q)`` on
        ``v``: with ``k = p / gcd(Q, p)``, ``v(n + kP) = v(n) + kQ`` and ``kQ`` is a
        multiple of ``p``, so the output gains ``kQ/p * q`` every ``kP`` once ``v(n) >= t``,
        which holds from ``T + P*ceil((t - v(T))/Q)`` on, ``v`` gaining ``Q`` a period. A
        constant ``v`` (``Q = 0``) gives constants. A merge: on the common period ``p``,
        equal growths make the difference of two inputs periodic; unequal ones (``g_hi >
        g_lo``) make it grow: for ``n`` in ``[t + jp, t + (j+1)p)`` it is at least
        ``d(t) + j*(g_hi - g_lo) - g_lo``, positive for good past the ``j`` below. A
        pinned length (fc in_features) is passed for good once ``v(T) + jQ > pin``. A
        layer taking a named node's length (upsample ``size``, crop ``center``) has that
        node's triple and compares its input with it as a merge does: once one gains more,
        the comparison is settled. Raises _TooMuch past ``budget`` layer evaluations.
        """
        growth = self.growths()
        T = [1]
        cond_t, cond_p = 1, 1
        for i, (rule, sources) in enumerate(zip(self.rules, self.sources, strict=True)):
            if self.work > budget:
                raise _TooMuch
            ref = self.refs[i]
            t = max(T[s] for s in (*sources, *([] if ref is None else [ref])))
            if rule is None:
                spatial = [s for s in sources if not self.flat[s]] or [sources[0]]
                if self.broadcasts[i]:
                    spatial, t = self._broadcast_sources(spatial, t)
                t, p = self._compared(t, spatial)
                cond_p = lcm(cond_p, p)
            elif ref is not None:  # input and named length compared, as a merge does
                t, p = self._compared(t, [s for s in (sources[0], ref) if not self.flat[s]])
                cond_p = lcm(cond_p, p)
            else:
                s = sources[0]
                p, q = growth[s]
                if q and not (rule.spatial and self.flat[s]):
                    v_t = self.run(t)[0][s]
                    t += p * max(0, _ceil_div(rule.threshold - v_t, q))
                    p *= rule.period // gcd(q, rule.period)
                cond_p = lcm(cond_p, p)
                pin = self.pins.get(i)
                if pin is not None and q > 0:
                    v_t = self.run(T[s])[0][s]
                    cond_t = max(cond_t, T[s] + growth[s][0] * max(0, _ceil_div(pin + 1 - v_t, q)))
            T.append(t)
            cond_t = max(cond_t, t)
        return cond_t, cond_p

    def _compared(self, t: int, nodes: list[int]) -> tuple[int, int]:
        """From ``t`` on, lengths of ``nodes`` (each settled from ``t``) compare alike
        every ``p`` sizes: ``(t', p)`` (see :meth:`bounds`)."""
        growth = self.growths()
        if not nodes:
            return t, 1
        p = lcm(*(growth[s][0] for s in nodes))
        gains = [growth[s][1] * (p // growth[s][0]) for s in nodes]
        if len(set(gains)) > 1:
            hi = nodes[gains.index(max(gains))]
            lo = nodes[gains.index(min(gains))]
            values = self.run(t)[0]
            gap = max(gains) - min(gains)
            t += p * max(0, (min(gains) - (values[hi] - values[lo])) // gap + 1)
        return t, p

    def _broadcast_sources(self, spatial: list[int], t: int) -> tuple[list[int], int]:
        """A multiply's inputs that must agree, and a threshold from which they do as an
        add's would: a constant length of 1 broadcasts to any, so it drops out; a growing
        length is past 1 from the returned threshold on (below, it would broadcast)."""
        growth = self.growths()
        values = self.run(t)[0]
        kept = [s for s in spatial if growth[s][1] or values[s] != 1] or spatial[:1]
        for s in kept:
            p, q = growth[s]
            if q:
                t += p * max(0, _ceil_div(2 - values[s], q))
                values = self.run(t)[0]
        return kept, t

    def valid(self, n: int) -> bool:
        """True when every layer runs on input length ``n`` along this axis."""
        return self.run(n)[1] is None

    def output(self, n: int) -> int | None:
        """The network output's length along this axis (None when the output is flat)."""
        return None if self.flat[-1] else self.run(n)[0][-1]


@record
class ClosedForm:
    """Every valid size: the sizes in ``extra`` (all below ``start``), and every ``n >=
    start`` with ``n mod period`` in ``residues`` (and ``n < stop`` when ``stop`` is set)."""

    start: int
    period: int
    residues: tuple[int, ...]
    extra: tuple[int, ...] = ()

    def __contains__(self, n: object) -> bool:
        if not isinstance(n, int):
            return False
        if n < self.start:
            return n in self.extra
        return n % self.period in self.residues

    def above(self, n: int) -> int | None:
        """The smallest valid size >= n."""
        for x in self.extra:
            if x >= n:
                return x
        if not self.residues:
            return None
        n = max(n, self.start)
        steps = [(r - n) % self.period for r in self.residues]
        return n + min(steps)

    def below(self, n: int) -> int | None:
        """The largest valid size <= n."""
        if n >= self.start and self.residues:
            steps = [(n - r) % self.period for r in self.residues]
            best = n - min(steps)
            if best >= self.start:
                return best
        earlier = [x for x in self.extra if x <= n]
        return earlier[-1] if earlier else None

    def listing(self, low: int, high: int) -> list[int]:
        """Every valid size in ``low..high`` (at most :data:`MAX_RANGE` of them)."""
        found = [x for x in self.extra if low <= x <= high]
        if self.residues:
            first = max(low, self.start)
            base = first - first % self.period
            for start in range(base, high + 1, self.period):
                found.extend(start + r for r in self.residues if first <= start + r <= high)
        return found


def closed_form(net: AxisNet, budget: int = MAX_WORK) -> ClosedForm | None:
    """The valid set of ``net`` from :meth:`AxisNet.bounds`, with the smallest period and
    threshold that describe it; None when that costs more than ``budget`` layer evaluations."""
    try:
        t, p = net.bounds(budget)
    except _TooMuch:
        return None
    if (t + p) * max(1, len(net.rules)) > budget:
        return None
    valid = [False] + [net.valid(n) for n in range(1, t + p)]
    period = p
    for d in _divisors(p):  # the smallest period of the tail
        if all(valid[t + i] == valid[t + (i + d) % p] for i in range(p)):
            period = d
            break
    start = t
    while start > 1 and valid[start - 1] == valid[start - 1 + period]:
        start -= 1
    residues = tuple(sorted((start + i) % period for i in range(period) if valid[start + i]))
    extra = tuple(n for n in range(1, start) if valid[n])
    if residues:  # start at the first size that works
        start += min((r - start) % period for r in residues)
    return ClosedForm(start, period, residues, extra)


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, isqrt(n) + 1) if n % d == 0]
    return sorted({*small, *(n // d for d in small)})


EXPLAIN_WORK = 200_000
"""The work the mismatch explainer may spend looking for the nearest input sizes."""


def explain_mismatch(spec: NetworkSpec, wiring: list[tuple[str, ...]], layer: int) -> str:
    """Why the inputs of merge ``layer`` (0-based) differ in size: on the first axis where
    they do, the layer where their paths part, the first layer on each path whose
    rounding made them differ, and fixes (the nearest input sizes that work on that
    axis, ceil mode, padding, a crop). Empty when the sizes agree (channels differ)."""
    try:
        for axis in range(spec.input.dims):
            net = AxisNet(spec, wiring, axis)
            values = net.run(spec.input.size[axis])[0]
            spatial = [s for s in net.sources[layer] if not net.flat[s]]
            others = [s for s in spatial if values[s] != values[spatial[0]]]
            if others:
                return _parting(net, values, spatial[0], others[0], layer)
    except CnnCalcError:  # a kind the solver does not know: the plain message stands
        pass
    return ""


def explain_crop(spec: NetworkSpec, wiring: list[tuple[str, ...]], layer: int) -> str:
    """Why crop ``layer`` (0-based), centred to a named layer's size, finds its input
    smaller than that size: as :func:`explain_mismatch` says it for a merge."""
    try:
        for axis in range(spec.input.dims):
            net = AxisNet(spec, wiring, axis)
            values = net.run(spec.input.size[axis])[0]
            source, ref = net.sources[layer][0], net.refs[layer]
            if ref is not None and values[source] < values[ref]:
                return _parting(net, values, source, ref, layer, crop=True)
    except CnnCalcError:
        pass
    return ""


def _parting(
    net: AxisNet, values: list[int], a: int, b: int, layer: int, crop: bool = False
) -> str:
    """Where the lengths of nodes ``a`` and ``b`` part, read by merge ``layer`` (``crop``:
    crop ``layer`` needs ``a`` at least ``b``), and fixes."""

    def origin(node: int) -> int:  # the node this one's length comes from
        ref = net.refs[node - 1]
        return ref if ref is not None else net.sources[node - 1][0]

    def chain(node: int) -> list[int]:
        nodes = [node]
        while nodes[-1]:
            nodes.append(origin(nodes[-1]))
        return nodes

    chain_a, chain_b = chain(a), chain(b)
    common = next(node for node in chain_a if node in set(chain_b))
    name = net._node_name
    axis = net.axis_name
    fixes: list[str] = []
    merged = [s for s in net.sources[layer] if not net.flat[s]]

    def agree(lengths: list[int]) -> bool:
        if crop:
            return lengths[a] >= lengths[b]
        return len({lengths[s] for s in merged}) == 1

    def was(node: int) -> int:
        return values[origin(node)]

    def path_text(nodes: list[int]) -> str:
        if not nodes:
            return f"the skip from {name(common)} is {values[common]}"
        for node in nodes:  # the first rounding that lost input (or added a window)
            rule = net.rules[node - 1]
            m = was(node)
            op = net.spec.layers[node - 1].op
            ceil = isinstance(op, Pool) and bool(op.ceil_mode)
            rounded = rule.rounding(m) if rule is not None else None
            if rule is not None and rounded and (ceil or rule.unseen(m)):
                if isinstance(op, Pool) and not ceil:
                    if _mends(net, values[0], node, replace(op, ceil_mode=True), agree):
                        fixes.append(f"ceil_mode=true at {name(node)}")
                elif isinstance(op, Conv):
                    fixes.append(f"padding at {name(node)}")
                parts = [f"{name(node)}: {rounded}"]
                break
        else:
            changed = [n for n in nodes if values[n] != was(n)]
            if not changed:
                return f"{name(nodes[-1])} keeps {values[common]}"
            node = changed[0]
            op = net.spec.layers[node - 1].op
            parts = [f"{name(node)}: {was(node)} -> {values[node]}"]
            if isinstance(op, Conv) and op.stride[net.axis] == 1:
                fixes.append(f"padding at {name(node)}")
        rest = nodes[nodes.index(node) + 1 :]
        up = next(
            (n for n in rest if isinstance(net.spec.layers[n - 1].op, resample.UPSAMPLING)), None
        )
        if up is not None:  # the decoder carries the lost row on
            m, grown = was(up), values[up]
            how = "doubles" if grown == 2 * m else "takes"
            parts.append(f"{name(up)} {how} {m} to {grown}")
            node = up
        end = nodes[-1]
        if end != node:
            parts.append(f"{name(end)} gives {values[end]}")
        return "; ".join(parts)

    path_a = list(reversed(chain_a[: chain_a.index(common)]))
    path_b = list(reversed(chain_b[: chain_b.index(common)]))
    text = (
        f"; on axis {axis} the paths part after {name(common)} ({values[common]}): "
        f"{path_text(path_a)}; {path_text(path_b)}"
    )
    short, long_ = (path_a, b) if values[a] < values[b] else (path_b, a)
    fixes.extend(_decoder_fixes(net, values, short, long_, agree))
    n = values[0]
    form = closed_form(net, EXPLAIN_WORK)
    if form is not None:
        near = sorted({x for x in (form.below(n), form.above(n)) if x is not None})
        if near:
            fixes.insert(0, f"input {axis} = {' or '.join(map(str, near))}")
    if not crop:
        fixes.append(f"a crop of the larger path before {name(layer + 1)}")
    return f"{text}; fixes: {', '.join(fixes)}"


def _mends(
    net: AxisNet, n: int, node: int, op: LayerOp, agree: Callable[[list[int]], bool]
) -> bool:
    """True when layer ``node`` set to ``op`` makes the node lengths ``agree`` on this
    axis at input length ``n``."""
    layers = list(net.spec.layers)
    layers[node - 1] = replace(layers[node - 1], op=op)
    spec = replace(net.spec, layers=tuple(layers))
    wiring = [tuple(net._node_name(s) for s in sources) for sources in net.sources]
    try:
        values = AxisNet(spec, wiring, net.axis).run(n)[0]
    except CnnCalcError:
        return False
    return agree(values)


def _decoder_fixes(
    net: AxisNet,
    values: list[int],
    short: list[int],
    long_: int,
    agree: Callable[[list[int]], bool],
) -> list[str]:
    """Fixes on the shorter path's last upsampling layer, when nothing after it changes the
    length: ``output_padding`` (a transposed convolution short by less than its stride),
    or an upsample's ``size`` naming the longer path's end (an earlier layer)."""
    lengths = [n for n in short if values[n] != values[net.sources[n - 1][0]]]
    if not lengths:
        return []
    last = lengths[-1]
    op = net.spec.layers[last - 1].op
    missing = values[long_] - values[short[-1]]
    name = net._node_name(last)
    if isinstance(op, ConvTranspose) and missing > 0:
        stride, dilation = op.stride[net.axis], op.dilation[net.axis]
        padding = op.output_padding[net.axis] + missing
        axes = op.output_padding
        changed = replace(op, output_padding=(*axes[: net.axis], padding, *axes[net.axis + 1 :]))
        if (padding < stride or padding < dilation) and _mends(
            net, values[0], last, changed, agree
        ):  # PyTorch's limit, and the merge's lengths then agree
            return [f"output_padding={padding} at {name}"]
    if isinstance(op, Upsample) and op.scale is not None and long_ < last:
        return [f"size={net._node_name(long_)} at {name}"]
    return []
