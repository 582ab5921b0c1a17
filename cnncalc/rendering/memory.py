"""``cnncalc memory``: the inference and training footprints as text and JSON, each term
with the assumption behind it in words."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.engine.memory import MemoryReport, whole_count
from cnncalc.rendering.cells import human_bytes, shorten, visible
from cnncalc.rendering.data import SCHEMA_VERSION, json_safe, shape_data
from cnncalc.results import MAX_BATCH, NetworkResult

SHOWN_ALIVE = 8
"""Tensors named at the peak in the text (JSON lists every one)."""


def _per_value(bits: int) -> str:
    if bits == 4:
        return "half a byte"
    size = bits // 8
    return f"{size} byte{'s' if size != 1 else ''}"


def _values(count: int, dtype: str) -> str:
    return f"{count} {dtype} value{'s' if count != 1 else ''}"


def rounding_rule(report: MemoryReport) -> str | None:
    """The rounding rule, when a value is narrower than a byte (int4)."""
    if report.bits % 8 == 0:
        return None
    return (
        f"{report.dtype}: half a byte per value, rounded up to a whole byte per tensor "
        "(a layer's parameters are one tensor; each activation, for the whole batch, another)"
    )


def training_terms(report: MemoryReport) -> list[tuple[str, int, str]]:
    """(term, bytes, assumption) for each term of the training footprint."""
    t = report.training
    dtype, per = report.dtype, _per_value(report.bits)
    state = report.master_dtype or dtype
    states = {
        "sgd": "sgd: no state (plain SGD keeps nothing between steps)",
        "momentum": f"momentum: {_values(1, state)} per trainable parameter (the momentum buffer)",
        "adam": f"adam: {_values(2, state)} per trainable parameter (exp_avg, exp_avg_sq)",
    }
    master = (
        f"mixed precision: a {report.master_dtype} copy of every trainable parameter, which the "
        f"optimizer updates ({_per_value(report.master_bits or 0)} each)"
        if report.master_dtype
        else f"none: the weights are kept in {dtype} only (no --master-dtype)"
    )
    samples = f"{report.batch:,} sample{'s' if report.batch != 1 else ''}"
    return [
        (
            "parameters",
            whole_count(t.weights),
            f"{report.params:,} parameters in {dtype}, {per} each",
        ),
        (
            "gradients",
            whole_count(t.gradients),
            f"one {dtype} gradient per trainable parameter (frozen layers have none)",
        ),
        ("optimizer state", whole_count(t.optimizer), states[report.optimizer]),
        ("master weights", whole_count(t.master), master),
        (
            "saved activations",
            whole_count(t.saved_activations),
            f"the input and every layer's output for {samples} in {dtype}, kept for the "
            "backward pass (an upper bound: views and in-place activations save less)",
        ),
    ]


def _amount(value: int) -> str:
    return f"{human_bytes(value)} ({value:,} B)" if value >= 1024 else f"{value} B"


def _grid(rows: list[tuple[str, int, str]]) -> list[str]:
    labels = max(len(label) for label, _, _ in rows)
    amounts = max(len(_amount(value)) for _, value, _ in rows)
    return [
        f"  {label:<{labels}}  {_amount(value):>{amounts}}  {note}".rstrip()
        for label, value, note in rows
    ]


def _layer_name(result: NetworkResult, index: int | None) -> str:
    layer = next((layer for layer in result.layers if layer.index == index), None)
    if layer is None:
        return "with no layer to run (the input alone)"
    return f"during layer {index} ({visible(shorten(layer.name))})"


def _fit_text(needed: int, budget: int, largest: int, batch: int) -> str:
    if needed <= budget:
        verdict = f"fits at batch {batch:,} ({human_bytes(budget - needed)} to spare)"
    else:
        verdict = f"does not fit at batch {batch:,} ({human_bytes(needed - budget)} over)"
    if largest == 0:
        return f"{verdict}; not even batch 1 fits"
    if largest >= MAX_BATCH:
        return f"{verdict}; every batch up to {MAX_BATCH:,} fits (the largest cnncalc takes)"
    return f"{verdict}; the largest batch that fits: {largest:,}"


def memory_text(result: NetworkResult, report: MemoryReport) -> str:
    """The report as text: inference, training, and the budget when one is given."""
    inf = report.inference
    dtype = report.dtype
    title = visible(shorten(result.name)) if result.name else "the network"
    mixed = f" with {report.master_dtype} master weights" if report.master_dtype else ""
    lines = [f"Memory of {title}: {report.params:,} parameters, {dtype}{mixed}", ""]
    alive = ", ".join(
        f"{visible(shorten(name))} {human_bytes(size)}" for name, size in inf.alive[:SHOWN_ALIVE]
    )
    if len(inf.alive) > SHOWN_ALIVE:
        alive += f" and {len(inf.alive) - SHOWN_ALIVE} more"
    in_place = "; activations in place" if report.in_place else ""
    lines.append(f"Inference, batch {report.batch:,}{in_place}:")
    lines += _grid(
        [
            ("weights", inf.weights, f"the parameters in {dtype}"),
            (
                "activations at the peak",
                inf.peak,
                f"{_layer_name(result, inf.peak_layer)}: {alive}",
            ),
            ("total", inf.total, "weights + the peak"),
            (
                "sum of all outputs",
                inf.all_outputs,
                "every layer's output at once: not held at inference (tensors are freed after "
                "their last reader), shown apart",
            ),
        ]
    )
    lines += ["", f"Training, batch {report.batch:,}, optimizer {report.optimizer}:"]
    terms = training_terms(report)
    lines += _grid([*terms, ("total", whole_count(report.training.total), "the sum of the terms")])
    if report.fit is not None:
        fit = report.fit
        lines += [
            "",
            f"Budget {_amount(fit.budget)}:",
            f"  inference: {_fit_text(inf.total, fit.budget, fit.inference_batch, report.batch)}",
            "  training:  "
            + _fit_text(
                whole_count(report.training.total), fit.budget, fit.training_batch, report.batch
            ),
        ]
    rule = rounding_rule(report)
    if rule:
        lines += ["", f"Rounding: {rule}."]
    return "".join(f"{line}\n" for line in lines)


def memory_data(result: NetworkResult, report: MemoryReport) -> dict[str, Any]:
    """The report as JSON data (the schema ``cnncalc schema memory`` prints)."""
    inf = report.inference
    peak = next((layer for layer in result.layers if layer.index == inf.peak_layer), None)
    fit = report.fit
    training_total = whole_count(report.training.total)
    return {
        "schema_version": SCHEMA_VERSION,
        "name": result.name,
        "input": shape_data(result.input),
        "dtype": report.dtype,
        "master_dtype": report.master_dtype,
        "bits": report.bits,
        "master_bits": report.master_bits,
        "batch": report.batch,
        "optimizer": report.optimizer,
        "in_place": report.in_place,
        "params": report.params,
        "inference": {
            "weights_bytes": inf.weights,
            "peak_bytes": inf.peak,
            "peak_layer": inf.peak_layer,
            "peak_name": None if peak is None else peak.name,
            "alive": [{"name": name, "bytes": size} for name, size in inf.alive],
            "total_bytes": inf.total,
            "all_outputs_bytes": inf.all_outputs,
        },
        "training": {
            "terms": [
                {"term": term, "bytes": size, "assumption": note}
                for term, size, note in training_terms(report)
            ],
            "total_bytes": training_total,
        },
        "budget": None
        if fit is None
        else {
            "bytes": fit.budget,
            "inference_fits": inf.total <= fit.budget,
            "inference_max_batch": fit.inference_batch,
            "training_fits": training_total <= fit.budget,
            "training_max_batch": fit.training_batch,
        },
        "rounding": rounding_rule(report),
    }


def memory_json(result: NetworkResult, report: MemoryReport) -> str:
    """The report as JSON text (see :func:`memory_data`)."""
    return json_safe(json.dumps(memory_data(result, report), indent=2, ensure_ascii=False)) + "\n"
