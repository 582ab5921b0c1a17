"""``python -m cnncalc``."""

from cnncalc.console import main

main()
