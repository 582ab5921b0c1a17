"""User text made safe for each picture and report format: XML (SVG and HTML), DOT
quoted strings, and LaTeX (tables and TikZ).

Every function first shows control characters, bidirectional overrides and lone
surrogates as their visible escapes (:func:`~cnncalc.rendering.cells.visible`), so a name
can never act on a viewer or make the file invalid, then escapes the format's specials.
"""

from __future__ import annotations

import re

from cnncalc.rendering.cells import visible

# XML 1.0 admits no C0 controls (visible() handles those) and no U+FFFE/U+FFFF.
_NONCHARACTERS = re.compile("[\ufffe\uffff]")
_XML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_XML_SPECIAL = re.compile("[&<>\"']")


def xml_text(text: str) -> str:
    """Text for an XML or HTML element or attribute value: markup characters as entities."""
    safe = _NONCHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", visible(text))
    return _XML_SPECIAL.sub(lambda m: _XML[m.group()], safe)


def dot_inner(text: str) -> str:
    """The inside of a DOT quoted string that shows ``text`` as written: a backslash
    doubled (else Graphviz reads ``\\n``, ``\\l``, ``\\N`` as commands), a quote escaped."""
    return visible(text).replace("\\", "\\\\").replace('"', '\\"')


def dot_string(text: str) -> str:
    """:func:`dot_inner` in quotes."""
    return f'"{dot_inner(text)}"'


_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_LATEX_SPECIAL = re.compile(r"[\\{}$&#^_%~<>|]")


def latex_text(text: str) -> str:
    """Text for LaTeX (a table cell or a TikZ node): every special character as the
    command that prints it, so ``conv_1 & 50%`` stays text."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group()], visible(text))
