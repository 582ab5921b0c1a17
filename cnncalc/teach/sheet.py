"""Homework sheets: questions (a layer or a network, and the quantity asked) with a
student's answers, graded with the correct values, likely mistakes and the working."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from cnncalc.engine import evaluate
from cnncalc.errors import CnnCalcError, SpecError, did_you_mean
from cnncalc.loader import parse_source, read_file, text_source
from cnncalc.parsing.common import parse_input_text
from cnncalc.parsing.yaml_doc import Document, YamlOrigin, compose
from cnncalc.parsing.yaml_spec import read_layer
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


@dataclass(frozen=True)
class Graded:
    """One graded question."""

    id: str
    question: str
    ask: str
    verdict: Verdict
    case: LayerCase


@dataclass(frozen=True)
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
    value = getattr(result, ask)
    correct_text = f"{value:,}" if isinstance(value, int) else str(value)
    given_text = f"{answer:,}" if isinstance(answer, int) else str(answer)
    return Verdict(quantity, given_text, correct_text, answer == value)


def grade(ask: str, answer: object, case: LayerCase) -> Verdict:
    """Check one answer against one evaluated layer."""
    if ask == "output":
        return check_shape(str(answer), case.layer, case.input, case.result)
    if ask == "params":
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise CnnCalcError(f"a parameter count is a whole number, got {answer!r}")
        return check_params(answer, case.layer, case.input, case.result)
    return _plain_check(ask, answer, case)


class _SheetReader:
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
        fields = {k: (n, o) for k, n, o in self.doc.items(node, path)}
        for key, (_, key_origin) in fields.items():
            if key not in QUESTION_KEYS:
                raise key_origin.error(
                    f"unknown key '{key}'{did_you_mean(key, QUESTION_KEYS)};"
                    f" a question takes {', '.join(QUESTION_KEYS)}"
                )
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
            network = self._network(str(self.doc.value(spec_node, spec_origin.path)))
            result = evaluate(network)
            at = "last"
            if "at" in fields:
                at = str(self.doc.value(fields["at"][0], fields["at"][1].path))
            which = str(len(result.layers)) if at == "last" else at
            return find_layer(network, result, which)
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

    def _network(self, spec: str) -> NetworkSpec:
        """A question's ``spec``: a file beside the sheet, or grammar text itself."""
        if "\n" not in spec and spec.endswith((".yaml", ".yml", ".cnn")):
            return parse_source(read_file(self.folder / spec))
        return parse_source(text_source(spec, None, "<spec>"))


def check_sheet(path: str) -> Sheet:
    """Read and grade a sheet file."""
    source = read_file(path, "yaml")
    return _SheetReader(source.text, source.name).read()
