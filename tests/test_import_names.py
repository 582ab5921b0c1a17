"""Imported models whatever their names hold, errors that name the model's nodes, and
weights that do not fit their input.

Conv weights follow ONNX's Conv definition (onnx.ai/onnx/operators/onnx__Conv.html):
W is (M x C/group x kH x kW) for an input of C channels, so a weight fits when its
second axis times ``group`` is C. Gemm's B is (K x N), or (N x K) with transB=1, for an
input of K features; MatMul's is (K x N). The Keras fixture's numbers are derived in
tests/test_import.py (34,826 parameters).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
from cnncalc.errors import CnnCalcError
from cnncalc.interop.common import Item, shown, unique_names, write_yaml
from cnncalc.loader import parse_source, text_source
from tests.clirun import run_cli
from tests.strategies import LAYER_NAMES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ONNX_DIR = FIXTURES / "onnx"
KERAS = FIXTURES / "keras" / "mnist_convnet_keras3.json"
EXPECTED: dict[str, Any] = json.loads((ONNX_DIR / "expected.json").read_text())
needs_onnx = pytest.mark.skipif(
    not __import__("importlib").util.find_spec("onnx"), reason="onnx is not installed"
)

YAML_SPECIALS = [": ", "#", "- ", "*", "&", "'", '"', "!", "%", "@", "?", "|", ">", "{", "["]
NAMES = st.one_of(
    LAYER_NAMES,
    st.sampled_from(["null", "true", "no", "~", "input", "@-1", "1e3", "0x10", "x" * 5000]),
    st.lists(st.sampled_from(YAML_SPECIALS), min_size=1, max_size=4).map("".join),
)
FILE_NAMES = NAMES.filter(lambda s: not any(0xD800 <= ord(c) < 0xE000 for c in s))
"""Names a model file can hold: protobuf and JSON text is UTF-8, without lone surrogates."""


# 1. Names from the model round-trip through the YAML written from it.


@given(st.lists(NAMES, min_size=1, max_size=6))
def test_item_names_read_back_as_written(raw: list[str]) -> None:
    names = unique_names(raw)  # distinct, not 'input'; a lone surrogate (JSON) is U+FFFD
    assert len(names) == len(raw) and "input" not in names
    items = [Item("conv", {"filters": 4, "kernel": 1}, name=n, note=n) for n in names]
    if len(items) > 1:
        items[-1].inputs = [names[0]]  # a reference by name reads back too
    text = write_yaml(items, "8x8x4", name=names[0], header=raw, fold=False)
    spec = parse_source(text_source(text, "yaml"))
    assert [layer.name for layer in spec.layers] == names
    assert spec.name == names[0]
    assert cnncalc.evaluate(spec).totals.params == len(items) * (4 * 4 + 4)
    folded = write_yaml(items, "8x8x4", name=raw[0], header=raw)  # names left out of repeats
    assert cnncalc.evaluate(parse_source(text_source(folded, "yaml"))).totals.params == (
        len(items) * (4 * 4 + 4)
    )


def _rename_onnx(names: list[str], tensors: bool) -> bytes:
    import onnx

    model = onnx.load_from_string((ONNX_DIR / "small.onnx").read_bytes())
    graph = model.graph
    for i, node in enumerate(graph.node):
        node.name = names[i % len(names)]
    if tensors:  # every tensor renamed the same way wherever it is named
        known: dict[str, str] = {}

        def new(old: str) -> str:
            return known.setdefault(old, f"{names[len(known) % len(names)]}#{len(known)}")

        for node in graph.node:
            node.input[:] = [new(t) if t else t for t in node.input]
            node.output[:] = [new(t) for t in node.output]
        for value in [*graph.input, *graph.output, *graph.value_info, *graph.initializer]:
            value.name = new(value.name)
    data: bytes = model.SerializeToString()
    return data


@needs_onnx
@given(st.lists(FILE_NAMES, min_size=1, max_size=4), st.booleans())
def test_any_onnx_names_import_and_summarize(names: list[str], tensors: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "renamed.onnx"
        model.write_bytes(_rename_onnx(names, tensors))
        code, out, err = run_cli("summarize", str(model), "-f", "json")
        assert code == 0, err
        assert json.loads(out)["totals"]["params"] == EXPECTED["small"]["params"]
        code, out, err = run_cli("import", str(model), "-o", str(Path(folder) / "spec.yaml"))
        assert code == 0, err


@given(st.lists(FILE_NAMES, min_size=1, max_size=4))
def test_any_keras_names_import_and_summarize(names: list[str]) -> None:
    root = json.loads(KERAS.read_text())
    for i, layer in enumerate(root["config"]["layers"]):
        layer["config"]["name"] = names[i % len(names)]
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "renamed.json"
        model.write_text(json.dumps(root), encoding="utf-8")
        code, out, err = run_cli("summarize", str(model), "-f", "json")
        assert code == 0, err
        assert json.loads(out)["totals"]["params"] == 34_826


# torch.fx writes the module names into Python it compiles; a backslash in a name makes
# that code warn about an escape sequence: torch's own text, not cnncalc's.
@pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")
@given(st.lists(FILE_NAMES.filter(lambda s: "." not in s), min_size=2, max_size=2, unique=True))
def test_any_torch_module_names_import(names: list[str]) -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential()
    model.add_module(names[0], torch.nn.Conv2d(3, 4, 3))
    model.add_module(names[1], torch.nn.ReLU())
    try:
        spec = cnncalc.from_torch(model, (3, 8, 8))
    except CnnCalcError as error:  # torch.fx may refuse a name it cannot write as code
        assert "torch.fx" in str(error)
        return
    assert cnncalc.evaluate(spec).totals.params == 3 * 3 * 3 * 4 + 4


# 2. Errors of an imported model name its node, never a line of the generated YAML.


def _conv_chain(names: list[str], cin: int, bad: int, how: str) -> bytes:
    """A chain of 3x3 convs 4 -> 4 (the first reads ``cin``), one of them ``bad``."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    nodes, weights = [], []
    for i, name in enumerate(names):
        reads = cin if i == 0 else 4
        attrs: dict[str, Any] = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}
        if i == bad and how == "channels":
            reads += 1
        if i == bad and how == "stride":
            attrs["strides"] = [0, 0]
        weights.append(numpy_helper.from_array(np.zeros((4, reads, 3, 3), np.float32), f"w{i}"))
        nodes.append(
            helper.make_node("Conv", [f"t{i}", f"w{i}"], [f"t{i + 1}"], name=name, **attrs)
        )
    graph = helper.make_graph(
        nodes,
        "chain",
        [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, cin, 8, 8])],
        [helper.make_tensor_value_info(f"t{len(names)}", TensorProto.FLOAT, None)],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    data: bytes = model.SerializeToString()
    return data


