"""Memory that answers "will it fit?": the inference peak and the training footprint.

The sum of every layer's output (the result's ``activations``) is what a training step
keeps for the backward pass; inference needs less: a tensor can be freed once the last
layer that reads it has run. The peak is the largest total of tensors alive at once,
walking the layers in order (the order the spec lists them, which a framework runs).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from cnncalc.engine.dtypes import dtype_bits
from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.results import MAX_BATCH, LayerResult, NetworkResult, check_batch
from cnncalc.speed import collector_paused
from cnncalc.symbolic import Count, total

if TYPE_CHECKING:
    from fractions import Fraction

ALIASES = frozenset({"identity", "flatten", "dropout"})
"""Kinds whose output is their input's storage in PyTorch at inference (``nn.Identity``
returns its input, ``nn.Flatten`` a view, ``nn.Dropout`` in eval mode its input)."""

IN_PLACE = frozenset(
    {"relu", "relu6", "leaky_relu", "elu", "selu", "silu", "hardswish", "hardsigmoid", "mish"}
)
"""Activations PyTorch can run in place (``inplace=True``)."""


class Peak(NamedTuple):
    """The inference peak: elements alive at once, where, and alive at each layer.
    ``elements`` is None when the sizes are polynomials in symbols (``INPUT(32x32xC)``):
    which layer holds the most then depends on the symbols' values."""

    elements: Count | None
    layer: int | None
    """1-based index of the layer during which the peak occurs (None: the input alone)."""
    live: tuple[Count, ...]
    """Elements alive while each layer runs: what it reads, what it writes, and what
    later layers still need."""
    alive: tuple[tuple[str, Count], ...] = ()
    """The tensors alive at the peak: the layer that made each (or ``input``) and its
    elements (empty when ``elements`` is None)."""


Buffer = tuple[str, Count, int, int]
"""A tensor's storage in one forward pass: the layer that made it (or ``input``), its
elements, and the first and last layer (0-based among the layers run) it is alive in.
(A plain tuple: a long network makes one per layer.)"""


def _schedule(result: NetworkResult, in_place: bool) -> tuple[list[LayerResult], list[Buffer]]:
    """The layers run at inference and every buffer they make, with its lifetime.

    While layer ``i`` runs, alive are: its output, its inputs, and every earlier tensor
    (the input included) that a later layer still reads. A tensor is freed after its last
    reader; the network's output is never freed. Identity, flatten and dropout share their
    input's storage. With ``in_place``, an activation whose input nobody else reads later
    writes over it (PyTorch's ``inplace=True``). Layers that run only in training are
    left out, as in the MAC totals.
    """
    layers = [layer for layer in result.layers if not layer.training_only]
    last_reader: dict[str, int] = {}
    for i, layer in enumerate(layers):
        for name in layer.inputs:
            last_reader[name] = i
    if layers:
        last_reader[layers[-1].name] = len(layers)  # the network's output is kept
    buffer_of: dict[str, str] = {"input": "input"}  # tensor -> the buffer it lives in
    made: dict[str, tuple[Count, int]] = {"input": (result.input.numel, 0)}  # elements, first
    ends: dict[str, int] = {"input": last_reader.get("input", 0)}  # buffer -> last layer
    sharing = ALIASES | IN_PLACE if in_place else ALIASES
    for i, layer in enumerate(layers):
        name = layer.name
        shares = False
        if layer.kind in sharing:
            reads = [buffer_of[n] for n in layer.inputs if n in buffer_of]
            shares = bool(reads) and (
                layer.kind in ALIASES
                or (
                    len(reads) == 1
                    and ends[reads[0]] == i  # nobody reads the input after this layer
                    and reads[0] != "input"  # the caller's input is not written over
                )
            )
        if shares:
            buffer_of[name] = reads[0]
            ends[reads[0]] = max(ends[reads[0]], last_reader.get(name, i))
        else:
            buffer_of[name] = name
            made[name] = (layer.output.numel, i)
            ends[name] = last_reader.get(name, i)
    buffers = [(name, n, first, ends[name]) for name, (n, first) in made.items()]
    return layers, buffers


def _live(buffers: list[Buffer], count: int, size: Callable[[Count], Count]) -> list[Count]:
    """The total ``size`` of the buffers alive during each of ``count`` layers."""
    change: list[Count] = [0] * (count + 2)
    for _, elements, first, last in buffers:
        amount = size(elements)
        change[first] += amount
        change[last + 1] -= amount
    live: list[Count] = []
    running: Count = 0
    for i in range(count):
        running = running + change[i]
        live.append(running)
    return live


