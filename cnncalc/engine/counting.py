"""Counting conventions: what each peer tool's MAC total adds up, layer by layer.

cnncalc's own count (``torchvision``, the default) takes the products with conv, local
and fc weights, bias excluded. The peers each count something else; a profile states
their rule per layer kind, read from the tool's source, so cnncalc reproduces their
totals exactly and says where the differences come from. Each profile assumes the
PyTorch model a user would write for the spec: ``nn.ReLU``/``nn.MaxPool2d`` modules,
``+`` for a residual sum, ``torch.cat`` for a concatenation, batch 1, eval mode.
The rules are checked against the peers run for real (tests/fixtures/peer_counts.json).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from math import gcd, prod
from typing import NamedTuple

from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.results import LayerResult, NetworkResult, Shape
from cnncalc.symbolic import Count, total

CLASSES = ("conv", "linear", "bias", "norm", "pool", "activation", "elementwise", "upsample")
"""The operation classes a breakdown reports, in this order."""

Part = tuple[str, Count]
Rule = Callable[[LayerResult, Sequence[Shape]], list[Part]]


class Profile(NamedTuple):
    """A counting convention: its name, the tool and version it reproduces, and its rule."""

    name: str
    tool: str
    summary: str
    rule: Rule


def _hyper(layer: LayerResult, key: str, default: object = None) -> object:
    for k, value in layer.hyper:
        if k == key:
            return value
    return default


def _weights(layer: LayerResult) -> list[Part]:
    """cnncalc's own MACs, by class: conv and local layers, and fully connected ones."""
    if layer.macs == 0:
        return []
    return [("linear" if layer.kind == "fc" else "conv", layer.macs)]


_WEIGHTED = ("conv", "local", "fc", "dwconv", "conv_transpose")
"""Kinds whose MACs cnncalc counts by default (products with learned weights)."""
_NORMS = ("batchnorm", "layernorm", "groupnorm", "instancenorm", "lrn")


def _bias(layer: LayerResult) -> list[Part]:
    """One addition per output element of a conv, local, fc or transposed conv layer with
    a bias."""
    if layer.kind in _WEIGHTED and _hyper(layer, "bias") is True:
        return [("bias", layer.output.numel)]
    return []


def _affine(layer: LayerResult) -> bool:
    return _hyper(layer, "affine", True) is True


def _torchvision(layer: LayerResult, inputs: Sequence[Shape]) -> list[Part]:
    """Products with conv, local and fc weights; bias excluded (torchvision's model docs)."""
    return _weights(layer)


def _torchinfo(layer: LayerResult, inputs: Sequence[Shape]) -> list[Part]:
    """torchinfo 1.8 ``calculate_macs``: a module's weight and bias elements times the
    output positions for classes named Conv* (a transposed convolution too, though its
    products are per INPUT position), and once (times the batch) for every other module
    with parameters named weight or bias (fc: in*out + out; norms: 2C; PReLU: its
    slopes; layer scale's ``gamma`` is neither, so 0)."""
    if layer.kind == "conv_transpose":
        return [("conv", layer.params * prod(layer.output.size))]
    parts = _weights(layer) + _bias(layer)
    if layer.kind not in _WEIGHTED and layer.kind != "layer_scale" and layer.params:
        parts.append(("norm" if layer.kind in _NORMS else "activation", layer.params))
    return parts


