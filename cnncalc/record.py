"""Records: classes with typed fields, made the way ``@dataclass(slots=True)`` makes them,
but cheaply.

A start-up hack, named as one. Defining a dataclass costs about a millisecond: it
writes out and compiles six methods. cnncalc defines about seventy (the spec model, the
grammar's syntax tree, the homework records), which every command paid at start-up,
about 70 ms against a budget of 45 (issue 10, BENCHMARKS.md). ``@record`` makes the same
class in about a twentieth of the time: only ``__init__`` is compiled (it must take
exactly the fields, as fast as a hand-written one), and equality, hashing, ``repr`` and
immutability are methods shared by every record. The dataclasses module's functions
(``fields``, ``replace``, ``asdict``) work on records too: the first time one of them
asks, a dataclass twin of the class is made and its field descriptions are kept.

What a record is, is what the dataclass would be: the same ``__init__`` signature and
defaults, ``__slots__``, ``__match_args__``, equality and hashing on the compared fields
of the same class only, the same ``repr``; frozen ones refuse assignment with
:class:`dataclasses.FrozenInstanceError`; :func:`replace` is ``dataclasses.replace``.
``tests/test_record.py`` checks each of these against a real dataclass written alike.
Type checkers see a dataclass (``dataclass_transform``).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_MISSING: Any = object()


class _Field:
    """What :func:`field` writes in a class body: a default and whether the field counts
    in equality and ``repr``."""

    __slots__ = ("compare", "default", "factory", "repr")

    def __init__(
        self, default: object, factory: Callable[[], object] | None, compare: bool, repr: bool
    ) -> None:
        self.default = default
        self.factory = factory
        self.compare = compare
        self.repr = repr


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """A field with options, as :func:`dataclasses.field` takes them (the ones cnncalc
    uses): a default or a factory of defaults, and whether it counts in ``==`` and
    ``repr``."""
    return _Field(default, default_factory, compare, repr)


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, frozen: bool = True) -> Any:
    """Make ``cls`` a record: ``@record`` (frozen, the usual case) or
    ``@record(frozen=False)`` (fields that can be assigned, and no hash)."""
    if cls is None:
        return lambda cls: _make(cls, frozen)
    return _make(cls, frozen)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of record ``obj`` with some fields changed, as ``dataclasses.replace``."""
    fields: tuple[str, ...] = obj.__record_fields__  # type: ignore[attr-defined]
    unknown = changes.keys() - set(fields)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    values = {name: changes[name] if name in changes else getattr(obj, name) for name in fields}
    return type(obj)(**values)


def _make(cls: type[T], frozen: bool) -> type[T]:
    body = dict(cls.__dict__)
    names: list[str] = []
    defaults: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for name in getattr(base, "__record_fields__", ()):
            if name not in names:
                names.append(name)
        defaults.update(getattr(base, "__record_defaults__", {}))
    for name in body.get("__annotations__", {}):
        if name not in names:
            names.append(name)
        value = body.pop(name, _MISSING)
        if isinstance(value, _Field):
            defaults[name] = value
        elif value is not _MISSING:
            defaults[name] = _Field(value, None, True, True)
    body.pop("__dict__", None)
    body.pop("__weakref__", None)
    own = tuple(n for n in names if n not in _inherited_slots(cls))
    body["__slots__"] = own
    body["__record_fields__"] = tuple(names)
    body["__record_defaults__"] = defaults
    body["__match_args__"] = tuple(names)
    compared = tuple(n for n in names if defaults.get(n, _PLAIN).compare)
    shown = tuple(n for n in names if defaults.get(n, _PLAIN).repr)
    body["__record_key__"] = staticmethod(_key(compared))
    body["__record_shown__"] = shown
    body["__eq__"] = _eq
    body["__repr__"] = _repr
    body["__dataclass_fields__"] = _DataclassFields()
    body["__getstate__"] = _getstate
    body["__setstate__"] = _setstate
    if frozen:
        body["__hash__"] = _hash
        body["__setattr__"] = _frozen_setattr
        body["__delattr__"] = _frozen_delattr
    else:
        body["__hash__"] = None
    made: type[T] = type(cls.__name__, cls.__bases__, body)
    made.__qualname__ = cls.__qualname__
    type.__setattr__(made, "__init__", _first_init(made, names, defaults, frozen))
    return made


_PLAIN = _Field(_MISSING, None, True, True)


