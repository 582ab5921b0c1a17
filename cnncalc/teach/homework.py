"""Homework helpers: evaluate one layer on its own, or find one layer in a network."""

from __future__ import annotations

from cnncalc.engine import evaluate
from cnncalc.errors import CnnCalcError, SpecError
from cnncalc.kinds import make_layer
from cnncalc.parsing.common import OptionOrigin, parse_input_text
from cnncalc.record import record
from cnncalc.results import AxisField, LayerResult, NetworkResult, Shape
from cnncalc.spec import LayerSpec, NetworkSpec
from cnncalc.teach.derive import Derivation, Source, derive


@record
class LayerCase:
    """One layer with its input: what a derivation and a grade need."""

    layer: LayerSpec
    input: Shape
    result: LayerResult
    rf_in: tuple[AxisField, ...]
    sources: tuple[Source, ...] = ()
    """Every input of a merge (add, concat): name, shape and receptive field."""

    def derivation(self) -> Derivation:
        """The worked derivation of this layer."""
        return derive(self.layer, self.input, self.result, self.rf_in, self.sources)


WINDOW_KINDS = ("conv", "local", "maxpool", "avgpool")


class TwoNumberInput(CnnCalcError):
    """A window layer's input of two numbers, not marked as 1D: most likely an image whose
    channels were left out. A front end may add how to mark a 1D input."""


MAX_DIGITS = 300


def check_digits(text: str, option: str) -> None:
    """Refuse a number of more than :data:`MAX_DIGITS` digits in a size or setting before it
    is parsed (Python will not even convert one of 4,300 digits)."""
    run = 0
    for char in text:
        run = run + 1 if char.isdigit() else 0
        if run > MAX_DIGITS:
            raise CnnCalcError(f"a number has more than {MAX_DIGITS} digits", option=option)


def one_layer(
    kind: str, input_text: str, options: dict[str, object], one_d: bool = False
) -> LayerCase:
    """Evaluate a single layer of ``kind`` on ``input_text`` (``11x11x3``).

    ``options`` maps keys of the kinds table to values as typed on the command line;
    None means "not given" (the kind's default applies). Two numbers are a 1D input
    (length x channels); for a window layer (convolution, pooling) that must be asked for
    with ``one_d``, since homework inputs are images and ``3x3`` means a 3x3 image far
    more often than a length-3 signal with 3 channels.
    """
    check_digits(input_text, "input")
    for key, value in options.items():
        if isinstance(value, str):
            check_digits(value, key)
    spec_input = parse_input_text(input_text, OptionOrigin("input", input_text))
    if kind in WINDOW_KINDS and len(spec_input.size) == 1 and not one_d:
        length, channels = spec_input.size[0], spec_input.channels
        raise TwoNumberInput(
            f"'{input_text}' has two numbers, which would be a 1D input of length {length} "
            f"with {channels} channels; for a {length}x{channels} image with one channel "
            f"write {length}x{channels}x1 (spatial sizes, then channels); a 1D input must be "
            "marked as one",
            option="input",
        )
    keywords = [
        (key, value, OptionOrigin(key, str(value)))
        for key, value in options.items()
        if value is not None
    ]
    layer = make_layer(
        kind, (), keywords, dims=spec_input.dims, defaults={}, origin=OptionOrigin("kind", kind)
    )
    result = evaluate(NetworkSpec(spec_input, (layer,)))
    shape = Shape(spec_input.channels, spec_input.size)
    rf_in = tuple(AxisField(1, 1, 0) for _ in spec_input.size)
    return LayerCase(layer, shape, result.layers[0], rf_in)


def find_layer(spec: NetworkSpec, result: NetworkResult, which: str) -> LayerCase:
    """The layer a 1-based index or a name picks, with its input and incoming field."""
    index = None
    if which.isascii() and which.isdigit():
        # more digits than any network has layers: no such layer (and no huge int)
        index = int(which) if len(which) <= 18 else 0
    else:
        for layer in result.layers:
            if layer.name == which:
                index = layer.index
    if index is None or not 1 <= index <= len(result.layers):
        names = ", ".join(layer.name for layer in result.layers[:12])
        raise SpecError(
            f"no such layer; give an index from 1 to {len(result.layers)} "
            f"or a name ({names}{', ...' if len(result.layers) > 12 else ''})",
            f"layer {which if len(which) <= 40 else which[:37] + '...'}",
            option="layer",
        )
    by_name = {layer.name: layer for layer in result.layers}
    start = tuple(AxisField(1, 1, 0) for _ in result.input.size)

    def source(name: str) -> Source:
        if name in by_name:
            return Source(name, by_name[name].output, by_name[name].receptive_field)
        return Source(name, result.input, start)

    target = result.layers[index - 1]
    sources = tuple(source(name) for name in target.inputs) or (
        source(result.layers[index - 2].name if index > 1 else "input"),
    )
    first = sources[0]
    merged = sources if len(sources) > 1 else ()
    return LayerCase(spec.layers[index - 1], first.shape, target, first.rf, merged)
