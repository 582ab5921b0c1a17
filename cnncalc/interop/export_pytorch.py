"""Export a spec as PyTorch code: an ``nn.Module`` that computes the same shapes.

Plain chains become ``nn.Sequential``; dotted names (``layer1.0.conv1``) become nested
submodules with those names, so a state dict reads as the spec does; branches and merges
are written in ``forward``. What PyTorch lacks (TensorFlow's ``same`` at stride > 1,
asymmetric padding, Caffe's rounding) is written as an explicit pad layer with a comment;
what it cannot express is refused with the layer and the reason.

User text reaches the code only as identifiers made of ``[A-Za-z0-9_]`` or as string
literals written by :func:`repr`, so no name can inject code.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cnncalc.engine import formulas as f
from cnncalc.errors import CnnCalcError
from cnncalc.results import LayerResult, NetworkResult, Shape, Window
from cnncalc.spec import (
    INPUT,
    LRN,
    Activation,
    AdaptivePool,
    Add,
    BatchNorm,
    ChannelShuffle,
    ChannelSlice,
    ChannelSplit,
    Concat,
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
    LayerScale,
    Multiply,
    NetworkSpec,
    Pad,
    PixelShuffle,
    Pool,
    Upsample,
)
from cnncalc.symbolic import Poly

# Attributes every nn.Module has (torch 2.x): a submodule may not take one of these names.
_MODULE_ATTRIBUTES = frozenset(
    [
        "T_destination",
        "add_module",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    ]
)
_GENERATED = frozenset(
    {"torch", "nn", "OrderedDict", "self", "x", "super", "Add", "Concat", "Multiply", "Crop"}
    | {"CenterCrop", "UpsampleLike", "ChannelSlice", "Chunk", "LayerNorm2d", "LayerScale"}
    | {"DropPath"}
)
"""Names the generated code defines or imports: no layer takes one."""


def identifier(text: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``text`` as a safe Python identifier: ASCII letters, digits and ``_`` only, starting
    with a letter, no keyword, nothing in ``taken`` (a suffix makes it distinct)."""
    word = re.sub(r"[^A-Za-z0-9_]", "_", text)[:60] or "layer"
    if not word[0].isalpha():
        word = "l" + word
    base = word
    n = 1
    while keyword.iskeyword(word) or keyword.issoftkeyword(word) or word in taken:
        n += 1
        word = f"{base}_{n}"
    return word


def class_name(text: str | None, default: str) -> str:
    """A CamelCase class name from a spec's name (``ResNet-18`` -> ``ResNet18``)."""
    parts = re.findall(r"[A-Za-z0-9]+", text or "")
    word = "".join(p[0].upper() + p[1:] for p in parts)[:60]
    if not word or not word[0].isalpha():
        word = default + word
    return identifier(word, _GENERATED)


def refuse(spec: NetworkSpec, row: LayerResult, target: str, reason: str) -> CnnCalcError:
    """An error located at the layer ``row`` stands for: it cannot be exported, and why."""
    layer = spec.layers[row.index - 1]
    error = layer.origin.error(
        f"layer {row.index} ({row.name}): cannot export to {target}: {reason}"
    )
    return error if isinstance(error, CnnCalcError) else CnnCalcError(str(error))


def check_exportable(spec: NetworkSpec, result: NetworkResult, target: str) -> None:
    """Refuse a network whose counts are symbols: code needs numbers."""
    if isinstance(result.input.channels, Poly):
        raise CnnCalcError(
            f"cannot export to {target}: the input's channels are the symbol "
            f"{result.input.channels}; give it a value (--set)"
        )
    for row in result.layers:
        if isinstance(row.output.channels, Poly):
            raise refuse(spec, row, target, "its size is a symbol; give it a value (--set)")


# ---------------------------------------------------------------------------------------
# Padding and rounding: what a framework's own layer computes, and the pad that fixes it.


def framework_pool_length(
    n: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool
) -> int:
    """PyTorch's pooling output length with symmetric padding (the ceil rule included)."""
    return f.pool_output_length(n, kernel, stride, pad, pad, dilation, ceil)


@dataclass(frozen=True)
class PadPlan:
    """How a sliding window is written: the layer's own symmetric padding and rounding,
    or an explicit pad (left, right per axis) before a layer that pads nothing."""

    native: tuple[int, ...] | None
    ceil: bool = False
    explicit: tuple[tuple[int, int], ...] = ()
    why: str = ""


