"""Export a spec as Keras code: a functional model (``channels_last``), one statement per
layer, named as in the spec.

Keras pads only ``same`` (TensorFlow's rule, as cnncalc's) or ``valid``; other padding
and ceil rounding are written as explicit ZeroPadding layers with a comment. What Keras
cannot express (locally connected layers since Keras 3, LRN, adaptive pooling with uneven
windows, dilated pooling) is refused with the layer and the reason. Layer names reach the
code only as string literals written by :func:`repr`; variables are made-safe identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cnncalc.engine import formulas as f
from cnncalc.interop.export_pytorch import (
    Graph,
    build_graph,
    check_exportable,
    floor_pads,
    identifier,
    refuse,
)
from cnncalc.results import NetworkResult
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
    is_merge,
)

KerasEmitter = Callable[[Graph, int, str], list[tuple[str, str]]]
"""An op's Keras layers: (constructor call, comment) pairs applied in order; the last
one carries the layer's name."""


def _ints(values: tuple[int, ...]) -> str:
    if len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(map(str, values)) + ")"


def _zero_pad(pads: tuple[tuple[int, int], ...], name: str) -> str:
    if len(pads) == 1:
        pad = f"({pads[0][0]}, {pads[0][1]})"
    else:
        pad = "(" + ", ".join(f"({left}, {right})" for left, right in pads) + ")"
    return f"layers.ZeroPadding{len(pads)}D({pad}, name={name!r})"


def _window(graph: Graph, i: int, name: str, what: str) -> tuple[list[tuple[str, str]], str]:
    """Padding before a conv or pool, and the layer's own padding argument."""
    row = graph.result.layers[i]
    assert row.window is not None
    window = row.window
    if window.padding_mode == "same" and not window.ceil_mode:
        return [], "same"
    pads = floor_pads(window, graph.shape_in(i).size, row.output.size)
    if not any(left or right for left, right in pads):
        return [], "valid"
    why = "Keras pads only 'same' or 'valid': explicit padding"
    if window.ceil_mode:
        why += ", ceil rounding as padding on the right"
    if what == "max":
        why += " (zeros, not -inf: a window may take a padded zero)"
    return [(_zero_pad(pads, name + "_pad"), why)], "valid"


