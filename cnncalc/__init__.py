"""cnncalc: a calculator for convolutional neural networks.

The library works without the CLI::

    from cnncalc import load_spec, evaluate
    result = evaluate(load_spec("specs/alexnet.yaml"))
    print(result.totals.params)
"""

from __future__ import annotations

__version__ = "0.1.0"

from cnncalc.engine import evaluate
from cnncalc.errors import CnnCalcError
from cnncalc.loader import load_spec

__all__ = ["CnnCalcError", "__version__", "evaluate", "load_spec"]
