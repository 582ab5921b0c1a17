"""Networks in from other tools and out as code. In: ONNX models, Keras models and
PyTorch modules as cnncalc specs (readable YAML with the graph's layer names); out:
PyTorch and Keras code (export_pytorch, export_keras) and verify.

Each reader imports its framework's package only when called (``onnx`` for ONNX;
nothing for Keras, whose model JSON is read as text; ``torch`` for
:func:`cnncalc.from_torch`), and never runs a model or unpickles anything.
"""

from __future__ import annotations

from typing import Literal

from cnncalc.interop.common import Imported, ImportError_, Unknown

ModelFormat = Literal["onnx", "keras"]

__all__ = ["ImportError_", "Imported", "ModelFormat", "Unknown", "import_model"]


def import_model(
    data: bytes,
    name: str,
    format: ModelFormat,
    *,
    input: str | None = None,
    skip_unknown: bool = False,
    fold: bool = True,
) -> Imported:
    """A model file's bytes as a readable cnncalc spec, by the reader of ``format``.

    A model malformed in a way no reader foresaw (a field of the wrong type deep in
    it) is an ImportError_ naming the file, never a Python exception."""
    try:
        if format == "onnx":
            from cnncalc.interop.onnx_import import import_onnx

            return import_onnx(data, name, input=input, skip_unknown=skip_unknown, fold=fold)
        from cnncalc.interop.keras_import import import_keras

        return import_keras(data, name, input=input, skip_unknown=skip_unknown, fold=fold)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise ImportError_(
            f"{name}: cannot read this {format} model ({type(exc).__name__}: {exc})"
        ) from None