def _alive(buffers: list[Buffer], i: int) -> tuple[tuple[str, Count], ...]:
    return tuple((name, n) for name, n, first, last in buffers if first <= i <= last)


def inference_peak(result: NetworkResult, in_place: bool = False) -> Peak:
    """The largest number of elements alive at once during one forward pass (the rules
    of lifetime: :func:`_schedule`)."""
    with collector_paused():  # many small objects, no cycles (cnncalc.speed)
        layers, buffers = _schedule(result, in_place)
        live = _live(buffers, len(layers), lambda n: n) if layers else []
    if not layers:
        return Peak(result.input.numel, None, (), (("input", result.input.numel),))
    if not all(isinstance(value, int) for value in live):
        return Peak(None, None, tuple(live))
    best = max(range(len(live)), key=lambda i: (live[i], -i))
    return Peak(live[best], layers[best].index, tuple(live), _alive(buffers, best))


def layer_live(result: NetworkResult) -> tuple[Count | None, ...]:
    """Elements alive while each row of ``result.layers`` runs (:attr:`Peak.live`); None
    for a layer that runs only in training, and for every row of a result whose blocks
    were collapsed into rows (``collapse_blocks``: a block runs many layers). For the
    result's whole batch (``results.batched``)."""
    if any(layer.kind.startswith("block (") for layer in result.layers):
        return (None,) * len(result.layers)
    live = iter(inference_peak(result).live)
    batch = result.batch
    return tuple(None if layer.training_only else next(live) * batch for layer in result.layers)


OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2}
"""Values the optimizer keeps per parameter: none for plain SGD, a velocity for SGD
with momentum, the first and second moments for Adam."""


class TrainingMemory(NamedTuple):
    """A training step's footprint in bytes, term by term."""

    weights: Count
    gradients: Count
    optimizer: Count
    master: Count
    """A full-precision copy of the weights, in mixed precision (0 otherwise)."""
    saved_activations: Count

    @property
    def total(self) -> Count:
        """The sum of every term."""
        return self.weights + self.gradients + self.optimizer + self.master + self.saved_activations


