"""The output of ``solve``: settings that give a wanted size, layers for a wanted field."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.engine import formulas
from cnncalc.teach.solve import ORDER, Bounds, Setting


def _exactness(remainder: int, unseen: int) -> str:
    if not remainder:
        return "yes"
    if not unseen:
        return f"no: the floor drops {remainder} padded row(s), no input"
    return f"no: the floor leaves {unseen} input row(s) unseen"


def settings_text(size_in: int, size_out: int, found: Sequence[Setting], bounds: Bounds) -> str:
    """A table of the settings mapping ``size_in`` to ``size_out``, or why there is none."""
    if not found:
        return (
            f"no setting maps {size_in} to {size_out} within the bounds "
            f"(kernel <= {bounds.max_kernel}, stride <= {bounds.max_stride}, dilation <= "
            f"{bounds.max_dilation})\n"
        )
    lines = [
        f"{len(found)} settings map {size_in} to {size_out} (floor((n + 2p - d*(k-1) - 1)/s) + 1)"
        f"; in the order a student would try them: {ORDER}:",
        "kernel  stride  padding  dilation  exact",
    ]
    lines += [
        f"{x.kernel:>6}  {x.stride:>6}  {x.padding:>7}  {x.dilation:>8}  "
        f"{_exactness(x.remainder, x.unseen)}"
        for x in found
    ]
    return "\n".join(lines) + "\n"


def layers_for_rf_text(layers: int, kernel: int, stride: int) -> str:
    """How many stacked layers reach a receptive field, with the recurrence."""
    if layers == 0:
        return "a receptive field of 1 needs no layer: each input position sees itself\n"
    return (
        f"{layers} layers of kernel {kernel}, stride {stride} reach a receptive field of "
        f"{formulas.stacked_rf(layers, kernel, stride)} (r = 1 + (k-1)*(1 + s + ... + "
        f"s^(L-1)); {layers - 1} layers reach "
        f"{formulas.stacked_rf(max(layers - 1, 0), kernel, stride)})\n"
    )
