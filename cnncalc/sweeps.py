"""Sweeps: one spec evaluated for every combination of variable values and input sizes.

The lecture's pattern ``[[CONV -> RELU]*N -> POOL?]*M -> [FC -> RELU]*K -> FC`` asks
"how do the counts grow with N and M?"; a sweep answers with one row of totals per
combination. The spec is expanded once per combination of variable values (variables
may change its structure) and input sizes with the same number of axes share that
expansion (a new input size is put in, not parsed again); each combination is then
evaluated. The number of combinations and the layers evaluated in all are bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import product
from math import prod
from typing import TYPE_CHECKING, NamedTuple

from cnncalc.errors import CnnCalcError, LimitError
from cnncalc.options import MAX_DIGITS, Options, check_options
from cnncalc.record import replace
from cnncalc.results import AxisField, Shape, Totals
from cnncalc.symbolic import Count

if TYPE_CHECKING:
    from cnncalc.loader import Source
    from cnncalc.results import NetworkResult
    from cnncalc.spec import NetworkSpec

MAX_COMBINATIONS = 10_000
"""The most combinations (variable values times input sizes) one sweep evaluates."""

MAX_SWEEP_LAYERS = 2_000_000
"""The most layers one sweep evaluates in all (about a minute of work)."""

FIGURES = (
    "params",
    "macs",
    "flops",
    "activations",
    "peak_activations",
    "param_bytes",
    "activation_bytes",
    "peak_activation_bytes",
    "inference_bytes",
    "layers",
)
"""The figures of a sweep row, by the names JSON, CSV and ``where`` use."""


class SweepRow(NamedTuple):
    """One combination: the variable values, the input, the totals, the final output and
    receptive field (of the last layer)."""

    variables: tuple[tuple[str, int], ...]
    input: Shape
    totals: Totals
    peak_activation_bytes: Count | None
    inference_bytes: Count | None
    """Parameters plus the inference peak, in bytes: what one forward pass holds."""
    output: Shape
    receptive_field: tuple[AxisField, ...]
    layers: int

    def figure(self, name: str) -> Count | None:
        """A figure by its name in :data:`FIGURES` (None: the peak of a symbolic spec)."""
        match name:
            case "flops":
                return self.totals.flops
            case "peak_activation_bytes" | "inference_bytes" | "layers":
                value: Count | None = getattr(self, name)
                return value
        found: Count | None = getattr(self.totals, name)
        return found


class Sweep(NamedTuple):
    """A sweep's rows (those the condition kept) and how they were made."""

    name: str | None
    variables: tuple[str, ...]
    dtype: str
    counting: str
    where: str | None
    combinations: int
    """Combinations evaluated (rows before the condition)."""
    rows: tuple[SweepRow, ...]


_RANGE = re.compile(r"\s*([+-]?\d+)\s*\.\.\s*([+-]?\d+)\s*")
_WHOLE = re.compile(r"\s*([+-]?\d+)\s*")


def _whole(text: str, name: str) -> int:
    digits = text.strip().lstrip("+-")
    if len(digits) > MAX_DIGITS:
        raise CnnCalcError(
            f"{name}: a value has {len(digits):,} digits; at most {MAX_DIGITS}", option="sets"
        )
    return int(text)


def parse_values(name: str, text: str) -> tuple[int, ...]:
    """``1..4``, ``1,2,3`` or ``1..3,8`` as the whole numbers it lists, in order, each
    once. A range longer than :data:`MAX_COMBINATIONS` is refused before it is made."""
    values: list[int] = []
    for part in text.split(","):
        whole, span = _WHOLE.fullmatch(part), _RANGE.fullmatch(part)
        if whole:
            values.append(_whole(whole.group(1), name))
        elif span:
            low, high = _whole(span.group(1), name), _whole(span.group(2), name)
            if high < low:
                raise CnnCalcError(f"{name}: the range {part.strip()} is empty", option="sets")
            if high - low + 1 > MAX_COMBINATIONS:
                raise LimitError(
                    f"{name}: the range {part.strip()} has {high - low + 1:,} values; a sweep "
                    f"takes at most {MAX_COMBINATIONS:,} combinations",
                    option="sets",
                )
            values.extend(range(low, high + 1))
        else:
            shown = part.strip() if len(part.strip()) <= 40 else part.strip()[:37] + "..."
            raise CnnCalcError(
                f"{name}: '{shown}' is not a whole number or a range such as 1..4", option="sets"
            )
    return tuple(dict.fromkeys(values))


def _value_lists(values: Mapping[str, Iterable[int] | str]) -> dict[str, tuple[int, ...]]:
    out: dict[str, tuple[int, ...]] = {}
    for name, given in values.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise CnnCalcError(f"a variable name is a word such as N, got {name!r}", option="sets")
        if isinstance(given, str):
            listed = parse_values(name, given)
        else:
            listed = tuple(dict.fromkeys(given))
            if len(listed) > MAX_COMBINATIONS:
                raise LimitError(
                    f"{name}: {len(listed):,} values; a sweep takes at most "
                    f"{MAX_COMBINATIONS:,} combinations",
                    option="sets",
                )
        if not listed:
            raise CnnCalcError(f"{name}: no values to sweep", option="sets")
        out[name] = listed
    return out


