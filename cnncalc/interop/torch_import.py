"""PyTorch modules -> cnncalc specs, by tracing with ``torch.fx`` (``cnncalc[torch]``).

The module is traced symbolically and its shapes propagated on fake tensors (no real
arithmetic, no weights read), so each node's output shape is known. :data:`MODULES`
(layer classes) and :data:`FUNCTIONS` (functions and tensor methods) are the tables;
everything not in them is listed as unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cnncalc.interop.common import (
    Imported,
    ImportError_,
    Item,
    Places,
    Unknown,
    Value,
    check_count,
    input_text,
    refuse_unknown,
    shown,
    unique_names,
    write_yaml,
)
from cnncalc.spec import INPUT, NetworkSpec

INSTALL = "pip install 'cnncalc[torch]'"


class Cannot(Exception):
    """Raised by a handler: this node cannot be modelled (the message says why)."""


Shape = tuple[int, ...]
ModuleHandler = Callable[[Any, Shape], Item | None]
FunctionHandler = Callable[[Any, Shape, Shape], Item | None]


def _compact(value: Any) -> Value:
    if isinstance(value, int):
        return value
    values = [int(v) for v in value]
    return values[0] if all(v == values[0] for v in values) else values


def _conv(m: Any, x: Shape) -> Item:
    args: dict[str, Value] = {"filters": m.out_channels, "kernel": _compact(m.kernel_size)}
    if any(s != 1 for s in m.stride):
        args["stride"] = _compact(m.stride)
    if isinstance(m.padding, str):
        if m.padding == "same":
            args["padding"] = "same"
    elif any(p != 0 for p in m.padding):
        args["padding"] = _compact(m.padding)
    if any(d != 1 for d in m.dilation):
        args["dilation"] = _compact(m.dilation)
    if m.groups != 1:
        args["groups"] = m.groups
    if m.bias is None:
        args["bias"] = False
    if getattr(m, "transposed", False):
        raise Cannot("a transposed convolution")
    return Item("conv", args)


def _linear(m: Any, x: Shape) -> Item:
    if len(x) != 2:
        raise Cannot(f"a linear layer on a {len(x)}-D input (it acts on the last axis)")
    args: dict[str, Value] = {"units": m.out_features}
    if m.bias is None:
        args["bias"] = False
    return Item("fc", args)


def _pool(kind: str) -> ModuleHandler:
    def handle(m: Any, x: Shape) -> Item:
        dims = len(x) - 2
        kernel = _axes(m.kernel_size, dims)
        args: dict[str, Value] = {"kernel": _compact(kernel)}
        stride = _axes(m.stride if m.stride is not None else m.kernel_size, dims)
        if stride != kernel:
            args["stride"] = _compact(stride)
        padding = _axes(m.padding, dims)
        if any(padding):
            args["padding"] = _compact(padding)
        dilation = _axes(getattr(m, "dilation", 1), dims)
        if any(d != 1 for d in dilation):
            args["dilation"] = _compact(dilation)
        if m.ceil_mode:
            args["ceil_mode"] = True
        return Item(kind, args)

    return handle


def _axes(value: Any, dims: int) -> list[int]:
    return [int(value)] * dims if isinstance(value, int) else [int(v) for v in value]


def _adaptive(kind: str) -> ModuleHandler:
    def handle(m: Any, x: Shape) -> Item:
        size = m.output_size
        values = [size] * (len(x) - 2) if isinstance(size, int) or size is None else list(size)
        if any(v is None for v in values):
            raise Cannot("an output size of None (the input's) on some axis")
        return Item(kind, {"output": _compact(values)})

    return handle


def _act(kind: str, **keys: str) -> ModuleHandler:
    """An activation; ``keys`` maps cnncalc keys to the module's attribute names."""

    def handle(m: Any, x: Shape) -> Item:
        return Item(kind, {key: float(getattr(m, attr)) for key, attr in keys.items()})

    return handle