def _fvcore(layer: LayerResult, inputs: Sequence[Shape]) -> list[Part]:
    """fvcore 0.1.5 ``FlopCountAnalysis.total()`` with its default operator handles:
    convolution and matrix products without bias (a transposed convolution per input
    position), batch norm in eval mode at ``numel * (2 if affine else 1)``, layer, group
    and instance norm at ``numel * (5 if affine else 4)``, 2D adaptive average pooling at
    its input's numel, 2D nearest and bilinear upsampling at 1 and 4 per output element;
    every other operator (activations, max and average pooling, sums, products) counts 0."""
    parts = _weights(layer)
    if layer.kind == "batchnorm":
        parts.append(("norm", inputs[0].numel * (2 if _affine(layer) else 1)))
    elif layer.kind in ("layernorm", "groupnorm", "instancenorm"):
        parts.append(("norm", inputs[0].numel * (5 if _affine(layer) else 4)))
    elif layer.kind in ("adaptive_avgpool", "gap") and len(inputs[0].size) == 2:
        parts.append(("pool", inputs[0].numel))  # only aten::adaptive_avg_pool2d has a handle
    elif layer.kind == "upsample" and len(layer.output.size) == 2:
        taps = {"nearest": 1, "bilinear": 4}.get(str(_hyper(layer, "mode")), 0)
        if taps:
            parts.append(("upsample", taps * layer.output.numel))
    return parts


# ptflops' pytorch backend hooks these modules and also patches these functionals; a
# module whose forward calls a patched functional is counted twice (nn.ReLU calls
# F.relu), one that calls an unpatched one once (nn.ReLU6 calls F.hardtanh), one that
# is not hooked only through its functional (nn.SiLU, nn.Softmax).
_PTFLOPS_ACTIVATIONS: dict[str, int] = {
    "relu": 2,
    "prelu": 2,
    "elu": 2,
    "gelu": 2,
    "relu6": 1,
    "leaky_relu": 1,
    "silu": 1,
    "softmax": 1,
}
_PTFLOPS_FUNCTIONALS = frozenset({"relu", "prelu", "elu", "gelu", "relu6", "silu", "softmax"})
"""Activations whose function ptflops patches (F.relu6 is, though nn.ReLU6 calls
F.hardtanh)."""
_POOLS = ("maxpool", "avgpool", "adaptive_avgpool", "adaptive_maxpool", "gap", "gmp")


def _ptflops(layer: LayerResult, inputs: Sequence[Shape]) -> list[Part]:
    """ptflops 0.7.5, pytorch backend: conv and fc with bias; batch norm ``numel * (2 if
    affine else 1)``; activations their output's numel, twice where the module's hook and
    the patched functional both count it; pooling twice its input's numel; local response
    norm through the tensor ops its functional calls (``3*numel + N*(C + size - 1)*H*W``)."""
    parts = _weights(layer) + _bias(layer)
    numel = inputs[0].numel if inputs else 0
    if layer.kind in ("batchnorm", "groupnorm", "instancenorm"):
        parts.append(("norm", numel * (2 if _affine(layer) else 1)))
    elif layer.kind == "layernorm":  # nn.LayerNorm has no 'affine' attribute: once
        parts.append(("norm", numel))
    elif layer.kind == "upsample":
        parts.append(("upsample", _ptflops_upsample(layer, inputs[0])))
    elif layer.kind in _PTFLOPS_ACTIVATIONS:
        times = _PTFLOPS_ACTIVATIONS[layer.kind]
        if layer.functional:  # only the patched functional sees a call F.relu(x)
            times = 1 if layer.kind in _PTFLOPS_FUNCTIONALS else 0
        parts.append(("activation", times * numel))
    elif layer.kind in _POOLS:
        parts.append(("pool", (1 if layer.functional else 2) * numel))
    elif layer.kind == "lrn":
        size = _hyper(layer, "size", 5)
        assert isinstance(size, int)
        shape = inputs[0]
        padded = (shape.channels + size - 1) * prod(shape.size)
        parts.append(("norm", 3 * numel + padded))
    return parts


def _ptflops_upsample(layer: LayerResult, source: Shape) -> Count:
    """ptflops on ``nn.Upsample``: its module hook counts the output's numel, and the
    patched ``F.interpolate`` it calls counts ``N*C*prod(size)`` for a size, or the input's
    numel times ``scale ** dims`` (one scale; a float, truncated here) or times
    ``int(prod(scales))`` (one per axis). A function call (``functional``) counts once."""
    scale = _hyper(layer, "scale")
    if isinstance(scale, tuple):
        if len(set(scale)) == 1:
            factor = float(scale[0]) ** len(scale)
            numel = source.numel
            functional: Count = (
                int(numel * factor) if isinstance(numel, int) else numel * int(factor)
            )
        else:
            functional = source.numel * int(prod(float(s) for s in scale))
    else:
        functional = layer.output.numel  # N*C*prod(size)
    return functional + (0 if layer.functional else layer.output.numel)