def _conv(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op, row = graph.spec.layers[i].op, graph.result.layers[i]
    assert isinstance(op, Conv)
    if not op.shared:
        raise refuse(graph.spec, row, "Keras", "Keras 3 has no locally connected layer")
    dims = len(op.kernel)
    if dims not in (1, 2, 3):
        raise refuse(graph.spec, row, "Keras", f"Keras has no {dims}-D convolution")
    before, padding = _window(graph, i, name, "conv")
    args = [str(op.filters), _ints(op.kernel)]
    if any(s != 1 for s in op.stride):
        args.append(f"strides={_ints(op.stride)}")
    if padding != "valid":
        args.append(f"padding={padding!r}")
    if any(d != 1 for d in op.dilation):
        args.append(f"dilation_rate={_ints(op.dilation)}")
    if op.groups != 1:
        args.append(f"groups={op.groups}")
    if not op.bias:
        args.append("use_bias=False")
    return [*before, (f"layers.Conv{dims}D({', '.join(args)}, name={name!r})", "")]


def _pool(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op, row = graph.spec.layers[i].op, graph.result.layers[i]
    assert isinstance(op, Pool)
    if any(d != 1 for d in op.dilation):
        raise refuse(graph.spec, row, "Keras", "Keras pooling has no dilation")
    before, padding = _window(graph, i, name, op.op)
    kind = "MaxPooling" if op.op == "max" else "AveragePooling"
    args = [_ints(op.kernel), f"strides={_ints(op.stride)}"]
    if padding != "valid":
        args.append(f"padding={padding!r}")
    call = f"layers.{kind}{len(op.kernel)}D({', '.join(args)}, name={name!r})"
    return [*before, (call, "")]


def _global_pool(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op = graph.spec.layers[i].op
    assert isinstance(op, GlobalPool)
    kind = "GlobalMaxPooling" if op.op == "max" else "GlobalAveragePooling"
    dims = len(graph.shape_in(i).size)
    return [(f"layers.{kind}{dims}D(keepdims=True, name={name!r})", "")]


def _adaptive_pool(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op, row = graph.spec.layers[i].op, graph.result.layers[i]
    assert isinstance(op, AdaptivePool)
    size = graph.shape_in(i).size
    if any(n % o for n, o in zip(size, op.output, strict=True)):
        raise refuse(
            graph.spec, row, "Keras", "Keras has no adaptive pooling, and these windows are uneven"
        )
    step = tuple(n // o for n, o in zip(size, op.output, strict=True))
    kind = "MaxPooling" if op.op == "max" else "AveragePooling"
    call = f"layers.{kind}{len(size)}D({_ints(step)}, name={name!r})"
    return [(call, "adaptive pooling with even windows: a plain pool")]


def _dense(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op = graph.spec.layers[i].op
    assert isinstance(op, Dense)
    bias = "" if op.bias else ", use_bias=False"
    call = f"layers.Dense({op.units}{bias}, name={name!r})"
    if not graph.shape_in(i).size:
        return [(call, "")]
    flatten = f"layers.Flatten(name={name + '_flatten'!r})"
    return [
        (flatten, "cnncalc's fc flattens its input; Keras's Dense reads the last axis"),
        (call, ""),
    ]


_ACTIVATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("ReLU", ()),
    "relu6": ("ReLU", ("max_value=6.0",)),
    "leaky_relu": ("LeakyReLU", ()),
    "elu": ("ELU", ()),
    "softmax": ("Softmax", ()),
    **{
        function: ("Activation", (repr(keras_word),))
        for function, keras_word in (
            ("selu", "selu"),
            ("gelu", "gelu"),
            ("silu", "silu"),
            ("mish", "mish"),
            ("hardswish", "hard_swish"),
            ("hardsigmoid", "hard_sigmoid"),
            ("sigmoid", "sigmoid"),
            ("tanh", "tanh"),
            ("softplus", "softplus"),
            ("log_softmax", "log_softmax"),
        )
    },
}
"""cnncalc's activation -> Keras layer class and its fixed arguments (options follow,
under the same keys: negative_slope, alpha)."""


def _activation(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op, row = graph.spec.layers[i].op, graph.result.layers[i]
    assert isinstance(op, Activation)
    if op.function == "prelu":
        dims = len(graph.shape_in(i).size)
        if op.num_parameters == graph.shape_in(i).channels:
            shared = list(range(1, dims + 1))  # one slope per channel
        elif op.num_parameters == 1:
            shared = list(range(1, dims + 2))  # one slope for all
        else:
            raise refuse(graph.spec, row, "Keras", "PReLU takes 1 or one parameter per channel")
        axes = f"shared_axes={shared}, " if shared else ""
        return [(f"layers.PReLU({axes}name={name!r})", "")]
    known = _ACTIVATIONS.get(op.function)
    if known is None:
        raise refuse(graph.spec, row, "Keras", f"no Keras layer for {op.function}")
    cls, fixed = known
    options = [f"{key}={value!r}" for key, value in op.options]
    return [(f"layers.{cls}({', '.join([*fixed, *options, f'name={name!r}'])})", "")]


def _simple(template: str, why: str = "") -> KerasEmitter:
    return lambda graph, i, name: [(template.format(name=repr(name)), why)]


def _batchnorm(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op = graph.spec.layers[i].op
    assert isinstance(op, BatchNorm)
    affine = "" if op.affine else "center=False, scale=False, "
    return [(f"layers.BatchNormalization({affine}name={name!r})", "")]


def _dropout(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op = graph.spec.layers[i].op
    assert isinstance(op, Dropout)
    return [(f"layers.Dropout({op.p!r}, name={name!r})", "")]


def _lrn(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    raise refuse(
        graph.spec, graph.result.layers[i], "Keras", "Keras has no local response normalisation"
    )


def _depthwise(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op, row = graph.spec.layers[i].op, graph.result.layers[i]
    assert isinstance(op, DepthwiseConv)
    dims = len(op.kernel)
    if dims not in (1, 2):
        raise refuse(graph.spec, row, "Keras", f"Keras has no {dims}-D depthwise convolution")
    before, padding = _window(graph, i, name, "conv")
    args = [_ints(op.kernel)]
    if any(s != 1 for s in op.stride):
        args.append(f"strides={_ints(op.stride)}")
    if padding != "valid":
        args.append(f"padding={padding!r}")
    if op.multiplier != 1:
        args.append(f"depth_multiplier={op.multiplier}")
    if any(d != 1 for d in op.dilation):
        args.append(f"dilation_rate={_ints(op.dilation)}")
    if not op.bias:
        args.append("use_bias=False")
    return [*before, (f"layers.DepthwiseConv{dims}D({', '.join(args)}, name={name!r})", "")]


def _crop_call(pairs: tuple[tuple[int, int], ...], name: str) -> str:
    if len(pairs) == 1:
        sides = f"({pairs[0][0]}, {pairs[0][1]})"
    else:
        sides = "(" + ", ".join(f"({left}, {right})" for left, right in pairs) + ")"
    return f"layers.Cropping{len(pairs)}D({sides}, name={name!r})"


def _conv_transpose(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op, row = graph.spec.layers[i].op, graph.result.layers[i]
    assert isinstance(op, ConvTranspose)
    dims = len(op.kernel)
    if dims not in (1, 2, 3):
        raise refuse(graph.spec, row, "Keras", f"Keras has no {dims}-D transposed convolution")
    if op.groups != 1:
        raise refuse(graph.spec, row, "Keras", "Keras's transposed convolutions have no groups")
    if any(o >= s for o, s in zip(op.output_padding, op.stride, strict=True)):
        raise refuse(
            graph.spec, row, "Keras", "Keras takes output_padding smaller than the stride only"
        )
    # With output_padding given and 'valid', Keras's length is PyTorch's unpadded one,
    # (n - 1)*s + d*(k - 1) + output_padding + 1; the padding is then cropped.
    args = [str(op.filters), _ints(op.kernel)]
    if any(s != 1 for s in op.stride):
        args.append(f"strides={_ints(op.stride)}")
    args.append(f"output_padding={_ints(op.output_padding)}")
    if any(d != 1 for d in op.dilation):
        args.append(f"dilation_rate={_ints(op.dilation)}")
    if not op.bias:
        args.append("use_bias=False")
    pairs = op.padding.pairs
    cropped = any(left or right for left, right in pairs)
    layer_name = name + "_full" if cropped else name
    calls = [(f"layers.Conv{dims}DTranspose({', '.join(args)}, name={layer_name!r})", "")]
    if cropped:
        why = "PyTorch's padding of a transposed convolution removes output: a crop in Keras"
        calls.append((_crop_call(pairs, name), why))
    return calls


def _upsample(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op, row = graph.spec.layers[i].op, graph.result.layers[i]
    assert isinstance(op, Upsample)
    size_in, size_out = graph.shape_in(i).size, row.output.size
    dims = len(size_in)
    if op.align_corners:
        raise refuse(graph.spec, row, "Keras", "Keras's resizing layers have no align_corners")
    mode = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}.get(op.mode)
    whole = all(o % n == 0 for n, o in zip(size_in, size_out, strict=True))
    factors = tuple(o // n for n, o in zip(size_in, size_out, strict=True))
    if whole and ((dims == 2 and mode in ("nearest", "bilinear")) or op.mode == "nearest"):
        extra = f", interpolation={mode!r}" if dims == 2 else ""
        call = f"layers.UpSampling{dims}D({_ints(factors)}{extra}, name={name!r})"
        return [(call, "")]
    if dims == 2 and mode is not None:
        height, width = size_out
        why = f"to {height}x{width}" + (
            f", the size of {op.size!r}" if isinstance(op.size, str) else ""
        )
        return [(f"layers.Resizing({height}, {width}, interpolation={mode!r}, name={name!r})", why)]
    raise refuse(
        graph.spec,
        row,
        "Keras",
        f"Keras resizes by whole factors (UpSampling{dims}D) or 2D maps (Resizing) only, "
        f"not {op.mode} from {'x'.join(map(str, size_in))} to {'x'.join(map(str, size_out))}",
    )


def _pad(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op, row = graph.spec.layers[i].op, graph.result.layers[i]
    assert isinstance(op, Pad)
    if op.mode != "constant" or op.value != 0:
        what = f"{op.mode} padding" if op.mode != "constant" else f"padding with {op.value!r}"
        raise refuse(graph.spec, row, "Keras", f"Keras pads only with zeros, not {what}")
    pairs = op.padding.pairs[: len(graph.shape_in(i).size)]
    return [(_zero_pad(pairs, name), "")]


def _crop(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op = graph.spec.layers[i].op
    assert isinstance(op, Crop)
    size_in, size_out = graph.shape_in(i).size, graph.result.layers[i].output.size
    if op.center is None:
        return [(_crop_call(op.cropping.pairs[: len(size_in)], name), "")]
    pairs = tuple(f.center_crop_sides(n, m) for n, m in zip(size_in, size_out, strict=True))
    target = f"the size of {op.center!r}" if isinstance(op.center, str) else "a size"
    return [(_crop_call(pairs, name), f"centred to {target}: the sides for this input")]


def _channel_shuffle(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op = graph.spec.layers[i].op
    assert isinstance(op, ChannelShuffle)
    source = graph.shape_in(i)
    size, c, g = tuple(source.size), source.channels, op.groups
    axes = len(size)
    order = (*range(1, axes + 1), axes + 2, axes + 1)
    return [
        (
            f"layers.Reshape({(*size, g, c // g)!r}, name={name + '_groups'!r})",
            "channel shuffle: groups apart, swapped, together",
        ),
        (f"layers.Permute({order!r}, name={name + '_swap'!r})", ""),
        (f"layers.Reshape({(*size, c)!r}, name={name!r})", ""),
    ]


def _layernorm(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op = graph.spec.layers[i].op
    assert isinstance(op, LayerNorm)
    options = "" if op.affine and op.bias else f"center={op.affine and op.bias}, "
    options += "" if op.affine else "scale=False, "
    return [(f"layers.LayerNormalization(axis=-1, {options}name={name!r})", "")]


def _groupnorm(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
    op = graph.spec.layers[i].op
    assert isinstance(op, GroupNorm | InstanceNorm)
    groups = op.groups if isinstance(op, GroupNorm) else graph.shape_in(i).channels
    affine = "" if op.affine else "center=False, scale=False, "
    why = "" if isinstance(op, GroupNorm) else "instance norm: a group per channel"
    return [(f"layers.GroupNormalization({groups}, {affine}name={name!r})", why)]


def _refuse(reason: str) -> KerasEmitter:
    def emit(graph: Graph, i: int, name: str) -> list[tuple[str, str]]:
        raise refuse(graph.spec, graph.result.layers[i], "Keras", reason)

    return emit


KERAS_EMITTERS: dict[type, KerasEmitter] = {
    Conv: _conv,
    Pool: _pool,
    GlobalPool: _global_pool,
    AdaptivePool: _adaptive_pool,
    Flatten: _simple("layers.Flatten(name={name})"),
    Dense: _dense,
    Activation: _activation,
    Dropout: _dropout,
    BatchNorm: _batchnorm,
    LRN: _lrn,
    Identity: _simple("layers.Identity(name={name})"),
    Add: _simple("layers.Add(name={name})"),
    Concat: _simple("layers.Concatenate(axis=-1, name={name})"),
    Multiply: _simple("layers.Multiply(name={name})"),
    ChannelShuffle: _channel_shuffle,
    ChannelSlice: _refuse("Keras has no layer that slices channels"),
    ChannelSplit: _refuse("Keras has no layer that splits channels"),
    LayerNorm: _layernorm,
    GroupNorm: _groupnorm,
    InstanceNorm: _groupnorm,
    LayerScale: _refuse(
        "Keras has no layer scale layer (keras.applications' ConvNeXt defines its own)"
    ),
    DropPath: _refuse("Keras has no stochastic depth layer"),
    DepthwiseConv: _depthwise,
    ConvTranspose: _conv_transpose,
    Upsample: _upsample,
    PixelShuffle: _refuse(
        "Keras has no pixel shuffle layer (TensorFlow's depth_to_space orders channels otherwise)"
    ),
    Pad: _pad,
    Crop: _crop,
}
"""One entry per op class: the Keras layers that compute it. New kinds add one entry."""


def keras_name(name: str, taken: set[str]) -> str:
    """A layer name Keras accepts (no ``/``, nothing unprintable), distinct from the rest."""
    word = re.sub(r"[^A-Za-z0-9_.\-]", "_", name)[:100] or "layer"
    base, n = word, 1
    while word in taken:
        n += 1
        word = f"{base}_{n}"
    taken.add(word)
    return word


def export_keras(spec: NetworkSpec, result: NetworkResult) -> str:
    """Keras code for ``spec`` (evaluated as ``result``): ``build_model()`` returning a
    functional ``keras.Model``; training-only heads are extra outputs after the first."""
    check_exportable(spec, result, "Keras")
    graph = build_graph(spec, result)
    used: set[str] = {"keras", "layers", "inputs", "build_model", "model"}
    names: set[str] = set()
    var: dict[str, str] = {INPUT: "inputs"}
    body: list[str] = []
    reads: dict[str, int] = {}
    owners = {row.shares for row in result.layers if row.shares is not None and row.params}
    held: dict[str, tuple[str, str]] = {}  # owner -> its Keras layer's variable, its call
    for row in result.layers:
        for ref in row.inputs:
            reads[ref] = reads.get(ref, 0) + 1
    for i, row in enumerate(result.layers):
        emitter = KERAS_EMITTERS.get(type(spec.layers[i].op))
        if emitter is None:
            raise refuse(spec, row, "Keras", f"no Keras layer for {row.kind} yet")
        name = keras_name(row.name, names)
        calls = emitter(graph, i, name)
        if row.params and (row.name in owners or row.shares is not None):
            calls = _shared(graph, i, calls, held, body, used)
        args = [var[ref] for ref in row.inputs]
        if isinstance(spec.layers[i].op, Multiply):
            args = _gates(graph, i, name, args, body, used)
        merges = is_merge(spec.layers[i].op)
        source = f"[{', '.join(args)}]" if merges else args[0]
        for call, why in calls:
            if why:
                body.append(f"    # {why}")
            target = identifier(row.name, used)
            body.append(f"    {target} = {call}({source})")
            source = target
        used.add(source)
        var[row.name] = source
    outputs = [var[result.layers[graph.output].name]]
    outputs += [var[r.name] for r in result.layers if r.training_only and r.name not in reads]
    output_text = outputs[0] if len(outputs) == 1 else f"[{', '.join(outputs)}]"
    size = tuple(result.input.size)
    shape = ", ".join(map(str, (*size, result.input.channels)))
    return (
        '"""A Keras model exported by cnncalc (cnncalc export --to keras)."""\n\n'
        "import keras\n"
        "from keras import layers\n\n"
        f"SPEC_NAME = {spec.name!r}\n\n\n"
        "def build_model() -> keras.Model:\n"
        f'    """The network, channels last: input {shape.replace(", ", "x")}."""\n'
        f'    inputs = keras.Input(shape=({shape}{"," if len(size) == 0 else ""}), name="input")\n'
        + "\n".join(body)
        + f"\n    return keras.Model(inputs, {output_text}, name={_model_name(spec)!r})\n\n\n"
        'if __name__ == "__main__":\n'
        "    build_model().summary()\n"
    )


_UNWEIGHTED = ("layers.ZeroPadding", "layers.Cropping", "layers.Flatten", "layers.Reshape")


def _shared(
    graph: Graph,
    i: int,
    calls: list[tuple[str, str]],
    held: dict[str, tuple[str, str]],
    body: list[str],
    used: set[str],
) -> list[tuple[str, str]]:
    """A layer's calls where its parameters are shared: the owner's weighted layer is kept
    in a variable; a sharing layer calls that same Keras layer (one set of weights)."""
    row = graph.result.layers[i]
    k = max(n for n, (call, _) in enumerate(calls) if not call.startswith(_UNWEIGHTED))
    call, why = calls[k]
    bare = re.sub(r"name='[^']*'", "name=...", call)
    if row.shares is None:
        variable = identifier(f"{row.name}_layer", used)
        used.add(variable)
        held[row.name] = (variable, bare)
        body.append(f"    {variable} = {call}  # shared by later layers")
        return [*calls[:k], (variable, why), *calls[k + 1 :]]
    variable, theirs = held[row.shares]
    if bare != theirs:
        raise refuse(
            graph.spec,
            row,
            "Keras",
            f"it shares the parameters of {row.shares!r}, which Keras does by calling its "
            f"layer again, but the two are built differently ({bare} here, {theirs} there)",
        )
    return [*calls[:k], (variable, f"shares the parameters of {row.shares!r}"), *calls[k + 1 :]]


def _gates(
    graph: Graph, i: int, name: str, args: list[str], body: list[str], used: set[str]
) -> list[str]:
    """A multiply's inputs, each flat vector beside a map reshaped to 1x1xC (a gate)."""
    shapes = [graph.shape(ref) for ref in graph.result.layers[i].inputs]
    spatial = next((shape.size for shape in shapes if shape.size), None)
    if spatial is None:
        return args
    out = []
    for k, (arg, shape) in enumerate(zip(args, shapes, strict=True)):
        if not shape.size:
            target = identifier(f"{name}_gate", used)
            used.add(target)
            ones = (*(1 for _ in spatial), shape.channels)
            body.append(f"    # a flat vector multiplies as a {'x'.join(map(str, ones))} gate")
            body.append(
                f"    {target} = layers.Reshape({ones!r}, name={name + f'_gate{k}'!r})({arg})"
            )
            arg = target
        out.append(arg)
    return out


def _model_name(spec: NetworkSpec) -> str:
    return keras_name(spec.name or "model", set())