def _softmax(kind: str) -> ModuleHandler:
    def handle(m: Any, x: Shape) -> Item:
        dim = m.dim if m.dim is not None else 1
        if dim % len(x) != 1:
            raise Cannot(f"dim {dim} is not the channel axis")
        return Item(kind)

    return handle


def _flatten(m: Any, x: Shape) -> Item:
    if m.start_dim != 1 or m.end_dim != -1:
        raise Cannot(f"flatten from {m.start_dim} to {m.end_dim} (not to (batch, features))")
    return Item("flatten")


def _conv_transpose(m: Any, x: Shape) -> Item:
    if m.padding_mode != "zeros":
        raise Cannot(f"padding_mode {m.padding_mode}")
    args: dict[str, Value] = {"filters": m.out_channels, "kernel": _compact(m.kernel_size)}
    for key, value, default in (
        ("stride", m.stride, 1),
        ("padding", m.padding, 0),
        ("output_padding", m.output_padding, 0),
        ("dilation", m.dilation, 1),
    ):
        if any(v != default for v in value):
            args[key] = _compact(value)
    if m.groups != 1:
        args["groups"] = m.groups
    if m.bias is None:
        args["bias"] = False
    return Item("conv_transpose", args)


def _resample(scale: Any, size: Any, mode: Any, align: Any, x: Shape) -> Item:
    """nn.Upsample's and F.interpolate's keys as cnncalc's upsample."""
    args: dict[str, Value] = {}
    if scale is not None:
        values = [scale] * (len(x) - 2) if isinstance(scale, int | float) else list(scale)
        args["scale"] = _numbers(values)
    elif size is not None:
        args["size"] = _compact([size] * (len(x) - 2) if isinstance(size, int) else size)
    else:
        raise Cannot("neither scale_factor nor size")
    if mode not in (None, "nearest"):
        args["mode"] = str(mode)
    if align:
        args["align_corners"] = True
    return Item("upsample", args)


def _numbers(values: list[Any]) -> Value:
    out = [int(v) if float(v).is_integer() else float(v) for v in values]
    return out[0] if all(v == out[0] for v in out) else out


def _upsample(m: Any, x: Shape) -> Item:
    return _resample(m.scale_factor, m.size, m.mode, m.align_corners, x)


