"""One pure function per formula, on exact integers, per spatial axis where it applies.

Sizes follow PyTorch's documented semantics (``torch.nn.Conv2d``, ``MaxPool2d``,
``AdaptiveAvgPool2d``); receptive fields follow Araujo et al., "Computing Receptive
Fields of Convolutional Neural Networks", Distill 2019.
"""

from __future__ import annotations

from math import floor, gcd, prod
from typing import TYPE_CHECKING

from cnncalc.symbolic import Count

if TYPE_CHECKING:
    from cnncalc.results import Exact


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


def batchnorm_buffers(channels: Count) -> Count:
    """Running statistics of batch normalisation: ``2C`` (mean and variance per channel),
    updated in training, not by gradients: PyTorch's buffers, Keras's non-trainable
    weights. PyTorch's one-element ``num_batches_tracked`` counter is left out."""
    return 2 * channels


def exact(value: Exact) -> Exact:
    """A fraction that is whole becomes an int, so integer fields stay ints."""
    return value.numerator if value.denominator == 1 else value


def rf_size(size_in: Exact, kernel_eff: Exact, jump_in: Exact) -> Exact:
    """Receptive field size: ``r_out = r_in + (k_eff - 1) * j_in``."""
    return exact(size_in + (kernel_eff - 1) * jump_in)


def rf_jump(jump_in: Exact, stride: Exact) -> Exact:
    """Effective stride: ``j_out = j_in * s``."""
    return exact(jump_in * stride)


def rf_padding(padding_in: Exact, pad_left: Exact, jump_in: Exact) -> Exact:
    """Effective padding: ``P_out = P_in + p_left * j_in``."""
    return exact(padding_in + pad_left * jump_in)


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


# Decoder layers (PyTorch's ConvTranspose2d, Upsample, PixelShuffle, F.pad).


def conv_transpose_output_length(
    n: int, kernel: int, stride: int, pad_left: int, pad_right: int, dilation: int, out_pad: int
) -> int:
    """Output length of a transposed convolution (PyTorch's ``ConvTranspose2d``):

    ``out = (n - 1)*s - p_left - p_right + d*(k - 1) + output_padding + 1``
    (PyTorch writes ``(n - 1)*s - 2p + d(k-1) + output_padding + 1``).
    """
    return (n - 1) * stride - pad_left - pad_right + dilation * (kernel - 1) + out_pad + 1


def conv_transpose_params(
    c_in: Count, c_out: Count, kernel: tuple[int, ...], groups: int, bias: bool
) -> Count:
    """Transposed convolution, weight ``(C_in, C_out/g, *k)`` as PyTorch stores it:
    ``C_in * C_out/g * prod(k) + C_out * bias``."""
    return c_in * (c_out // groups) * prod(kernel) + int(bias) * c_out


def conv_transpose_nonshared_params(
    c_in: Count,
    c_out: Count,
    kernel: tuple[int, ...],
    groups: int,
    bias: bool,
    in_size: tuple[int, ...],
    out_size: tuple[int, ...],
) -> Count:
    """The same layer without weight sharing: one set of weights per input position it
    spreads from, and a bias per output unit:
    ``C_in * C_out/g * prod(k) * prod(n_in) + C_out * prod(n_out) * bias``."""
    weights = c_in * (c_out // groups) * prod(kernel) * prod(in_size)
    return weights + int(bias) * c_out * prod(out_size)


def conv_transpose_macs(
    c_in: Count, in_size: tuple[int, ...], c_out: Count, kernel: tuple[int, ...], groups: int
) -> Count:
    """Multiply-accumulates of a transposed convolution, bias excluded: every input element
    meets every tap of its group's output channels, ``C_in * prod(n_in) * C_out/g * prod(k)``."""
    return c_in * prod(in_size) * (c_out // groups) * prod(kernel)


def transposed_rf_step(kernel_eff: int, stride: int, pad_left: int) -> tuple[Exact, Exact, Exact]:
    """A transposed convolution as one receptive-field step (kernel, stride, left padding)
    in units of its input: zeros inserted between inputs (stride ``1/s``), then a stride-1
    convolution of ``k_eff`` with ``k_eff - 1 - p_left`` padding on that finer grid:
    ``(1 + (k_eff - 1)/s, 1/s, (k_eff - 1 - p_left)/s)``. Fed to Distill's recurrences it
    gives ``r_out = r_in + (k_eff - 1)*j_in/s``, ``j_out = j_in/s``,
    ``P_out = P_in + (k_eff - 1 - p_left)*j_in/s``."""
    from fractions import Fraction  # imported when needed: it costs start-up time

    return (
        exact(1 + Fraction(kernel_eff - 1, stride)),
        exact(Fraction(1, stride)),
        exact(Fraction(kernel_eff - 1 - pad_left, stride)),
    )


def upsample_rf_step(taps: int, step: Exact, align_corners: bool) -> tuple[Exact, Exact, Exact]:
    """Interpolation as one receptive-field step (kernel, stride, left padding) in units of
    its input. Output ``o`` samples input coordinate ``x = (o + 1/2)*step - 1/2``
    (PyTorch's half-pixel rule, ``step = 1/scale``), or ``x = o*step`` with
    ``align_corners``, and reads ``taps`` neighbours there (nearest 1, linear 2, cubic 4
    per axis). So ``r_out = r_in + (taps - 1)*j_in``, ``j_out = step*j_in``, and output 0
    is centred at ``start_in + x_0*j_in``: the step is
    ``(taps, step, (taps - 1)/2 - x_0)``."""
    from fractions import Fraction

    x0 = 0 if align_corners else (step - 1) / Fraction(2)
    return taps, exact(Fraction(step)), exact(Fraction(taps - 1, 2) - x0)


def interpolate_output_length(n: int, scale: float) -> int:
    """Output length of ``F.interpolate`` / ``nn.Upsample`` with a scale factor:
    ``out = floor(n * scale)``, the product taken in double precision as PyTorch does
    (``upsample::compute_output_size``; the ``Upsample`` docs: ``floor(H_in * scale)``)."""
    try:
        return floor(float(n) * scale)
    except OverflowError:  # beyond a double: the exact product
        from fractions import Fraction

        return floor(Fraction(scale) * n)


def center_crop_sides(n: int, size: int) -> tuple[int, int]:
    """Sides a centred crop from ``n`` to ``size`` removes, the odd one on the right:
    ``left = floor((n - size)/2)``, ``right = n - size - left``."""
    left = (n - size) // 2
    return left, n - size - left
