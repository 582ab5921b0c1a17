"""Validity rules that more than one feature applies (one rule, one place)."""

from __future__ import annotations

from cnncalc.spec import PadPair


def avg_pool3d_problem(size: tuple[int, ...], kernel: tuple[int, ...]) -> str | None:
    """PyTorch's 3D average pooling (``avg_pool3d``, unlike every other pooling) refuses an
    input smaller than the kernel on any axis, padding not counted, even in ceil mode.
    The reason, or None."""
    if len(size) == 3 and any(n < k for n, k in zip(size, kernel, strict=True)):
        shown = "x".join(map(str, size))
        return (
            f"the input {shown} is smaller than the kernel {'x'.join(map(str, kernel))}: "
            "PyTorch's 3D average pooling needs the input to hold a whole window"
        )
    return None


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


def window_problem(
    n: int,
    kernel: int,
    stride: int,
    pad_left: int,
    pad_right: int,
    dilation: int,
    ceil_mode: bool | str,
    axis: str,
) -> str | None:
    """Why a sliding window (conv or pool) cannot run along one axis of length ``n``: the
    window is wider than the padded input (allowed in ceil mode, where PyTorch lets it
    overhang), or no output is left. None when it runs."""
    from cnncalc.engine import formulas as f

    k_eff = f.effective_kernel(kernel, dilation)
    padded = f.padded_length(n, pad_left, pad_right)
    if k_eff > padded and not ceil_mode:
        span = f"{kernel}" if dilation == 1 else f"{kernel} (dilated to {k_eff})"
        return (
            f"kernel {span} is larger than the padded input {padded} "
            f"({n} + {pad_left} + {pad_right}) on axis {axis}"
        )
    length = f.pool_output_length(n, kernel, stride, pad_left, pad_right, dilation, ceil_mode)
    if length < 1:
        return f"output size on axis {axis} would be {length}"
    return None