def _pad_pairs(pad: Sequence[int], x: Shape) -> list[list[int]]:
    """PyTorch's pad tuple (last axis first: left, right, top, bottom ...) as cnncalc's
    (begin, end) per spatial axis, first axis first."""
    dims = len(x) - 2
    if len(pad) % 2 or len(pad) // 2 > dims:
        raise Cannot(f"pad {tuple(pad)} reaches the channel or batch axis")
    pairs = [[0, 0] for _ in range(dims)]
    for i in range(len(pad) // 2):
        pairs[dims - 1 - i] = [int(pad[2 * i]), int(pad[2 * i + 1])]
    return pairs


def _pad_item(pad: Sequence[int], mode: str, value: Any, x: Shape) -> Item:
    pairs = _pad_pairs(pad, x)
    flat = [v for pair in pairs for v in pair]
    if all(v <= 0 for v in flat):
        return Item("crop", {"cropping": [[-b, -e] for b, e in pairs]})
    if any(v < 0 for v in flat):
        raise Cannot(f"pad {tuple(pad)} both pads and crops")
    args: dict[str, Value] = {"padding": _compact(flat) if len(set(flat)) == 1 else pairs}
    if mode != "constant":
        args["mode"] = mode
    elif value:
        args["value"] = float(value)
    return Item("pad", args)


def _pad_module(mode: str) -> ModuleHandler:
    def handle(m: Any, x: Shape) -> Item:
        return _pad_item(m.padding, mode, getattr(m, "value", 0.0), x)

    return handle


def _layer_norm(m: Any, x: Shape) -> Item:
    if tuple(m.normalized_shape) != (x[-1],):
        raise Cannot(f"normalized_shape {tuple(m.normalized_shape)} (only the channels)")
    if not m.elementwise_affine:
        return Item("layernorm", {"affine": False})
    return Item("layernorm", {} if m.bias is not None else {"bias": False})


MODULES: dict[str, ModuleHandler] = {
    **{f"ConvTranspose{n}d": _conv_transpose for n in (1, 2, 3)},
    "Upsample": _upsample,
    "UpsamplingNearest2d": _upsample,
    "UpsamplingBilinear2d": _upsample,
    "PixelShuffle": lambda m, x: Item("pixel_shuffle", {"factor": m.upscale_factor}),
    "PixelUnshuffle": lambda m, x: Item("pixel_unshuffle", {"factor": m.downscale_factor}),
    **{f"ZeroPad{n}d": _pad_module("constant") for n in (1, 2, 3)},
    **{f"ConstantPad{n}d": _pad_module("constant") for n in (1, 2, 3)},
    **{f"ReflectionPad{n}d": _pad_module("reflect") for n in (1, 2, 3)},
    **{f"ReplicationPad{n}d": _pad_module("replicate") for n in (1, 2, 3)},
    **{f"CircularPad{n}d": _pad_module("circular") for n in (1, 2, 3)},
    "LayerNorm": _layer_norm,
    "GroupNorm": lambda m, x: Item(
        "groupnorm", {"groups": m.num_groups, **({} if m.affine else {"affine": False})}
    ),
    **{
        f"InstanceNorm{n}d": (
            lambda m, x: Item("instancenorm", {"affine": True} if m.affine else {})
        )
        for n in (1, 2, 3)
    },
    **{f"Conv{n}d": _conv for n in (1, 2, 3)},
    "Linear": _linear,
    **{f"MaxPool{n}d": _pool("maxpool") for n in (1, 2, 3)},
    **{f"AvgPool{n}d": _pool("avgpool") for n in (1, 2, 3)},
    **{f"AdaptiveAvgPool{n}d": _adaptive("adaptive_avgpool") for n in (1, 2, 3)},
    **{f"AdaptiveMaxPool{n}d": _adaptive("adaptive_maxpool") for n in (1, 2, 3)},
    **{
        f"BatchNorm{n}d": (lambda m, x: Item("batchnorm", {} if m.affine else {"affine": False}))
        for n in (1, 2, 3)
    },
    "LocalResponseNorm": lambda m, x: Item("lrn", {"size": m.size}),
    "ReLU": _act("relu"),
    "ReLU6": _act("relu6"),
    "LeakyReLU": _act("leaky_relu", negative_slope="negative_slope"),
    "PReLU": lambda m, x: Item("prelu", {"num_parameters": m.num_parameters}),
    "ELU": _act("elu", alpha="alpha"),
    "SELU": _act("selu"),
    "GELU": _act("gelu"),
    "SiLU": _act("silu"),
    "Mish": _act("mish"),
    "Hardswish": _act("hardswish"),
    "Hardsigmoid": _act("hardsigmoid"),
    "Sigmoid": _act("sigmoid"),
    "Tanh": _act("tanh"),
    "Softplus": _act("softplus"),
    "Softmax": _softmax("softmax"),
    "LogSoftmax": _softmax("log_softmax"),
    **{
        name: (lambda m, x: Item("dropout", {"p": float(m.p)}))
        for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout")
    },
    "Identity": lambda m, x: None,
    "Flatten": _flatten,
}
"""torch.nn class name (or a base class's) -> handler: an Item, or None (pass-through)."""


def _merge(kind: str) -> FunctionHandler:
    def handle(node: Any, x: Shape, out: Shape) -> Item:
        return Item(kind)

    return handle


def _cat(node: Any, x: Shape, out: Shape) -> Item:
    dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
    if not isinstance(dim, int) or dim % len(out) != 1:
        raise Cannot(f"dim {dim} is not the channel axis")
    return Item("concat")


def _reshape(node: Any, x: Shape, out: Shape) -> Item | None:
    """A view, reshape or flatten: a flatten to (batch, features), or nothing."""
    if out == x:
        return None
    if len(out) == 2 and out[0] == x[0]:
        return Item("flatten")
    raise Cannot(f"a reshape from {list(x)} to {list(out)} (only flattening is modelled)")


def _permute(node: Any, x: Shape, out: Shape) -> Item | None:
    if [d for d in x if d != 1] == [d for d in out if d != 1] and x[0] == out[0]:
        return None  # only axes of size 1 moved: the data keeps its order
    raise Cannot("a permutation that reorders the data")


def _simple(kind: str) -> FunctionHandler:
    def handle(node: Any, x: Shape, out: Shape) -> Item:
        return Item(kind)

    return handle


def _f_softmax(kind: str) -> FunctionHandler:
    def handle(node: Any, x: Shape, out: Shape) -> Item:
        dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
        if not isinstance(dim, int) or dim % len(x) != 1:
            raise Cannot(f"dim {dim} is not the channel axis")
        return Item(kind)

    return handle


def _f_adaptive(node: Any, x: Shape, out: Shape) -> Item:
    return Item("adaptive_avgpool", {"output": _compact(out[2:])})


def _f_dropout(node: Any, x: Shape, out: Shape) -> Item:
    p = node.kwargs.get("p", node.args[1] if len(node.args) > 1 else 0.5)
    return Item("dropout", {"p": float(p)})


def _arg(node: Any, index: int, key: str, default: Any) -> Any:
    return node.kwargs.get(key, node.args[index] if len(node.args) > index else default)


def _mul(node: Any, x: Shape, out: Shape) -> Item | None:
    data = [a for a in node.args if hasattr(a, "op") and a.op != "get_attr"]
    if len(data) >= 2:
        return Item("multiply")
    weights = [a for a in node.args if hasattr(a, "op") and a.op == "get_attr"]
    if not weights:
        return None  # times a number: no parameters, nothing counted
    shape = _shape(weights[0]) or ()
    count = 1
    for d in shape:
        count *= d
    if count == 1:
        return None
    if len(x) >= 2 and count == x[1] and shape[-1:] in ((1,), (x[1],)) and out == x:
        return Item("layer_scale")
    raise Cannot(f"a product with a parameter of shape {list(shape)} (not one per channel)")


def _interpolate(node: Any, x: Shape, out: Shape) -> Item:
    return _resample(
        _arg(node, 2, "scale_factor", None),
        _arg(node, 1, "size", None),
        _arg(node, 3, "mode", "nearest"),
        _arg(node, 4, "align_corners", None),
        x,
    )


def _f_pad(node: Any, x: Shape, out: Shape) -> Item:
    pad = _arg(node, 1, "pad", ())
    if not isinstance(pad, list | tuple) or not all(isinstance(v, int) for v in pad):
        raise Cannot(f"pad {pad!r} is not whole numbers")
    return _pad_item(pad, _arg(node, 2, "mode", "constant"), _arg(node, 3, "value", 0.0), x)


def _narrow(node: Any, x: Shape, out: Shape) -> Item:
    dim = _arg(node, 1, "dim", None)
    if not isinstance(dim, int) or dim % len(x) != 1:
        raise Cannot(f"dim {dim} is not the channel axis")
    start = _arg(node, 2, "start", 0)
    if not isinstance(start, int):
        raise Cannot("a start that is not a number")
    return Item("slice", {"start": start % x[1], "channels": out[1]})


def _getitem(node: Any, x: Shape, out: Shape) -> Item | None:
    """``x[:, a:b]``: a channel slice (other indexing is not modelled)."""
    index = node.args[1] if len(node.args) > 1 else None
    parts = index if isinstance(index, tuple) else (index,)
    if len(parts) >= 2 and parts[0] == slice(None) and isinstance(parts[1], slice):
        rest_whole = all(p == slice(None) for p in parts[2:])
        step = parts[1].step
        if rest_whole and step in (None, 1) and out[2:] == x[2:]:
            start = parts[1].start or 0
            if not isinstance(start, int):
                raise Cannot("a slice whose start is not a number")
            if out == x:
                return None
            return Item("slice", {"start": start % x[1] if x[1] else 0, "channels": out[1]})
    raise Cannot(f"indexing with {index!r} (only x[:, a:b] on the channels is modelled)")


def _mean(kind: str) -> FunctionHandler:
    def handle(node: Any, x: Shape, out: Shape) -> Item:
        dims = _arg(node, 1, "dim", None)
        dims = [dims] if isinstance(dims, int) else dims
        if not isinstance(dims, list | tuple) or sorted(d % len(x) for d in dims) != list(
            range(2, len(x))
        ):
            raise Cannot(f"a {_word(node)} over dims {dims} (only all spatial axes)")
        return Item(kind)  # without keepdim (N, C): what a linear layer next reads alike

    return handle


FUNCTIONS: dict[str, FunctionHandler] = {
    "mean": _mean("gap"),
    "amax": _mean("gmp"),
    "mul": _mul,
    "imul": _mul,
    "multiply": _mul,
    "interpolate": _interpolate,
    "upsample": _interpolate,
    "pixel_shuffle": lambda node, x, out: Item("pixel_shuffle", {"factor": node.args[1]}),
    "pixel_unshuffle": lambda node, x, out: Item("pixel_unshuffle", {"factor": node.args[1]}),
    "pad": _f_pad,
    "narrow": _narrow,
    "getitem": _getitem,
    "hardsigmoid": _simple("hardsigmoid"),
    "add": _merge("add"),
    "iadd": _merge("add"),
    "cat": _cat,
    "concat": _cat,
    "flatten": _reshape,
    "view": _reshape,
    "reshape": _reshape,
    "squeeze": _reshape,
    "permute": _permute,
    "transpose": _permute,
    "contiguous": lambda node, x, out: None,
    "relu": _simple("relu"),
    "relu_": _simple("relu"),
    "relu6": _simple("relu6"),
    "sigmoid": _simple("sigmoid"),
    "tanh": _simple("tanh"),
    "gelu": _simple("gelu"),
    "silu": _simple("silu"),
    "hardswish": _simple("hardswish"),
    "softmax": _f_softmax("softmax"),
    "log_softmax": _f_softmax("log_softmax"),
    "adaptive_avg_pool1d": _f_adaptive,
    "adaptive_avg_pool2d": _f_adaptive,
    "adaptive_avg_pool3d": _f_adaptive,
    "dropout": _f_dropout,
}
"""Function or tensor method name -> handler (shapes in and out given)."""


def _torch() -> Any:
    try:
        import torch
        import torch.fx
    except ImportError:
        raise ImportError_(f"cnncalc.from_torch needs PyTorch: {INSTALL}") from None
    return torch


def _input_shape(input_size: str | Sequence[int]) -> tuple[int, ...]:
    """(channels, spatial...) from cnncalc's ``224x224x3`` or PyTorch's ``(3, 224, 224)``."""
    if isinstance(input_size, str):
        from cnncalc.parsing.common import parse_input_text
        from cnncalc.spec import NoOrigin

        spec = parse_input_text(input_size, NoOrigin())
        if not isinstance(spec.channels, int):
            raise ImportError_(f"input {input_size}: channels must be a number")
        return (spec.channels, *spec.size)
    shape = tuple(input_size)
    if not 1 <= len(shape) <= 4 or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in shape
    ):
        raise ImportError_(
            f"input_size is (channels, spatial...) as PyTorch orders it, e.g. (3, 224, 224), "
            f"or '224x224x3'; got {input_size!r}"
        )
    return shape


