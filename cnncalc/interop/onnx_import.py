"""ONNX models -> cnncalc specs, read with the ``onnx`` package only.

Only the graph is read: operator types, attributes, the dims of initializers and the
shapes ONNX's own shape inference gives. Nothing is run; weights are never needed
(initializers stripped to their dims read the same).

:data:`OPS` is the one table of operators: an ONNX operator type and the function that
writes it as a cnncalc layer. Everything not in it is listed as unknown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

from cnncalc.errors import LimitError
from cnncalc.interop.common import (
    MAX_MODEL_BYTES,
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
        for node in graph.node:  # constants are known before the nodes that read them
            if node.op_type == "Constant" and node.output:
                self.constant(node)
        for t in inferred.graph.initializer:  # small constants folded by _settled_shapes
            if t.name not in self.dims:
                self.dims[t.name] = list(t.dims)
                self._remember(t.name, t)
        self.initializers = {t.name for t in graph.initializer}
        self.outputs = {t.name for t in graph.output}
        self.consumers: dict[str, list[Any]] = {}
        for node in graph.node:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        self.alias: dict[str, str] = {}
        """Outputs of nodes folded into a layer before them -> the tensor they equal."""
        self.items: dict[str, Item] = {}
        """Tensor -> the layer that wrote it."""
        self.maker = {out: node for node in graph.node for out in node.output}
        self.channels_last: set[str] = set()
        """Channels-first maps PyTorch permuted to channels last for a layer norm."""
        self.grouped: dict[str, int] = {}
        """Tensors reshaped to (N, groups, rest) for a group norm -> the group count."""

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

    def evaluate(self, node: Any) -> None:
        """Compute a small constant the exporter builds from shapes and constants (the
        pads of a Pad, the starts of a Slice): shape arithmetic on at most
        :data:`_SMALL` numbers; anything else stays unknown."""
        if not node.output:
            return
        import numpy

        try:
            with numpy.errstate(all="ignore"):
                value = _fold_constant(self, node)
        except Exception:
            return  # not a constant cnncalc follows: a handler that needs it says so
        if value is not None and value.size <= _SMALL and bool(numpy.isfinite(value).all()):
            self.dims[node.output[0]] = list(value.shape)
            self.values[node.output[0]] = [float(v) for v in value.reshape(-1)]

    def array(self, name: str) -> Any:
        """A small constant as a numpy array, or None."""
        import numpy

        if name not in self.values or name not in self.dims:
            return None
        return numpy.array(self.values[name]).reshape(self.dims[name])

    def ints_of(self, node: Any, index: int) -> list[int] | None:
        """A constant input's whole numbers, or None when not known."""
        if not self.has_input(node, index):
            return None
        values = self.values.get(node.input[index])
        if values is None or not all(math.isfinite(v) and v == int(v) for v in values):
            return None
        return [int(v) for v in values]

    def known_shape(self, tensor: str) -> list[int] | None:
        """A tensor's shape when every dim is known."""
        shape = self.shapes.get(tensor)
        if shape is None or any(d is None for d in shape):
            return None
        return [d or 0 for d in shape]

    def only_consumer(self, tensor: str) -> Any:
        """The one node reading ``tensor``, or None (none, several, or a graph output)."""
        readers = self.consumers.get(tensor, [])
        return readers[0] if len(readers) == 1 and tensor not in self.outputs else None

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