@needs_onnx
@given(
    st.lists(FILE_NAMES, min_size=1, max_size=5, unique=True),
    st.integers(0, 4),
    st.sampled_from(["channels", "stride"]),
)
def test_errors_name_the_node(names: list[str], bad: int, how: str) -> None:
    bad %= len(names)
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "chain.onnx"
        model.write_bytes(_conv_chain(names, 4, bad, how))
        for command in ("summarize", "import"):
            code, out, err = run_cli(command, str(model))
            assert (code, out) == (2, ""), err
            assert f"node '{shown(names[bad])}' (Conv)" in err, err
            assert ", line " not in err and "Traceback" not in err


# 3. A weight made for other input channels than its input has is refused.


def _one_node(op: str, cin: list[int], weight: list[int], **attrs: Any) -> bytes:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.zeros(weight, np.float32), "W")
    node = helper.make_node(op, ["x", "W"], ["y"], name="the_node", **attrs)
    graph = helper.make_graph(
        [node],
        "one",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, cin)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    data: bytes = model.SerializeToString()
    return data


def _summarize(data: bytes) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "one.onnx"
        model.write_bytes(data)
        code, _, err = run_cli("summarize", str(model))
    assert "Traceback" not in err
    return code, err


@needs_onnx
@given(st.sampled_from([1, 2, 4]), st.integers(1, 3), st.integers(1, 9))
def test_conv_weight_must_fit_its_input_group_aware(group: int, per_group: int, cin: int) -> None:
    # W (4*group x C/group x 3 x 3) fits an input of C channels when C/group * group == C
    data = _one_node(
        "Conv", [1, cin, 8, 8], [4 * group, per_group, 3, 3], group=group, kernel_shape=[3, 3]
    )
    code, err = _summarize(data)
    if per_group * group == cin:
        assert code == 0, err
    else:
        assert code == 2
        assert "node 'the_node' (Conv)" in err and "input channels" in err


@needs_onnx
@pytest.mark.parametrize(
    ("op", "weight", "attrs", "fits"),
    [
        ("Gemm", [8, 10], {}, True),  # B (K=8 x N=10)
        ("Gemm", [10, 8], {"transB": 1}, True),
        ("Gemm", [7, 10], {}, False),
        ("Gemm", [10, 7], {"transB": 1}, False),
        ("MatMul", [8, 10], {}, True),
        ("MatMul", [7, 10], {}, False),
    ],
)
def test_fc_weight_must_fit_its_input(
    op: str, weight: list[int], attrs: dict[str, int], fits: bool
) -> None:
    code, err = _summarize(_one_node(op, [1, 8], weight, **attrs))
    assert code == (0 if fits else 2), err
    if not fits:
        assert f"node 'the_node' ({op})" in err and "written for 7 input features" in err


@needs_onnx
def test_conv_transpose_weight_must_fit_its_input() -> None:
    # ConvTranspose's W is (C x M/group x kH x kW)
    ok = _one_node("ConvTranspose", [1, 4, 8, 8], [4, 6, 3, 3], kernel_shape=[3, 3])
    assert _summarize(ok)[0] == 0
    code, err = _summarize(_one_node("ConvTranspose", [1, 5, 8, 8], [4, 6, 3, 3]))
    assert code == 2 and "node 'the_node' (ConvTranspose)" in err


def test_keras_layer_built_for_other_channels_is_refused(tmp_path: Path) -> None:
    root = json.loads(KERAS.read_text())
    second = [layer for layer in root["config"]["layers"] if layer["class_name"] == "Conv2D"][1]
    second["build_config"]["input_shape"][-1] = 16  # its input has 32 channels
    model = tmp_path / "bad.json"
    model.write_text(json.dumps(root))
    code, _, err = run_cli("summarize", str(model))
    assert code == 2
    assert "layer 'conv2d_1' (Conv2D)" in err and "written for 16 input channels" in err


def test_torch_conv_on_other_channels_is_refused() -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(5, 4, 3))
    with pytest.raises(CnnCalcError, match="does not run on input"):
        cnncalc.from_torch(model, (3, 8, 8))