def window_plan(
    window: Window, size_in: tuple[int, ...], size_out: tuple[int, ...], pool: bool
) -> PadPlan:
    """Padding for a conv or pool whose input is ``size_in`` and cnncalc's output
    ``size_out``: native when PyTorch's formula gives the same sizes (ceil mode first
    where it is written), else an explicit pad that makes a floor-rounded window give
    them."""
    dilation = window.dilation or tuple(1 for _ in window.kernel)
    symmetric = all(left == right for left, right in window.padding)
    native = tuple(left for left, _ in window.padding)
    half = all(2 * p <= k for p, k in zip(native, window.kernel, strict=True))
    if symmetric and (half or not pool):  # PyTorch's pools pad at most half the kernel
        for ceil in (True, False) if window.ceil_mode else (False,):
            lengths = tuple(
                framework_pool_length(n, k, s, p, d, ceil)
                for n, k, s, p, d in zip(
                    size_in, window.kernel, window.stride, native, dilation, strict=True
                )
            )
            if lengths == size_out:
                return PadPlan(native, ceil)
    explicit = floor_pads(window, size_in, size_out)
    if window.padding_mode == "same" and any(s > 1 for s in window.stride):
        why = "TensorFlow's 'same' padding at stride > 1 (PyTorch's 'same' takes stride 1 only)"
    elif window.ceil_mode == "caffe":
        why = "Caffe's ceil rounding, as padding on the right and floor rounding"
    elif window.ceil_mode:
        why = "ceil rounding, as padding on the right and floor rounding"
    else:
        why = "asymmetric padding (PyTorch's layers pad both sides alike)"
    return PadPlan(None, False, explicit, why)


