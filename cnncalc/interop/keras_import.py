"""Keras models -> cnncalc specs, from the model's JSON alone (no TensorFlow or Keras).

Reads what ``model.to_json()`` writes (Keras 2 and 3) and the ``config.json`` inside a
Keras 3 ``.keras`` archive (a zip; its weights are never opened). Sequential and
functional models. Keras's defaults apply where a key is missing: padding ``valid``,
``use_bias`` true, ``data_format`` channels_last, pool strides = pool size.

:data:`LAYERS` is the one table of layer classes: a Keras class name and the function
that writes it as cnncalc layers. Everything not in it is listed as unknown.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnncalc.errors import LimitError
from cnncalc.interop.common import (
    WEIGHTED,
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
from cnncalc.parsing.common import parse_input_text
from cnncalc.spec import INPUT, NoOrigin

MAX_CONFIG_BYTES = 16 * 1024 * 1024
MODEL_CLASSES = ("Sequential", "Functional", "Model")


class Cannot(Exception):
    """Raised by a handler: this layer cannot be modelled (the message says why)."""


@dataclass
class Tensor:
    """What the importer knows of a layer's output: spatial axes and channels."""

    spatial: int
    channels: int | None


@dataclass
class Layer:
    """One Keras layer: class, config, name and the layers it reads."""

    cls: str
    config: Mapping[str, Any]
    name: str
    inbound: list[str] = field(default_factory=list)
    built: list[int | None] | None = None
    """The input shape Keras built it for (``build_config``), when the file says."""


Handler = Callable[[Layer, list[Tensor]], tuple[list[Item], Tensor]]

_ACTIVATIONS: dict[str, str | None] = {
    "linear": None,
    "relu": "relu",
    "relu6": "relu6",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "log_softmax": "log_softmax",
    "elu": "elu",
    "selu": "selu",
    "gelu": "gelu",
    "swish": "silu",
    "silu": "silu",
    "mish": "mish",
    "softplus": "softplus",
    "hard_sigmoid": "hardsigmoid",
    "hard_swish": "hardswish",
    "hard_silu": "hardswish",
    "leaky_relu": "leaky_relu",
}


def _activation_word(value: object) -> str | None:
    """The cnncalc kind of a Keras ``activation`` value (a name, or a serialised one)."""
    if value is None:
        return None
    if isinstance(value, dict):  # Keras 3 may serialise {"class_name": "function", ...}
        value = value.get("config", value.get("class_name"))
    if not isinstance(value, str) or value not in _ACTIVATIONS:
        raise Cannot(f"activation {value!r} is none cnncalc has")
    return _ACTIVATIONS[value]


def _with_activation(layer: Layer, item: Item, out: Tensor) -> tuple[list[Item], Tensor]:
    word = _activation_word(layer.config.get("activation", "linear"))
    if word is None:
        return [item], out
    if word == "leaky_relu":  # keras.activations.leaky_relu's default slope
        return [item, Item(word, {"negative_slope": 0.2})], out
    return [item, Item(word)], out


