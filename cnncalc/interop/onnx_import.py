"""ONNX models -> cnncalc specs, read with the ``onnx`` package only.

Only the graph is read: operator types, attributes, the dims of initializers and the
shapes ONNX's own shape inference gives. Nothing is run; weights are never needed
(initializers stripped to their dims read the same).

:data:`OPS` is the one table of operators: an ONNX operator type and the function that
writes it as a cnncalc layer. Everything not in it is listed as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

from cnncalc.errors import LimitError
from cnncalc.interop.common import (
    MAX_MODEL_BYTES,
    Imported,
    ImportError_,
    Item,
    Unknown,
    Value,
    check_count,
    input_text,
    refuse_unknown,
    unique_names,
    write_yaml,
)
from cnncalc.spec import INPUT

INSTALL = "pip install 'cnncalc[onnx]'"
_SMALL = 64  # constants read by value (shapes, ratios, clip bounds) have at most this many


class Cannot(Exception):
    """Raised by a handler: this node cannot be modelled (the message says why)."""


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError_(f"reading ONNX models needs the onnx package: {INSTALL}") from None
    return onnx


class Graph:
    """What the handlers read about the graph: constants, ranks, shapes and attributes."""

    def __init__(self, onnx: Any, model: Any, inferred: Any) -> None:
        self.onnx = onnx
        graph = model.graph
        self.dims: dict[str, list[int]] = {t.name: list(t.dims) for t in graph.initializer}
        self.values: dict[str, list[float]] = {}
        for t in graph.initializer:
            self._remember(t.name, t)
        self.shapes: dict[str, list[int | None]] = {}
        for info in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]:
            shape = _shape_of(info)
            if shape is not None:
                self.shapes[info.name] = shape
        self.ranks: dict[str, int] = {}
        self.fc_by_output: dict[str, Item] = {}
        self.node: Any = None
        self.opset = 0
        self.data: Collection[str] = set()
        """Tensors that are activations (the input and layers' outputs)."""

    def _remember(self, name: str, tensor: Any) -> None:
        count = 1
        for d in tensor.dims:
            count *= d
        if count <= _SMALL:
            try:
                array = self.onnx.numpy_helper.to_array(tensor)
                self.values[name] = [float(v) for v in array.reshape(-1)]
            except Exception:
                pass

    def constant(self, node: Any) -> None:
        """Take a Constant node's tensor (its dims, and its value when small)."""
        for attr in node.attribute:
            if attr.name == "value" and attr.HasField("t"):
                self.dims[node.output[0]] = list(attr.t.dims)
                self._remember(node.output[0], attr.t)
            elif attr.name in ("value_ints", "value_floats"):
                values = list(self.attr(node, attr.name, []))
                self.dims[node.output[0]] = [len(values)]
                if len(values) <= _SMALL:
                    self.values[node.output[0]] = [float(v) for v in values]
            elif attr.name in ("value_int", "value_float"):
                self.dims[node.output[0]] = []
                self.values[node.output[0]] = [float(self.attr(node, attr.name, 0))]

    def static(self, node: Any) -> None:
        """Follow a weight's dims through the constant nodes PyTorch puts before some
        layers (an Identity of an initializer, the Transpose of a linear weight)."""
        if node.op_type not in ("Identity", "Transpose") or not node.input or not node.output:
            return
        dims = self.dims.get(node.input[0])
        if dims is None:
            return
        if node.op_type == "Transpose":
            perm = self.attr(node, "perm", list(range(len(dims)))[::-1])
            if sorted(perm) != list(range(len(dims))):
                return
            dims = [dims[p] for p in perm]
        self.dims[node.output[0]] = dims

    def attr(self, node: Any, name: str, default: Any) -> Any:
        """An attribute's value (text decoded), or ``default``."""
        for attr in node.attribute:
            if attr.name == name:
                value = self.onnx.helper.get_attribute_value(attr)
                if isinstance(value, bytes):
                    return value.decode("utf-8", "replace")
                return value
        return default

    def ints(self, node: Any, name: str, default: list[int]) -> list[int]:
        """An attribute of whole numbers."""
        value = self.attr(node, name, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, int) for v in value):
            raise Cannot(f"attribute {name} is not a list of whole numbers")
        return list(value)

    def weight(self, node: Any, index: int) -> list[int]:
        """The dims of a constant input (a weight)."""
        name = node.input[index] if len(node.input) > index else ""
        if name in self.dims:
            return self.dims[name]
        shape = self.shapes.get(name)  # a weight reshaped by constant nodes
        if name and name not in self.data and shape and all(d is not None for d in shape):
            return [d or 0 for d in shape]
        raise Cannot(f"input {index + 1} is not a constant (a weight cnncalc can read)")

    def has_input(self, node: Any, index: int) -> bool:
        """True when the optional input ``index`` is given."""
        return len(node.input) > index and node.input[index] != ""

    def rank(self, tensor: str) -> int | None:
        """A tensor's rank, when known."""
        if tensor in self.ranks:
            return self.ranks[tensor]
        shape = self.shapes.get(tensor)
        return None if shape is None else len(shape)


