"""Records (cnncalc.record) mean what the dataclass written alike means: the guard of the
start-up trick (issue 10, rule 5)."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
from cnncalc.record import field, record, replace


@record
class Point:
    x: int
    y: object = 0
    note: str = field(default="", compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class PointTwin:
    x: int
    y: object = 0
    note: str = dataclasses.field(default="", compare=False, repr=False)


@record(frozen=False)
class Cell:
    value: object
    items: list[int] = field(default_factory=list)


@dataclasses.dataclass(slots=True)
class CellTwin:
    value: object
    items: list[int] = dataclasses.field(default_factory=list)


@record
class Empty:
    pass


@dataclasses.dataclass(frozen=True)
class EmptyTwin:
    pass


@record
class Other:
    x: int
    y: object = 0


values = st.one_of(
    st.integers(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=3), st.none()
)


def _twin_repr(obj: object) -> str:
    return repr(obj).replace("Twin(", "(")


@given(values, values, values, values, st.text(max_size=3), st.text(max_size=3))
def test_records_compare_hash_and_print_as_dataclasses(
    x1: Any, y1: Any, x2: Any, y2: Any, n1: str, n2: str
) -> None:
    a, b = Point(x1, y1, n1), Point(x2, y2, note=n2)
    ta, tb = PointTwin(x1, y1, n1), PointTwin(x2, y2, note=n2)
    assert (a == b) is (ta == tb)
    assert (a != b) is (ta != tb)
    if a == b:
        assert hash(a) == hash(b)
    assert _twin_repr(ta) == repr(a)
    assert replace(a, y=x2) == Point(x1, x2, n1)
    assert dataclasses.replace(a, y=x2) == replace(a, y=x2)
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a
    assert Other(x1, y1) != Point(x1, y1)  # type: ignore[comparison-overlap]  # other class


@given(values, st.lists(st.integers(), max_size=3))
def test_mutable_records_behave_as_slotted_dataclasses(value: Any, items: list[int]) -> None:
    cell, twin = Cell(value, items), CellTwin(value, items)
    assert _twin_repr(twin) == repr(cell)
    cell.value = twin.value = 7
    assert (cell == Cell(7, items)) is (twin == CellTwin(7, items))
    assert Cell(1).items is not Cell(1).items  # a fresh default each time
    with pytest.raises(TypeError):
        hash(cell)
    with pytest.raises(AttributeError):
        cell.undeclared = 1  # type: ignore[attr-defined]


def test_frozen_records_refuse_changes_as_dataclasses_do() -> None:
    point = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.x
    assert not hasattr(point, "__dict__")
    assert Empty() == Empty() and hash(Empty()) == hash(EmptyTwin()) == hash(())
    assert repr(Empty()) == "Empty()"


def test_constructors_take_what_dataclasses_take() -> None:
    assert inspect.signature(PointTwin).bind(1, 2, "n").arguments == {"x": 1, "y": 2, "note": "n"}
    assert Point(1, 2, "n") == Point(x=1, y=2, note="n") == Point(1, y=2)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, "n", 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        replace(Point(1), z=3)
    match Point(3, 4):
        case Point(x, y):
            assert (x, y) == (3, 4)


def _record_classes() -> list[type]:
    """Every record class cnncalc defines."""
    found = []
    for module in pkgutil.walk_packages(cnncalc.__path__, "cnncalc."):
        if module.name.startswith("cnncalc.interop") or module.name.endswith("__main__"):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, type) and "__record_fields__" in value.__dict__:
                found.append(value)
    return found


def test_every_record_class_is_a_dataclass_to_the_dataclasses_module() -> None:
    classes = _record_classes()
    assert len(classes) > 60
    for cls in classes:
        assert dataclasses.is_dataclass(cls)
        names = tuple(f.name for f in dataclasses.fields(cls))
        assert names == vars(cls)["__match_args__"]
        assert set(vars(cls)["__slots__"]) <= set(names)
