"""Homework sheets: questions (a layer or a network, and the quantity asked) with a
student's answers, graded with the correct values, likely mistakes and the working.

The format is in docs/sheets.md. A question gives either ``input`` and ``layer`` (a layer
as a YAML spec writes it), or ``spec`` (a spec file beside the sheet, or grammar text) and
optionally ``layer``: the name or 1-based index of the layer to grade (the last by
default; ``at`` is an older spelling of it). Spec files are read from the sheet's folder;
going outside it must be allowed (``allow_outside``), and a file that does not look like
a spec is refused before it is parsed, so no error quotes a file that is not a spec.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from cnncalc.engine import evaluate
from cnncalc.errors import CnnCalcError, SpecError, did_you_mean
from cnncalc.loader import parse_source, read_file, text_source
from cnncalc.parsing.common import parse_input_text
from cnncalc.parsing.yaml_doc import Document, YamlOrigin, compose
from cnncalc.parsing.yaml_spec import read_layer
from cnncalc.record import record
from cnncalc.results import Shape
from cnncalc.spec import NetworkSpec
from cnncalc.teach.grading import Verdict, check_params, check_shape, parse_numbers
from cnncalc.teach.homework import LayerCase, find_layer

ASKS = {
    "output": "output size",
    "params": "parameters",
    "params_nonshared": "parameters without sharing",
    "params_fc": "parameters as a fully connected layer",
    "macs": "MACs",
    "activations": "activations",
    "rf": "receptive field",
    "jump": "effective stride (jump)",
}
QUESTION_KEYS = ("id", "question", "input", "layer", "spec", "at", "ask", "answer")
SPEC_SUFFIXES = (".yaml", ".yml", ".cnn")
# Keys that cannot stand together in one question, with why.
CONFLICTS = (
    ("input", "spec", "a question gives 'input' and 'layer', or 'spec'"),
    ("layer", "at", "'at' is the older spelling of 'layer' (the layer of the spec to grade)"),
)


@record
class Graded:
    """One graded question."""

    id: str
    question: str
    ask: str
    verdict: Verdict
    case: LayerCase

    @property
    def layer(self) -> str:
        """The graded layer: ``conv2 (4)``, its name and 1-based index."""
        return f"{self.case.result.name} ({self.case.result.index})"


@record
class Sheet:
    """A graded sheet."""

    title: str | None
    graded: tuple[Graded, ...]

    @property
    def all_right(self) -> bool:
        """True when every answer is right."""
        return all(g.verdict.right for g in self.graded)


def _plain_check(ask: str, answer: object, case: LayerCase) -> Verdict:
    result = case.result
    quantity = ASKS[ask]
    if ask in ("rf", "jump"):
        values = [a.size if ask == "rf" else a.jump for a in result.receptive_field]
        correct = "x".join(map(str, values))
        given = parse_numbers(str(answer))
        if len(given) == 1:
            given = given * len(values)
        return Verdict(quantity, str(answer), correct, given == values)
    from cnncalc.teach.grading import parse_count

    value = getattr(result, ask)
    correct_text = f"{value:,}" if isinstance(value, int) else str(value)
    count = parse_count(answer, "answer")
    return Verdict(quantity, f"{count:,}", correct_text, count == value)


def grade(ask: str, answer: object, case: LayerCase) -> Verdict:
    """Check one answer against one evaluated layer."""
    from cnncalc.teach.grading import parse_count

    if ask == "output":
        return check_shape(str(answer), case.layer, case.input, case.result)
    if isinstance(answer, bool) or not isinstance(answer, int | str):
        raise CnnCalcError(f"an answer is a number or a size, got {str(answer)[:40]!r}")
    if ask == "params":
        return check_params(parse_count(answer), case.layer, case.input, case.result)
    return _plain_check(ask, answer, case)


class _SheetReader:
    allow_outside = False  # spec files outside the sheet's folder may be read

    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        self.folder = Path(filename).parent
        root = compose(text, filename, "sheet")
        self.doc = Document(filename)
        if not isinstance(root, yaml.MappingNode):
            raise SpecError(f"{filename}: a sheet is a mapping with 'questions'")
        self.root = root

    def read(self) -> Sheet:
        top = {k: (n, o) for k, n, o in self.doc.items(self.root, "")}
        for key, (_, origin) in top.items():
            if key not in ("title", "questions"):
                raise origin.error(
                    f"unknown key '{key}'{did_you_mean(key, ['questions'])}; a "
                    "sheet takes title and questions"
                )
        if "questions" not in top:
            raise self.doc.origin(self.root, "").error("the sheet needs 'questions'")
        title = self.doc.value(top["title"][0], "title") if "title" in top else None
        node, origin = top["questions"]
        if not isinstance(node, yaml.SequenceNode):
            raise origin.error("questions must be a list")
        graded = [
            self._question(item, f"questions[{i}]", i + 1) for i, item in enumerate(node.value)
        ]
        return Sheet(None if title is None else str(title), tuple(graded))

    def _question(self, node: yaml.Node, path: str, number: int) -> Graded:
        origin = self.doc.origin(node, path)
        _check_scalars(node, origin)
        fields = {k: (n, o) for k, n, o in self.doc.items(node, path)}
        for key, (_, key_origin) in fields.items():
            if key not in QUESTION_KEYS:
                raise key_origin.error(
                    f"unknown key '{key}'{did_you_mean(key, QUESTION_KEYS)};"
                    f" a question takes {', '.join(QUESTION_KEYS)}"
                )
        if "at" in fields and "spec" not in fields:
            raise fields["at"][1].error("'at' names a layer of 'spec'; this question has none")
        for first, second, why in CONFLICTS:
            if first in fields and second in fields:
                raise fields[second][1].error(f"'{second}' with '{first}': {why}")
        for needed in ("ask", "answer"):
            if needed not in fields:
                raise origin.error(f"the question needs '{needed}'")
        ask = str(self.doc.value(fields["ask"][0], fields["ask"][1].path))
        if ask not in ASKS:
            raise fields["ask"][1].error(
                f"unknown quantity '{ask}'{did_you_mean(ask, ASKS)}; ask one of {', '.join(ASKS)}"
            )
        answer = self.doc.value(fields["answer"][0], fields["answer"][1].path)
        qid = str(self.doc.value(fields["id"][0], "id")) if "id" in fields else str(number)
        text = ""
        if "question" in fields:
            text = str(self.doc.value(fields["question"][0], fields["question"][1].path))
        case = self._case(fields, origin)
        try:
            verdict = grade(ask, answer, case)
        except CnnCalcError as error:
            raise fields["answer"][1].error(str(error)) from None
        return Graded(qid, text, ask, verdict, case)

    def _case(
        self, fields: dict[str, tuple[yaml.Node, YamlOrigin]], origin: YamlOrigin
    ) -> LayerCase:
        if "spec" in fields:
            spec_node, spec_origin = fields["spec"]
            network = self._network(str(self.doc.value(spec_node, spec_origin.path)), spec_origin)
            result = evaluate(network)
            key = "layer" if "layer" in fields else "at"
            if key not in fields:
                return find_layer(network, result, str(len(result.layers)))
            node, key_origin = fields[key]
            if not isinstance(node, yaml.ScalarNode):
                raise key_origin.error(
                    f"with 'spec', '{key}' names the layer to grade (a name or a 1-based "
                    "index); a layer's settings go with 'input'"
                )
            which = str(self.doc.value(node, key_origin.path))
            if which == "last":
                which = str(len(result.layers))
            try:
                return find_layer(network, result, which)
            except SpecError as error:
                shown = which if len(which) <= 40 else which[:37] + "..."
                raise key_origin.error(f"'{shown}': {error.detail}") from None
        if "input" not in fields or "layer" not in fields:
            raise origin.error("a question gives 'input' and 'layer', or 'spec'")
        input_node, input_origin = fields["input"]
        spec_input = parse_input_text(self.doc.value(input_node, input_origin.path), input_origin)
        layer_node, layer_origin = fields["layer"]
        layer = read_layer(self.doc, layer_node, layer_origin.path, spec_input.dims)
        network = NetworkSpec(spec_input, (layer,))
        case = find_layer(network, evaluate(network), "1")
        return LayerCase(
            case.layer, Shape(spec_input.channels, spec_input.size), case.result, case.rf_in
        )

    def _network(self, spec: str, origin: YamlOrigin) -> NetworkSpec:
        """A question's ``spec``: a file in the sheet's folder, or grammar text itself.

        It is a file when it holds none of the grammar's characters (``(``, ``->``, a new
        line) and ends in a spec suffix or has a ``/``.
        """
        grammar_like = any(mark in spec for mark in ("(", "->", "\u2192", "\n"))
        if grammar_like or not (spec.lower().endswith(SPEC_SUFFIXES) or "/" in spec):
            return parse_source(text_source(spec, None, "<spec>"))
        path = self.folder / spec
        if not self.allow_outside and _leaves(self.folder, path):
            error = origin.error(
                f"spec path leaves the sheet's folder: '{spec}' (reading outside it must be "
                "allowed explicitly)"
            )
            error.option = "allow_outside"
            raise error
        target = path.resolve() if path.exists() else path
        if not (
            spec.lower().endswith(SPEC_SUFFIXES) and target.name.lower().endswith(SPEC_SUFFIXES)
        ):
            raise origin.error(
                f"'{spec}' is not a spec file: a spec file ends in {', '.join(SPEC_SUFFIXES)}"
            )
        try:
            source = read_file(path)
        except CnnCalcError as error:
            raise origin.error(str(error)) from None
        if not _looks_like_spec(source.text, source.format):
            raise origin.error(
                f"'{spec}' is not a spec (a YAML spec has 'input' and 'layers'; a grammar "
                "spec starts with INPUT(...)), so it is not read"
            )
        return parse_source(source)


def _check_scalars(node: yaml.Node, origin: YamlOrigin) -> None:
    """Refuse a number of more than 300 digits anywhere in a question, before any value is
    read (Python will not even convert one of 4,300 digits)."""
    from cnncalc.teach.homework import check_digits

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, yaml.ScalarNode):
            try:
                check_digits(str(item.value), "answer")
            except CnnCalcError as error:
                place = YamlOrigin(origin.filename, item.start_mark.line + 1, origin.path)
                raise place.error(str(error)) from None
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
        elif isinstance(item, yaml.MappingNode):
            stack.extend(value for pair in item.value for value in pair)


def _looks_like_spec(text: str, format: str) -> bool:
    """A cheap look before parsing: a YAML spec has a top-level ``input:`` or ``layers:``
    line; a grammar spec's first line that is not a comment starts with ``INPUT(`` or
    binds a variable (``N = 2``)."""
    for line in text.splitlines():
        if format == "yaml":
            if line.startswith(("input:", "layers:", "input :", "layers :")):
                return True
            continue
        words = line.strip()
        if not words or words.startswith("#"):
            continue
        head = words.split("=", 1)[0].strip() if "=" in words.split("(", 1)[0] else ""
        return words.lower().replace(" ", "").startswith("input(") or head.isidentifier()
    return False


def _leaves(folder: Path, path: Path) -> bool:
    """True when ``path`` (symbolic links followed) is not inside ``folder``."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return True
    return False


def check_sheet(path: str, allow_outside: bool = False) -> Sheet:
    """Read and grade a sheet file. Spec files its questions name are read from its
    folder; ``allow_outside`` allows others (``../``, absolute paths, links out)."""
    source = read_file(path, "yaml")
    reader = _SheetReader(source.text, source.name)
    reader.allow_outside = allow_outside
    return reader.read()