def _input_list(inputs: Iterable[str] | str | None) -> tuple[str | None, ...]:
    if inputs is None:
        return (None,)
    parts = inputs.split(",") if isinstance(inputs, str) else list(inputs)
    listed = tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))
    if not listed:
        raise CnnCalcError("no input sizes to sweep", option="input")
    return listed


class _Expansions:
    """Expanded networks by variable values and number of input axes: an input size
    with the same number of axes is put into a network expanded before."""

    def __init__(self, source: Source, options: Options) -> None:
        self.source = source
        self.options = options
        self.cache: dict[tuple[tuple[tuple[str, int], ...], int], NetworkSpec] = {}

    def network(self, variables: tuple[tuple[str, int], ...], given: str | None) -> NetworkSpec:
        from cnncalc.loader import parse_source
        from cnncalc.parsing.common import OptionOrigin, parse_input_text
        from cnncalc.symbolic import Poly

        options = replace(self.options, variables={**self.options.variables, **dict(variables)})
        if given is None:
            key = (variables, -1)
        else:
            shape = parse_input_text(given, OptionOrigin("input", given))
            if isinstance(shape.channels, Poly):  # symbols bound while expanding
                return parse_source(self.source, replace(options, input=given))
            key = (variables, shape.dims)
        known = self.cache.get(key)
        if known is not None:
            return known if given is None else replace(known, input=shape)
        network = self.cache[key] = parse_source(
            self.source, options if given is None else replace(options, input=given)
        )
        return network


def _row(result: NetworkResult, variables: tuple[tuple[str, int], ...], count: str) -> SweepRow:
    if count != "torchvision":
        from cnncalc.engine.counting import counted_as

        result = counted_as(result, count)
    t = result.totals
    last = result.layers[-1] if result.layers else None
    peak = t.peak_activations
    peak_bytes = None if peak is None else peak * result.dtype_bytes
    return SweepRow(
        variables=variables,
        input=result.input,
        totals=t,
        peak_activation_bytes=peak_bytes,
        inference_bytes=None if peak_bytes is None else t.param_bytes + peak_bytes,
        output=last.output if last else result.input,
        receptive_field=last.receptive_field if last else (),
        layers=len(result.layers),
    )


def sweep_source(
    source: Source,
    values: Mapping[str, Iterable[int] | str] | None = None,
    inputs: Iterable[str] | str | None = None,
    where: str | None = None,
    count: str = "torchvision",
    dtype: str = "float32",
    options: Options | None = None,
) -> Sweep:
    """Evaluate ``source`` for every combination of ``values`` (variable -> values) and
    ``inputs`` (input sizes; None: the spec's own), keeping the rows ``where`` holds
    for. Raises LimitError past :data:`MAX_COMBINATIONS` combinations or
    :data:`MAX_SWEEP_LAYERS` layers, and what loading and evaluating raise."""
    from cnncalc.engine import evaluate
    from cnncalc.parsing.where import holds, parse_where
    from cnncalc.speed import collector_paused

    options = check_options(options or Options())
    lists = _value_lists(values or {})
    sizes = _input_list(inputs)
    names = tuple(lists)
    combinations = prod(len(v) for v in lists.values()) * len(sizes)
    if combinations > MAX_COMBINATIONS:
        raise LimitError(
            f"the sweep has {combinations:,} combinations; at most {MAX_COMBINATIONS:,} "
            "(sweep fewer values)",
            option="sets",
        )
    if count != "torchvision":
        from cnncalc.engine.counting import find_profile

        count = find_profile(count).name
    clash = [n for n in names if n in FIGURES]
    if clash:
        raise CnnCalcError(
            f"the variable {clash[0]} has the name of a figure; rename it", option="sets"
        )
    condition = None if where is None else parse_where(where, (*FIGURES, *names))
    expansions = _Expansions(source, options)
    rows: list[SweepRow] = []
    name: str | None = None
    layers = 0
    with collector_paused():
        for picked in product(*lists.values()):
            variables = tuple(zip(names, picked, strict=True))
            for size in sizes:
                with _naming(variables, size):
                    network = expansions.network(variables, size)
                name = network.name
                layers += len(network.layers)
                if layers > MAX_SWEEP_LAYERS:
                    raise LimitError(
                        f"the sweep reaches {layers:,} layers in all; at most "
                        f"{MAX_SWEEP_LAYERS:,} (sweep fewer or smaller networks)",
                        option="sets",
                    )
                with _naming(variables, size):
                    result = evaluate(network, dtype)
                row = _row(result, variables, count)
                if condition is None or holds(condition, _where_values(row)):
                    rows.append(row)
    return Sweep(name, names, dtype, count, where, combinations, tuple(rows))


@contextmanager
def _naming(variables: tuple[tuple[str, int], ...], size: str | None) -> Iterator[None]:
    """Errors of one combination say which combination it was."""
    try:
        yield
    except CnnCalcError as error:
        label = [f"{k}={v}" for k, v in variables] + ([f"input {size}"] if size else [])
        if label:
            error.message = f"with {', '.join(label)}: {error.message}"
        raise


def _where_values(row: SweepRow) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for name in FIGURES:
        value = row.figure(name)
        out[name] = value if isinstance(value, int) else None
    out.update(row.variables)
    return out