def _shape(node: Any) -> Shape | None:
    meta = node.meta.get("tensor_meta")
    shape = getattr(meta, "shape", None)
    return None if shape is None else tuple(int(d) for d in shape)


def _handler_for(module: Any) -> ModuleHandler | None:
    for cls in type(module).__mro__:
        if cls.__name__ in MODULES and cls.__module__.startswith("torch.nn"):
            return MODULES[cls.__name__]
    return None


def _word(node: Any) -> str:
    return str(getattr(node.target, "__name__", node.target)).strip("_")


def _part_of(node: Any) -> Any:
    """The chunk or split node ``node`` takes one part of (``a, b = x.chunk(2, 1)``)."""
    if node.op != "call_function" or _word(node) != "getitem" or not node.args:
        return None
    parent = node.args[0]
    if getattr(parent, "op", None) in ("call_method", "call_function") and _word(parent) in (
        "chunk",
        "split",
        "tensor_split",
    ):
        return parent
    return None


def _part(parent: Any, node: Any, x: Shape, out: Shape) -> Item:
    """One part of a chunk or split on the channel axis: a split or a slice."""
    word = _word(parent)
    dim = _arg(parent, 2, "dim", 0)
    index = node.args[1]
    if not isinstance(dim, int) or dim % len(x) != 1 or not isinstance(index, int):
        raise Cannot(f"{word} on dim {dim} (only the channel axis)")
    amount = _arg(parent, 1, "chunks" if word == "chunk" else "split_size_or_sections", None)
    if word == "chunk" and isinstance(amount, int) and x[1] % amount == 0:
        return Item("split", {"parts": amount, "index": index % amount})
    if word == "chunk" and isinstance(amount, int):
        start = index * -(-x[1] // amount)
    elif word == "split" and isinstance(amount, int):
        start = index * amount
    elif word == "split" and isinstance(amount, list | tuple):
        start = sum(amount[:index])
    else:
        raise Cannot(f"{word} with {amount!r}")
    return Item("slice", {"start": start, "channels": out[1]})


def _is_layer_norm(graph_module: Any, node: Any) -> bool:
    if node.op != "call_module":
        return False
    return type(graph_module.get_submodule(node.target)).__name__ == "LayerNorm"


def _perm(node: Any) -> tuple[int, ...] | None:
    if node.op == "call_method" and node.target == "permute":
        dims = node.args[1:] if len(node.args) > 2 else node.args[1]
        return tuple(dims) if all(isinstance(d, int) for d in dims) else None
    return None


def _channels_last_turn(graph_module: Any, node: Any, channels_last: set[Any]) -> bool:
    """``x.permute(0, 2, 3, 1)`` read only by LayerNorms, and the permute back after
    them: ConvNeXt's channels-last LayerNorm, which is cnncalc's layernorm."""
    perm = _perm(node)
    if perm == (0, 2, 3, 1) and node.users:
        for user in node.users:
            backs = list(user.users)
            if (
                not _is_layer_norm(graph_module, user)
                or [_perm(b) for b in backs] != [(0, 3, 1, 2)] * len(backs)
                or not backs
            ):
                return False
        channels_last.add(node)
        channels_last.update(node.users)
        return True
    return (
        perm == (0, 3, 1, 2)
        and bool(node.all_input_nodes)
        and (node.all_input_nodes[0] in channels_last)
    )


def torch_yaml(
    module: Any,
    input_size: str | Sequence[int],
    *,
    skip_unknown: bool = False,
    fold: bool = True,
) -> Imported:
    """A PyTorch module as a readable cnncalc YAML spec (see :func:`from_torch`)."""
    torch = _torch()
    shape = _input_shape(input_size)
    name = type(module).__name__
    try:
        graph_module = torch.fx.symbolic_trace(module)
    except Exception as exc:
        raise ImportError_(f"torch.fx cannot trace {name}: {exc}") from None
    nodes = list(graph_module.graph.nodes)
    check_count(len(nodes), "nodes", name)
    try:
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.passes.shape_prop import ShapeProp

        mode = FakeTensorMode()
        with mode:
            fake = torch.zeros((1, *shape))
        ShapeProp(graph_module, fake_mode=mode).propagate(fake)
    except Exception as exc:
        raise ImportError_(f"{name} does not run on input {input_size}: {exc}") from None
    placeholders = [n for n in nodes if n.op == "placeholder"]
    if len(placeholders) != 1:
        raise ImportError_(f"{name}: cnncalc models modules with one input")
    producer: dict[Any, int | str] = {placeholders[0]: INPUT}
    items: list[Item] = []
    raw_names: list[str] = []
    unknown: list[Unknown] = []
    channels_last: set[Any] = set()
    for node in nodes:
        out = _shape(node)
        data_in = [a for a in node.all_input_nodes if a in producer]
        part = _part_of(node)
        if part is not None and part.args[0] in producer:
            data_in = [part.args[0]]
        if node.op in ("placeholder", "output", "get_attr") or out is None or not data_in:
            continue
        x = _shape(data_in[0]) or out
        label = str(node.target) if node.op == "call_module" else node.name
        try:
            layer_norm = _is_layer_norm(graph_module, node)
            if _channels_last_turn(graph_module, node, channels_last):
                item = None
            elif layer_norm and len(x) > 2 and data_in[0] not in channels_last:
                raise Cannot("a LayerNorm over the last axis of a channels-first map")
            elif part is not None:
                item = _part(part, node, x, out)
            elif node.op == "call_module":
                handler = _handler_for(graph_module.get_submodule(node.target))
                if handler is None:
                    kind = type(graph_module.get_submodule(node.target)).__name__
                    raise Cannot(f"cnncalc has no layer kind for {kind}")
                item = handler(graph_module.get_submodule(node.target), x)
            else:
                word = getattr(node.target, "__name__", str(node.target)).strip("_")
                function = FUNCTIONS.get(word)
                if function is None:
                    raise Cannot(f"cnncalc has no layer kind for {word}")
                item = function(node, x, out)
        except Cannot as why:
            op = (
                type(graph_module.get_submodule(node.target)).__name__
                if node.op == "call_module"
                else getattr(node.target, "__name__", str(node.target))
            )
            unknown.append(Unknown(op, label, str(why)))
            item = Item("identity", note=f"unknown {op}: counted as zero")
        if item is None:
            producer[node] = producer[data_in[0]]
            continue
        sources = [producer[a] for a in data_in]
        if item.kind not in ("add", "concat", "multiply"):
            sources = sources[:1]
        item.inputs = [f"#{r}" if isinstance(r, int) else r for r in sources]
        kind = (
            type(graph_module.get_submodule(node.target)).__name__
            if node.op == "call_module"
            else getattr(node.target, "__name__", str(node.target))
        )
        item.origin = f"module '{shown(label)}' ({shown(kind)})"
        items.append(item)
        raw_names.append(label)
        producer[node] = len(items) - 1
    refuse_unknown(unknown, name, skip_unknown)
    names = unique_names(raw_names)
    for i, item in enumerate(items):
        item.name = names[i]
        refs = [names[int(r[1:])] if r.startswith("#") else r for r in item.inputs]
        item.inputs = [] if refs == [names[i - 1] if i else INPUT] else refs
    size = input_text(shape[1:], shape[0])
    header = [f"Imported from the PyTorch module {name} by cnncalc.from_torch (torch.fx)"]
    places: Places = {}
    text = write_yaml(
        items, size, name=name, header=header, unknown=unknown, fold=fold, places=places
    )
    return Imported(text, name, unknown, size, places)


def from_torch(
    module: Any,
    input_size: str | Sequence[int],
    *,
    skip_unknown: bool = False,
    fold: bool = True,
) -> NetworkSpec:
    """A PyTorch ``nn.Module`` as a cnncalc network, traced with ``torch.fx``.

    ``input_size`` is the input without the batch axis, as PyTorch orders it
    (``(3, 224, 224)``), or in cnncalc's notation (``"224x224x3"``). Shapes are
    propagated on fake tensors: no arithmetic is done and no weights are read. Layers
    cnncalc cannot model are an error naming each, unless ``skip_unknown`` (then they
    count as zero). Needs PyTorch (``pip install 'cnncalc[torch]'``).
    """
    return torch_yaml(module, input_size, skip_unknown=skip_unknown, fold=fold).spec()
