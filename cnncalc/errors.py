"""The exceptions of cnncalc: one root, one subclass per kind of bad input.

Every error carries a complete, user-facing message. The CLI prints ``str(error)``
and exits with ``error.exit_code``; nothing else is needed to report it.
"""

from __future__ import annotations

from collections.abc import Iterable


class CnnCalcError(Exception):
    """Root of every error cnncalc raises on bad input.

    ``option`` names the library argument at fault (``input``, ``max_layers``,
    ``variables``, ``layer``, ``expect``...) when the error is about one, so that a front
    end can name its own spelling of it (the CLI's ``--max-layers``); messages never name
    a command-line flag themselves.
    """

    exit_code = 2

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option

    def __str__(self) -> str:
        return self.message


class InputFileError(CnnCalcError):
    """A spec file that cannot be read (missing, a directory, unreadable, not text)."""


class SpecError(CnnCalcError):
    """A spec whose content is wrong: unknown kind or key, wrong type, bad value.

    ``where`` names the place: a YAML key path and line, or a grammar position.
    """

    def __init__(
        self, message: str, where: str | None = None, *, option: str | None = None
    ) -> None:
        self.detail = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message, option=option)


class GrammarError(SpecError):
    """An error in architecture grammar text, drawn with a caret under the offending span."""

    label = ""

    def __init__(
        self,
        message: str,
        source: str,
        start: int,
        end: int | None = None,
        filename: str = "<spec>",
    ) -> None:
        self.source = source
        self.start = max(0, min(start, len(source)))
        self.end = self.start + 1 if end is None else max(self.start + 1, end)
        self.filename = filename
        super().__init__(message)
        self.message = self._render(message)

    @property
    def line(self) -> int:
        """1-based line of the span start."""
        return self.source.count("\n", 0, self.start) + 1

    @property
    def column(self) -> int:
        """1-based column of the span start."""
        return self.start - (self.source.rfind("\n", 0, self.start) + 1) + 1

    def _render(self, message: str) -> str:
        line_start = self.source.rfind("\n", 0, self.start) + 1
        line_end = self.source.find("\n", self.start)
        if line_end == -1:
            line_end = len(self.source)
        # A long line is shown as a window around the place, so a message stays short
        # whatever the input (a spec of one 16 MiB line).
        shown_start = max(line_start, self.start - 60)
        shown_end = min(line_end, min(self.end, self.start + 80) + 40)
        text = self.source[shown_start:shown_end]
        if shown_start > line_start:
            text = "..." + text
            shown_start -= 3
        if shown_end < line_end:
            text += "..."
        width = max(1, min(self.end, shown_end + 1) - self.start)
        col = self.start - shown_start
        prefix = "".join("\t" if ch == "\t" else " " for ch in text[:col])
        marker = "~" * (width - 1) + "^"
        return (
            f"{self.filename}:{self.line}:{self.column}: {self.label}{message}\n"
            f"    {text}\n"
            f"    {prefix}{marker}"
        )


class GrammarSyntaxError(GrammarError):
    """A syntax error in architecture grammar text."""

    label = "syntax error: "


class LimitError(CnnCalcError):
    """A spec beyond cnncalc's safety limits (too many layers, nesting too deep)."""


def about(error: Exception, option: str) -> Exception:
    """``error`` marked as being about the library argument ``option`` (for a front end
    to name its flag); other exceptions pass unchanged."""
    if isinstance(error, CnnCalcError):
        error.option = option
    return error


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or an empty string."""
    import difflib  # only when something is misspelt: it costs start-up time

    others = sorted({c for c in choices if c.lower() != word.lower()})  # never the word itself
    close = difflib.get_close_matches(word.lower(), others, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
