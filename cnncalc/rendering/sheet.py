"""The output of ``check``: a graded homework sheet as a table with the working, or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnncalc.rendering.cells import visible
from cnncalc.rendering.derivation import derivation_text, verdict_text
from cnncalc.symbolic import Count
from cnncalc.teach.sheet import Graded, Sheet

if TYPE_CHECKING:
    from fractions import Fraction

SHEET_HEADERS = ["question", "asked", "layer", "answer", "correct", "verdict"]


def sheet_rows(graded: Sheet) -> list[list[str]]:
    """One row of cells per question."""
    return [
        [
            visible(g.id),
            g.verdict.quantity,
            visible(g.layer),
            visible(g.verdict.expected),
            g.verdict.correct,
            "right" if g.verdict.right else "WRONG",
        ]
        for g in graded.graded
    ]


def sheet_summary(graded: Sheet) -> str:
    """``N of M right``, then the verdict and the working for every wrong answer."""
    right = sum(g.verdict.right for g in graded.graded)
    lines = [f"{right} of {len(graded.graded)} right"]
    for g in graded.graded:
        if not g.verdict.right:
            lines += [
                "",
                visible(f"question {g.id}: {g.question}".rstrip(": ")),
                verdict_text(g.verdict).rstrip("\n"),
                derivation_text(g.case.derivation()).rstrip("\n"),
            ]
    return "\n".join(lines) + "\n"


def _number(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


def _values(g: Graded) -> dict[str, Any]:
    """The answer and the correct value as JSON numbers or lists (per axis); a symbolic
    correct value is null there, its text under ``correct_expr``."""
    from cnncalc.teach.grading import parse_count, parse_numbers

    result = g.case.result
    correct: list[Count | Fraction]
    if g.ask in ("output", "rf", "jump"):
        answer: Any = [_number(v) for v in parse_numbers(g.verdict.expected)]
        if g.ask == "rf":
            correct = [a.size for a in result.receptive_field]
        elif g.ask == "jump":
            correct = [a.jump for a in result.receptive_field]
        else:
            out = result.output
            spatial_only = bool(out.size) and len(answer) == len(out.size)
            correct = [*out.size] if spatial_only else [*out.size, out.channels]
        values = {"answer": answer, "correct": [v if type(v) is int else None for v in correct]}
        if any(type(v) is not int for v in correct):
            values["correct_expr"] = [str(v) for v in correct]
        return values
    from cnncalc.rendering.data import count_fields

    count: Count = getattr(result, g.ask)
    return {"answer": parse_count(g.verdict.expected), **count_fields("correct", count)}


def sheet_json(graded: Sheet) -> str:
    """The graded sheet as JSON (the ``check`` schema): counts, then each question's
    answer and correct value as numbers or per-axis lists, and the verdict."""
    import json

    from cnncalc.rendering.data import SCHEMA_VERSION

    data = {
        "schema_version": SCHEMA_VERSION,
        "title": graded.title,
        "right": sum(g.verdict.right for g in graded.graded),
        "total": len(graded.graded),
        "questions": [
            {
                "id": g.id,
                "question": g.question,
                "ask": g.ask,
                "layer": {"name": g.case.result.name, "index": g.case.result.index},
                **_values(g),
                "answer_text": g.verdict.expected,
                "right": g.verdict.right,
                "mistakes": list(g.verdict.mistakes),
                "notes": list(g.verdict.notes),
            }
            for g in graded.graded
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
