"""How to load a spec: what a caller adds to it (variables, defaults, choices, limits)."""

from __future__ import annotations

from collections.abc import Mapping

from cnncalc.errors import CnnCalcError
from cnncalc.record import field, record

MAX_DIGITS = 100
"""The longest whole number a size or count may have: far past any real network, and
short enough that every product cnncalc forms of such numbers stays within Python's
limit on writing integers as text (4,300 digits)."""

MAX_LAYERS = 1_000_000
"""The default layer budget: a spec expanding beyond it is refused before expansion."""


@record
class Options:
    """What a caller adds to a spec when loading it.

    ``variables`` binds grammar and YAML variables (``{"N": 2}``); bound symbols replace
    symbolic channel counts too. ``defaults`` maps ``"kind.key"`` to a value
    (``{"conv.padding": 1}``) and overrides a spec's own ``defaults``. ``optional`` says
    whether parts marked ``?`` in the grammar are taken. ``max_layers`` is the layer
    budget. ``input`` (``"320x320x3"``) replaces the spec's input size.
    """

    variables: Mapping[str, int] = field(default_factory=dict)
    defaults: Mapping[str, object] = field(default_factory=dict)
    optional: bool = True
    max_layers: int = MAX_LAYERS
    input: str | None = None


def check_options(options: Options) -> Options:
    """The options, checked: variable names are words bound to whole numbers, default
    keys read ``kind.key``, the budget is positive. Raises CnnCalcError naming the
    option."""
    for name, value in options.variables.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise CnnCalcError(
                f"a variable name is a word such as N, got {name!r}", option="variables"
            )
        if isinstance(value, bool) or not isinstance(value, int):
            raise CnnCalcError(
                f"variable {name} must be a whole number, got {value!r}", option="variables"
            )
        if abs(value) >= 10**MAX_DIGITS:
            raise CnnCalcError(
                f"variable {name} has more than {MAX_DIGITS} digits; cnncalc reads whole "
                f"numbers of at most {MAX_DIGITS} digits",
                option="variables",
            )
    for key in options.defaults:
        kind, dot, field_name = str(key).partition(".")
        if not dot or not kind or not field_name:
            raise CnnCalcError(
                f"a default is named KIND.KEY (e.g. conv.padding), got {key!r}",
                option="defaults",
            )
    if isinstance(options.max_layers, bool) or options.max_layers < 1:
        raise CnnCalcError(
            f"the layer budget must be positive, got {options.max_layers}", option="max_layers"
        )
    return options


def default_triples(options: Options) -> tuple[tuple[str, str, object], ...]:
    """``defaults`` as (kind, key, value) triples."""
    out = []
    for name, value in options.defaults.items():
        kind, _, key = str(name).partition(".")
        out.append((kind.strip(), key.strip(), value))
    return tuple(out)
