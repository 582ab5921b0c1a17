"""One pure function per formula, on exact integers, per spatial axis where it applies.

Sizes follow PyTorch's documented semantics (``torch.nn.Conv2d``, ``MaxPool2d``,
``AdaptiveAvgPool2d``); receptive fields follow Araujo et al., "Computing Receptive
Fields of Convolutional Neural Networks", Distill 2019.
"""

from __future__ import annotations

from math import gcd, prod

from cnncalc.symbolic import Count


def effective_kernel(kernel: int, dilation: int) -> int:
    """Span of a dilated kernel: ``k_eff = d*(k - 1) + 1``."""
    return dilation * (kernel - 1) + 1


def padded_length(n: int, pad_left: int, pad_right: int) -> int:
    """Input length after padding: ``n + p_left + p_right``."""
    return n + pad_left + pad_right


def conv_output_length(
    n: int, kernel: int, stride: int, pad_left: int, pad_right: int, dilation: int
) -> int:
    """Output length of a convolution (floor mode).

    ``out = floor((n + p_left + p_right - d*(k - 1) - 1) / s) + 1``
    (PyTorch's ``floor((n + 2p - d(k-1) - 1)/s) + 1`` with symmetric padding).
    """
    span = padded_length(n, pad_left, pad_right) - effective_kernel(kernel, dilation)
    return span // stride + 1


