"""Footers people know (``summarize --style``): the totals lines torchinfo, Keras and
torchsummary print under their tables, with their labels, numbers and units, worked out
by each tool's own rule (read from its source) from what cnncalc computed.

Each assumes the PyTorch (or Keras) model a user writes for the spec: one module per
layer, ``+`` and ``torch.cat`` for merges, an identity as the tensor itself, and a
layer with ``functional: true`` (``F.relu``, ``torch.flatten``) as a function call.
The numbers are checked against the tools run for real (tests/fixtures/style_footers.json).
"""

from __future__ import annotations

from cnncalc.errors import CnnCalcError
from cnncalc.results import LayerResult, NetworkResult
from cnncalc.symbolic import Count

STYLES = ("torchinfo", "keras", "torchsummary")
"""The tools whose footer ``--style`` prints (cnncalc's own is the default)."""

FUNCTION_CALLS = frozenset({"add", "concat", "multiply", "identity", "slice", "split"})
"""Kinds that are tensor operations in PyTorch code (``x + y``, ``torch.cat``, the
tensor itself, ``x[:, :c]``, ``x.chunk``), not modules: no forward hook sees them."""

STORAGE_OVERHEAD = 64
"""Bytes ``sys.getsizeof`` adds to a tensor storage's size on 64-bit CPython 3.11: torchinfo
1.8's "Input size" is ``sys.getsizeof(tensor.untyped_storage())``, so it includes them."""


def _int(value: Count | None, what: str) -> int:
    if not isinstance(value, int):
        raise CnnCalcError(
            f"--style needs numbers, and the {what} depends on the symbols' values: give "
            "them values (--set)",
            option="style",
        )
    return value


def _block_outputs(result: NetworkResult) -> set[str]:
    """Names of layers that stand for a block use's output (``layer1.0`` when
    ``layer1.0.conv1`` exists): each is also the output of a module of its own (as
    torchvision's BasicBlock and InvertedResidual are)."""
    scopes = {layer.name.rpartition(".")[0] for layer in result.layers}
    found: set[str] = set()
    for scope in scopes:
        while scope:
            found.add(scope)
            scope = scope.rpartition(".")[0]
    return {layer.name for layer in result.layers if layer.name in found}


def _is_module(layer: LayerResult) -> bool:
    return not layer.functional and layer.kind not in FUNCTION_CALLS


def _weight_and_bias(layer: LayerResult) -> int:
    """What torchsummary counts of a module: its ``weight`` and ``bias`` (layer scale's
    ``gamma`` is neither)."""
    return 0 if layer.kind == "layer_scale" else _int(layer.params, "parameter count")


def _frozen(result: NetworkResult) -> dict[str, bool]:
    """Whether each layer's parameters are frozen: a layer that shares has its owner's."""
    mine = {layer.name: layer.frozen for layer in result.layers}
    return {layer.name: mine.get(layer.shares or layer.name, False) for layer in result.layers}


def torchsummary_lines(result: NetworkResult, batch: int = 1) -> list[str]:
    """torchsummary 1.5.1 ``summary(model, input_size, batch_size)``: a forward hook on
    every module but containers (``nn.Sequential``) and the model itself, once per call:
    params are each call's ``weight`` and ``bias`` (a shared module on every call),
    trainable when its weight needs a gradient; the pass size is twice (for gradients) the
    sum of every hooked output, blocks' own outputs included; 4 bytes a number, "MB" of
    2**20 bytes; the default batch_size -1 gives batch 1 through ``abs``. It runs the
    model as it finds it (a new model trains): layers that only train run too."""
    frozen = _frozen(result)
    blocks = _block_outputs(result)
    params = trainable = outputs = 0
    for layer in result.layers:
        calls = (1 if _is_module(layer) else 0) + (1 if layer.name in blocks else 0)
        outputs += calls * _int(layer.output.numel, "output size")
        if _is_module(layer):
            counted = _weight_and_bias(layer)
            params += counted
            trainable += 0 if frozen[layer.name] else counted
    mib = 1024**2.0
    input_size = abs(_int(result.input.numel, "input size") * batch * 4.0 / mib)
    output_size = abs(2.0 * (outputs * batch) * 4.0 / mib)
    params_size = abs(params * 4.0 / mib)
    total_size = params_size + output_size + input_size
    return [
        f"Total params: {params:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {params - trainable:,}",
        f"Input size (MB): {input_size:0.2f}",
        f"Forward/backward pass size (MB): {output_size:0.2f}",
        f"Params size (MB): {params_size:0.2f}",
        f"Estimated Total Size (MB): {total_size:0.2f}",
    ]


