"""Plain-text and JSON forms of derivations and verdicts (no markup, safe to print)."""

from __future__ import annotations

import json
from dataclasses import asdict

from cnncalc.symbolic import Count
from cnncalc.teach.derive import Derivation
from cnncalc.teach.grading import Verdict


def _value(value: Count | float | str) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def derivation_text(derivation: Derivation) -> str:
    """Each quantity on three lines: name, formula, numbers and result."""
    lines = [derivation.title]
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


def derivation_json(derivation: Derivation, verdicts: list[Verdict]) -> str:
    """The working and any verdicts as JSON."""
    data = {"derivation": asdict(derivation), "checks": [asdict(v) for v in verdicts]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
