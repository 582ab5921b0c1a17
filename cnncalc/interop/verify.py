"""Check cnncalc's figures against PyTorch: build the exported model, run it once on zeros
and compare every layer's output shape, parameters and conv/linear MACs.

PyTorch is an optional extra (``pip install 'cnncalc[torch]'``), imported only here.
"""

from __future__ import annotations

from math import prod
from typing import Any, NamedTuple

from cnncalc.errors import CnnCalcError, LimitError
from cnncalc.interop.export_pytorch import export_pytorch
from cnncalc.results import NetworkResult
from cnncalc.spec import NetworkSpec

MAX_ELEMENTS = 2_000_000_000
"""The most parameters, or activation values, verify builds: about 8 GB of float32 each."""


class Difference(NamedTuple):
    """One figure on which cnncalc and PyTorch disagree."""

    layer: str
    quantity: str
    cnncalc: str
    pytorch: str


class Verification(NamedTuple):
    """The comparison: layers compared, PyTorch's version, and every difference."""

    layers: int
    version: str
    differences: tuple[Difference, ...]


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise CnnCalcError(
            "verify needs PyTorch, which is not installed: pip install 'cnncalc[torch]'"
        ) from None
    return torch


def _shape_text(shape: tuple[object, ...]) -> str:
    return "x".join(map(str, shape)) if shape else "(scalar)"


def verify(spec: NetworkSpec, result: NetworkResult) -> Verification:
    """Run the PyTorch export of ``spec`` once on zeros (weights left uninitialised: only
    sizes are compared; batch 1 in eval mode; batch 2 in training
    mode when the network has training-only parts, so they run and batch norm has two
    values) and compare with ``result``, layer by layer, and the model's parameters
    (each shared one once) with cnncalc's total. A module shared by several layers is
    hooked once and gives its calls to them in order."""
    code = export_pytorch(spec, result)
    params, activations = result.totals.params, result.totals.activations
    assert isinstance(params, int) and isinstance(activations, int)  # export refuses symbols
    if params > MAX_ELEMENTS or activations > MAX_ELEMENTS:
        raise LimitError(
            f"verify builds the model in memory: {params:,} parameters and "
            f"{activations:,} activation values are beyond its limit of {MAX_ELEMENTS:,}"
        )
    torch = _torch()
    namespace: dict[str, Any] = {"__name__": "cnncalc_export"}
    exec(compile(code.text, "<cnncalc export>", "exec"), namespace)  # our own generated code
    with torch.device("meta"):  # no time spent drawing initial weights: shapes are wanted
        model = namespace[code.model]()
    model = model.to_empty(device="cpu")
    training = any(row.training_only for row in result.layers)
    batch = 2 if training else 1
    model.train(training)
    # every path, a shared module's too (named_modules would give it once)
    modules = dict(model.named_modules(remove_duplicate=False))
    shapes: dict[str, tuple[int, ...]] = {}
    macs: dict[str, int] = {}
    current = [""]  # the layer running now: its conv and linear MACs are its own
    uses: dict[int, list[str]] = {}  # a module -> the layers it computes, in order
    for row in result.layers:
        uses.setdefault(id(modules[code.paths[row.name]]), []).append(row.name)

    def enter(names: list[str]) -> Any:
        calls = [0]

        def hook(module: Any, inputs: Any) -> None:
            current[0] = names[calls[0] % len(names)]  # a shared module runs once per use
            calls[0] += 1

        return hook

    def record(module: Any, inputs: Any, output: Any) -> None:
        shapes[current[0]] = tuple(output.shape)[1:]

    def count(module: Any, inputs: Any, output: Any) -> None:
        if isinstance(module, torch.nn.Linear):
            per_output, weights = output.numel() // batch, module.in_features
        elif isinstance(module, conv_transposes):  # each input value meets each kernel tap
            per_output = inputs[0].numel() // batch
            weights = module.out_channels // module.groups * prod(module.kernel_size)
        else:
            per_output = output.numel() // batch
            weights = module.in_channels // module.groups * prod(module.kernel_size)
        macs[current[0]] = macs.get(current[0], 0) + per_output * weights

    conv_transposes = (torch.nn.ConvTranspose1d, torch.nn.ConvTranspose2d, torch.nn.ConvTranspose3d)
    weighted = (
        torch.nn.Conv1d,
        torch.nn.Conv2d,
        torch.nn.Conv3d,
        torch.nn.Linear,
        *conv_transposes,
    )
    for row in result.layers:
        module = modules[code.paths[row.name]]
        names = uses.pop(id(module), None)
        if names is not None:  # one pair of hooks per module, however many layers use it
            module.register_forward_pre_hook(enter(names))
            module.register_forward_hook(record)
    for module in model.modules():  # each module once
        if isinstance(module, weighted):
            module.register_forward_hook(count)
    shape = (batch, result.input.channels, *result.input.size)
    with torch.no_grad():
        model(torch.zeros(shape))
    differences: list[Difference] = []
    for row in result.layers:
        expected = (row.output.channels, *row.output.size)
        got = shapes.get(row.name)
        if got is None:
            differences.append(Difference(row.name, "output", _shape_text(expected), "not run"))
        elif got != expected:
            differences.append(
                Difference(row.name, "output", _shape_text(expected), _shape_text(got))
            )
        layer_params = sum(p.numel() for p in modules[code.paths[row.name]].parameters())
        if layer_params != row.params:
            differences.append(
                Difference(row.name, "params", f"{row.params:,}", f"{layer_params:,}")
            )
        layer_macs = macs.get(row.name, 0)
        if layer_macs != row.macs:
            differences.append(Difference(row.name, "MACs", f"{row.macs:,}", f"{layer_macs:,}"))
    total = sum(p.numel() for p in model.parameters())  # each shared parameter once
    if total != params:
        differences.append(Difference("(total)", "params", f"{params:,}", f"{total:,}"))
    return Verification(len(result.layers), str(torch.__version__), tuple(differences))


def verification_text(spec_name: str, check: Verification, result: NetworkResult) -> str:
    """The line verify prints when nothing differs."""
    totals = result.totals
    return (
        f"no differences: {check.layers} layers of {spec_name} agree with PyTorch "
        f"{check.version} on output shapes, parameters ({totals.params:,}) and conv/fc "
        f"MACs ({totals.macs:,})\n"
    )
