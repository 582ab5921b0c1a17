"""The output of ``kinds``: the one table of layer kinds, as text."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.kinds import Kind


def kinds_text(kinds: Sequence[Kind]) -> str:
    """Each kind with its aliases and summary, then its keys with aliases and defaults, then
    its multiply-accumulate rule."""
    lines = []
    for kind in kinds:
        aliases = f" (also {', '.join(kind.aliases)})" if kind.aliases else ""
        lines.append(f"{kind.name}{aliases}: {kind.summary}")
        if kind.positional:
            lines.append(f"    positional: {', '.join(kind.positional)}")
        for field in kind.fields:
            default = (
                "required"
                if field.required
                else f"default: {field.unset}"
                if field.default is None
                else f"default {str(field.default).lower()}"
            )
            choices = field.convert.__doc__ or ""
            if choices.startswith("One of "):  # the words a choice takes, as written
                default += "; one of " + choices.removeprefix("One of ").rstrip(".")
            also = f" (also {', '.join(field.aliases)})" if field.aliases else ""
            lines.append(f"    {field.name}{also}: {default}")
        lines.append(f"    MACs: {kind.macs}")
    lines.append("")
    lines.append(
        "Every layer also takes name, from (its inputs), training_only, share (reuse an "
        "earlier layer's parameters) and frozen (its parameters are not trained);"
    )
    lines.append(
        "activation, pooling, upsample and flatten layers take functional (a function call in "
        "PyTorch: F.relu, torch.flatten)."
    )
    return "\n".join(lines) + "\n"
