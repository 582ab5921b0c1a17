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
    values) and compare with ``result``, layer by layer."""
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
    modules = dict(model.named_modules())
    owner = {path: name for name, path in code.paths.items()}
    shapes: dict[str, tuple[int, ...]] = {}
    macs: dict[str, int] = {}

    def record(name: str) -> Any:
        def hook(module: Any, inputs: Any, output: Any) -> None:
            shapes[name] = tuple(output.shape)[1:]

        return hook

    def count(name: str) -> Any:
        def hook(module: Any, inputs: Any, output: Any) -> None:
            per_output = output.numel() // batch
            if isinstance(module, torch.nn.Linear):
                weights = module.in_features
            else:
                weights = module.in_channels // module.groups * prod(module.kernel_size)
            macs[name] = macs.get(name, 0) + per_output * weights

        return hook

    for name, path in code.paths.items():
        modules[path].register_forward_hook(record(name))
    weighted = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.Linear)
    for path, module in modules.items():
        if not isinstance(module, weighted):
            continue
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            layer = owner.get(".".join(parts[:end]))
            if layer is not None:
                module.register_forward_hook(count(layer))
                break
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
    return Verification(len(result.layers), str(torch.__version__), tuple(differences))


def verification_text(spec_name: str, check: Verification, result: NetworkResult) -> str:
    """The line verify prints when nothing differs."""
    totals = result.totals
    return (
        f"no differences: {check.layers} layers of {spec_name} agree with PyTorch "
        f"{check.version} on output shapes, parameters ({totals.params:,}) and conv/fc "
        f"MACs ({totals.macs:,})\n"
    )