def _ptflops_aten(layer: LayerResult, inputs: Sequence[Shape]) -> list[Part]:
    """ptflops 0.7.5, aten backend: ``aten.convolution`` with its bias and ``aten.addmm``
    (fc with bias) or ``aten.mm``; nothing else."""
    return _weights(layer) + _bias(layer)


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "torchvision",
            "torchvision's model documentation (GFLOPS column, as MACs)",
            "conv, local and fc weight products; bias excluded",
            _torchvision,
        ),
        Profile(
            "torchinfo",
            "torchinfo 1.8.0, summary(...).total_mult_adds, batch 1",
            "adds conv/fc bias and, once, the parameters of batch norm and PReLU",
            _torchinfo,
        ),
        Profile(
            "fvcore",
            "fvcore 0.1.5.post20221221, FlopCountAnalysis(model, x).total()",
            "adds batch norm (2 per element) and 2D adaptive average pooling (its input)",
            _fvcore,
        ),
        Profile(
            "ptflops",
            "ptflops 0.7.5, get_model_complexity_info(..., backend='pytorch')",
            "adds bias, batch norm, activations and pooling (some counted twice)",
            _ptflops,
        ),
        Profile(
            "ptflops-aten",
            "ptflops 0.7.5, get_model_complexity_info(..., backend='aten')",
            "adds conv and fc bias",
            _ptflops_aten,
        ),
    )
}


# --count custom: conv, local and fc weight products, plus the classes a user includes,
# each counted by one rule (below) that no peer has to agree with.


def _norm_ops(layer: LayerResult, inputs: Sequence[Shape]) -> Count:
    """Normalization, as fvcore 0.1.5 counts it: batch norm (eval mode) 2 per element with
    affine, else 1; layer, group and instance norm 5 per element with affine, else 4.
    Local response norm (decided here, no peer to follow): ``size + 3`` per element, the
    sum of ``size`` squares across channels (the full window, zero-padded at the edges as
    PyTorch pads it) and then one each for ``k + alpha/n * sum``, the power and the
    division."""
    numel = inputs[0].numel
    if layer.kind == "batchnorm":
        return numel * (2 if _affine(layer) else 1)
    if layer.kind in ("layernorm", "groupnorm", "instancenorm"):
        return numel * (5 if _affine(layer) else 4)
    if layer.kind == "lrn":
        size = _hyper(layer, "size", 5)
        assert isinstance(size, int)
        return numel * (size + 3)
    return 0


def adaptive_window_total(n: int, out: int) -> int:
    """Input positions read by PyTorch's adaptive pooling from ``n`` to ``out`` on one
    axis, summed over its windows (window i spans ``[floor(i*n/out), ceil((i+1)*n/out))``,
    as :func:`cnncalc.engine.formulas.adaptive_window_max` reads them):
    ``n + out - gcd(n, out)``; ``n`` when ``out`` divides ``n``, more when windows overlap."""
    return n + out - gcd(n, out)


def _pool_ops(layer: LayerResult, inputs: Sequence[Shape]) -> Count:
    """Pooling: max and average pooling one operation per window element per output
    element, ``numel(out) * prod(kernel)``, the window as declared (dilation changes
    nothing; a window over padding or, in ceil mode, past the input counts its full
    kernel, though PyTorch's kernels skip those positions); adaptive and global pooling
    the sum of their exact window sizes, ``C * prod(n + out - gcd(n, out))`` over the
    axes, the input's numel when the windows do not overlap (global pooling always)."""
    if layer.kind in ("maxpool", "avgpool") and layer.window is not None:
        return layer.output.numel * prod(layer.window.kernel)
    if layer.kind in ("adaptive_avgpool", "adaptive_maxpool", "gap", "gmp"):
        source = inputs[0]
        axes = zip(source.size, layer.output.size, strict=True)
        return source.channels * prod(adaptive_window_total(n, out) for n, out in axes)
    return 0


