"""Renderers: the fast JSON writer equals the schema data, for every zoo network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnncalc import evaluate
from cnncalc.loader import load_spec
from cnncalc.render.data import render_json, result_dict
from tests.conftest import SPECS

NETWORKS = [*sorted(SPECS.glob("*.yaml")), "INPUT(11x7x3) -> CONV(4, 3x2, p=same, d=2) -> FC(2)"]


@pytest.mark.parametrize("spec", NETWORKS, ids=str)
def test_json_text_equals_schema_data(spec: Path | str) -> None:
    result = evaluate(load_spec(str(spec)))
    text = render_json(result)
    assert json.dumps(json.loads(text)) == json.dumps(result_dict(result))
