"""The JSON Schemas (draft 2020-12) of every JSON document cnncalc writes.

``cnncalc schema NAME`` prints one; the tests validate every command's JSON against
them. Each document carries ``schema_version`` (:data:`SCHEMA_VERSION`). The contract:
a count is a JSON integer, or null with its polynomial text beside it under
``<name>_expr`` (a symbolic channel count such as ``C``); per-axis figures are lists.
"""

from __future__ import annotations

from typing import Any

from cnncalc.rendering.data import SCHEMA_VERSION
from cnncalc.results import NOTICE_CODES

DRAFT = "https://json-schema.org/draft/2020-12/schema"
NAMES = ("summarize", "compare", "check", "sweep", "work", "memory")
"""``work`` is the JSON of the homework commands: conv, local, pool, fc and explain."""

_COUNT = {"type": ["integer", "null"]}
_INT = {"type": "integer"}
_EXPR = {"type": "string"}
_AXES = {"type": "array", "items": {"type": "integer"}}
_NUMBERS = {"type": "array", "items": {"type": "number"}}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """A closed object: these keys, ``required`` ones always present."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }


def _counts(*names: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Count fields and their optional ``*_expr`` twins."""
    return {n: _COUNT for n in names}, {f"{n}_expr": _EXPR for n in names}


def _shape() -> dict[str, Any]:
    return _object({"channels": _COUNT, "size": _AXES}, {"channels_expr": _EXPR})


_EXACT = {"oneOf": [{"type": "number"}, {"type": "string", "pattern": "^-?[0-9]+/[0-9]+$"}]}
"""A receptive-field number: an integer (or a half, for a centre), or after upsampling
an exact fraction written ``"a/b"``."""
_EXACTS = {"type": "array", "items": _EXACT}
_FIELD = _object({"size": _EXACTS, "jump": _EXACTS, "start": _EXACTS, "padding": _EXACTS})
_VERSION = {"const": SCHEMA_VERSION}


def _totals() -> dict[str, Any]:
    counts, exprs = _counts(
        "params",
        "trainable_params",
        "non_trainable_params",
        "buffers",
        "macs",
        "flops",
        "activations",
        "param_bytes",
        "activation_bytes",
        "peak_activations",
        "peak_activation_bytes",
        "input_bytes",
    )
    breakdown = {"type": "object", "additionalProperties": _COUNT}
    return _object(
        {
            **counts,
            "counting": {"type": "string"},
            "peak_layer": {"type": ["integer", "null"]},
        },
        {
            **exprs,
            "breakdown": breakdown,
            "breakdown_expr": {"type": "object", "additionalProperties": _EXPR},
        },
    )


def _layer() -> dict[str, Any]:
    counts, exprs = _counts(
        "params",
        "params_nonshared",
        "params_fc",
        "macs",
        "activations",
        "buffers",
        "live_elements",
        "live_bytes",
    )
    return _object(
        {
            "index": _INT,
            "name": {"type": "string"},
            "type": {"type": "string"},
            "hyper": {"type": "object"},
            "output": _shape(),
            **counts,
            "receptive_field": _FIELD,
            "inputs": {"type": "array", "items": {"type": "string"}},
            "training_only": {"type": "boolean"},
            "shares": {"type": ["string", "null"]},
            "frozen": {"type": "boolean"},
        },
        exprs,
    )


def _document(title: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": f"https://cnncalc.invalid/schema/{title}/v{SCHEMA_VERSION}.json",
        "title": f"cnncalc {title} -f json",
        **body,
    }


def _summarize() -> dict[str, Any]:
    warning = _object(
        {
            "layer": {"type": ["integer", "null"]},
            "code": {"enum": list(NOTICE_CODES)},
            "message": {"type": "string"},
        }
    )
    return _object(
        {
            "schema_version": _VERSION,
            "name": {"type": ["string", "null"]},
            "input": _shape(),
            "dtype": {"type": "string"},
            "batch": {"type": "integer", "minimum": 1},
            "layers": {"type": "array", "items": _layer()},
            "totals": _totals(),
            "warnings": {"type": "array", "items": warning},
        }
    )


def _compare() -> dict[str, Any]:
    ratio = {"type": ["number", "null"]}
    network = _object(
        {
            "spec": {"type": "string"},
            "name": {"type": ["string", "null"]},
            "input": _shape(),
            "output": _shape(),
            "receptive_field": _FIELD,
            "totals": _totals(),
            "ratios": _object({"params": ratio, "macs": ratio, "activations": ratio}),
        }
    )
    return _object(
        {
            "schema_version": _VERSION,
            "networks": {"type": "array", "items": network, "minItems": 2},
        }
    )


