"""The engine: pure formulas and the layer-by-layer evaluation of a spec."""

from cnncalc.engine.dtypes import DTYPE_BYTES
from cnncalc.engine.evaluate import dtype_bytes, evaluate

__all__ = ["DTYPE_BYTES", "dtype_bytes", "evaluate"]