def _fold_constant(g: Graph, node: Any) -> Any:
    """The value of a shape-arithmetic node whose inputs are all known, or None."""
    import numpy

    op = node.op_type
    if op == "Shape":
        dims = g.dims.get(node.input[0]) or g.known_shape(node.input[0])
        if dims is None:
            return None
        rank = len(dims)
        start, end = g.attr(node, "start", 0), g.attr(node, "end", rank)
        return numpy.array(dims[slice(start, end)], dtype=numpy.int64)
    if op == "ConstantOfShape":
        shape = g.ints_of(node, 0)
        if shape is None or any(d < 0 for d in shape) or math.prod(shape) > _SMALL:
            return None
        fill = g.attr(node, "value", None)
        value = float(g.onnx.numpy_helper.to_array(fill).reshape(-1)[0]) if fill else 0.0
        return numpy.full(shape, value)
    args: list[Any] = [g.array(name) if name else None for name in node.input]
    if not args or any(a is None for a in args[:1]):
        return None
    first: Any = args[0]
    if op in ("Cast", "Identity"):
        return first
    if op in ("Add", "Sub", "Mul", "Div") and len(args) == 2 and args[1] is not None:
        a, b = first, args[1]
        if op == "Div":
            whole = (a == numpy.trunc(a)).all() and (b == numpy.trunc(b)).all()
            return numpy.trunc(a / b) if whole else a / b
        return {"Add": a + b, "Sub": a - b, "Mul": a * b}[op]
    if op == "Concat" and all(a is not None for a in args):
        return numpy.concatenate(args, axis=g.attr(node, "axis", 0))
    if op == "Gather" and len(args) == 2 and args[1] is not None:
        return numpy.take(first, args[1].astype(numpy.int64), axis=g.attr(node, "axis", 0))
    if op == "Transpose":
        return numpy.transpose(first, g.attr(node, "perm", None))
    if op in ("Unsqueeze", "Squeeze"):
        axes = g.attr(node, "axes", None)
        if axes is None and len(args) > 1 and args[1] is not None:
            axes = [int(v) for v in args[1].reshape(-1)]
        if op == "Unsqueeze":
            return numpy.expand_dims(first, tuple(axes or ()))
        return numpy.squeeze(first, tuple(axes) if axes else None)
    if op == "Reshape" and len(args) == 2 and args[1] is not None:
        shape = [int(v) for v in args[1].reshape(-1)]
        shape = [first.shape[i] if d == 0 else d for i, d in enumerate(shape)]
        return first.reshape(shape)
    if op == "Slice" and len(args) >= 3 and all(a is not None for a in args[1:]):
        starts, ends = (int(v) for v in args[1]), (int(v) for v in args[2])
        axes = [int(v) for v in args[3]] if len(args) > 3 else list(range(first.ndim))
        steps = [int(v) for v in args[4]] if len(args) > 4 else [1] * len(axes)
        index = [slice(None)] * first.ndim
        for axis, start, end, step in zip(axes, starts, ends, steps, strict=False):
            index[axis] = slice(start, end, step)
        return first[tuple(index)]
    return None


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
    return Item("conv", args, reads=w[1] * groups)  # W is (M, C/group, kernel...)


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
    units, features = (w[0], w[1]) if g.attr(node, "transB", 0) else (w[1], w[0])
    args: dict[str, Value] = (
        {"units": units} if g.has_input(node, 2) else {"units": units, "bias": False}
    )
    return Item("fc", args, reads=features)


def _matmul(g: Graph, node: Any) -> Item:
    w = g.weight(node, 1)
    rank = g.rank(node.input[0])
    if len(w) != 2 or rank not in (2, None):
        raise Cannot("only a 2-D input times a constant matrix is a fully connected layer")
    item = Item("fc", {"units": w[1], "bias": False}, reads=w[0])
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
    special = _group_reshape(g, node) or _shuffle_reshape(g, node)
    if special is not None:
        return special[0]
    rank_in = g.rank(node.input[0])
    if out is None and len(node.input) > 1 and node.input[1] in g.dims:
        shape_dims = g.dims[node.input[1]]
        out = [None] * shape_dims[0] if len(shape_dims) == 1 else None
    if out is not None and len(out) == 2 and rank_in is not None and rank_in >= 2:
        if src is not None and src[0] is not None and out[0] is not None and src[0] != out[0]:
            raise Cannot(f"a reshape from {src} to {out} changes the batch axis")
        return None if rank_in == 2 else Item("flatten")
    raise Cannot("a reshape other than a flatten to (batch, features)")