def _torchinfo_number(num: int, unit: str | None) -> str:
    """torchinfo's ``ModelStatistics.format_output_num``: no unit for counts of params;
    for mult-adds T, G or M by size (its ``Units`` enum, which Python 3.11 and later write
    by name: ``Units.GIGABYTES``), two decimals unless the number is whole."""
    if unit is None:
        converted: float = num / 1
        shown = ""
    else:
        scale, name = next(
            (s, n)
            for s, n in ((1e12, "TERABYTES"), (1e9, "GIGABYTES"), (1e6, "MEGABYTES"))
            if num >= s or n == "MEGABYTES"
        )
        converted = num / scale
        shown = f" (Units.{name})"
    if converted.is_integer():
        return f"{shown}: {int(converted):,d}"
    return f"{shown}: {converted:,.2f}"


def torchinfo_lines(result: NetworkResult, batch: int = 1) -> list[str]:
    """torchinfo 1.8.0 ``summary(model, input_size=(batch, ...))`` in eval mode: every
    parameter once (a module used again is skipped); mult-adds as its
    ``calculate_macs`` counts them (``--count torchinfo``) for the batch; the
    forward/backward pass size is twice the outputs of every call of a leaf module that
    has parameters; input size through ``sys.getsizeof`` (:data:`STORAGE_OVERHEAD`);
    sizes in decimal MB (10**6 bytes). Layers that only train are not run."""
    from cnncalc.engine.counting import counted_as

    t = result.totals
    params = _int(t.params, "parameter count")
    trainable = _int(t.trainable_params, "parameter count")
    macs = _int(counted_as(result, "torchinfo", False).totals.macs, "MAC count") * batch
    nbytes = result.dtype_bytes
    outputs = 0
    for layer in result.layers:
        if _is_module(layer) and layer.params != 0 and not layer.training_only:
            outputs += _int(layer.output.numel, "output size")
    input_bytes = _int(t.input_elements, "input size") * batch * nbytes + STORAGE_OVERHEAD
    output_bytes = 2 * outputs * batch * nbytes
    param_bytes = params * nbytes
    total = input_bytes + output_bytes + param_bytes
    return [
        f"Total params{_torchinfo_number(params, None)}",
        f"Trainable params{_torchinfo_number(trainable, None)}",
        f"Non-trainable params{_torchinfo_number(params - trainable, None)}",
        f"Total mult-adds{_torchinfo_number(macs, 'auto')}",
        f"Input size (MB): {input_bytes / 1e6:0.2f}",
        f"Forward/backward pass size (MB): {output_bytes / 1e6:0.2f}",
        f"Params size (MB): {param_bytes / 1e6:0.2f}",
        f"Estimated Total Size (MB): {total / 1e6:0.2f}",
    ]


def keras_size(nbytes: float) -> str:
    """Keras 3's ``readable_memory_size``: steps of 1024 named B, KB, MB, GB, TB, PB, two
    decimals."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if nbytes / 1024 < 1:
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} PB"


def keras_lines(result: NetworkResult, batch: int = 1) -> list[str]:
    """Keras 3 ``model.summary()``: trainable weights (every parameter of a layer that is
    not frozen), non-trainable ones (frozen layers' and batch norm's moving mean and
    variance), each weight once, sizes in the dtype's bytes; the batch changes nothing."""
    t = result.totals
    trainable = _int(t.trainable_params, "parameter count")
    frozen = _int(t.non_trainable_params, "parameter count") + _int(t.buffers, "buffer count")
    bits = result.dtype_bytes * 8
    trainable_size = trainable * bits / 8  # weight_memory_size: bits over 8, a float
    frozen_size = frozen * bits / 8
    return [
        f" Total params: {trainable + frozen:,} ({keras_size(trainable_size + frozen_size)})",
        f" Trainable params: {trainable:,} ({keras_size(trainable_size)})",
        f" Non-trainable params: {frozen:,} ({keras_size(frozen_size)})",
    ]


def check_style(style: str) -> None:
    """``style`` is ``cnncalc`` (its own footer) or one of :data:`STYLES`, or a
    CnnCalcError."""
    if style != "cnncalc" and style not in STYLES:
        from cnncalc.errors import did_you_mean

        raise CnnCalcError(
            f"unknown style '{style}'{did_you_mean(style, ('cnncalc', *STYLES))}; known: "
            f"cnncalc (the default), {', '.join(STYLES)}",
            option="style",
        )


def footer_of(result: NetworkResult, style: str, batch: int = 1) -> tuple[str, ...]:
    """The footer lines ``style``'s tool prints for the network of ``result`` (evaluated
    for one sample, every layer: before :func:`~cnncalc.results.batched` or
    ``collapse_blocks``) run on ``batch`` samples; none for ``cnncalc``'s own."""
    check_style(style)
    rules = {"torchinfo": torchinfo_lines, "keras": keras_lines, "torchsummary": torchsummary_lines}
    rule = rules.get(style)
    if rule is None:
        return ()
    try:
        return tuple(rule(result, batch))
    except OverflowError:
        raise CnnCalcError(
            f"the numbers are too large for {style}'s floating-point arithmetic",
            option="style",
        ) from None
