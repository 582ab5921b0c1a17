"""cnncalc: a calculator for convolutional neural networks.

The library works without the command line::

    import cnncalc
    net = cnncalc.load("specs/alexnet.yaml")               # or cnncalc.parse("INPUT(...) -> ...")
    result = cnncalc.evaluate(net)
    print(result.totals.params, result.layers[0].output)
    print(cnncalc.render(result, "markdown"))

Every error cnncalc raises on bad input is a :class:`CnnCalcError`. Names are imported
on first use, so that ``cnncalc --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cnncalc.api import evaluate, load, parse, render, sweep, valid_inputs, view
    from cnncalc.errors import CnnCalcError, GrammarError, InputFileError, LimitError, SpecError
    from cnncalc.interop.torch_import import from_torch
    from cnncalc.loader import import_file
    from cnncalc.options import Options
    from cnncalc.results import (
        NOTICE_CODES,
        AxisField,
        LayerResult,
        NetworkResult,
        Notice,
        Shape,
        Totals,
        Window,
    )
    from cnncalc.spec import InputSpec, LayerSpec, NetworkSpec
    from cnncalc.sweeps import Sweep, SweepRow
    from cnncalc.teach.inputs import ValidInputs

__all__ = [
    "NOTICE_CODES",
    "AxisField",
    "CnnCalcError",
    "GrammarError",
    "InputFileError",
    "InputSpec",
    "LayerResult",
    "LayerSpec",
    "LimitError",
    "NetworkResult",
    "NetworkSpec",
    "Notice",
    "Options",
    "Shape",
    "SpecError",
    "Sweep",
    "SweepRow",
    "Totals",
    "ValidInputs",
    "Window",
    "__version__",
    "evaluate",
    "from_torch",
    "import_file",
    "load",
    "parse",
    "render",
    "sweep",
    "valid_inputs",
    "view",
]

_HOME = {
    "evaluate": "cnncalc.api",
    "load": "cnncalc.api",
    "parse": "cnncalc.api",
    "render": "cnncalc.api",
    "valid_inputs": "cnncalc.api",
    "view": "cnncalc.api",
    "ValidInputs": "cnncalc.teach.inputs",
    "sweep": "cnncalc.api",
    "Sweep": "cnncalc.sweeps",
    "SweepRow": "cnncalc.sweeps",
    "Options": "cnncalc.options",
    "CnnCalcError": "cnncalc.errors",
    "GrammarError": "cnncalc.errors",
    "InputFileError": "cnncalc.errors",
    "LimitError": "cnncalc.errors",
    "SpecError": "cnncalc.errors",
    "AxisField": "cnncalc.results",
    "LayerResult": "cnncalc.results",
    "NetworkResult": "cnncalc.results",
    "Notice": "cnncalc.results",
    "NOTICE_CODES": "cnncalc.results",
    "Shape": "cnncalc.results",
    "Totals": "cnncalc.results",
    "Window": "cnncalc.results",
    "InputSpec": "cnncalc.spec",
    "LayerSpec": "cnncalc.spec",
    "NetworkSpec": "cnncalc.spec",
    "from_torch": "cnncalc.interop.torch_import",
    "import_file": "cnncalc.loader",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