def pool_output_length(
    n: int,
    kernel: int,
    stride: int,
    pad_left: int,
    pad_right: int,
    dilation: int,
    ceil_mode: bool | str,
) -> int:
    """Output length of max/avg pooling: PyTorch's rule, or Caffe's (``ceil_mode="caffe"``).

    Floor mode is :func:`conv_output_length`. Ceil mode:
    ``out = ceil((n + p_left + p_right - d*(k - 1) - 1) / s) + 1``, less one when the
    last window would start past the input and left padding:
    ``if (out - 1)*s >= n + p_left: out -= 1``. Caffe always rounds up and makes that
    correction only when the layer pads.
    """
    if not ceil_mode:
        return conv_output_length(n, kernel, stride, pad_left, pad_right, dilation)
    span = padded_length(n, pad_left, pad_right) - effective_kernel(kernel, dilation)
    out = -(-span // stride) + 1
    corrects = ceil_mode != "caffe" or bool(pad_left or pad_right)
    if corrects and (out - 1) * stride >= n + pad_left:
        out -= 1
    return out


def unused_input(
    n: int, kernel: int, stride: int, pad_left: int, pad_right: int, dilation: int
) -> int:
    """Input positions (not padding) that no window covers in floor mode.

    ``rem = (n + p_left + p_right - k_eff) mod s``; the last ``rem`` padded positions
    are never reached, of which ``max(0, rem - p_right)`` are real input.
    """
    rem = (padded_length(n, pad_left, pad_right) - effective_kernel(kernel, dilation)) % stride
    return max(0, rem - pad_right)


def same_padding(n: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow ``SAME`` padding (left, right), the extra pixel on the right.

    ``out = ceil(n / s)``; ``total = max((out - 1)*s + k_eff - n, 0)``;
    ``left = floor(total / 2)``, ``right = total - left``. At stride 1 this is
    PyTorch's ``padding='same'``.
    """
    out = -(-n // stride)
    total = max((out - 1) * stride + effective_kernel(kernel, dilation) - n, 0)
    return total // 2, total - total // 2


def adaptive_window_max(n: int, out: int) -> int:
    """Largest window of PyTorch adaptive pooling from ``n`` to ``out``.

    Window i spans ``[floor(i*n/out), ceil((i+1)*n/out))``; its length is
    ``ceil((r_i + n)/out)`` with ``r_i = i*n mod out``, largest at
    ``r = out - gcd(n, out)``: ``ceil((out - gcd(n, out) + n) / out)``.
    """
    return -(-(out - gcd(n, out) + n) // out)


def adaptive_window_step(n: int, out: int) -> int:
    """Smallest distance between window starts of adaptive pooling: ``max(1, floor(n/out))``."""
    return max(1, n // out)


def conv_params(
    c_in: Count, c_out: Count, kernel: tuple[int, ...], groups: int, bias: bool
) -> Count:
    """Weight-shared convolution: ``(C_in/g * prod(k) + bias) * C_out``."""
    return (c_in // groups * prod(kernel) + int(bias)) * c_out


def nonshared_params(
    c_in: Count,
    c_out: Count,
    kernel: tuple[int, ...],
    groups: int,
    bias: bool,
    out_size: tuple[int, ...],
) -> Count:
    """The same layer without weight sharing: ``(C_in/g * prod(k) + bias) * C_out * prod(out)``."""
    return conv_params(c_in, c_out, kernel, groups, bias) * prod(out_size)


def dense_params(n_in: Count, n_out: Count, bias: bool) -> Count:
    """Fully connected: ``(n_in + bias) * n_out``."""
    return (n_in + int(bias)) * n_out


def conv_macs(c_in: Count, kernel: tuple[int, ...], groups: int, out_numel: Count) -> Count:
    """Multiply-accumulates of a convolution, bias excluded: ``out_numel * C_in/g * prod(k)``."""
    return out_numel * (c_in // groups) * prod(kernel)


def dense_macs(n_in: Count, n_out: Count) -> Count:
    """Multiply-accumulates of a fully connected layer, bias excluded: ``n_in * n_out``."""
    return n_in * n_out


def batchnorm_params(channels: Count, affine: bool) -> Count:
    """Learnable parameters of batch normalisation: ``2C`` (scale and shift) when affine."""
    return 2 * channels if affine else 0


def rf_size(size_in: int, kernel_eff: int, jump_in: int) -> int:
    """Receptive field size: ``r_out = r_in + (k_eff - 1) * j_in``."""
    return size_in + (kernel_eff - 1) * jump_in


def rf_jump(jump_in: int, stride: int) -> int:
    """Effective stride: ``j_out = j_in * s``."""
    return jump_in * stride


def rf_padding(padding_in: int, pad_left: int, jump_in: int) -> int:
    """Effective padding: ``P_out = P_in + p_left * j_in``."""
    return padding_in + pad_left * jump_in


def stacked_rf(layers: int, kernel: int, stride: int) -> int:
    """Receptive field of ``L`` identical layers: ``r = 1 + (k-1) * (1 + s + ... + s^(L-1))``."""
    span = layers if stride == 1 else (pow(stride, layers) - 1) // (stride - 1)
    return 1 + (kernel - 1) * span


def affine_norm_params(channels: Count, affine: bool) -> Count:
    """Learnable parameters of group and instance normalisation: ``2C`` (a scale and a
    shift per channel) when affine, else 0."""
    return 2 * channels if affine else 0


def layernorm_params(channels: Count, affine: bool, bias: bool) -> Count:
    """Learnable parameters of a layer norm over ``C`` channels:
    ``C*affine + C*(affine and bias)`` (``nn.LayerNorm(C, elementwise_affine, bias)``)."""
    return channels * int(affine) + channels * int(affine and bias)


def layer_scale_params(channels: Count) -> Count:
    """Learnable parameters of layer scale: ``C``, one factor per channel."""
    return channels


def broadcast(a: tuple[Count, ...], b: tuple[Count, ...]) -> tuple[Count, ...] | None:
    """PyTorch's broadcasting of two shapes, or None where they do not broadcast.

    Shapes are aligned at the right; a missing axis counts as 1; on each axis the sizes
    must be equal or one of them 1, and the result takes the other:
    ``out_i = max(a_i, b_i)`` when ``a_i == b_i or min(a_i, b_i) == 1``.
    """
    width = max(len(a), len(b))
    ones: tuple[Count, ...] = (1,) * width
    left, right = (ones + a)[-width:], (ones + b)[-width:]
    out: list[Count] = []
    for x, y in zip(left, right, strict=True):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            return None
    return tuple(out)


def split_channels(channels: int, parts: int) -> int:
    """Channels of one of ``parts`` equal parts: ``C / parts`` (``parts`` divides ``C``)."""
    return channels // parts
