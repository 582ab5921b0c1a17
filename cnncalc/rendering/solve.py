"""The output of ``solve``: settings that give a wanted size, layers for a wanted field."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.engine import formulas
from cnncalc.engine.sizes import ClosedForm
from cnncalc.teach.inputs import MAX_RANGE, ValidInputs
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


def _sizes_text(sizes: Sequence[int], more: bool, shown: int = 6) -> str:
    """``a, b, c, ...``: the first sizes, and dots when there are more."""
    head = ", ".join(str(n) for n in sizes[:shown])
    return head + (", ..." if more or len(sizes) > shown else "")


def _form_text(form: ClosedForm, axis: str) -> str:
    """The closed form in words: ``H >= 188 and H = 12 (mod 16)``."""
    if not form.residues:
        if not form.extra:
            return f"no {axis}"
        return f"only {axis} = {', '.join(map(str, form.extra))}"
    if form.period == 1:
        text = f"{axis} >= {form.start}"
    else:
        residues = ", ".join(str(r) for r in form.residues)
        text = f"{axis} >= {form.start} and {axis} = {residues} (mod {form.period})"
    if form.extra:
        text += f", and {axis} = {', '.join(map(str, form.extra))}"
    return text


def _with_output(answer: ValidInputs, n: int) -> str:
    out = answer.output(n)
    return f"{n}" if out is None else f"{n} (output {answer.axis} {out})"


def valid_inputs_text(answer: ValidInputs, near: int | None, listed: bool) -> str:
    """The valid input sizes of one axis: the closed form with its first sizes, the
    sizes in the range when ``listed`` (or when there is no closed form), the output
    each gives, and the nearest sizes to ``near``."""
    axis = answer.axis
    strict = " (strict: no floor drops input)" if answer.strict else ""
    if answer.failure is not None:
        if answer.closed is None:  # only a range was examined: say so, claim no more
            low, high = answer.range
            return (
                f"no input size in {low}..{high} works on axis {axis}{strict}: "
                f"{answer.failure}; sizes beyond were not examined (no closed form was "
                "found): give --range to look further\n"
            )
        return f"no input size works on axis {axis}{strict}: {answer.failure}\n"
    lines = []
    low, high = answer.range
    form = answer.closed
    if form is not None:
        first = form.listing(1, form.above(1) or 1)
        following = form.listing(first[-1] + 1, first[-1] + 6 * form.period) if first else []
        sizes = [*first, *following][:6]
        if form.residues:
            lines.append(f"{_form_text(form, axis)}{strict}: {_sizes_text(sizes, True)}")
        else:
            lines.append(f"{_form_text(form, axis)}{strict}")
        shown = sizes[:4]
    else:
        lines.append(
            f"no closed form within the work limit; the valid sizes of {axis} in "
            f"{low}..{high}{strict}:"
        )
        shown = list(answer.sizes[:4])
    if shown and answer.output(shown[0]) is not None:
        lines.append(f"output {axis}: " + ", ".join(f"{n} -> {answer.output(n)}" for n in shown))
    if listed or form is None:
        count = len(answer.sizes)
        what = f"{count} valid {'size' if count == 1 else 'sizes'} in {low}..{high}"
        if answer.capped:
            what += f" (the range is capped at {MAX_RANGE:,} sizes)"
        lines.append(f"{what}: {_sizes_text(answer.sizes, False, 40) if count else 'none'}")
    if near is not None:
        below, above = answer.nearest(near)
        if below == near:
            lines.append(f"{axis} = {_with_output(answer, near)} is valid")
        else:
            parts = [
                f"{'below' if n == below else 'above'}: {_with_output(answer, n)}"
                for n in (below, above)
                if n is not None
            ]
            lines.append(f"nearest to {near}: {'; '.join(parts) or 'none'}")
    return "\n".join(lines) + "\n"