def _group_reshape(g: Graph, node: Any) -> tuple[None] | None:
    """The reshapes around PyTorch's GroupNorm export: (N, C, ...) to (N, groups, rest)
    read by an InstanceNormalization, and back to the shape before."""
    src, out = g.known_shape(node.input[0]), g.known_shape(node.output[0])
    if src is None or out is None:
        return None
    reader = g.only_consumer(node.output[0])
    if (
        len(src) >= 3
        and len(out) == 3
        and out[0] == src[0]
        and out[1] > 0
        and src[1] % out[1] == 0
        and reader is not None
        and reader.op_type == "InstanceNormalization"
    ):
        g.grouped[node.output[0]] = out[1]
        return (None,)
    before = g.items.get(node.input[0])
    if before is not None and before.kind == "groupnorm" and len(src) == 3 and len(out) >= 3:
        return (None,)
    return None


_SHUFFLE_PERMS: dict[tuple[int, ...], str] = {
    (0, 1, 4, 2, 5, 3): "pixel_shuffle",  # (N, C, r, r, H, W) -> (N, C, H, r, W, r)
    (0, 1, 3, 5, 2, 4): "pixel_unshuffle",  # (N, C, H, r, W, r) -> (N, C, r, r, H, W)
}


def _shuffle_reshape(g: Graph, node: Any) -> tuple[Item] | None:
    """PyTorch's pixel shuffle written as Reshape, Transpose, Reshape: one layer."""
    src, mid = g.known_shape(node.input[0]), g.known_shape(node.output[0])
    turn = g.only_consumer(node.output[0])
    if src is None or mid is None or len(src) != 4 or len(mid) != 6 or turn is None:
        return None
    if turn.op_type != "Transpose":
        return None
    kind = _SHUFFLE_PERMS.get(tuple(g.ints(turn, "perm", [])))
    back = g.only_consumer(turn.output[0])
    out = g.known_shape(back.output[0]) if back is not None and back.output else None
    if kind is None or back is None or back.op_type != "Reshape" or out is None:
        return None
    n, c, h, w = src
    r = out[2] // h if kind == "pixel_shuffle" and h else h // out[2] if out[2] else 0
    if r < 1 or out != (
        [n, c // (r * r), h * r, w * r]
        if kind == "pixel_shuffle"
        else [n, c * r * r, h // r, w // r]
    ):
        return None
    g.alias[turn.output[0]] = node.output[0]
    g.alias[back.output[0]] = node.output[0]
    return (Item(kind, {"factor": r}),)


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
    if perm == [0, 2, 3, 1] and _layer_norms_only(g, node.output[0]):
        g.channels_last.add(node.output[0])
        return None  # to channels last for a layer norm over channels, and back
    if perm == [0, 3, 1, 2] and node.input[0] in g.channels_last:
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


def _layer_norms_only(g: Graph, tensor: str) -> bool:
    """True when every reader is a layer norm over the last axis whose output is turned
    back to channels first (ConvNeXt's LayerNorm2d)."""
    readers = g.consumers.get(tensor, [])
    for reader in readers:
        if reader.op_type != "LayerNormalization" or g.attr(reader, "axis", -1) not in (-1, 3):
            return False
        back = g.only_consumer(reader.output[0])
        if back is None or back.op_type != "Transpose" or g.ints(back, "perm", []) != [0, 3, 1, 2]:
            return False
    return bool(readers) and tensor not in g.outputs


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


def _conv_transpose(g: Graph, node: Any) -> Item:
    w = g.weight(node, 1)  # (C_in, C_out / groups, kernel...)
    if len(w) < 3:
        raise Cannot(f"weight dims {w} are not (channels, filters/groups, kernel...)")
    spatial = len(w) - 2
    groups = g.attr(node, "group", 1)
    kernel = g.ints(node, "kernel_shape", w[2:])
    stride = g.ints(node, "strides", [1] * spatial)
    dilation = g.ints(node, "dilations", [1] * spatial)
    extra = g.ints(node, "output_padding", [0] * spatial)
    args: dict[str, Value] = {"filters": w[1] * groups, "kernel": _per_axis(kernel)}
    if any(v != 1 for v in stride):
        args["stride"] = _per_axis(stride)
    pads = _transpose_pads(g, node, kernel, stride, dilation, extra)
    begin, end = pads[:spatial], pads[spatial:]
    if any(p < 0 for p in pads):
        raise Cannot(f"pads {pads} below zero")
    if begin == end:
        if any(begin):
            args["padding"] = _per_axis(begin)
    else:
        args["padding"] = [[b, e] for b, e in zip(begin, end, strict=True)]
    if any(v != 0 for v in extra):
        args["output_padding"] = _per_axis(extra)
    if any(v != 1 for v in dilation):
        args["dilation"] = _per_axis(dilation)
    if groups != 1:
        args["groups"] = groups
    if not g.has_input(node, 2):
        args["bias"] = False
    return Item("conv_transpose", args, reads=w[0])


def _transpose_pads(
    g: Graph, node: Any, kernel: list[int], stride: list[int], dilation: list[int], extra: list[int]
) -> list[int]:
    """ConvTranspose's pads, begins then ends; from ``output_shape`` or ``auto_pad`` SAME
    as ONNX derives them: total = s*(n - 1) + output_padding + (k - 1)*d + 1 - out,
    the odd one at the end (SAME_UPPER, output_shape) or the start (SAME_LOWER)."""
    spatial = len(kernel)
    auto = g.attr(node, "auto_pad", "NOTSET")
    wanted = g.ints(node, "output_shape", [])
    if not wanted and auto not in ("SAME_UPPER", "SAME_LOWER"):
        pads = g.ints(node, "pads", [0] * 2 * spatial)
        if len(pads) != 2 * spatial:
            raise Cannot(f"pads {pads} do not give a begin and an end per axis")
        return pads
    shape = g.known_shape(node.input[0])
    if shape is None or len(shape) != spatial + 2:
        raise Cannot("output_shape or auto_pad on an input of unknown size")
    sizes = shape[2:]
    if not wanted:
        wanted = [n * s for n, s in zip(sizes, stride, strict=True)]
    wanted = wanted[-spatial:]
    begin, end = [], []
    for n, k, s, d, o, out in zip(sizes, kernel, stride, dilation, extra, wanted, strict=True):
        total = s * (n - 1) + o + (k - 1) * d + 1 - out
        small, big = total // 2, total - total // 2
        first, last = (big, small) if auto == "SAME_LOWER" else (small, big)
        begin.append(first)
        end.append(last)
    return begin + end


def _mul(g: Graph, node: Any) -> Item | None:
    data = [t for t in node.input if t in g.data]
    if len(data) == 2:
        return Item("multiply")
    const = next((t for t in node.input if t not in g.data), "")
    dims = g.dims[const] if const in g.dims else g.known_shape(const)
    count = 1
    for d in dims or []:
        count *= d
    if dims is not None and count == 1:
        return None  # a fixed factor: no parameters, nothing counted
    channels = _channels(g, data[0])
    if dims is None or channels is None or count != channels or dims[-1:] not in ([1], [count]):
        raise Cannot(f"a product with a constant of dims {dims} (not one per channel)")
    norm = g.items.get(data[0])
    add = g.only_consumer(node.output[0])
    if (
        norm is not None
        and norm.kind in ("groupnorm", "instancenorm")
        and not norm.args.get("affine", False)
        and g.only_consumer(data[0]) is node
        and add is not None
        and add.op_type == "Add"
    ):
        bias = next((t for t in add.input if t != node.output[0]), "")
        if (g.dims[bias] if bias in g.dims else g.known_shape(bias)) == dims:
            # the norm's weight and bias, as PyTorch exports them (groupnorm's default)
            if norm.kind == "groupnorm":
                del norm.args["affine"]
            else:
                norm.args["affine"] = True
            g.alias[add.output[0]] = data[0]
            return None
    if const not in g.initializers and not _from_initializer(g, const):
        raise Cannot("a product with a per-channel constant that is no parameter")
    return Item("layer_scale")


def _from_initializer(g: Graph, tensor: str) -> bool:
    """True when ``tensor`` is an initializer reshaped by constant nodes (a parameter)."""
    for _ in range(8):
        if tensor in g.initializers:
            return True
        maker = g.maker.get(tensor)
        if maker is None or not maker.input:
            return False
        tensor = maker.input[0]
    return False


def _channels(g: Graph, tensor: str) -> int | None:
    shape = g.shapes.get(tensor)
    return shape[1] if shape and len(shape) >= 2 else None


def _sigmoid(g: Graph, node: Any) -> Item:
    """A Sigmoid; x * sigmoid(x) (PyTorch's SiLU before opset 22) is one silu layer."""
    mul = g.only_consumer(node.output[0])
    if (
        mul is not None
        and mul.op_type == "Mul"
        and sorted(mul.input) == sorted([node.input[0], node.output[0]])
    ):
        g.alias[mul.output[0]] = node.output[0]
        return Item("silu")
    return Item("sigmoid")


def _near(values: list[float] | None, target: float) -> bool:
    return values is not None and len(values) == 1 and abs(values[0] - target) < 1e-4


def _div(g: Graph, node: Any) -> Item:
    """x * 0.5 * (1 + erf(x / sqrt(2))), PyTorch's GELU before opset 20: one gelu layer."""
    x = node.input[0]
    chain: list[Any] = []
    current = node
    if _near(g.values.get(node.input[1]), 2**0.5):
        for op in ("Erf", "Add", "Mul", "Mul"):
            nxt = g.only_consumer(current.output[0])
            if nxt is None or nxt.op_type != op:
                break
            others = [t for t in nxt.input if t != current.output[0]]
            if op == "Add" and not _near(g.values.get(others[0] if others else ""), 1.0):
                break
            if op == "Mul" and len(chain) == 2 and others != [x]:
                break
            if op == "Mul" and len(chain) == 3 and not _near(g.values.get(others[0]), 0.5):
                break
            chain.append(nxt)
            current = nxt
    if len(chain) != 4:
        raise Cannot("a division (only GELU's x / sqrt(2) ... pattern is a layer)")
    for folded in chain:
        g.alias[folded.output[0]] = node.output[0]
    return Item("gelu")


def _split(g: Graph, node: Any) -> list[Item]:
    _channel_axis(g, node, 0)
    channels = _channels(g, node.input[0])
    parts = len(node.output)
    sizes = g.ints_of(node, 1) if g.opset >= 13 else g.ints(node, "split", [])
    if not sizes and channels is not None:
        step = -(-channels // parts)  # opset 18's num_outputs: equal parts, the last smaller
        sizes = [min(step, channels - i * step) for i in range(parts)]
    if not sizes:
        raise Cannot("split sizes that are not constant, of a tensor of unknown channels")
    if len(set(sizes)) == 1 and (channels is None or sizes[0] * parts == channels):
        return [Item("split", {"parts": parts, "index": i}) for i in range(parts)]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return [Item("slice", {"start": a, "channels": n}) for a, n in zip(starts, sizes, strict=True)]


_BIG = 2**62  # ends past this mean "to the end" (PyTorch writes INT64_MAX)


def _slice(g: Graph, node: Any) -> Item | None:
    shape = g.known_shape(node.input[0])
    if g.opset >= 10:
        starts, ends = g.ints_of(node, 1), g.ints_of(node, 2)
        axes, steps = g.ints_of(node, 3), g.ints_of(node, 4)
    else:
        starts, ends = g.ints(node, "starts", []), g.ints(node, "ends", [])
        axes, steps = g.ints(node, "axes", []) or None, None
    if starts is None or ends is None or shape is None:
        raise Cannot("a slice whose bounds or input size are not constant")
    axes = axes if axes is not None else list(range(len(starts)))
    steps = steps if steps is not None else [1] * len(starts)
    if any(s != 1 for s in steps):
        raise Cannot(f"a slice with steps {steps}")
    cut: dict[int, tuple[int, int]] = {}
    for axis, start, end in zip(axes, starts, ends, strict=True):
        axis %= len(shape)
        n = shape[axis]
        begin = max(0, min(n, start + n if start < 0 else start))
        stop = max(begin, min(n, end + n if end < 0 else end))
        if (begin, stop) != (0, n):
            cut[axis] = (begin, stop)
    if not cut:
        return None
    if 0 in cut:
        raise Cannot("a slice of the batch axis")
    if set(cut) == {1}:
        begin, stop = cut[1]
        return Item("slice", {"start": begin, "channels": stop - begin})
    if 1 in cut:
        raise Cannot("a slice of channels and positions at once")
    sides = [
        [cut.get(a, (0, n))[0], n - cut.get(a, (0, n))[1]] for a, n in enumerate(shape) if a >= 2
    ]
    return Item("crop", {"cropping": sides})


def _resize(g: Graph, node: Any) -> Item:
    rank = g.rank(node.input[0])
    if rank is None or rank < 3:
        raise Cannot("a resize of an input of unknown rank")
    spatial = rank - 2
    args: dict[str, Value] = {}
    if node.op_type == "Upsample":
        scales = g.attr(node, "scales", None)
        if scales is None and g.has_input(node, 1):
            scales = g.values.get(node.input[1])
        sizes = None
    else:
        at = 1 if g.opset == 10 else 2
        scales = g.values.get(node.input[at]) if g.has_input(node, at) else None
        sizes = g.ints_of(node, 3) if g.opset > 10 else None
    out = g.known_shape(node.output[0])
    if scales and len(scales) == rank:
        if any(v != 1 for v in scales[:2]):
            raise Cannot(f"scales {scales} resize the batch or channel axis")
        factors: list[Value] = [
            int(v) if v == int(v) else float(f"{v:.7g}") for v in scales[2:]
        ]  # as float32 wrote them
        args["scale"] = factors[0] if len(set(factors)) == 1 else factors
    elif (sizes and len(sizes) == rank) or out is not None:
        wanted = sizes if sizes and len(sizes) == rank else out or []
        before = g.known_shape(node.input[0])
        if before is not None and wanted[:2] != before[:2]:
            raise Cannot(f"sizes {wanted} resize the batch or channel axis")
        args["size"] = _per_axis(wanted[2:])
    else:
        raise Cannot("a resize whose scales or sizes are not constant")
    mode = g.attr(node, "mode", "nearest")
    where = g.attr(node, "coordinate_transformation_mode", "half_pixel")
    if mode == "nearest":
        if where not in ("asymmetric",) and node.op_type == "Resize" and g.opset >= 11:
            args["mode"] = "nearest-exact"
    elif mode == "linear":
        args["mode"] = {1: "linear", 2: "bilinear", 3: "trilinear"}.get(spatial, "")
    elif mode == "cubic" and spatial == 2:
        args["mode"] = "bicubic"
    else:
        raise Cannot(f"mode {mode} on {spatial} spatial axes")
    if where == "align_corners":
        args["align_corners"] = True
    return Item("upsample", args)


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def _pad(g: Graph, node: Any) -> Item:
    rank = g.rank(node.input[0])
    mode = g.attr(node, "mode", "constant")
    if mode not in _PAD_MODES:
        raise Cannot(f"mode {mode}")
    if g.opset >= 11:
        pads = g.ints_of(node, 1)
        value = g.values.get(node.input[2]) if g.has_input(node, 2) else [0.0]
        axes = g.ints_of(node, 3)
    else:
        pads = g.ints(node, "pads", [])
        value, axes = [float(g.attr(node, "value", 0.0))], None
    if pads is None or rank is None:
        raise Cannot("pads that are not constant")
    axes = [a % rank for a in axes] if axes is not None else list(range(rank))
    if len(pads) != 2 * len(axes):
        raise Cannot(f"pads {pads} do not give a begin and an end per axis")
    sides = {a: (pads[i], pads[i + len(axes)]) for i, a in enumerate(axes)}
    if any(sides.get(a, (0, 0)) != (0, 0) for a in (0, 1)):
        raise Cannot("padding of the batch or channel axis")
    pairs = [list(sides.get(a, (0, 0))) for a in range(2, rank)]
    flat = [v for pair in pairs for v in pair]
    if all(v <= 0 for v in flat):
        return Item("crop", {"cropping": [[-b, -e] for b, e in pairs]})
    if any(v < 0 for v in flat):
        raise Cannot(f"pads {pads} that both pad and crop")
    args: dict[str, Value] = {"padding": pairs}
    if mode != "constant":
        args["mode"] = _PAD_MODES[mode]
    elif value and value[0] != 0:
        args["value"] = float(f"{value[0]:.7g}")
    return Item("pad", args)


def _reduce(kind: str) -> Handler:
    def handle(g: Graph, node: Any) -> Item:
        rank = g.rank(node.input[0])
        axes = g.attr(node, "axes", None)
        if axes is None and g.has_input(node, 1):
            axes = g.ints_of(node, 1)
        if rank is None or rank < 3 or axes is None:
            raise Cannot("a reduction over axes not known")
        if sorted(a % rank for a in axes) != list(range(2, rank)):
            raise Cannot(f"a reduction over axes {axes} (only all spatial axes: global pooling)")
        return Item(kind)  # keepdims=0 leaves (N, C): what a linear layer next reads alike

    return handle


def _instance_norm(g: Graph, node: Any) -> Item:
    groups = g.grouped.get(node.input[0])
    if groups is not None:  # PyTorch's GroupNorm: reshape, instance norm, reshape back
        return Item("groupnorm", {"groups": groups, "affine": False})
    affine = node.input[1] in g.initializers or _from_initializer(g, node.input[1])
    return Item("instancenorm", {"affine": True} if affine else {})


def _group_norm(g: Graph, node: Any) -> Item:
    return Item("groupnorm", {"groups": g.attr(node, "num_groups", 1)})


def _layer_norm(g: Graph, node: Any) -> Item:
    rank = g.rank(node.input[0])
    axis = g.attr(node, "axis", -1)
    if rank is None or axis % rank != rank - 1:
        raise Cannot(f"a layer norm over axes from {axis} (only over the channels)")
    if rank != 2 and node.input[0] not in g.channels_last:
        raise Cannot("a layer norm over the last axis of a channels-first map")
    args: dict[str, Value] = {}
    if not g.has_input(node, 2):
        args["bias"] = False
    if node.input[0] in g.channels_last:
        g.channels_last.add(node.output[0])
    return Item("layernorm", args)


def _depth_to_space(kind: str) -> Handler:
    def handle(g: Graph, node: Any) -> Item:
        if g.rank(node.input[0]) != 4:
            raise Cannot("only 2D maps")
        return Item(kind, {"factor": g.attr(node, "blocksize", 2)})

    return handle


Handler = Callable[[Graph, Any], Item | list[Item] | None]

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
    "Sigmoid": _sigmoid,
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
    "ConvTranspose": _conv_transpose,
    "Mul": _mul,
    "Div": _div,
    "Split": _split,
    "Slice": _slice,
    "Resize": _resize,
    "Upsample": _resize,
    "Pad": _pad,
    "ReduceMean": _reduce("gap"),
    "ReduceMax": _reduce("gmp"),
    "InstanceNormalization": _instance_norm,
    "GroupNormalization": _group_norm,
    "LayerNormalization": _layer_norm,
    "DepthToSpace": _depth_to_space("pixel_shuffle"),
    "SpaceToDepth": _depth_to_space("pixel_unshuffle"),
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
    inferred = _settled_shapes(onnx, model, input)
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
            g.evaluate(node)
            continue  # shapes and constants, computed on constants: not a layer
        if node.output and node.output[0] in g.alias:
            producer[node.output[0]] = producer[g.alias[node.output[0]]]
            _same_shape(g, node.output[0], g.alias[node.output[0]])
            continue  # folded into a layer before it (SiLU's Mul, GELU's Erf ...)
        handler = OPS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        try:
            if handler is None:
                raise Cannot("cnncalc has no layer kind for it")
            made_here = handler(g, node)
        except Cannot as why:
            op = _text(node.op_type)
            where = _text(node.name or (node.output[0] if node.output else f"node {index}"))
            unknown.append(Unknown(op, where, str(why)))
            made_here = Item("identity", note=f"unknown {op}: counted as zero")
        item = made_here if not isinstance(made_here, list) else None
        if node.output:
            g.ranks.setdefault(node.output[0], _rank_after(g, node, item))
        if made_here is None:
            for out in node.output[:1]:
                producer[out] = producer[data_in[0]]
                if node.op_type not in ("Reshape", "Transpose", "Squeeze"):
                    _same_shape(g, out, data_in[0])
                if data_in[0] in g.items:
                    g.items[out] = g.items[data_in[0]]
            continue
        sources = [producer[t] for t in data_in]
        outputs = made_here if isinstance(made_here, list) else [made_here]
        where = _text(node.name or (node.output[0] if node.output else f"node {index}"))
        for out, item in zip(node.output, outputs, strict=False):
            item.origin = f"node '{shown(where)}' ({shown(_text(node.op_type))})"
            mine = sources if item.kind in ("add", "concat", "multiply") else sources[:1]
            item.inputs = [f"#{r}" if isinstance(r, int) else r for r in mine]
            items.append(item)
            made.append((index, node))
            producer[out] = len(items) - 1
            g.items[out] = item
            g.ranks.setdefault(out, g.ranks.get(node.output[0], 4))
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
    places: Places = {}
    text = write_yaml(
        items, input_size, name=name, header=header, unknown=unknown, fold=fold, places=places
    )
    return Imported(text, source, unknown, input_size, places)


def _same_shape(g: Graph, tensor: str, like: str) -> None:
    shape = g.shapes.get(tensor)
    if (shape is None or None in shape) and like in g.shapes:
        g.shapes[tensor] = g.shapes[like]


_ROUNDS = 6


def _infer(onnx: Any, model: Any) -> Any:
    try:
        return onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception:
        try:
            return onnx.shape_inference.infer_shapes(model)
        except Exception:
            return model


def _skeleton(onnx: Any, model: Any, folded: set[str]) -> Any:
    """The model without the nodes that made ``folded`` and with its large initializers
    reduced to their dims (shape inference reads no weights; no copy of them is made)."""
    copy = onnx.ModelProto()
    copy.ir_version = model.ir_version
    copy.opset_import.extend(model.opset_import)
    graph = copy.graph
    graph.name = model.graph.name
    graph.node.extend(n for n in model.graph.node if not any(o in folded for o in n.output))
    graph.input.extend(model.graph.input)
    graph.output.extend(model.graph.output)
    for tensor in model.graph.initializer:
        if math.prod(tensor.dims) <= _SMALL:
            graph.initializer.append(tensor)
        else:
            graph.initializer.add(name=tensor.name, data_type=tensor.data_type, dims=tensor.dims)
    return copy


def _settled_shapes(onnx: Any, model: Any, given: str | None) -> Any:
    """ONNX's shape inference, run again after the small constants PyTorch computes from
    shapes (pads, slice bounds, sizes) are folded in, so sizes after them are known."""
    import numpy

    inferred = _infer(onnx, model)
    if given is not None:
        return inferred  # a dynamic input: sizes come from cnncalc, not the graph
    folded: set[str] = set()
    types = {v.name: v.type.tensor_type.elem_type for v in inferred.graph.value_info}
    for _ in range(_ROUNDS):
        g = Graph(onnx, model, inferred)
        data: set[str] = {i.name for i in model.graph.input if i.name not in g.dims}
        for node in model.graph.node:
            if node.op_type == "Constant":
                g.constant(node)
            if node.op_type not in _STATIC and any(t in data for t in node.input):
                data.update(node.output)
            else:
                g.static(node)
                g.evaluate(node)
        new = [
            name
            for name in g.values
            if name not in folded
            and name not in g.initializers
            and name in g.maker
            and g.maker[name].op_type != "Constant"
        ]
        if not new:
            break
        folded.update(new)
        copy = _skeleton(onnx, model, folded)
        with numpy.errstate(all="ignore"):  # a huge float cast to int64: never read
            for name in sorted(folded):
                array = g.array(name)
                if types.get(name):
                    dtype = onnx.helper.tensor_dtype_to_np_dtype(types[name])
                else:
                    dtype = "int64" if bool((array == array.astype("int64")).all()) else "float32"
                copy.graph.initializer.append(
                    onnx.numpy_helper.from_array(array.astype(dtype), name)
                )
        inferred = _infer(onnx, copy)
    return inferred


def _rank_after(g: Graph, node: Any, item: Item | None) -> int:
    shape = g.shapes.get(node.output[0]) if node.output else None
    if shape is not None:
        return len(shape)
    before = g.rank(node.input[0]) if node.input else None
    if item is not None and item.kind in ("fc", "flatten"):
        return 2
    return before if before is not None else 4
