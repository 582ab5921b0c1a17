"""Results in notebooks and REPLs: importing this module lets every
:class:`~cnncalc.results.NetworkResult` show itself as an HTML table in Jupyter
(``_repr_html_``) and as the styled table in rich (``__rich__``)."""

from __future__ import annotations

from cnncalc.results import DISPLAYS, NetworkResult


def _html(result: NetworkResult) -> str:
    from cnncalc.rendering.report import notebook_html

    return notebook_html(result)


def _rich(result: NetworkResult) -> object:
    from cnncalc.rendering.table import table_renderable

    return table_renderable(result)


DISPLAYS.setdefault("html", _html)
DISPLAYS.setdefault("rich", _rich)
