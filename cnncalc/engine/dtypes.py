"""Element types: how many bytes (or bits) one value of each takes."""

from __future__ import annotations

from cnncalc.errors import CnnCalcError, did_you_mean

DTYPE_BYTES: dict[str, int] = {
    "float64": 8,
    "float32": 4,
    "tf32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int8": 1,
    "uint8": 1,
    "fp8": 1,
}

SUB_BYTE_BITS: dict[str, int] = {"int4": 4}
"""Types narrower than a byte: memory rounds their tensors up to whole bytes
(:func:`cnncalc.engine.memory.tensor_bytes`)."""


def dtype_bits(dtype: str, option: str = "dtype") -> int:
    """Bits per value of a dtype name: :data:`DTYPE_BYTES`'s types, and int4 (4 bits)."""
    known = {**{name: 8 * size for name, size in DTYPE_BYTES.items()}, **SUB_BYTE_BITS}
    bits = known.get(dtype.lower())
    if bits is None:
        raise CnnCalcError(
            f"unknown dtype '{dtype}'{did_you_mean(dtype, known)}; known: {', '.join(known)}",
            option=option,
        )
    return bits