def tensor_bytes(values: Count, bits: int) -> Count:
    """Bytes of one tensor of ``values`` values of ``bits`` bits: ``ceil(values * bits /
    8)``, rounded up per tensor (int4 packs two values in a byte: 5 values take 3 bytes).
    A symbolic count is refused below a byte per value, where the rounding needs a number."""
    if bits % 8 == 0:
        return values * (bits // 8)
    if not isinstance(values, int):
        raise CnnCalcError(
            f"{bits}-bit values are rounded up to whole bytes per tensor, which needs whole-"
            f"number sizes, got {values}",
            option="variables",
        )
    return _packed(values, bits)


def _packed(values: int, bits: int) -> int:
    return -(-values * bits // 8)


def _check_optimizer(optimizer: str) -> int:
    states = OPTIMIZER_STATES.get(optimizer.lower())
    if states is None:
        raise CnnCalcError(
            f"unknown optimizer '{optimizer}'{did_you_mean(optimizer, OPTIMIZER_STATES)}; "
            f"known: {', '.join(OPTIMIZER_STATES)}",
            option="optimizer",
        )
    return states


def parameter_tensors(result: NetworkResult) -> list[Count]:
    """Parameters per tensor: each layer's own (one tensor per layer), once per owner
    (a layer that shares another's parameters holds none of its own)."""
    return [layer.params for layer in result.layers if layer.shares is None and layer.params]


def trainable_tensors(result: NetworkResult) -> list[Count]:
    """The tensors of :func:`parameter_tensors` that train: a frozen layer's (``frozen:
    true``) have no gradient, no optimizer state and no master copy."""
    return [
        layer.params
        for layer in result.layers
        if layer.shares is None and layer.params and not layer.frozen
    ]


def saved_tensors(result: NetworkResult) -> list[Count]:
    """Elements a training step keeps for the backward pass, per sample and per tensor:
    the input and every layer's output, those of layers run only in training included
    (they run then)."""
    return [result.input.numel, *(layer.activations for layer in result.layers)]


def training_footprint(
    result: NetworkResult,
    batch: int = 1,
    optimizer: str = "sgd",
    bits: int = 32,
    master_bits: int | None = None,
) -> TrainingMemory:
    """Bytes a training step holds: weights at ``bits`` per value; for the trainable
    ones (:func:`trainable_tensors`), gradients at ``bits``, the optimizer's state
    (:data:`OPTIMIZER_STATES` values per parameter) and, in mixed precision, a master copy
    at ``master_bits`` (the state is kept at the master precision then, as in Micikevicius
    et al. 2018 and ZeRO); and every tensor of :func:`saved_tensors` for ``batch``
    samples. Bytes are rounded up per tensor (:func:`tensor_bytes`)."""
    states = _check_optimizer(optimizer)
    check_batch(batch)
    state_bits = bits if master_bits is None else master_bits
    every, trained = parameter_tensors(result), trainable_tensors(result)

    def at(width: int, tensors: list[Count]) -> Count:
        return total(tensor_bytes(n, width) for n in tensors)

    return TrainingMemory(
        weights=at(bits, every),
        gradients=at(bits, trained),
        optimizer=states * at(state_bits, trained),
        master=0 if master_bits is None else at(master_bits, trained),
        saved_activations=total(tensor_bytes(n * batch, bits) for n in saved_tensors(result)),
    )


def training_memory(
    result: NetworkResult,
    batch: int = 1,
    optimizer: str = "adam",
    master_bytes: int | None = None,
) -> TrainingMemory:
    """:func:`training_footprint` in the result's dtype, with a master copy and the
    optimizer state at ``master_bytes`` per value in mixed precision."""
    master_bits = None if master_bytes is None else 8 * master_bytes
    return training_footprint(result, batch, optimizer, 8 * result.dtype_bytes, master_bits)


class InferenceMemory(NamedTuple):
    """A forward pass's footprint in bytes for a batch."""

    weights: int
    peak: int
    """Bytes of the tensors alive at once at the peak, for the whole batch."""
    peak_layer: int | None
    """1-based index of the layer at the peak (None: the input alone, no layers)."""
    alive: tuple[tuple[str, int], ...]
    """Each tensor alive at the peak, in bytes: the layer that made it (or ``input``)."""
    all_outputs: int
    """Bytes of every layer's output at once (the totals' activations): what a training
    step keeps, far more than inference needs."""

    @property
    def total(self) -> int:
        """Weights plus the activations at the peak."""
        return self.weights + self.peak


class Fit(NamedTuple):
    """A memory budget, and the largest batch that fits in it (0: not even one sample)."""

    budget: int
    inference_batch: int
    training_batch: int


class MemoryReport(NamedTuple):
    """What ``cnncalc memory`` answers: inference and training footprints, and the fit."""

    dtype: str
    bits: int
    master_dtype: str | None
    master_bits: int | None
    batch: int
    optimizer: str
    in_place: bool
    params: int
    inference: InferenceMemory
    training: TrainingMemory
    fit: Fit | None


def whole_count(value: Count) -> int:
    """A count that must be a number here (memory needs whole-number sizes)."""
    if not isinstance(value, int):
        raise CnnCalcError(
            f"memory needs whole-number sizes; the spec's depend on symbols ({value})",
            option="variables",
        )
    return value


def _largest_batch(room: int, per_sample: Fraction, slack: int, cost: Callable[[int], int]) -> int:
    """The largest batch ``b`` with ``cost(b) <= room``, where ``cost`` grows with ``b``
    and ``b * per_sample <= cost(b) <= b * per_sample + slack``: the bounds leave a short
    range (one batch wide unless values are narrower than a byte), searched by halves.
    At most :data:`~cnncalc.results.MAX_BATCH`."""
    if room < 0:
        return 0
    high = min(int(room / per_sample), MAX_BATCH)  # no batch past what cnncalc takes
    low = min(max(0, int((room - slack) / per_sample)), high)
    while low < high:  # cost(low) <= room holds
        middle = (low + high + 1) // 2
        if cost(middle) <= room:
            low = middle
        else:
            high = middle - 1
    return low


def memory_report(
    result: NetworkResult,
    batch: int = 1,
    optimizer: str = "sgd",
    dtype: str = "float32",
    master_dtype: str | None = None,
    in_place: bool = False,
    budget: int | None = None,
) -> MemoryReport:
    """Inference and training memory of ``result`` for ``batch`` samples in ``dtype``
    (with ``master_dtype``: mixed precision), and with a ``budget`` in bytes the largest
    batch that fits each. The result's own dtype is not used. Raises CnnCalcError (naming
    the argument) for an unknown optimizer or dtype, a batch or budget out of range, a
    master dtype no wider than ``dtype``, and symbolic sizes."""
    from fractions import Fraction  # here, not at import: start-up

    _check_optimizer(optimizer)
    check_batch(batch)
    bits = dtype_bits(dtype)
    master_bits = None if master_dtype is None else dtype_bits(master_dtype, "master_dtype")
    if master_bits is not None and master_bits <= bits:
        raise CnnCalcError(
            f"the master copy is kept at a wider type than the weights ({dtype}, {bits} "
            f"bits), got {master_dtype} ({master_bits} bits)",
            option="master_dtype",
        )
    if budget is not None:
        check_budget(budget)
    params = [whole_count(n) for n in parameter_tensors(result)]
    saved = [whole_count(n) for n in saved_tensors(result)]
    layers, buffers = _schedule(result, in_place)
    sizes = [whole_count(n) for _, n, _, _ in buffers]
    weights = sum(_packed(n, bits) for n in params)

    def live_at(samples: int) -> list[int]:
        """Bytes alive during each layer for ``samples``."""
        return [
            whole_count(v)
            for v in _live(buffers, len(layers), lambda n: _packed(whole_count(n) * samples, bits))
        ]

    def peak_at(samples: int) -> int:
        return max(live_at(samples), default=_packed(sizes[0] * samples, bits))

    live = live_at(batch)
    best = max(range(len(live)), key=lambda i: (live[i], -i)) if live else None
    alive = _alive(buffers, best) if best is not None else (("input", sizes[0]),)
    inference = InferenceMemory(
        weights,
        peak_at(batch),
        None if best is None else layers[best].index,
        tuple((name, _packed(whole_count(n) * batch, bits)) for name, n in alive),
        sum(_packed(whole_count(layer.activations) * batch, bits) for layer in layers),
    )
    training = training_footprint(result, batch, optimizer, bits, master_bits)
    fit = None
    if budget is not None:
        elements = max(
            (whole_count(v) for v in _live(buffers, len(layers), lambda n: n)), default=sizes[0]
        )
        fixed = whole_count(training.total) - whole_count(training.saved_activations)
        fit = Fit(
            budget,
            _largest_batch(budget - weights, Fraction(elements * bits, 8), len(buffers), peak_at),
            _largest_batch(
                budget - fixed,
                Fraction(sum(saved) * bits, 8),
                len(saved),
                lambda b: sum(_packed(n * b, bits) for n in saved),
            ),
        )
    return MemoryReport(
        dtype.lower(),
        bits,
        None if master_dtype is None else master_dtype.lower(),
        master_bits,
        batch,
        optimizer.lower(),
        in_place,
        whole_count(result.totals.params),
        inference,
        training,
        fit,
    )


MAX_BUDGET = 2**70
"""The largest budget taken (1 ZiB): beyond any machine, and it keeps the answers short."""

_UNITS = {
    "": 1,
    "b": 1,
    **{f"{p}b": 1000 ** (i + 1) for i, p in enumerate("kmgtpez")},
    **{f"{p}ib": 1024 ** (i + 1) for i, p in enumerate("kmgtpez")},
}
_SIZE = re.compile(r"([0-9]{1,30}(?:\.[0-9]{1,30})?)\s*([a-z]*)")


def check_budget(budget: int) -> int:
    """A budget in bytes, checked: a whole number from 1 byte to :data:`MAX_BUDGET`."""
    if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= MAX_BUDGET:
        raise CnnCalcError(
            f"the budget must be from 1 byte to 1 ZiB (2^70 bytes), got {budget} bytes",
            option="budget",
        )
    return budget


def parse_budget(text: str) -> int:
    """A memory size as written: ``8GiB``, ``8 GB``, ``1.5TiB``, ``512MiB`` or bytes
    (``1000000``). KB, MB, GB... are powers of 1,000; KiB, MiB, GiB... of 1,024; a
    fraction of a byte is dropped. Checked by :func:`check_budget`."""
    from fractions import Fraction  # here, not at import: start-up

    match = _SIZE.fullmatch(text.strip().lower()) if len(text) <= 80 else None
    if match is None or match.group(2) not in _UNITS:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise CnnCalcError(
            f"'{shown}' is not a memory size; write e.g. 8GiB, 512MB or 1000000 (bytes)",
            option="budget",
        )
    amount = Fraction(match.group(1)) * _UNITS[match.group(2)]
    if amount > MAX_BUDGET or amount < 1:
        raise CnnCalcError(
            f"the budget must be from 1 byte to 1 ZiB (2^70 bytes), got {text.strip()}",
            option="budget",
        )
    return check_budget(int(amount))