def _shape_of(info: Any) -> list[int | None] | None:
    if not info.type.HasField("tensor_type") or not info.type.tensor_type.HasField("shape"):
        return None
    return [
        d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
        for d in info.type.tensor_type.shape.dim
    ]


def _per_axis(values: Sequence[int]) -> Value:
    """One number when every axis agrees, else one per axis."""
    if values and all(v == values[0] for v in values):
        return values[0]
    return list(values)


def _padding(g: Graph, node: Any, spatial: int) -> Value:
    auto = g.attr(node, "auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return "same"  # same sizes; SAME_LOWER puts the odd pixel first
    if auto == "VALID":
        return 0
    pads = g.ints(node, "pads", [0] * 2 * spatial)
    if len(pads) != 2 * spatial or any(p < 0 for p in pads):
        raise Cannot(f"pads {pads} do not give a begin and an end per axis")
    begin, end = pads[:spatial], pads[spatial:]
    if begin == end:
        return _per_axis(begin)
    return [[b, e] for b, e in zip(begin, end, strict=True)]


def _conv(g: Graph, node: Any) -> Item:
    w = g.weight(node, 1)
    if len(w) < 3:
        raise Cannot(f"weight dims {w} are not (filters, channels/groups, kernel...)")
    spatial = len(w) - 2
    kernel = g.ints(node, "kernel_shape", w[2:])
    args: dict[str, Value] = {"filters": w[0], "kernel": _per_axis(kernel)}
    stride = g.ints(node, "strides", [1] * spatial)
    if any(s != 1 for s in stride):
        args["stride"] = _per_axis(stride)
    padding = _padding(g, node, spatial)
    if padding != 0:
        args["padding"] = padding
    dilation = g.ints(node, "dilations", [1] * spatial)
    if any(d != 1 for d in dilation):
        args["dilation"] = _per_axis(dilation)
    groups = g.attr(node, "group", 1)
    if groups != 1:
        args["groups"] = groups
    if not g.has_input(node, 2):
        args["bias"] = False
    return Item("conv", args)


def _pool(kind: str) -> Callable[[Graph, Any], Item]:
    def handle(g: Graph, node: Any) -> Item:
        kernel = g.ints(node, "kernel_shape", [])
        if not kernel:
            raise Cannot("no kernel_shape")
        spatial = len(kernel)
        args: dict[str, Value] = {"kernel": _per_axis(kernel)}
        stride = g.ints(node, "strides", [1] * spatial)
        if stride != kernel:  # cnncalc's pool stride defaults to the kernel, ONNX's to 1
            args["stride"] = _per_axis(stride)
        padding = _padding(g, node, spatial)
        if padding != 0:
            args["padding"] = padding
        dilation = g.ints(node, "dilations", [1] * spatial)
        if any(d != 1 for d in dilation):
            if kind != "maxpool":
                raise Cannot("dilated average pooling")
            args["dilation"] = _per_axis(dilation)
        if g.attr(node, "ceil_mode", 0):
            args["ceil_mode"] = True
        # count_include_pad changes the values averaged, never sizes, params or MACs
        return Item(kind, args)

    return handle


def _gemm(g: Graph, node: Any) -> Item:
    if g.attr(node, "transA", 0):
        raise Cannot("transA=1 (the input transposed)")
    w = g.weight(node, 1)
    if len(w) != 2:
        raise Cannot(f"weight dims {w} are not a matrix")
    units = w[0] if g.attr(node, "transB", 0) else w[1]
    return Item("fc", {"units": units} if g.has_input(node, 2) else {"units": units, "bias": False})


def _matmul(g: Graph, node: Any) -> Item:
    w = g.weight(node, 1)
    rank = g.rank(node.input[0])
    if len(w) != 2 or rank not in (2, None):
        raise Cannot("only a 2-D input times a constant matrix is a fully connected layer")
    item = Item("fc", {"units": w[1], "bias": False})
    g.fc_by_output[node.output[0]] = item  # an Add of a constant vector next is its bias
    return item


def _add(g: Graph, node: Any) -> Item | None:
    consts = [t for t in node.input if t in g.dims]
    if not consts:
        return Item("add")
    if len(node.input) == 2 and len(consts) == 1:
        data = node.input[0] if node.input[1] in g.dims else node.input[1]
        fc = g.fc_by_output.get(data)
        dims = g.dims[consts[0]]
        if fc is not None and fc.args.get("bias") is False and dims in ([fc.args["units"]],):
            del fc.args["bias"]  # MatMul + Add: a linear layer with its bias
            return None
    raise Cannot("an Add of a constant that is no linear layer's bias")


def _channel_axis(g: Graph, node: Any, default: int) -> None:
    axis = g.attr(node, "axis", default)
    rank = g.rank(node.input[0])
    if rank is None:
        if axis != 1:
            raise Cannot(f"axis {axis} on a tensor of unknown rank")
        return
    if not isinstance(axis, int) or axis % rank != 1 % rank or rank < 2:
        raise Cannot(f"axis {axis} is not the channel axis")


def _concat(g: Graph, node: Any) -> Item:
    _channel_axis(g, node, 1)
    return Item("concat")


def _softmax(kind: str) -> Callable[[Graph, Any], Item]:
    def handle(g: Graph, node: Any) -> Item:
        opset = g.opset
        _channel_axis(g, node, -1 if opset >= 13 else 1)
        return Item(kind)

    return handle


def _flatten(g: Graph, node: Any) -> Item:
    if g.attr(node, "axis", 1) != 1:
        raise Cannot("a flatten that keeps more than the batch axis")
    return Item("flatten")


def _reshape(g: Graph, node: Any) -> Item | None:
    src = g.shapes.get(node.input[0])
    out = g.shapes.get(node.output[0])
    rank_in = g.rank(node.input[0])
    if out is None and len(node.input) > 1 and node.input[1] in g.dims:
        shape_dims = g.dims[node.input[1]]
        out = [None] * shape_dims[0] if len(shape_dims) == 1 else None
    if out is not None and len(out) == 2 and rank_in is not None and rank_in >= 2:
        if src is not None and src[0] is not None and out[0] is not None and src[0] != out[0]:
            raise Cannot(f"a reshape from {src} to {out} changes the batch axis")
        return None if rank_in == 2 else Item("flatten")
    raise Cannot("a reshape other than a flatten to (batch, features)")


def _squeeze(g: Graph, node: Any) -> Item:
    src = g.shapes.get(node.input[0])
    out = g.shapes.get(node.output[0])
    if src and out and len(out) == 2 and len(src) > 2 and all(d == 1 for d in src[2:]):
        return Item("flatten")
    raise Cannot("a squeeze other than (batch, channels, 1, 1) to (batch, channels)")


def _transpose(g: Graph, node: Any) -> Item | None:
    rank = g.rank(node.input[0])
    perm = g.ints(node, "perm", list(range(rank or 0))[::-1])
    src = g.shapes.get(node.input[0])
    if perm == sorted(perm):
        return None
    moved = [p for i, p in enumerate(perm) if p != i]
    if (
        src
        and perm[0] == 0
        and all(src[p] == 1 for p in moved if p != 1)
        and _order_kept(src, perm)
    ):
        return None  # only axes of size 1 move: the data stays in the same order
    raise Cannot("a transpose that reorders the data (cnncalc keeps channels first)")


def _order_kept(shape: list[int | None], perm: list[int]) -> bool:
    real = [p for p in perm if shape[p] != 1]
    return real == sorted(real)


def _batchnorm(g: Graph, node: Any) -> Item:
    return Item("batchnorm")


def _dropout(g: Graph, node: Any) -> Item:
    ratio = g.attr(node, "ratio", 0.5)
    if g.has_input(node, 1):
        value = g.values.get(node.input[1])
        ratio = value[0] if value else 0.5
    return Item("dropout", {"p": float(f"{float(ratio):.7g}")})  # as float32 wrote it


def _clip(g: Graph, node: Any) -> Item:
    low = g.attr(node, "min", None)
    high = g.attr(node, "max", None)
    if g.has_input(node, 1):
        low = _first(g.values.get(node.input[1]))
    if g.has_input(node, 2):
        high = _first(g.values.get(node.input[2]))
    if low == 0 and high == 6:
        return Item("relu6")
    if low == 0 and high is None:
        return Item("relu")
    raise Cannot(f"clip to [{low}, {high}] (only relu6's [0, 6] is an activation cnncalc has)")


def _first(values: list[float] | None) -> float | None:
    return values[0] if values else None


def _prelu(g: Graph, node: Any) -> Item:
    slope = g.weight(node, 1)
    count = 1
    for d in slope:
        count *= d
    return Item("prelu", {"num_parameters": count})


def _lrn(g: Graph, node: Any) -> Item:
    return Item("lrn", {"size": g.attr(node, "size", 5)})


def _simple(kind: str, **attrs: tuple[str, float]) -> Callable[[Graph, Any], Item]:
    """An activation with optional float attributes: cnncalc key -> (ONNX name, default)."""

    def handle(g: Graph, node: Any) -> Item:
        args: dict[str, Value] = {}
        for key, (onnx_name, default) in attrs.items():
            value = float(f"{float(g.attr(node, onnx_name, default)):.7g}")
            if value != default or key == "negative_slope":
                args[key] = value
        return Item(kind, args)

    return handle


def _alias(g: Graph, node: Any) -> None:
    return None


Handler = Callable[[Graph, Any], Item | None]

OPS: dict[str, Handler] = {
    "Conv": _conv,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "MaxPool": _pool("maxpool"),
    "AveragePool": _pool("avgpool"),
    "GlobalAveragePool": lambda g, node: Item("gap"),
    "GlobalMaxPool": lambda g, node: Item("gmp"),
    "BatchNormalization": _batchnorm,
    "LRN": _lrn,
    "Relu": _simple("relu"),
    "LeakyRelu": _simple("leaky_relu", negative_slope=("alpha", 0.01)),
    "PRelu": _prelu,
    "Elu": _simple("elu", alpha=("alpha", 1.0)),
    "Selu": _simple("selu"),
    "Gelu": _simple("gelu"),
    "Sigmoid": _simple("sigmoid"),
    "Tanh": _simple("tanh"),
    "Softplus": _simple("softplus"),
    "Mish": _simple("mish"),
    "HardSwish": _simple("hardswish"),
    "HardSigmoid": _simple("hardsigmoid"),
    "Clip": _clip,
    "Softmax": _softmax("softmax"),
    "LogSoftmax": _softmax("log_softmax"),
    "Add": _add,
    "Sum": lambda g, node: Item("add"),
    "Concat": _concat,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Squeeze": _squeeze,
    "Transpose": _transpose,
    "Dropout": _dropout,
    "Identity": _alias,
    "Cast": _alias,
}
"""ONNX operator type -> handler: an :class:`Item` (one layer), None (the output is the
input: nothing to count), or :class:`Cannot` with the reason."""

_GENERIC_NAMES = {"", "main_graph", "torch_jit", "torch-jit-export", "graph"}

_STATIC = {"Constant", "Shape", "Size", "ConstantOfShape"}
"""Operators whose outputs are constants or shapes, never activations."""


def _text(value: object) -> str:
    """A name from the file as text (protobuf hands over invalid UTF-8 as bytes)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _label(node: Any, index: int) -> tuple[str, str]:
    """(module path, last part) of a node's name: ``/layer1/layer1.0/conv1/Conv`` gives
    ``("layer1.0.conv1", "Conv")`` (PyTorch's exporter names nodes by module scopes)."""
    text = _text(node.name or (node.output[0] if node.output else "") or f"node{index}")
    parts = [p for p in text.split("/") if p]
    if len(parts) < 2:
        return "", parts[0] if parts else text
    pieces: list[str] = []
    for seg in parts[:-1]:  # a container's child is written "features.1" after "features"
        if pieces and seg.startswith(pieces[-1] + "."):
            pieces[-1] = seg
        else:
            pieces.append(seg)
    return ".".join(pieces), parts[-1]


def _names(nodes: Sequence[tuple[int, Any]]) -> list[str]:
    labels = [_label(node, i) for i, node in nodes]
    uses: dict[str, int] = {}
    for path, _ in labels:
        uses[path] = uses.get(path, 0) + 1
    raw = []
    for (path, last), (_, node) in zip(labels, nodes, strict=True):
        op_like = re.fullmatch(re.escape(_text(node.op_type)) + r"(_\d+)?", last) is not None
        if path and op_like and uses[path] == 1:
            raw.append(path)
        elif path:
            raw.append(f"{path}.{last.lower() if op_like else last}")
        else:
            raw.append(last.lower() if op_like else last)
    return unique_names([re.sub(r"\s+", "_", name) for name in raw])


def _parse(data: bytes, source: str) -> Any:
    onnx = _onnx()
    if len(data) > MAX_MODEL_BYTES:
        raise LimitError(f"{source}: the model is larger than {MAX_MODEL_BYTES // 2**20} MiB")
    try:
        model = onnx.ModelProto()
        model.ParseFromString(data)
    except Exception:
        raise ImportError_(f"{source}: not an ONNX model (the file does not parse)") from None
    if not model.HasField("graph") or not model.graph.node:
        raise ImportError_(f"{source}: not an ONNX model (it has no graph of operators)")
    if model.ir_version > onnx.IR_VERSION:
        raise ImportError_(
            f"{source}: ONNX IR version {model.ir_version} is newer than the onnx package "
            f"here reads ({onnx.IR_VERSION}); upgrade onnx"
        )
    return model


def _opset(onnx: Any, model: Any, source: str) -> int:
    newest = onnx.defs.onnx_opset_version()
    version = 0
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            version = entry.version
    if version > newest:
        raise ImportError_(
            f"{source}: the model uses ONNX opset {version}; cnncalc reads opsets up to "
            f"{newest} (the onnx package installed); upgrade onnx"
        )
    if version == 0:
        raise ImportError_(f"{source}: the model imports no ONNX operator set (opset)")
    return int(version)


def _network_input(g: Graph, model: Any, source: str, given: str | None) -> tuple[str, str | None]:
    data = [i for i in model.graph.input if i.name not in g.dims]
    if len(data) != 1:
        names = ", ".join(_text(i.name) for i in data) or "none"
        raise ImportError_(
            f"{source}: cnncalc models networks with one input; this model has "
            f"{len(data)} ({names})"
        )
    info = data[0]
    shape = _shape_of(info)
    if shape is None or len(shape) < 2 or len(shape) > 5:
        raise ImportError_(
            f"{source}: input '{_text(info.name)}' is not (batch, channels, spatial...) "
            f"(shape {shape})"
        )
    g.ranks[info.name] = len(shape)
    if given is not None:
        return info.name, _checked_input(given, len(shape) - 2, source)
    channels, spatial = shape[1], shape[2:]
    if channels is None or any(s is None for s in spatial):
        return info.name, None
    return info.name, input_text([s or 0 for s in spatial], channels)


def _checked_input(given: str, spatial: int, source: str) -> str:
    """``--input`` checked against the model's rank."""
    from cnncalc.parsing.common import parse_input_text
    from cnncalc.spec import NoOrigin

    parsed = parse_input_text(given, NoOrigin())
    if parsed.dims != spatial:
        raise ImportError_(
            f"{source}: --input {given} has {parsed.dims} spatial axes; the model's input "
            f"has {spatial}",
        )
    return given


def import_onnx(
    data: bytes,
    source: str,
    *,
    input: str | None = None,
    skip_unknown: bool = False,
    fold: bool = True,
) -> Imported:
    """An ONNX model (the bytes of a ``.onnx`` file) as a readable cnncalc YAML spec.

    ``input`` (``HxWxC``) gives the input size where the model's is dynamic (or replaces
    it). Operators cnncalc cannot model are an error naming each, unless
    ``skip_unknown`` (then each is an identity layer, counted as zero, listed in comments).
    ``fold`` writes repeated chains as ``repeat`` (their layers then lose their names).
    """
    onnx = _onnx()
    model = _parse(data, source)
    opset = _opset(onnx, model, source)
    check_count(len(model.graph.node), "nodes", source)
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:
        inferred = model
    g = Graph(onnx, model, inferred)
    g.opset = opset
    input_name, input_size = _network_input(g, model, source, input)
    producer: dict[str, int | str] = {input_name: INPUT}  # tensor -> item index or input
    g.data = producer.keys()
    items: list[Item] = []
    made: list[tuple[int, Any]] = []  # the node each item came from
    unknown: list[Unknown] = []
    for index, node in enumerate(model.graph.node):
        g.node = node
        if node.op_type == "Constant":
            g.constant(node)
        data_in = [t for t in node.input if t in producer]
        if node.op_type in _STATIC or not data_in:
            g.static(node)
            continue  # shapes and constants, computed on constants: not a layer
        handler = OPS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        try:
            if handler is None:
                raise Cannot("cnncalc has no layer kind for it")
            item = handler(g, node)
        except Cannot as why:
            op = _text(node.op_type)
            where = _text(node.name or (node.output[0] if node.output else f"node {index}"))
            unknown.append(Unknown(op, where, str(why)))
            item = Item("identity", note=f"unknown {op}: counted as zero")
        if node.output:
            g.ranks.setdefault(node.output[0], _rank_after(g, node, item))
        if item is None:
            for out in node.output[:1]:
                producer[out] = producer[data_in[0]]
            continue
        sources = [producer[t] for t in data_in]
        if item.kind not in ("add", "concat"):
            sources = sources[:1]
        item.inputs = [f"#{r}" if isinstance(r, int) else r for r in sources]
        items.append(item)
        made.append((index, node))
        for out in node.output[:1]:
            producer[out] = len(items) - 1
    refuse_unknown(unknown, source, skip_unknown)
    names = _names(made)
    for i, item in enumerate(items):
        item.name = names[i]
        refs = [names[int(r[1:])] if r.startswith("#") else r for r in item.inputs]
        previous = names[i - 1] if i else INPUT
        item.inputs = [] if refs == [previous] else refs
    header = [
        f"Imported from {source} by cnncalc import (ONNX opset {opset}"
        + (
            f", made by {_text(model.producer_name)} {_text(model.producer_version)}".rstrip() + ")"
            if model.producer_name
            else ")"
        ),
    ]
    name = _text(model.graph.name) if model.graph.name not in _GENERIC_NAMES else None
    text = write_yaml(items, input_size, name=name, header=header, unknown=unknown, fold=fold)
    return Imported(text, source, unknown, input_size)


def _rank_after(g: Graph, node: Any, item: Item | None) -> int:
    shape = g.shapes.get(node.output[0]) if node.output else None
    if shape is not None:
        return len(shape)
    before = g.rank(node.input[0]) if node.input else None
    if item is not None and item.kind in ("fc", "flatten"):
        return 2
    return before if before is not None else 4
