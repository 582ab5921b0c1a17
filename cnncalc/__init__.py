"""cnncalc: a calculator for convolutional neural networks.

The library works without the CLI::

    from cnncalc import load_spec, evaluate
    result = evaluate(load_spec("specs/alexnet.yaml"))
    print(result.totals.params)

Names are imported on first use, so that ``cnncalc --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cnncalc.engine import evaluate
    from cnncalc.errors import CnnCalcError
    from cnncalc.loader import load_spec

__all__ = ["CnnCalcError", "__version__", "evaluate", "load_spec"]

_LAZY = {
    "evaluate": "cnncalc.engine",
    "CnnCalcError": "cnncalc.errors",
    "load_spec": "cnncalc.loader",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")
