"""Plain-text and JSON forms of derivations and verdicts (no markup, safe to print)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnnCalcError
from cnncalc.rendering.cells import visible
from cnncalc.symbolic import Count
from cnncalc.teach.derive import Derivation, Step

if TYPE_CHECKING:
    from cnncalc.teach.grading import Verdict


def _value(value: Count | float | str) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def derivation_text(derivation: Derivation) -> str:
    """Each quantity on three lines: name, formula, numbers and result."""
    lines = [visible(derivation.title)]
    for step in derivation.steps:
        lines.append(f"  {step.quantity}")
        lines.append(f"    {step.formula}")
        lines.append(f"    = {step.substituted} = {_value(step.result)}")
    return "\n".join(lines) + "\n"


def verdict_text(verdict: Verdict) -> str:
    """``right: ...`` or ``wrong: ...`` with the correct value and the likely mistake."""
    notes = "".join(f"  note: {n}\n" for n in verdict.notes)
    if verdict.right:
        return f"right: {verdict.quantity} {verdict.expected}\n{notes}"
    text = (
        f"wrong: {verdict.quantity} {verdict.expected}; the correct answer is {verdict.correct}\n"
    )
    if len(verdict.mistakes) == 1:
        text += f"  likely mistake: {verdict.mistakes[0]}\n"
    elif verdict.mistakes:
        text += f"  each of these slips gives {verdict.expected}:\n"
        text += "".join(f"    - {m}\n" for m in verdict.mistakes)
    return text + notes


def _step_data(step: Step) -> dict[str, Any]:
    """A step's result as a number (int or float), else null beside its text:
    ``result_expr`` for a polynomial, ``result_text`` for words (``25x; 325x``)."""
    base = {"quantity": step.quantity, "formula": step.formula, "substituted": step.substituted}
    value = step.result
    if isinstance(value, str):
        return {**base, "result": None, "result_text": value}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {**base, "result": value}
    return {**base, "result": None, "result_expr": str(value)}


def _answer(quantity: str, text: str) -> tuple[Any, str | None]:
    """An answer or correct value as written by a verdict, as JSON: a number, or a list
    for a size; (None, text) when it is symbolic."""
    from cnncalc.teach.grading import parse_count, parse_numbers

    try:
        if "size" in quantity or "field" in quantity or "stride" in quantity:
            numbers = parse_numbers(text)
            return [v.numerator if v.denominator == 1 else float(v) for v in numbers], None
        return parse_count(text), None
    except CnnCalcError:
        return None, text


def derivation_json(derivation: Derivation, verdicts: list[Verdict]) -> str:
    """The working and any verdicts as JSON (the ``work`` schema): each step's result
    and each check's answer and correct value are numbers or lists, never text with
    thousands separators."""
    import json

    from cnncalc.rendering.data import SCHEMA_VERSION

    checks = []
    for v in verdicts:
        answer, _ = _answer(v.quantity, v.expected)
        correct, expr = _answer(v.quantity, v.correct)
        checks.append(
            {
                "quantity": v.quantity,
                "answer": answer,
                "correct": correct,
                **({"correct_expr": expr} if expr is not None else {}),
                "answer_text": v.expected,
                "right": v.right,
                "mistakes": list(v.mistakes),
                "notes": list(v.notes),
            }
        )
    data = {
        "schema_version": SCHEMA_VERSION,
        "derivation": {
            "title": derivation.title,
            "steps": [_step_data(step) for step in derivation.steps],
        },
        "checks": checks,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
