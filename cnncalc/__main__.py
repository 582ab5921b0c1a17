"""``python -m cnncalc``."""

from cnncalc.cli import entry

entry()