def _check() -> dict[str, Any]:
    value = {"oneOf": [{"type": "integer"}, _NUMBERS]}
    correct = {"oneOf": [_COUNT, {"type": "array", "items": {"type": ["integer", "null"]}}]}
    expr = {"oneOf": [_EXPR, {"type": "array", "items": _EXPR}]}
    question = _object(
        {
            "id": {"type": "string"},
            "question": {"type": "string"},
            "ask": {"enum": list(_ASKS)},
            "layer": _object({"name": {"type": "string"}, "index": _INT}),
            "answer": value,
            "correct": correct,
            "answer_text": {"type": "string"},
            "right": {"type": "boolean"},
            "mistakes": {"type": "array", "items": {"type": "string"}},
            "notes": {"type": "array", "items": {"type": "string"}},
        },
        {"correct_expr": expr},
    )
    return _object(
        {
            "schema_version": _VERSION,
            "title": {"type": ["string", "null"]},
            "right": _INT,
            "total": _INT,
            "questions": {"type": "array", "items": question},
        }
    )


_ASKS = ("output", "params", "params_nonshared", "params_fc", "macs", "activations", "rf", "jump")


def _sweep() -> dict[str, Any]:
    from cnncalc.sweeps import FIGURES

    counts, exprs = _counts(*FIGURES)
    row = _object(
        {
            "variables": {"type": "object", "additionalProperties": _INT},
            "input": _shape(),
            "output": _shape(),
            "totals": _object(counts, exprs),
            "receptive_field": _object({"size": _EXACTS, "jump": _EXACTS}),
        }
    )
    return _object(
        {
            "schema_version": _VERSION,
            "name": {"type": ["string", "null"]},
            "variables": {"type": "array", "items": {"type": "string"}},
            "dtype": {"type": "string"},
            "counting": {"type": "string"},
            "where": {"type": ["string", "null"]},
            "combinations": _INT,
            "rows": {"type": "array", "items": row},
        }
    )


def _work() -> dict[str, Any]:
    step = _object(
        {
            "quantity": {"type": "string"},
            "formula": {"type": "string"},
            "substituted": {"type": "string"},
            "result": {"type": ["number", "null"]},
        },
        {"result_expr": _EXPR, "result_text": _EXPR},
    )
    numbers = {"oneOf": [{"type": ["integer", "null"]}, _NUMBERS]}
    check = _object(
        {
            "quantity": {"type": "string"},
            "answer": numbers,
            "correct": numbers,
            "answer_text": {"type": "string"},
            "right": {"type": "boolean"},
            "mistakes": {"type": "array", "items": {"type": "string"}},
            "notes": {"type": "array", "items": {"type": "string"}},
        },
        {"correct_expr": _EXPR},
    )
    derivation = _object({"title": {"type": "string"}, "steps": {"type": "array", "items": step}})
    return _object(
        {
            "schema_version": _VERSION,
            "derivation": derivation,
            "checks": {"type": "array", "items": check},
        }
    )


def _memory() -> dict[str, Any]:
    nullable_int = {"type": ["integer", "null"]}
    nullable_text = {"type": ["string", "null"]}
    alive = _object({"name": {"type": "string"}, "bytes": _INT})
    inference = _object(
        {
            "weights_bytes": _INT,
            "peak_bytes": _INT,
            "peak_layer": nullable_int,
            "peak_name": nullable_text,
            "alive": {"type": "array", "items": alive},
            "total_bytes": _INT,
            "all_outputs_bytes": _INT,
        }
    )
    term = _object(
        {
            "term": {
                "enum": [
                    "parameters",
                    "gradients",
                    "optimizer state",
                    "master weights",
                    "saved activations",
                ]
            },
            "bytes": _INT,
            "assumption": {"type": "string"},
        }
    )
    training = _object({"terms": {"type": "array", "items": term}, "total_bytes": _INT})
    budget = _object(
        {
            "bytes": _INT,
            "inference_fits": {"type": "boolean"},
            "inference_max_batch": _INT,
            "training_fits": {"type": "boolean"},
            "training_max_batch": _INT,
        }
    )
    return _object(
        {
            "schema_version": _VERSION,
            "name": nullable_text,
            "input": _shape(),
            "dtype": {"type": "string"},
            "master_dtype": nullable_text,
            "bits": _INT,
            "master_bits": nullable_int,
            "batch": _INT,
            "optimizer": {"enum": ["sgd", "momentum", "adam"]},
            "in_place": {"type": "boolean"},
            "params": _INT,
            "inference": inference,
            "training": training,
            "budget": {"oneOf": [{"type": "null"}, budget]},
            "rounding": nullable_text,
        }
    )


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a command's JSON output (one of :data:`NAMES`)."""
    from cnncalc.errors import CnnCalcError, did_you_mean

    makers = {
        "summarize": _summarize,
        "compare": _compare,
        "check": _check,
        "sweep": _sweep,
        "work": _work,
        "memory": _memory,
    }
    if name not in makers:
        raise CnnCalcError(
            f"no schema '{name}'{did_you_mean(name, NAMES)}; use {', '.join(NAMES)}",
            option="name",
        )
    return _document(name, makers[name]())
