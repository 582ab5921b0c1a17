"""The output of ``check``: a graded homework sheet as a table with the working, or JSON."""

from __future__ import annotations

import json

from cnncalc.rendering.derivation import derivation_text, verdict_text
from cnncalc.teach.sheet import Sheet

SHEET_HEADERS = ["question", "asked", "layer", "answer", "correct", "verdict"]


def sheet_rows(graded: Sheet) -> list[list[str]]:
    """One row of cells per question."""
    return [
        [
            g.id,
            g.verdict.quantity,
            g.layer,
            g.verdict.expected,
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
                f"question {g.id}: {g.question}".rstrip(": "),
                verdict_text(g.verdict).rstrip("\n"),
                derivation_text(g.case.derivation()).rstrip("\n"),
            ]
    return "\n".join(lines) + "\n"


def sheet_json(graded: Sheet) -> str:
    """The graded sheet as JSON: counts, then each question's answer and verdict."""
    data = {
        "title": graded.title,
        "right": sum(g.verdict.right for g in graded.graded),
        "total": len(graded.graded),
        "questions": [
            {
                "id": g.id,
                "question": g.question,
                "ask": g.ask,
                "layer": {"name": g.case.result.name, "index": g.case.result.index},
                "answer": g.verdict.expected,
                "correct": g.verdict.correct,
                "right": g.verdict.right,
                "mistakes": list(g.verdict.mistakes),
                "notes": list(g.verdict.notes),
            }
            for g in graded.graded
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
