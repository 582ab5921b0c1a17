"""Validity rules that more than one feature applies (one rule, one place)."""

from __future__ import annotations

from cnncalc.spec import PadPair


def pool_padding_problem(kernel: tuple[int, ...], pads: tuple[PadPair, ...]) -> str | None:
    """PyTorch refuses pooling padding larger than half the kernel (on either side): a
    window could then lie wholly in padding. The reason, or None when the padding is
    allowed."""
    for k, (left, right) in zip(kernel, pads, strict=True):
        if max(left, right) > k // 2:
            return (
                f"padding {max(left, right)} is more than half the pooling kernel {k} "
                f"(PyTorch allows at most {k // 2})"
            )
    return None