def _tuple(value: object, dims: int, what: str) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value] * dims
    if (
        isinstance(value, list | tuple)
        and len(value) == dims
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return list(value)
    raise Cannot(f"{what} {value!r} is not {dims} whole number(s)")


def _compact(values: list[int]) -> Value:
    return values[0] if values and all(v == values[0] for v in values) else list(values)


def _spatial_of(cls: str) -> int:
    for n in (1, 2, 3):
        if cls.endswith(f"{n}D"):
            return n
    return 2


def _channels_last(layer: Layer) -> None:
    fmt = layer.config.get("data_format") or "channels_last"
    if fmt != "channels_last":
        raise Cannot(f"data_format {fmt} (cnncalc reads Keras's default channels_last)")


def _padding(layer: Layer, allowed: Sequence[str] = ("valid", "same")) -> Value:
    mode = layer.config.get("padding", "valid")
    if not isinstance(mode, str) or mode.lower() not in allowed:
        raise Cannot(f"padding {mode!r}")
    return 0 if mode.lower() == "valid" else "same"


def _conv(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    _channels_last(layer)
    x = inputs[0]
    dims = _spatial_of(layer.cls)
    c = layer.config
    depthwise = layer.cls.startswith("DepthwiseConv")
    filters: object
    if depthwise:
        if x.channels is None:
            raise Cannot("depthwise convolution of an input with unknown channels")
        filters = x.channels * int(c.get("depth_multiplier", 1))
    else:
        filters = c.get("filters")
        if not isinstance(filters, int) or isinstance(filters, bool):
            raise Cannot(f"filters {filters!r}")
    args: dict[str, Value] = {"filters": filters}
    args["kernel"] = _compact(_tuple(c.get("kernel_size"), dims, "kernel_size"))
    stride = _tuple(c.get("strides", 1), dims, "strides")
    if any(s != 1 for s in stride):
        args["stride"] = _compact(stride)
    padding = _padding(layer)
    if padding != 0:
        args["padding"] = padding
    dilation = _tuple(c.get("dilation_rate", 1), dims, "dilation_rate")
    if any(d != 1 for d in dilation):
        args["dilation"] = _compact(dilation)
    groups = x.channels if depthwise else c.get("groups", 1)
    if groups != 1:
        args["groups"] = groups if isinstance(groups, int) else 1
    if not c.get("use_bias", True):
        args["bias"] = False
    return _with_activation(layer, Item("conv", args), Tensor(x.spatial, filters))


def _separable(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    """SeparableConv: a depthwise convolution (no bias) and a pointwise 1x1 one."""
    x = inputs[0]
    if x.channels is None:
        raise Cannot("separable convolution of an input with unknown channels")
    depth = dict(layer.config)
    depth["use_bias"] = False
    depth["activation"] = "linear"
    first, _ = _conv(Layer("DepthwiseConv" + layer.cls[-2:], depth, layer.name), inputs)
    point = dict(layer.config)
    point["kernel_size"], point["strides"], point["padding"] = 1, 1, "valid"
    point["dilation_rate"] = 1
    mid = Tensor(x.spatial, x.channels * int(layer.config.get("depth_multiplier", 1)))
    rest, out = _conv(Layer("Conv" + layer.cls[-2:], point, layer.name), [mid])
    first[0].name = f"{layer.name}.depthwise"
    rest[0].name = layer.name
    return [*first, *rest], out


def _dense(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    x = inputs[0]
    units = layer.config.get("units")
    if not isinstance(units, int) or isinstance(units, bool):
        raise Cannot(f"units {units!r}")
    bias: dict[str, Value] = {} if layer.config.get("use_bias", True) else {"bias": False}
    if x.spatial:  # Keras applies Dense to the last axis at every position: a 1x1 conv
        item = Item("conv", {"filters": units, "kernel": 1, **bias})
    else:
        item = Item("fc", {"units": units, **bias})
    return _with_activation(layer, item, Tensor(x.spatial, units))


def _pool(kind: str) -> Handler:
    def handle(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
        _channels_last(layer)
        dims = _spatial_of(layer.cls)
        c = layer.config
        size = _tuple(c.get("pool_size", 2), dims, "pool_size")
        strides = c.get("strides")
        args: dict[str, Value] = {"kernel": _compact(size)}
        if strides is not None and _tuple(strides, dims, "strides") != size:
            args["stride"] = _compact(_tuple(strides, dims, "strides"))
        padding = _padding(layer)
        if padding != 0:
            args["padding"] = padding
        return [Item(kind, args)], inputs[0]

    return handle


def _global(kind: str) -> Handler:
    def handle(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
        _channels_last(layer)
        x = inputs[0]
        if layer.config.get("keepdims"):
            return [Item(kind)], Tensor(x.spatial, x.channels)
        # Keras drops the spatial axes (cnncalc keeps them as 1s): the same numbers
        return [Item(kind)], Tensor(0, x.channels)

    return handle


def _flatten(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    _channels_last(layer)
    return [Item("flatten")], Tensor(0, None)


def _batchnorm(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    c = layer.config
    axis = c.get("axis", -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]
    if axis not in (-1, inputs[0].spatial + 1):
        raise Cannot(f"axis {axis} is not the channel axis")
    center, scale = c.get("center", True), c.get("scale", True)
    if center != scale:
        raise Cannot("center and scale differ (cnncalc's batch norm has both or neither)")
    return [Item("batchnorm", {} if center else {"affine": False})], inputs[0]


def _dropout(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    rate = layer.config.get("rate", 0.5)
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        raise Cannot(f"rate {rate!r}")
    return [Item("dropout", {"p": float(rate)})], inputs[0]


def _activation(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    word = _activation_word(layer.config.get("activation"))
    if word is None:
        return [], inputs[0]
    if word == "leaky_relu":
        return [Item(word, {"negative_slope": 0.2})], inputs[0]
    return [Item(word)], inputs[0]


def _relu(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    c = layer.config
    top, slope = c.get("max_value"), c.get("negative_slope", 0.0) or 0.0
    if c.get("threshold", 0.0):
        raise Cannot("a threshold other than 0")
    if slope and top is None:
        return [Item("leaky_relu", {"negative_slope": float(slope)})], inputs[0]
    if top is None and not slope:
        return [Item("relu")], inputs[0]
    if top == 6 and not slope:
        return [Item("relu6")], inputs[0]
    raise Cannot(f"max_value {top} with negative_slope {slope}")


def _leaky(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    c = layer.config
    slope = c.get("negative_slope", c.get("alpha", 0.3))  # Keras 3 / Keras 2; both 0.3
    return [Item("leaky_relu", {"negative_slope": float(slope)})], inputs[0]


def _elu(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    alpha = float(layer.config.get("alpha", 1.0))
    return [Item("elu", {"alpha": alpha} if alpha != 1.0 else {})], inputs[0]


def _softmax(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    axis = layer.config.get("axis", -1)
    if axis not in (-1, [-1], inputs[0].spatial + 1):
        raise Cannot(f"axis {axis} is not the channel axis")
    return [Item("softmax")], inputs[0]


def _add(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    if len(inputs) < 2:
        raise Cannot("an Add of fewer than two inputs")
    return [Item("add")], inputs[0]


def _concat(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    axis = layer.config.get("axis", -1)
    if axis not in (-1, inputs[0].spatial + 1):
        raise Cannot(f"axis {axis} is not the channel axis")
    channels = [t.channels for t in inputs]
    total = None if None in channels else sum(c or 0 for c in channels)
    return [Item("concat")], Tensor(inputs[0].spatial, total)


def _identity(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    return [], inputs[0]


def _zero_padding(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    """Kept as a marker: folded into the convolution or pooling that reads it."""
    _channels_last(layer)
    return [Item("__pad__", {"padding": _sides(layer, "padding", 1)})], inputs[0]


def _conv_transpose(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    """ConvNDTranspose, sized as Keras's deconv_output_length: without output_padding
    'valid' gives n*s + max(k - s, 0) and 'same' n*s; with it, (n - 1)*s + k - 2*pad +
    output_padding, pad 0 ('valid') or k//2 ('same'); k is the dilated kernel."""
    _channels_last(layer)
    dims = _spatial_of(layer.cls)
    c = layer.config
    filters = c.get("filters")
    if not isinstance(filters, int) or isinstance(filters, bool):
        raise Cannot(f"filters {filters!r}")
    kernel = _tuple(c.get("kernel_size"), dims, "kernel_size")
    stride = _tuple(c.get("strides", 1), dims, "strides")
    dilation = _tuple(c.get("dilation_rate", 1), dims, "dilation_rate")
    same = _padding(layer) == "same"
    given = c.get("output_padding")
    extra = None if given is None else _tuple(given, dims, "output_padding")
    pads: list[list[int]] = []
    extras: list[int] = []
    for i in range(dims):
        k_eff = (kernel[i] - 1) * dilation[i] + 1
        s = stride[i]
        if extra is not None:
            pad = k_eff // 2 if same else 0
            pads.append([pad, pad])
            extras.append(extra[i])
        else:
            total = k_eff - s if same else 0
            pads.append([max(total, 0) // 2, max(total, 0) - max(total, 0) // 2])
            extras.append(max(s - k_eff, 0))
    args: dict[str, Value] = {"filters": filters, "kernel": _compact(kernel)}
    if any(v != 1 for v in stride):
        args["stride"] = _compact(stride)
    if any(v for pair in pads for v in pair):
        symmetric = all(b == e for b, e in pads)
        args["padding"] = _compact([b for b, _ in pads]) if symmetric else pads
    if any(extras):
        args["output_padding"] = _compact(extras)
    if any(d != 1 for d in dilation):
        args["dilation"] = _compact(dilation)
    if not c.get("use_bias", True):
        args["bias"] = False
    return _with_activation(layer, Item("conv_transpose", args), Tensor(inputs[0].spatial, filters))


_INTERPOLATION = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}


def _upsampling(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    """UpSamplingND: ``size`` is a scale factor per axis, not an output size."""
    _channels_last(layer)
    dims = _spatial_of(layer.cls)
    c = layer.config
    scale = _tuple(c.get("size", 2), dims, "size")
    if any(v < 1 for v in scale):
        raise Cannot(f"size {c.get('size')!r}")
    mode = c.get("interpolation", "nearest")
    if mode not in _INTERPOLATION or (mode != "nearest" and dims != 2):
        raise Cannot(f"interpolation {mode!r}")
    args: dict[str, Value] = {"scale": _compact(scale)}
    if mode != "nearest":
        args["mode"] = _INTERPOLATION[str(mode)]
    return [Item("upsample", args)], inputs[0]


def _sides(layer: Layer, key: str, default: object) -> list[list[int]]:
    """ZeroPadding's and Cropping's amounts: one number, one per axis, or a pair per axis."""
    dims = _spatial_of(layer.cls)
    value = layer.config.get(key, default)
    pairs: list[list[int]] = []
    if isinstance(value, int) and not isinstance(value, bool):
        pairs = [[value, value]] * dims
    elif isinstance(value, list | tuple) and len(value) == dims:
        for v in value:
            pair = _tuple(v, 2, key) if isinstance(v, list | tuple) else _tuple(v, 1, key) * 2
            pairs.append(pair)
    elif dims == 1 and isinstance(value, list | tuple) and len(value) == 2:
        pairs = [_tuple(value, 2, key)]
    else:
        raise Cannot(f"{key} {value!r}")
    if any(p < 0 for pair in pairs for p in pair):
        raise Cannot(f"{key} {value!r}")
    return pairs


def _cropping(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    _channels_last(layer)
    return [Item("crop", {"cropping": _sides(layer, "cropping", 0)})], inputs[0]


def _multiply(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    if len(inputs) < 2:
        raise Cannot("a Multiply of fewer than two inputs")
    channels = [t.channels for t in inputs]
    widest = None if None in channels else max(c or 0 for c in channels)
    return [Item("multiply")], Tensor(max(t.spatial for t in inputs), widest)


def _affine(layer: Layer) -> dict[str, Value]:
    """A norm's ``scale`` (gamma) and ``center`` (beta) as cnncalc's keys."""
    scale, center = layer.config.get("scale", True), layer.config.get("center", True)
    if scale and center:
        return {}
    if not scale and not center:
        return {"affine": False}
    if scale and layer.cls == "LayerNormalization":
        return {"bias": False}
    raise Cannot(f"scale={scale} with center={center}")


def _last_axis(layer: Layer, inputs: list[Tensor]) -> None:
    axis = layer.config.get("axis", -1)
    if axis not in (-1, [-1], inputs[0].spatial + 1, [inputs[0].spatial + 1]):
        raise Cannot(f"axis {axis} (only the channel axis, -1)")


def _layer_norm(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    _last_axis(layer, inputs)
    return [Item("layernorm", _affine(layer))], inputs[0]


def _group_norm(layer: Layer, inputs: list[Tensor]) -> tuple[list[Item], Tensor]:
    _last_axis(layer, inputs)
    groups = layer.config.get("groups", 32)
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise Cannot(f"groups {groups!r}")
    return [Item("groupnorm", {"groups": groups, **_affine(layer)})], inputs[0]


LAYERS: dict[str, Handler] = {
    **{f"Conv{n}D": _conv for n in (1, 2, 3)},
    **{f"Convolution{n}D": _conv for n in (1, 2, 3)},
    **{f"DepthwiseConv{n}D": _conv for n in (1, 2)},
    **{f"SeparableConv{n}D": _separable for n in (1, 2)},
    "Dense": _dense,
    **{f"MaxPooling{n}D": _pool("maxpool") for n in (1, 2, 3)},
    **{f"MaxPool{n}D": _pool("maxpool") for n in (1, 2, 3)},
    **{f"AveragePooling{n}D": _pool("avgpool") for n in (1, 2, 3)},
    **{f"AvgPool{n}D": _pool("avgpool") for n in (1, 2, 3)},
    **{f"GlobalAveragePooling{n}D": _global("gap") for n in (1, 2, 3)},
    **{f"GlobalAvgPool{n}D": _global("gap") for n in (1, 2, 3)},
    **{f"GlobalMaxPooling{n}D": _global("gmp") for n in (1, 2, 3)},
    **{f"GlobalMaxPool{n}D": _global("gmp") for n in (1, 2, 3)},
    "Flatten": _flatten,
    "BatchNormalization": _batchnorm,
    "Dropout": _dropout,
    **{f"SpatialDropout{n}D": _dropout for n in (1, 2, 3)},
    "Activation": _activation,
    "ReLU": _relu,
    "LeakyReLU": _leaky,
    "ELU": _elu,
    "Softmax": _softmax,
    "Add": _add,
    "Concatenate": _concat,
    **{f"ZeroPadding{n}D": _zero_padding for n in (1, 2, 3)},
    **{f"Conv{n}DTranspose": _conv_transpose for n in (1, 2, 3)},
    **{f"Convolution{n}DTranspose": _conv_transpose for n in (2, 3)},
    **{f"UpSampling{n}D": _upsampling for n in (1, 2, 3)},
    **{f"Cropping{n}D": _cropping for n in (1, 2, 3)},
    "Multiply": _multiply,
    "LayerNormalization": _layer_norm,
    "GroupNormalization": _group_norm,
}
"""Keras layer class -> handler: the cnncalc layers it is (none for a pass-through) and
what it outputs, or :class:`Cannot` with the reason."""


def _history(value: object) -> list[str]:
    """Names of the layers a Keras 2 or 3 ``inbound_nodes`` entry reads, in order."""
    found: list[str] = []

    def walk(v: object, depth: int) -> None:
        if depth > 20:
            return
        if isinstance(v, dict):
            config = v.get("config")
            history = config.get("keras_history") if isinstance(config, dict) else None
            if isinstance(history, list) and history and isinstance(history[0], str):
                found.append(history[0])
                return
            for key in ("args", "kwargs"):
                if key in v:
                    walk(v[key], depth + 1)
        elif isinstance(v, list):
            if len(v) >= 3 and isinstance(v[0], str) and isinstance(v[1], int):
                found.append(v[0])  # Keras 2: [layer, node index, tensor index, kwargs]
                return
            for item in v:
                walk(item, depth + 1)

    walk(value, 0)
    return found


def _batch_shape(config: Mapping[str, Any]) -> list[int | None] | None:
    for key in ("batch_shape", "batch_input_shape"):
        value = config.get(key)
        if isinstance(value, list):
            return [v if isinstance(v, int) and not isinstance(v, bool) else None for v in value]
    return None


def _parse(data: bytes, source: str) -> Mapping[str, Any]:
    if data[:4] == b"PK\x03\x04":
        data = _from_archive(data, source)
    if len(data) > MAX_CONFIG_BYTES:
        raise LimitError(f"{source}: the model JSON is larger than 16 MiB")
    try:
        root = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ImportError_(f"{source}: not a Keras model JSON ({exc})") from None
    if not isinstance(root, dict) or root.get("class_name") not in MODEL_CLASSES:
        kind = root.get("class_name") if isinstance(root, dict) else type(root).__name__
        raise ImportError_(
            f"{source}: not a Keras model (a JSON of {kind!r}); cnncalc reads "
            f"{', '.join(MODEL_CLASSES)} models as model.to_json() writes them"
        )
    if not isinstance(root.get("config"), dict):
        raise ImportError_(f"{source}: the Keras model has no 'config' mapping")
    return root


def _from_archive(data: bytes, source: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise LimitError(f"{source}: config.json is larger than 16 MiB")
            with archive.open(info) as fh:
                return fh.read(MAX_CONFIG_BYTES + 1)
    except KeyError:
        raise ImportError_(f"{source}: a zip without config.json, not a .keras model") from None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise ImportError_(f"{source}: not a readable .keras archive ({exc})") from None


def _layers(root: Mapping[str, Any], source: str) -> tuple[list[Layer], bool]:
    config = root["config"]
    raw = config.get("layers")
    if not isinstance(raw, list):
        raise ImportError_(f"{source}: the Keras model's config has no 'layers' list")
    check_count(len(raw), "layers", source)
    sequential = root.get("class_name") == "Sequential"
    layers: list[Layer] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
            raise ImportError_(f"{source}: layer {i + 1} is no Keras layer (no class_name)")
        cfg: dict[str, Any] = entry["config"] if isinstance(entry.get("config"), dict) else {}
        name = entry.get("name", cfg.get("name"))
        name = name if isinstance(name, str) and name else f"layer{i + 1}"
        inbound: list[str] = []
        if not sequential:
            nodes = entry.get("inbound_nodes", [])
            if isinstance(nodes, list) and len(nodes) > 1:
                raise ImportError_(f"{source}: layer '{name}' is used {len(nodes)} times")
            inbound = _history(nodes)
        build = entry.get("build_config")
        built = (
            _batch_shape({"batch_shape": build.get("input_shape")})
            if isinstance(build, dict)
            else None
        )
        layers.append(Layer(entry["class_name"], cfg, name, inbound, built))
    return layers, sequential


def import_keras(
    data: bytes,
    source: str,
    *,
    input: str | None = None,
    skip_unknown: bool = False,
    fold: bool = True,
) -> Imported:
    """A Keras model (``model.to_json()`` text, or a ``.keras`` archive's bytes) as a
    readable cnncalc YAML spec; the keywords as for :func:`import_onnx`."""
    root = _parse(data, source)
    layers, sequential = _layers(root, source)
    inputs = [layer for layer in layers if layer.cls == "InputLayer"]
    shape = _batch_shape(inputs[0].config) if inputs else None
    if shape is None and layers:
        shape = _batch_shape(layers[0].config)  # Keras 2: the first layer's input shape
    if shape is None and layers:
        build = root["config"].get("build_input_shape")
        shape = _batch_shape({"batch_shape": build})
    if shape is None or not 2 <= len(shape) <= 5:
        if input is None:
            raise ImportError_(f"{source}: the model states no input shape; give --input")
        shape = [None] * 4
    if len(inputs) > 1:
        raise ImportError_(
            f"{source}: cnncalc models networks with one input; this has {len(inputs)}"
        )
    spatial = len(shape) - 2
    size: str | None
    if input is not None:
        from cnncalc.interop.onnx_import import _checked_input

        size = _checked_input(input, spatial, source) if shape != [None] * 4 else input
        parsed = parse_input_text(size, NoOrigin())
        spatial = parsed.dims
        channels: int | None = parsed.channels if isinstance(parsed.channels, int) else None
    else:
        channels = shape[-1]
        dims = shape[1:-1]
        size = (
            None
            if channels is None or None in dims
            else input_text([d or 0 for d in dims], channels)
        )
    first = inputs[0].name if inputs else None
    out: dict[str, tuple[str, Tensor]] = {}  # Keras layer -> (cnncalc item ref, its output)
    if first:
        out[first] = (INPUT, Tensor(spatial, channels))
    items: list[Item] = []
    unknown: list[Unknown] = []
    previous = (INPUT, Tensor(spatial, channels))
    pad: Item | None = None  # a ZeroPadding just written, which the next layer may take
    readers: dict[str, int] = {}
    for layer in layers:
        for name in layer.inbound:
            readers[name] = readers.get(name, 0) + 1
    for layer in layers:
        if layer.cls == "InputLayer":
            continue
        sources = layer.inbound if not sequential else []
        if not sequential and not sources:
            raise ImportError_(f"{source}: layer '{layer.name}' reads no layer (inbound_nodes)")
        missing = [s for s in sources if s not in out]
        if missing:
            raise ImportError_(f"{source}: layer '{layer.name}' reads unknown layer '{missing[0]}'")
        reads = [out[s] for s in sources] if sources else [previous]
        handler = LAYERS.get(layer.cls)
        try:
            if handler is None:
                raise Cannot("cnncalc has no layer kind for it")
            made, tensor = handler(layer, [t for _, t in reads])
        except Cannot as why:
            unknown.append(Unknown(layer.cls, layer.name, str(why)))
            made, tensor = (
                [Item("identity", note=f"unknown {layer.cls}: counted as zero")],
                reads[0][1],
            )
        refs = [ref for ref, _ in reads]
        if made and made[0].kind == "__pad__":
            pairs = made[0].args["padding"]
            made[0] = Item("pad", {"padding": _pad_value(pairs)})
        elif (
            pad is not None
            and items
            and items[-1] is pad
            and refs == [pad.name]
            and readers.get(str(pad.name), 0) <= 1
            and _fold_padding(made, pad)
        ):
            items.pop()
            refs = list(pad.inputs)
        pad = None
        if not made:
            out[layer.name] = reads[0]
            previous = reads[0]
            continue
        if made[0].kind not in ("add", "concat", "multiply"):
            refs = refs[:1]
        made[0].inputs = refs
        for i, item in enumerate(made):  # a conv's activation= is its own layer after it
            item.name = item.name or (layer.name if i == 0 else f"{layer.name}.{item.kind}")
            item.origin = f"layer '{shown(layer.name)}' ({shown(layer.cls)})"
        if (
            made[0].kind in WEIGHTED
            and layer.built
            and layer.built[-1] is not None
            and layer.config.get("data_format") != "channels_first"
        ):
            made[0].reads = layer.built[-1]  # the kernel's input channels
        items.extend(made)
        if made[0].kind == "pad":
            pad = made[0]
        out[layer.name] = (made[-1].name or layer.name, tensor)
        previous = out[layer.name]
    refuse_unknown(unknown, source, skip_unknown)
    _settle_names(items)
    header = [f"Imported from {source} by cnncalc import (Keras {root.get('class_name')} model)"]
    name = root["config"].get("name")
    places: Places = {}
    return Imported(
        write_yaml(
            items,
            size,
            name=name if isinstance(name, str) else None,
            header=header,
            unknown=unknown,
            fold=fold,
            places=places,
        ),
        source,
        unknown,
        size,
        places,
    )


def _pad_value(pairs: Value) -> Value:
    """Pad amounts as written: one number when every side agrees."""
    flat = [v for pair in pairs for v in pair] if isinstance(pairs, list) else []
    return flat[0] if flat and all(v == flat[0] for v in flat) else pairs


def _fold_padding(made: list[Item], pad: Item) -> bool:
    """ZeroPadding read only by a convolution or pooling with valid padding is that
    layer's padding (True: taken)."""
    head = made[0] if made else None
    if head is None or head.kind not in ("conv", "maxpool", "avgpool") or "padding" in head.args:
        return False
    value = pad.args["padding"]
    pairs = value if isinstance(value, list) else None
    if pairs is None:
        head.args["padding"] = value
    elif all(pair[0] == pair[1] for pair in pairs):
        head.args["padding"] = _compact([pair[0] for pair in pairs])
    else:
        head.args["padding"] = [list(pair) for pair in pairs]
    if head.kind == "maxpool":
        head.note = "Keras pads with zeros before this max pooling (the same sizes)"
    return True


def _settle_names(items: list[Item]) -> None:
    """Make names distinct; references follow the last item a Keras name was given to."""
    names = unique_names([item.name or "layer" for item in items])
    latest: dict[str, str] = {}
    previous = INPUT
    for item, name in zip(items, names, strict=True):
        original = item.name or ""
        item.inputs = [latest.get(ref, ref) for ref in item.inputs]
        if item.inputs == [previous]:
            item.inputs = []
        item.name = name
        latest[original] = name
        previous = name