_ACTIVATIONS = frozenset(
    {
        *("relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "mish"),
        *("hardswish", "hardsigmoid", "sigmoid", "tanh", "softplus", "softmax", "log_softmax"),
    }
)


def _activation_ops(layer: LayerResult, inputs: Sequence[Shape]) -> Count:
    """Activations: one per output element, softmax and log-softmax included (their
    exponentials, sum and division taken as one elementwise map, as ptflops counts
    ``nn.Softmax``)."""
    return layer.output.numel if layer.kind in _ACTIVATIONS else 0


def _elementwise_ops(layer: LayerResult, inputs: Sequence[Shape]) -> Count:
    """Elementwise merges (``add``, ``multiply``): ``inputs - 1`` per output element, so a
    broadcasting multiply (a squeeze-and-excitation gate) counts once per output element.
    A concatenation copies (0)."""
    if layer.kind in ("add", "multiply"):
        return (len(layer.inputs) - 1) * layer.output.numel
    return 0


_TAPS_PER_AXIS = {
    "nearest": 1,
    "nearest-exact": 1,
    "linear": 2,
    "bilinear": 2,
    "trilinear": 2,
    "bicubic": 4,
}
"""Input values interpolation reads per output element and axis."""


def _upsample_ops(layer: LayerResult, inputs: Sequence[Shape]) -> Count:
    """Upsampling: per output element the input values interpolation reads, ``taps **
    axes``: nearest 1, linear 2 (bilinear 4, trilinear 8), bicubic 16."""
    if layer.kind != "upsample":
        return 0
    taps = _TAPS_PER_AXIS[str(_hyper(layer, "mode"))]
    return layer.output.numel * prod([taps] * len(layer.output.size))


_CUSTOM_RULES: dict[str, Callable[[LayerResult, Sequence[Shape]], Count]] = {
    "bias": lambda layer, inputs: total(v for _, v in _bias(layer)),
    "norm": _norm_ops,
    "pool": _pool_ops,
    "activation": _activation_ops,
    "elementwise": _elementwise_ops,
    "upsample": _upsample_ops,
}
"""The classes ``--count custom`` can include, each with its one rule."""

INCLUDE_NAMES: dict[str, str] = {
    "bias": "bias",
    "bn": "norm",
    "pool": "pool",
    "act": "activation",
    "add": "elementwise",
    "upsample": "upsample",
}
"""``--include`` names (the issue's) and the class each stands for; the class names
themselves are accepted too. ``Counted.profile`` writes the short names."""


def include_classes(include: str | Iterable[str]) -> tuple[str, ...]:
    """The classes ``include`` names (comma-separated text or names), in :data:`CLASSES`
    order, each once; an error for an empty or unknown name, with the closest one."""
    names = include.split(",") if isinstance(include, str) else list(include)
    known = {**INCLUDE_NAMES, **{c: c for c in _CUSTOM_RULES}}
    chosen = set()
    for raw in names:
        for name in raw.split(","):
            key = name.strip().lower()
            if key not in known:
                shown = f"unknown class '{name.strip()}'" if key else "an empty class name"
                raise CnnCalcError(
                    f"{shown}{did_you_mean(key, known) if key else ''}; known: "
                    f"{', '.join(INCLUDE_NAMES)} (or the class names norm, activation, "
                    "elementwise)",
                    option="include",
                )
            chosen.add(known[key])
    return tuple(c for c in CLASSES if c in chosen)


def custom_profile(include: str | Iterable[str] = ()) -> Profile:
    """The ``custom`` profile: conv, local and fc weight products (as ``torchvision``;
    with no class included it counts exactly that), plus each included class by its rule
    (:data:`INCLUDE_NAMES`). Its name lists the classes, ``custom:bias,bn``."""
    classes = include_classes(include)
    short = {cls: name for name, cls in INCLUDE_NAMES.items()}
    label = ",".join(short[c] for c in classes)
    rules = [(c, _CUSTOM_RULES[c]) for c in classes]

    def rule(layer: LayerResult, inputs: Sequence[Shape]) -> list[Part]:
        parts = _weights(layer)
        for cls, ops in rules:
            value = ops(layer, inputs)
            if value != 0:
                parts.append((cls, value))
        return parts

    return Profile(
        f"custom:{label}" if label else "custom",
        "cnncalc's own rules, one per class (README, counting conventions)",
        f"adds {', '.join(classes)}" if classes else "nothing: equals torchvision",
        rule,
    )


class Counted(NamedTuple):
    """A network counted under one profile: per layer, by class, and in total."""

    profile: str
    layers: tuple[Count, ...]
    breakdown: tuple[tuple[str, Count], ...]
    """Each operation class with a non-zero count, in :data:`CLASSES` order."""
    total: Count


def find_profile(name: str, include: str | Iterable[str] | None = None) -> Profile:
    """The profile of that name, or an error listing them. ``custom`` (or ``custom:LIST``,
    as :data:`Counted.profile` names it) is built from the classes it and ``include``
    name (see :func:`custom_profile`); ``include`` goes with ``custom`` only."""
    key = name.lower()
    if key == "custom" or key.startswith("custom:"):
        named = key.partition(":")[2]
        extra = [include] if isinstance(include, str) else list(include or ())
        return custom_profile(([named] if named else []) + extra)
    profile = PROFILES.get(key)
    if profile is None:
        raise CnnCalcError(
            f"unknown counting profile '{name}'{did_you_mean(name, [*PROFILES, 'custom'])}; "
            f"known: {', '.join(PROFILES)}, custom",
            option="count",
        )
    if include is not None:
        raise CnnCalcError(
            f"classes are included by the custom profile only, not by '{profile.name}'",
            option="include",
        )
    return profile


def count(
    result: NetworkResult,
    profile: str = "torchvision",
    include: str | Iterable[str] | None = None,
) -> Counted:
    """Count ``result``'s multiply-accumulates under ``profile``: layers that run only in
    training are left out, as in the default totals. ``include`` names the classes the
    ``custom`` profile adds (``"bias,bn"`` or ``["bias", "norm"]``)."""
    found = find_profile(profile, include)
    rule = found.rule
    shapes: dict[str, Shape] = {"input": result.input}
    per_layer: list[Count] = []
    by_class: dict[str, list[Count]] = {c: [] for c in CLASSES}
    for layer in result.layers:
        if layer.training_only:
            per_layer.append(0)
        else:
            parts = rule(layer, [shapes[name] for name in layer.inputs if name in shapes])
            for cls, value in parts:
                by_class[cls].append(value)
            per_layer.append(total(value for _, value in parts))
        shapes[layer.name] = layer.output
    breakdown = tuple((c, total(v)) for c, v in by_class.items() if v and total(v) != 0)
    return Counted(found.name, tuple(per_layer), breakdown, total(per_layer))


def counted_as(
    result: NetworkResult,
    profile: str,
    breakdown: bool = False,
    include: str | Iterable[str] | None = None,
) -> NetworkResult:
    """``result`` with every layer's MACs and the total counted under ``profile`` (the
    default profile leaves the figures as they are), and the breakdown when asked."""
    counted = count(result, profile, include)
    if counted.profile == result.counting:
        layers = result.layers
    else:
        layers = tuple(
            layer._replace(macs=macs) if layer.macs != macs else layer
            for layer, macs in zip(result.layers, counted.layers, strict=True)
        )
    return result._replace(
        layers=layers,
        totals=result.totals._replace(macs=counted.total),
        counting=counted.profile,
        breakdown=counted.breakdown if breakdown else (),
    )