def _inherited_slots(cls: type) -> set[str]:
    return {slot for base in cls.__mro__[1:] for slot in getattr(base, "__slots__", ())}


def _first_init(
    cls: type, names: list[str], defaults: dict[str, _Field], frozen: bool
) -> Callable[..., None]:
    """An ``__init__`` that, on the first record made, compiles the real one (see
    :func:`_init`), puts it in its place and runs it: a class never made (most kinds of
    layer, in one run) never pays for compiling."""

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        init = _init(cls, names, defaults, frozen)
        type.__setattr__(cls, "__init__", init)
        init(self, *args, **kwargs)

    return __init__


def _init(
    cls: type, names: list[str], defaults: dict[str, _Field], frozen: bool
) -> Callable[..., None]:
    """The one compiled method: ``__init__(self, a, b=<default>)`` setting each field."""
    params = []
    lines = []
    scope: dict[str, object] = {"_MISSING": _MISSING, "_set": object.__setattr__}
    for name in names:
        spec = defaults.get(name, _PLAIN)
        if spec.default is _MISSING and spec.factory is None:
            params.append(name)
        elif spec.factory is not None:
            scope[f"_factory_{name}"] = spec.factory
            params.append(f"{name}=_MISSING")
            lines.append(f"    if {name} is _MISSING: {name} = _factory_{name}()")
        else:
            scope[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
    setter = "_set(self, {0!r}, {0})" if frozen else "self.{0} = {0}"
    lines += [f"    {setter.format(name)}" for name in names] or ["    pass"]
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(lines)
    if not names:
        source = "def __init__(self):\n    pass"
    exec(source, scope)
    init: Callable[..., None] = scope["__init__"]  # type: ignore[assignment]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _key(compared: tuple[str, ...]) -> Callable[[Any], tuple[object, ...]]:
    """The compared fields of a record as one tuple (``attrgetter`` runs in C)."""
    if not compared:
        return lambda self: ()
    if len(compared) == 1:
        one = attrgetter(compared[0])
        return lambda self: (one(self),)
    return attrgetter(*compared)


def _eq(self: Any, other: Any) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented  # type: ignore[no-any-return]
    key = self.__record_key__
    same: bool = key(self) == key(other)
    return same


def _hash(self: Any) -> int:
    return hash(self.__record_key__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_shown__)
    return f"{type(self).__qualname__}({shown})"


def _frozen_setattr(self: object, name: str, value: object) -> None:
    from dataclasses import FrozenInstanceError  # only when it is raised: start-up

    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    from dataclasses import FrozenInstanceError

    raise FrozenInstanceError(f"cannot delete field {name!r}")


class _DataclassFields:
    """A record class's ``__dataclass_fields__``, made on first use from a dataclass twin
    (same fields, defaults and options), so that ``dataclasses.fields``, ``replace``,
    ``asdict`` and ``is_dataclass`` see a dataclass."""

    def __get__(self, obj: object, owner: type) -> dict[str, Any]:
        import dataclasses

        defaults: dict[str, _Field] = owner.__record_defaults__  # type: ignore[attr-defined]
        body: dict[str, Any] = {"__annotations__": dict.fromkeys(owner.__record_fields__, Any)}  # type: ignore[attr-defined]
        for name, spec in defaults.items():
            if spec.factory is not None:
                body[name] = dataclasses.field(
                    default_factory=spec.factory, compare=spec.compare, repr=spec.repr
                )
            elif spec.default is not _MISSING:
                body[name] = dataclasses.field(
                    default=spec.default, compare=spec.compare, repr=spec.repr
                )
            else:
                body[name] = dataclasses.field(compare=spec.compare, repr=spec.repr)
        frozen = owner.__dict__.get("__setattr__") is _frozen_setattr
        twin: Any = dataclasses.dataclass(frozen=frozen)(type(owner.__name__, (), body))
        fields: dict[str, Any] = twin.__dataclass_fields__
        type.__setattr__(owner, "__dataclass_fields__", fields)
        type.__setattr__(owner, "__dataclass_params__", twin.__dataclass_params__)
        return fields


def _getstate(self: Any) -> tuple[object, ...]:
    return tuple(getattr(self, name) for name in self.__record_fields__)


def _setstate(self: Any, state: tuple[object, ...]) -> None:
    for name, value in zip(self.__record_fields__, state, strict=True):
        object.__setattr__(self, name, value)
