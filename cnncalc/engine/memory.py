"""Memory that answers "will it fit?": the inference peak and the training footprint.

The sum of every layer's output (the result's ``activations``) is what a training step
keeps for the backward pass; inference needs less: a tensor can be freed once the last
layer that reads it has run. The peak is the largest total of tensors alive at once,
walking the layers in order (the order the spec lists them, which a framework runs).
"""

from __future__ import annotations

from typing import NamedTuple

from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.results import NetworkResult
from cnncalc.symbolic import Count, total

ALIASES = ("identity", "flatten", "dropout")
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


def inference_peak(result: NetworkResult, in_place: bool = False) -> Peak:
    """The largest number of elements alive at once during one forward pass.

    While layer ``i`` runs, alive are: its output, its inputs, and every earlier tensor
    (the input included) that a later layer still reads. A tensor is freed after its last
    reader; the network's output is never freed. Identity, flatten and dropout share their
    input's storage. With ``in_place``, an activation whose input nobody else reads later
    writes over it (PyTorch's ``inplace=True``). Layers that run only in training are
    left out, as in the MAC totals.
    """
    layers = [layer for layer in result.layers if not layer.training_only]
    if not layers:
        return Peak(result.input.numel, None, ())
    last_reader: dict[str, int] = {}
    for i, layer in enumerate(layers):
        for name in layer.inputs:
            last_reader[name] = i
    last_reader[layers[-1].name] = len(layers)  # the network's output is kept
    buffer_of: dict[str, str] = {"input": "input"}  # tensor -> the buffer it lives in
    sizes: dict[str, Count] = {"input": result.input.numel}
    created: dict[str, int] = {"input": 0}
    ends: dict[str, int] = {"input": last_reader.get("input", 0)}
    for i, layer in enumerate(layers):
        reads = [buffer_of[n] for n in layer.inputs if n in buffer_of]
        shares = bool(reads) and (
            layer.kind in ALIASES
            or (
                in_place
                and layer.kind in IN_PLACE
                and len(reads) == 1
                and ends[reads[0]] == i  # nobody reads the input after this layer
                and reads[0] != "input"  # the caller's input is not written over
            )
        )
        buffer = reads[0] if shares else layer.name
        if not shares:
            sizes[buffer], created[buffer], ends[buffer] = layer.output.numel, i, i
        buffer_of[layer.name] = buffer
        ends[buffer] = max(ends[buffer], last_reader.get(layer.name, i))
    # Alive during layer i: buffers created at or before i and read at or after i.
    change: list[list[Count]] = [[] for _ in range(len(layers) + 2)]
    for buffer, size in sizes.items():
        change[created[buffer]].append(size)
        change[ends[buffer] + 1].append(-size)
    live: list[Count] = []
    running: Count = 0
    for i in range(len(layers)):
        running = running + total(change[i])
        live.append(running)
    if not all(isinstance(value, int) for value in live):
        return Peak(None, None, tuple(live))
    best = max(range(len(live)), key=lambda i: (live[i], -i))
    return Peak(live[best], layers[best].index, tuple(live))


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


def training_memory(
    result: NetworkResult,
    batch: int = 1,
    optimizer: str = "adam",
    master_bytes: int | None = None,
) -> TrainingMemory:
    """Bytes a training step holds: weights and their gradients in the result's dtype,
    the optimizer's state and a master copy in ``master_bytes`` per value (mixed precision;
    the optimizer state is kept at the master precision then), and every layer's output
    for ``batch`` samples, which the backward pass reads (the input included)."""
    states = OPTIMIZER_STATES.get(optimizer.lower())
    if states is None:
        raise CnnCalcError(
            f"unknown optimizer '{optimizer}'{did_you_mean(optimizer, OPTIMIZER_STATES)}; "
            f"known: {', '.join(OPTIMIZER_STATES)}",
            option="optimizer",
        )
    if batch < 1:
        raise CnnCalcError(f"the batch must be 1 or more, got {batch}", option="batch")
    params = result.totals.params
    nbytes = result.dtype_bytes
    state_bytes = master_bytes if master_bytes is not None else nbytes
    saved = (result.totals.activations + result.totals.input_elements) * batch * nbytes
    return TrainingMemory(
        weights=params * nbytes,
        gradients=params * nbytes,
        optimizer=params * states * state_bytes,
        master=params * master_bytes if master_bytes is not None else 0,
        saved_activations=saved,
    )