def floor_pads(
    window: Window, size_in: tuple[int, ...], size_out: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """Padding (left, right) per axis with which a window rounding down gives ``size_out``:
    the left as resolved; the right as resolved where that gives the size, else just
    enough for the last window (``(out - 1)*s + k_eff - n - left``, at least 0)."""
    dilation = window.dilation or tuple(1 for _ in window.kernel)
    pads = []
    for n, k, s, d, (left, right), o in zip(
        size_in, window.kernel, window.stride, dilation, window.padding, size_out, strict=True
    ):
        needed = (o - 1) * s + f.effective_kernel(k, d) - n - left
        pads.append((left, right if needed <= right < needed + s else max(0, needed)))
    return tuple(pads)


def pool_value_note(op: str) -> str:
    """What an explicit pad before a pool does to its values (sizes are exact)."""
    if op == "max":
        return "padded with -inf, so a window never takes the padding"
    return "zero padding is averaged in (count_include_pad)"


# ---------------------------------------------------------------------------------------
# The structure: scopes from dotted names, and which values a forward keeps.


@dataclass
class Scope:
    """Consecutive layers sharing a dotted prefix (a block use), or the whole network."""

    prefix: str
    members: list[int | Scope] = field(default_factory=list)
    """Layer indices (0-based) and nested scopes, in order."""

    def layers(self) -> list[int]:
        """Every layer index inside, nested scopes included, in order."""
        out: list[int] = []
        for m in self.members:
            out.extend(m.layers() if isinstance(m, Scope) else [m])
        return out


def _key(name: str, depth: int) -> str | None:
    parts = name.split(".")
    return ".".join(parts[: depth + 1]) if len(parts) > depth + 1 else None


def _group(indices: list[int], names: list[str], prefix: str, depth: int) -> Scope:
    scope = Scope(prefix)
    i = 0
    while i < len(indices):
        key = _key(names[indices[i]], depth)
        if key is None:
            scope.members.append(indices[i])
            i += 1
            continue
        group = []
        while i < len(indices) and _key(names[indices[i]], depth) == key:
            group.append(indices[i])
            i += 1
        if i < len(indices) and names[indices[i]] == key:  # the block's output, by its name
            group.append(indices[i])
            i += 1
        scope.members.append(_group(group, names, key, depth + 1))
    return scope


@dataclass
class Graph:
    """The network as code sees it: names, inputs and the scope tree."""

    spec: NetworkSpec
    result: NetworkResult
    names: list[str]
    root: Scope
    output: int
    """The layer whose value the model returns (the last that runs at inference)."""
    position: dict[str, int] = field(default_factory=dict)
    """Each layer name's index."""

    def shape_in(self, index: int) -> Shape:
        """The input shape of layer ``index`` (its first input)."""
        return self.shape(self.result.layers[index].inputs[0])

    def shape(self, name: str) -> Shape:
        """The output shape of the layer (or input) so named."""
        if name == INPUT:
            return self.result.input
        return self.result.layers[self.position[name]].output

    def reads(self, index: int) -> list[str]:
        """The values layer ``index`` reads: its inputs, then the layer whose size an
        upsample's ``size`` or a crop's ``center`` names (its forward takes that too)."""
        refs = list(self.result.layers[index].inputs)
        op = self.spec.layers[index].op
        named = op.size if isinstance(op, Upsample) else op.center if isinstance(op, Crop) else None
        if isinstance(named, str):
            refs.append(named)
        return refs

    def inputs(self, member: int | Scope) -> list[str]:
        """Values a member reads from outside itself, in order of first use."""
        if not isinstance(member, Scope):
            return self.reads(member)
        inside = {self.names[i] for i in member.layers()}
        out: list[str] = []
        for i in member.layers():
            for ref in self.reads(i):
                if ref not in inside and ref not in out:
                    out.append(ref)
        return out

    def value(self, member: int | Scope) -> str:
        """The name of the value a member gives."""
        if not isinstance(member, Scope):
            return self.names[member]
        inside = [self.names[i] for i in member.layers()]
        return member.prefix if member.prefix in inside else inside[-1]

    def training_only(self, member: int | Scope) -> bool:
        """True when every layer of the member runs only in training."""
        indices = member.layers() if isinstance(member, Scope) else [member]
        return all(self.result.layers[i].training_only for i in indices)


def build_graph(spec: NetworkSpec, result: NetworkResult) -> Graph:
    """Scopes from dotted names; a scope whose inner layers are read from outside (other
    than its output), or that mixes inference and training-only layers, is opened up."""
    names = [row.name for row in result.layers]
    run = [i for i, row in enumerate(result.layers) if not row.training_only]
    output = run[-1] if run else len(names) - 1
    root = _group(list(range(len(names))), names, "", 0)
    graph = Graph(spec, result, names, root, output, {n: i for i, n in enumerate(names)})
    readers: dict[str, set[int]] = {}
    for i in range(len(names)):
        for ref in graph.reads(i):
            readers.setdefault(ref, set()).add(i)

    def settle(scope: Scope) -> None:
        members: list[int | Scope] = []
        for m in scope.members:
            if not isinstance(m, Scope):
                members.append(m)
                continue
            settle(m)
            inner = m.layers()
            inside = set(inner)
            out = graph.value(m)
            leaks = any(
                readers.get(names[i], set()) - inside for i in inner if names[i] != out
            ) or (output in inside and names[output] != out)
            mixed = len({result.layers[i].training_only for i in inner}) > 1
            single = len(m.members) == 1 and not isinstance(m.members[0], Scope)
            if leaks or mixed or single:
                members.extend(m.members)
            else:
                members.append(m)
        scope.members = members

    settle(root)
    return graph


def relative(name: str, prefix: str) -> str:
    """A layer name within its scope: ``layer1.0.conv1`` in ``layer1.0`` is ``conv1``."""
    return name[len(prefix) + 1 :] if prefix and name.startswith(prefix + ".") else name


def local_names(graph: Graph, scope: Scope, taken: frozenset[str]) -> list[str]:
    """A distinct identifier for each member of a scope, from its name within the scope
    (the block's output, named as the block, by its kind)."""
    used: set[str] = set(taken)
    out = []
    for m in scope.members:
        if isinstance(m, Scope):
            text = relative(m.prefix, scope.prefix)
        else:
            name = graph.names[m]
            text = (
                graph.result.layers[m].kind
                if name == scope.prefix
                else relative(name, scope.prefix)
            )
        word = identifier(text, used)
        used.add(word)
        out.append(word)
    return out


def variables(graph: Graph, scope: Scope, params: list[str]) -> dict[str, str]:
    """The variable each value of a scope's forward is kept in: ``x`` for a value read
    once, by the next statement; a name of its own for the rest."""
    members = scope.members
    reads: dict[str, list[int]] = {}
    for position, m in enumerate(members):
        for ref in graph.inputs(m):
            reads.setdefault(ref, []).append(position)
    out: dict[str, str] = {}
    used = set(_GENERATED) - {"x"}
    values = [(ref, -1) for ref in params] + [(graph.value(m), k) for k, m in enumerate(members)]
    for ref, position in values:
        readers = reads.get(ref, [])
        once = readers == [position + 1] and graph.inputs(members[position + 1]).count(ref) == 1
        once = once and (position >= 0 or len(params) == 1)  # parameters are all live
        kept = position >= 0 and graph.training_only(members[position])  # returned apart
        if not kept and (once or (not readers and position >= 0)):  # the next reads it
            out[ref] = "x"
            continue
        text = relative(ref, scope.prefix) if position >= 0 else "inputs"
        word = identifier(text, used | {"x"})
        used.add(word)
        out[ref] = word
    return out


# ---------------------------------------------------------------------------------------
# PyTorch's layers, one emitter per op.


def _ints(values: tuple[int, ...]) -> str:
    if len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(map(str, values)) + ")"


def _torch_pad(pads: tuple[tuple[int, int], ...], value: str | None) -> str:
    flat = ", ".join(f"{left}, {right}" for left, right in reversed(pads))
    dims = len(pads)
    if value is None:
        return f"nn.ZeroPad{dims}d(({flat}))"
    return f"nn.ConstantPad{dims}d(({flat}), {value})"


class Emitted:
    """A layer's module expression and a comment for the line above it; the helper
    classes it uses; where its parameters sit within it (``weights``: a submodule path,
    empty for the module itself) and that module's own expression, so that a layer
    sharing them can reuse that very module."""

    def __init__(
        self,
        expr: str,
        comment: str = "",
        helpers: tuple[str, ...] = (),
        weights: str = "",
        holder: str | None = None,
    ) -> None:
        self.expr = expr
        self.comment = comment
        self.helpers = helpers
        self.weights = weights
        self.holder = expr if holder is None else holder


Emitter = Callable[[Graph, int], Emitted]


def _conv(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    if isinstance(op, DepthwiseConv):  # groups = input channels
        channels = graph.shape_in(i).channels
        assert isinstance(channels, int)  # check_exportable refuses symbols
        op = op.as_conv(channels)
    assert isinstance(op, Conv)
    return _conv_of(graph, i, op)


def _conv_of(graph: Graph, i: int, op: Conv) -> Emitted:
    row = graph.result.layers[i]
    assert row.window is not None
    if not op.shared:
        raise refuse(graph.spec, row, "PyTorch", "PyTorch has no locally connected layer")
    source = graph.shape_in(i)
    dims = len(source.size)
    plan = window_plan(row.window, source.size, row.output.size, pool=False)
    args = [str(source.channels), str(op.filters), f"kernel_size={_ints(op.kernel)}"]
    if any(s != 1 for s in op.stride):
        args.append(f"stride={_ints(op.stride)}")
    if plan.native and any(plan.native):
        args.append(f"padding={_ints(plan.native)}")
    if any(d != 1 for d in op.dilation):
        args.append(f"dilation={_ints(op.dilation)}")
    if op.groups != 1:
        args.append(f"groups={op.groups}")
    if not op.bias:
        args.append("bias=False")
    conv = f"nn.Conv{dims}d({', '.join(args)})"
    if plan.native is not None:
        return Emitted(conv)
    pad = _torch_pad(plan.explicit, None)
    return Emitted(f"nn.Sequential({pad}, {conv})", f"{plan.why}", weights="1", holder=conv)


def _pool(graph: Graph, i: int) -> Emitted:
    layer, row = graph.spec.layers[i], graph.result.layers[i]
    op = layer.op
    assert isinstance(op, Pool) and row.window is not None
    source = graph.shape_in(i)
    dims = len(source.size)
    plan = window_plan(row.window, source.size, row.output.size, pool=True)
    args = [f"kernel_size={_ints(op.kernel)}"]
    if op.stride != op.kernel:
        args.append(f"stride={_ints(op.stride)}")
    if plan.native and any(plan.native):
        args.append(f"padding={_ints(plan.native)}")
    if op.op == "max" and any(d != 1 for d in op.dilation):
        args.append(f"dilation={_ints(op.dilation)}")
    if plan.ceil:
        args.append("ceil_mode=True")
    kind = "MaxPool" if op.op == "max" else "AvgPool"
    pool = f"nn.{kind}{dims}d({', '.join(args)})"
    if plan.native is not None:
        return Emitted(pool)
    value = 'float("-inf")' if op.op == "max" else None
    pad = _torch_pad(plan.explicit, value)
    return Emitted(f"nn.Sequential({pad}, {pool})", f"{plan.why}; {pool_value_note(op.op)}")


def _global_pool(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, GlobalPool)
    dims = len(graph.shape_in(i).size)
    return Emitted(f"nn.Adaptive{'Max' if op.op == 'max' else 'Avg'}Pool{dims}d(1)")


def _adaptive_pool(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, AdaptivePool)
    dims = len(op.output)
    return Emitted(
        f"nn.Adaptive{'Max' if op.op == 'max' else 'Avg'}Pool{dims}d({_ints(op.output)})"
    )


def _dense(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, Dense)
    source = graph.shape_in(i)
    bias = "" if op.bias else ", bias=False"
    linear = f"nn.Linear({source.numel}, {op.units}{bias})"
    if not source.size:
        return Emitted(linear)
    return Emitted(f"nn.Sequential(nn.Flatten(), {linear})", "cnncalc's fc flattens its input")


_ACTIVATIONS: dict[str, str] = {
    "relu": "ReLU",
    "relu6": "ReLU6",
    "leaky_relu": "LeakyReLU",
    "prelu": "PReLU",
    "elu": "ELU",
    "selu": "SELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "mish": "Mish",
    "hardswish": "Hardswish",
    "hardsigmoid": "Hardsigmoid",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softplus": "Softplus",
    "softmax": "Softmax",
    "log_softmax": "LogSoftmax",
}


def _activation(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, Activation)
    cls = _ACTIVATIONS.get(op.function)
    if cls is None:
        raise refuse(graph.spec, graph.result.layers[i], "PyTorch", f"no {op.function} layer")
    args = [f"{key}={value!r}" for key, value in op.options]
    if op.function == "prelu":
        channels = graph.shape_in(i).channels
        if op.num_parameters not in (1, channels):
            raise refuse(
                graph.spec,
                graph.result.layers[i],
                "PyTorch",
                f"nn.PReLU takes 1 or {channels} (the channels) parameters, not "
                f"{op.num_parameters}",
            )
        args = [f"num_parameters={op.num_parameters}"]
    if op.function in ("softmax", "log_softmax"):
        args = ["dim=1"]
    return Emitted(f"nn.{cls}({', '.join(args)})")


def _batchnorm(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, BatchNorm)
    source = graph.shape_in(i)
    dims = max(1, len(source.size))
    affine = "" if op.affine else ", affine=False"
    return Emitted(f"nn.BatchNorm{dims}d({source.channels}{affine})")


def _simple(expr: str) -> Emitter:
    return lambda graph, i: Emitted(expr)


def _lrn(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, LRN)
    return Emitted(f"nn.LocalResponseNorm({op.size})")


def _dropout(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, Dropout)
    return Emitted(f"nn.Dropout({op.p!r})")


def _conv_transpose(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, ConvTranspose)
    source = graph.shape_in(i)
    dims = len(source.size)
    native = tuple(min(left, right) for left, right in op.padding.pairs)
    args = [str(source.channels), str(op.filters), f"kernel_size={_ints(op.kernel)}"]
    if any(s != 1 for s in op.stride):
        args.append(f"stride={_ints(op.stride)}")
    if any(native):
        args.append(f"padding={_ints(native)}")
    if any(op.output_padding):
        args.append(f"output_padding={_ints(op.output_padding)}")
    if op.groups != 1:
        args.append(f"groups={op.groups}")
    if not op.bias:
        args.append("bias=False")
    if any(d != 1 for d in op.dilation):
        args.append(f"dilation={_ints(op.dilation)}")
    deconv = f"nn.ConvTranspose{dims}d({', '.join(args)})"
    extra = tuple(
        (left - p, right - p) for (left, right), p in zip(op.padding.pairs, native, strict=True)
    )
    if not any(left or right for left, right in extra):
        return Emitted(deconv)
    return Emitted(
        f"nn.Sequential({deconv}, Crop({extra!r}))",
        "asymmetric padding: PyTorch's ConvTranspose removes the same on both sides; "
        "the rest is cropped",
        ("Crop",),
        weights="0",
        holder=deconv,
    )


def _upsample(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, Upsample)
    args = [f"mode={op.mode!r}"]
    if op.mode not in ("nearest", "nearest-exact"):
        args.append(f"align_corners={op.align_corners}")
    if isinstance(op.size, str):
        return Emitted(
            f"UpsampleLike({', '.join(args)})",
            f"to the size of {op.size!r}, read in forward",
            ("UpsampleLike",),
        )
    if op.scale is not None:
        scale = op.scale[0] if len(set(op.scale)) == 1 else op.scale
        first = f"scale_factor={scale!r}"
    else:
        assert op.size is not None
        first = f"size={_ints(op.size)}"
    return Emitted(f"nn.Upsample({', '.join([first, *args])})")


def _pixel_shuffle(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, PixelShuffle)
    return Emitted(f"nn.Pixel{'Unshuffle' if op.inverse else 'Shuffle'}({op.factor})")


_PAD_MODULES = {
    "reflect": "ReflectionPad",
    "replicate": "ReplicationPad",
    "circular": "CircularPad",
}


def _pad(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, Pad)
    dims = len(graph.shape_in(i).size)
    pairs = op.padding.pairs[:dims]
    if op.mode == "constant":
        return Emitted(_torch_pad(pairs, None if op.value == 0 else repr(op.value)))
    flat = ", ".join(f"{left}, {right}" for left, right in reversed(pairs))
    return Emitted(f"nn.{_PAD_MODULES[op.mode]}{dims}d(({flat}))")


def _crop(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, Crop)
    if isinstance(op.center, str):
        return Emitted(
            "CenterCrop()", f"to the size of {op.center!r}, read in forward", ("CenterCrop",)
        )
    if op.center is not None:
        return Emitted(f"CenterCrop({tuple(op.center)!r})", "", ("CenterCrop",))
    pairs = op.cropping.pairs[: len(graph.shape_in(i).size)]
    return Emitted(f"Crop({tuple(pairs)!r})", "", ("Crop",))


def _channel_shuffle(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, ChannelShuffle)
    return Emitted(f"nn.ChannelShuffle({op.groups})")


def _channel_slice(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, ChannelSlice)
    return Emitted(
        f"ChannelSlice({op.start}, {graph.result.layers[i].output.channels})", "", ("ChannelSlice",)
    )


def _split(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, ChannelSplit)
    return Emitted(f"Chunk({op.parts}, {op.index})", "", ("Chunk",))


def _layernorm(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, LayerNorm)
    source = graph.shape_in(i)
    args = [str(source.channels)]
    if not op.affine:
        args.append("elementwise_affine=False")
    elif not op.bias:
        args.append("bias=False")
    if not source.size:
        return Emitted(f"nn.LayerNorm({', '.join(args)})")
    return Emitted(f"LayerNorm2d({', '.join(args)})", "", ("LayerNorm2d",))


def _groupnorm(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, GroupNorm)
    affine = "" if op.affine else ", affine=False"
    return Emitted(f"nn.GroupNorm({op.groups}, {graph.shape_in(i).channels}{affine})")


def _instancenorm(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, InstanceNorm)
    source = graph.shape_in(i)
    affine = ", affine=True" if op.affine else ""
    return Emitted(f"nn.InstanceNorm{len(source.size)}d({source.channels}{affine})")


def _layer_scale(graph: Graph, i: int) -> Emitted:
    source = graph.shape_in(i)
    return Emitted(f"LayerScale({source.channels}, {len(source.size)})", "", ("LayerScale",))


def _drop_path(graph: Graph, i: int) -> Emitted:
    op = graph.spec.layers[i].op
    assert isinstance(op, DropPath)
    return Emitted(f"DropPath({op.p!r})", "", ("DropPath",))


def _helper(name: str, expr: str) -> Emitter:
    return lambda graph, i: Emitted(expr, "", (name,))


TORCH_EMITTERS: dict[type, Emitter] = {
    Conv: _conv,
    Pool: _pool,
    GlobalPool: _global_pool,
    AdaptivePool: _adaptive_pool,
    Flatten: _simple("nn.Flatten()"),
    Dense: _dense,
    Activation: _activation,
    Dropout: _dropout,
    BatchNorm: _batchnorm,
    LRN: _lrn,
    Identity: _simple("nn.Identity()"),
    Add: _simple("Add()"),
    Concat: _simple("Concat()"),
    Multiply: _helper("Multiply", "Multiply()"),
    ChannelShuffle: _channel_shuffle,
    ChannelSlice: _channel_slice,
    ChannelSplit: _split,
    LayerNorm: _layernorm,
    GroupNorm: _groupnorm,
    InstanceNorm: _instancenorm,
    LayerScale: _layer_scale,
    DropPath: _drop_path,
    DepthwiseConv: _conv,
    ConvTranspose: _conv_transpose,
    Upsample: _upsample,
    PixelShuffle: _pixel_shuffle,
    Pad: _pad,
    Crop: _crop,
}
"""One entry per op class: the module that computes it. New kinds add one entry."""

_HELPERS = {
    "Add": '''class Add(nn.Module):
    """Elementwise sum of its inputs (a residual connection)."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.stack(inputs).sum(dim=0)
''',
    "Concat": '''class Concat(nn.Module):
    """Concatenation of its inputs along channels."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.cat(inputs, dim=1)
''',
    "Multiply": '''class Multiply(nn.Module):
    """Elementwise product of its inputs, broadcast; a flat (N, C) gate multiplies a map
    as (N, C, 1, 1), the .view a squeeze-and-excitation block writes."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        rank = max(t.dim() for t in inputs)
        out = None
        for t in inputs:
            if t.dim() == 2 < rank:
                t = t.view(*t.shape, *[1] * (rank - 2))
            out = t if out is None else out * t
        assert out is not None
        return out
''',
    "Crop": '''class Crop(nn.Module):
    """Cropping (left, right) per spatial axis."""

    def __init__(self, sides: tuple[tuple[int, int], ...]) -> None:
        super().__init__()
        self.sides = sides

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for axis, (left, right) in enumerate(self.sides, start=2):
            x = x.narrow(axis, left, x.shape[axis] - left - right)
        return x
''',
    "CenterCrop": '''class CenterCrop(nn.Module):
    """A centred crop to a size, or to the spatial size of a second input; the odd
    element is cut on the right: left = (n - size) // 2."""

    def __init__(self, size: tuple[int, ...] | None = None) -> None:
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor, like: torch.Tensor | None = None) -> torch.Tensor:
        size = self.size if like is None else tuple(like.shape[2:])
        assert size is not None
        for axis, m in enumerate(size, start=2):
            x = x.narrow(axis, (x.shape[axis] - m) // 2, m)
        return x
''',
    "UpsampleLike": '''class UpsampleLike(nn.Module):
    """Interpolation to the spatial size of a second input."""

    def __init__(self, mode: str, align_corners: bool | None = None) -> None:
        super().__init__()
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return nn.functional.interpolate(
            x, size=like.shape[2:], mode=self.mode, align_corners=self.align_corners
        )
''',
    "ChannelSlice": '''class ChannelSlice(nn.Module):
    """``length`` channels from ``start`` (torch.narrow on the channel axis)."""

    def __init__(self, start: int, length: int) -> None:
        super().__init__()
        self.start = start
        self.length = length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.narrow(1, self.start, self.length)
''',
    "Chunk": '''class Chunk(nn.Module):
    """Part ``index`` of the channels cut into ``parts`` equal parts (torch.chunk)."""

    def __init__(self, parts: int, index: int) -> None:
        super().__init__()
        self.parts = parts
        self.index = index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.chunk(self.parts, dim=1)[self.index]
''',
    "LayerNorm2d": '''class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels at each position, as torchvision's ConvNeXt writes it:
    channels moved last, normalised, moved back (any number of spatial axes)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)
''',
    "LayerScale": '''class LayerScale(nn.Module):
    """One learned factor per channel, of shape (C, 1, 1) for 2D maps; ConvNeXt's 1e-6 start."""

    def __init__(self, channels: int, spatial_axes: int, init: float = 1e-6) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels, *[1] * spatial_axes), init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma
''',
    "DropPath": '''class DropPath(nn.Module):
    """Stochastic depth: in training, each sample's branch is dropped with probability p
    (the rest scaled by 1/(1 - p)); identity at inference."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0], *[1] * (x.dim() - 1))).bernoulli_(keep)
        return x * mask / keep if keep > 0.0 else x * mask
''',
}


# ---------------------------------------------------------------------------------------
# Writing the code.


@dataclass
class TorchCode:
    """Exported code, its model class, and where each layer's module sits in it."""

    text: str
    model: str
    paths: dict[str, str]
    """Layer name -> module path (``layer1.0.conv1``), as ``named_modules`` gives it."""


class _Writer:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.classes: dict[str, str] = {}  # body text -> class name
        self.order: list[str] = []  # class texts in order of definition
        self.used_classes: set[str] = set(_HELPERS)
        self.paths: dict[str, str] = {}
        self.helpers: set[str] = set()
        self.emitted: dict[str, Emitted] = {}  # layer name -> its module
        self.tied: set[str] = set()  # sharing layers whose module is already the owner's
        self.prefixes = {  # names of blocks: their output layer answers to them
            name.rsplit(".", 1)[0] for name in graph.names if "." in name
        }

    def is_chain(self, scope: Scope) -> bool:
        graph = self.graph
        params = graph.inputs(scope)
        if len(params) != 1:
            return False
        previous = params[0]
        for m in scope.members:
            if graph.inputs(m) != [previous] or graph.training_only(m):
                return False
            if not isinstance(m, Scope) and isinstance(graph.spec.layers[m].op, Add | Concat):
                return False
            previous = graph.value(m)
        return previous == graph.value(scope)

    def leaf(self, i: int, path: str) -> Emitted:
        op = self.graph.spec.layers[i].op
        emitter = TORCH_EMITTERS.get(type(op))
        if emitter is None:
            row = self.graph.result.layers[i]
            raise refuse(self.graph.spec, row, "PyTorch", f"no PyTorch layer for {row.kind} yet")
        if isinstance(op, Add | Concat):
            self.helpers.add(type(op).__name__)
        name = self.graph.names[i]
        self.paths[name] = path
        emitted = emitter(self.graph, i)
        self.helpers.update(emitted.helpers)
        self.emitted[name] = emitted
        return self.leaf_text(i, emitted)

    def leaf_text(self, i: int, emitted: Emitted) -> Emitted:
        """The comment says the layer's name where its identifier does not."""
        name = self.graph.names[i]
        tail = name.split(".")[-1]
        shown = "" if identifier(tail) == tail or name in self.prefixes else f"{name!r}"
        note = ": ".join(part for part in (shown, emitted.comment) if part)
        return Emitted(emitted.expr, note, emitted.helpers, emitted.weights, emitted.holder)

    def member(self, m: int | Scope, path: str, indent: str) -> Emitted:
        """The expression building a member, at ``path``."""
        if not isinstance(m, Scope):
            return self.leaf(m, path)
        if self.is_chain(m):
            return Emitted(self.sequential(m, path, indent))
        return Emitted(f"{self.scope_class(m, path)}()")

    def entries(self, scope: Scope, path: str, indent: str) -> list[str]:
        lines = []
        names = local_names(self.graph, scope, frozenset())
        for m, word in zip(scope.members, names, strict=True):
            key = word
            if isinstance(m, Scope):
                tail = relative(m.prefix, scope.prefix)
                key = tail if tail.isdigit() and tail.isascii() else word
            emitted = self.member(m, f"{path}.{key}" if path else key, indent)
            if emitted.comment:
                lines.append(f"{indent}# {emitted.comment}")
            lines.append(f"{indent}({key!r}, {emitted.expr}),")
        return lines

    def sequential(self, scope: Scope, path: str, indent: str) -> str:
        inner = self.entries(scope, path, indent + "            ")
        return (
            "nn.Sequential(\n"
            f"{indent}    OrderedDict(\n{indent}        [\n"
            + "\n".join(inner)
            + f"\n{indent}        ]\n{indent}    )\n{indent})"
        )

    def scope_class(self, scope: Scope, path: str) -> str:
        body = self.module_body(scope, path)
        known = self.classes.get(body)
        if known is not None:
            return known
        word = class_name(scope.prefix, "Block")
        word = identifier(word, self.used_classes | _GENERATED)
        self.used_classes.add(word)
        self.classes[body] = word
        self.order.append(f"class {word}(nn.Module):\n{body}")
        return word

    def layers_of(self, member: int | Scope) -> list[int]:
        return member.layers() if isinstance(member, Scope) else [member]

    def twins(self, first: int | Scope, second: int | Scope) -> bool:
        """True when ``second`` (built alike) may be the very module ``first`` is: each of
        its layers with parameters shares them with the same layer of ``first``."""
        rows = self.graph.result.layers
        a, b = self.layers_of(first), self.layers_of(second)
        if len(a) != len(b) or not any(rows[j].shares for j in b):
            return False
        for i, j in zip(a, b, strict=True):
            mine, theirs = rows[j], rows[i]
            if (mine.params or theirs.params) and mine.shares != (theirs.shares or theirs.name):
                return False
        return True

    def ties(self) -> list[str]:
        """Lines of the model's ``__init__`` that make each layer sharing parameters (not
        already its owner's module) reuse the owner's module, so torch holds them once."""
        lines = []
        graph = self.graph
        for row in graph.result.layers:
            if row.shares is None or not row.params or row.name in self.tied:
                continue
            mine, theirs = self.emitted[row.name], self.emitted[row.shares]
            if mine.holder != theirs.holder:
                raise refuse(
                    graph.spec,
                    row,
                    "PyTorch",
                    f"it shares the parameters of {row.shares!r}, which PyTorch does by "
                    f"reusing its module, but the two are built differently ({mine.holder} "
                    f"here, {theirs.holder} there)",
                )
            target = ".".join(p for p in (self.paths[row.name], mine.weights) if p)
            source = ".".join(p for p in (self.paths[row.shares], theirs.weights) if p)
            lines.append(f"        # {row.name!r} shares the parameters of {row.shares!r}")
            if all(part.isidentifier() for part in f"{target}.{source}".split(".")):
                lines.append(f"        self.{target} = self.{source}")
            else:
                lines.append(
                    f"        self.set_submodule({target!r}, self.get_submodule({source!r}))"
                )
        return lines

    def module_body(self, scope: Scope, path: str, root: bool = False) -> str:
        graph = self.graph
        names = local_names(graph, scope, _MODULE_ATTRIBUTES | _GENERATED)
        params = [INPUT] if root else graph.inputs(scope)
        held = variables(graph, scope, params)
        init = ["    def __init__(self) -> None:", "        super().__init__()"]
        forward_args = ", ".join(f"{held[p]}: torch.Tensor" for p in params)
        forward = [f"    def forward(self, {forward_args}) -> torch.Tensor:"]
        training: list[str] = []
        built: dict[str, list[tuple[int | Scope, str]]] = {}  # expression -> members
        rows = graph.result.layers
        for m, word in zip(scope.members, names, strict=True):
            emitted = self.member(m, f"{path}.{word}" if path else word, "        ")
            alike = built.setdefault(emitted.expr, [])
            sharing = any(rows[j].shares for j in self.layers_of(m))
            twin = next((w for a, w in alike if self.twins(a, m)), None) if sharing else None
            alike.append((m, word))
            if twin is not None:
                self.tied.update(self.graph.names[i] for i in self.layers_of(m))
                init.append(f"        # shares {twin}'s parameters: one module, run twice")
                init.append(f"        self.{word} = self.{twin}")
            else:
                if emitted.comment:
                    init.append(f"        # {emitted.comment}")
                init.append(f"        self.{word} = {emitted.expr}")
            args = ", ".join(held[ref] for ref in graph.inputs(m))
            line = f"{held[graph.value(m)]} = self.{word}({args})"
            if graph.training_only(m):
                forward.append("        if self.training:  # a training-only part")
                forward.append(f"            {line}")
                training.append(held[graph.value(m)])
            else:
                forward.append(f"        {line}")
        if root:
            init.extend(self.ties())
        out = held[graph.value(scope)] if not root else held[graph.names[graph.output]]
        if root and training:
            forward.append("        if self.training:")
            forward.append(f"            return {', '.join([out, *training])}")
        forward.append(f"        return {out}")
        return "\n".join(init) + "\n\n" + "\n".join(forward) + "\n"


def export_pytorch(spec: NetworkSpec, result: NetworkResult) -> TorchCode:
    """PyTorch code for ``spec`` (evaluated as ``result``): imports, helper modules, one
    class per distinct block and the model class, ending in a ``__main__`` check."""
    check_exportable(spec, result, "PyTorch")
    if not result.layers:
        raise CnnCalcError("cannot export a network without layers")
    graph = build_graph(spec, result)
    writer = _Writer(graph)
    model = class_name(spec.name, "Model")
    writer.used_classes.add(model)
    if writer.is_chain(graph.root):
        inner = writer.entries(graph.root, "", "                    ")
        model_text = (
            f"class {model}(nn.Sequential):\n"
            "    def __init__(self) -> None:\n"
            "        super().__init__(\n"
            "            OrderedDict(\n                [\n"
            + "\n".join(inner)
            + "\n                ]\n            )\n        )\n"
            + "".join(line + "\n" for line in writer.ties())
        )
    else:
        model_text = f"class {model}(nn.Module):\n" + writer.module_body(graph.root, "", True)
    size = tuple(result.input.size)
    shape = ", ".join(map(str, (1, result.input.channels, *size)))
    helpers = [_HELPERS[h] for h in sorted(writer.helpers)]
    header = (
        '"""A PyTorch model exported by cnncalc (cnncalc export --to pytorch)."""\n\n'
        "from collections import OrderedDict\n\n"
        "import torch\n"
        "from torch import nn\n\n"
        f"SPEC_NAME = {spec.name!r}\n"
        f"INPUT_SHAPE = ({shape})  # (batch, channels, *spatial sizes)\n"
    )
    footer = (
        'if __name__ == "__main__":\n'
        f"    model = {model}().eval()\n"
        "    with torch.no_grad():\n"
        "        print(model(torch.zeros(INPUT_SHAPE)).shape)\n"
    )
    parts = [header, *helpers, *writer.order, model_text, footer]
    return TorchCode("\n\n".join(p.rstrip("\n") + "\n" for p in parts), model, writer.paths)
