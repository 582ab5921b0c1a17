"""ONNX import of the decoder and modern operators, on small graphs built here with
onnx.helper. Expected sizes come from the ONNX operator documentation (onnx/docs/
Operators.md), written out per test; the PyTorch-exported fixtures (U-Net, SE block,
pixel shuffle) are checked in tests/test_import.py.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
from cnncalc.interop.onnx_import import import_onnx
from tests.clirun import run_cli
from tests.conftest import num

onnx = pytest.importorskip("onnx")
helper = onnx.helper


def _model(
    nodes: list[Any],
    shape: list[int],
    inits: dict[str, Any] | None = None,
    opset: int = 17,
) -> bytes:
    """A one-input graph: ``inits`` maps a name to its dims (no data) or (dims, values)."""
    tensors = []
    for name, spec in (inits or {}).items():
        if isinstance(spec, tuple):
            dims, values = spec
            kind = onnx.TensorProto.INT64 if all(float(v).is_integer() for v in values) else 1
            tensors.append(helper.make_tensor(name, kind, dims, values))
        else:
            count = 1
            for d in spec:
                count *= d
            tensors.append(helper.make_tensor(name, onnx.TensorProto.FLOAT, spec, [0.0] * count))
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(nodes[-1].output[0], onnx.TensorProto.FLOAT, None)],
        tensors,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    data: bytes = model.SerializeToString()
    return data


def _run(data: bytes, skip: bool = False) -> cnncalc.NetworkResult:
    return cnncalc.evaluate(import_onnx(data, "t.onnx", skip_unknown=skip, fold=False).spec())


def _last(result: cnncalc.NetworkResult) -> list[int]:
    layer = result.layers[-1]
    return [num(layer.output.channels), *layer.output.size]


def _float(name: str, values: list[float]) -> tuple[list[int], list[float]]:
    return ([len(values)], values)


@given(
    n=st.integers(1, 12),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    d=st.integers(1, 3),
    data=st.data(),
)
def test_conv_transpose_output_shape_is_honoured(n: int, k: int, s: int, d: int, data: Any) -> None:
    # ONNX: total_padding = s*(n-1) + output_padding + (k-1)*d + 1 - output_shape, split
    # begin = total//2, end = total - begin (SAME_UPPER's rule): the output is output_shape.
    extra = data.draw(st.integers(0, max(s, d) - 1))
    full = s * (n - 1) + extra + (k - 1) * d + 1
    out = data.draw(st.integers(max(1, full - 2 * ((k - 1) * d)), full))
    node = helper.make_node(
        "ConvTranspose",
        ["x", "w"],
        ["y"],
        strides=[s, s],
        dilations=[d, d],
        output_padding=[extra, extra],
        output_shape=[out, out],
    )
    result = _run(_model([node], [1, 2, n, n], {"w": [2, 6, k, k]}))
    assert _last(result) == [6, out, out]
    assert result.totals.params == 2 * 6 * k * k  # no bias input: C_in * C_out * k^2


def test_conv_transpose_pads_groups_and_bias() -> None:
    # out = s*(n-1) - pads + (k-1)*d + 1 + output_padding = 2*4 - 1 + 2 + 1 + 1 = 11
    node = helper.make_node(
        "ConvTranspose",
        ["x", "w", "b"],
        ["y"],
        strides=[2, 2],
        pads=[0, 1, 1, 0],
        output_padding=[1, 1],
        group=2,
    )
    result = _run(_model([node], [1, 4, 5, 5], {"w": [4, 3, 3, 3], "b": [6]}))
    assert _last(result) == [6, 11, 11]
    # PyTorch's ConvTranspose2d(4, 6, 3, groups=2): 4 * 6/2 * 9 + 6 parameters
    assert result.totals.params == 4 * 3 * 9 + 6
    assert result.totals.macs == 4 * 25 * 3 * 9  # C_in * n_in * C_out/g * k^2


def test_pad_modes_and_negative_pads() -> None:
    pads = ([8], [0, 0, 1, 2, 0, 0, 3, 4])  # begins (N, C, H, W) then ends
    node = helper.make_node("Pad", ["x", "p"], ["y"], mode="edge")
    text = import_onnx(_model([node], [1, 3, 5, 6], {"p": pads}), "t").text
    assert "padding: [[1, 3], [2, 4]]" in text and "mode: replicate" in text
    assert _last(_run(_model([node], [1, 3, 5, 6], {"p": pads}))) == [3, 5 + 4, 6 + 6]
    crop = ([8], [0, 0, -1, 0, 0, 0, 0, -2])
    node = helper.make_node("Pad", ["x", "p"], ["y"])
    assert _last(_run(_model([node], [1, 3, 5, 6], {"p": crop}))) == [3, 4, 4]
    old = helper.make_node("Pad", ["x"], ["y"], pads=[0, 0, 1, 1, 0, 0, 1, 1], value=2.0)
    assert _last(_run(_model([old], [1, 3, 5, 6], opset=10))) == [3, 7, 8]


def test_resize_and_upsample() -> None:
    scales = ([4], [1.0, 1.0, 2.0, 1.5])
    node = helper.make_node("Resize", ["x", "", "s"], ["y"], mode="linear")
    assert _last(_run(_model([node], [1, 3, 5, 6], {"s": scales}))) == [3, 10, 9]
    sizes = ([4], [1, 3, 7, 9])
    cubic = helper.make_node("Resize", ["x", "", "", "z"], ["y"], mode="cubic")
    text = import_onnx(_model([cubic], [1, 3, 5, 6], {"z": sizes}), "t").text
    assert "size: [7, 9]" in text and "bicubic" in text
    old = helper.make_node("Upsample", ["x", "s"], ["y"])  # opset 9: scales as an input
    assert _last(_run(_model([old], [1, 3, 5, 6], {"s": scales}, opset=9))) == [3, 10, 9]


def test_split_slice_and_shuffles() -> None:
    equal = helper.make_node("Split", ["x"], ["a", "b"], axis=1)
    conv = helper.make_node("Concat", ["b", "a"], ["y"], axis=1)
    text = import_onnx(_model([equal, conv], [1, 8, 4, 4]), "t").text
    assert "split: {parts: 2, index: 1" in text
    uneven = helper.make_node("Split", ["x", "n"], ["a", "b"], axis=1)
    result = _run(_model([uneven, conv], [1, 8, 4, 4], {"n": ([2], [2, 6])}))
    assert [num(lay.output.channels) for lay in result.layers] == [2, 6, 8]
    cut = helper.make_node("Slice", ["x", "s", "e", "a"], ["y"])
    inits: Any = {"s": ([1], [2]), "e": ([1], [2**63 - 1]), "a": ([1], [1])}
    assert _last(_run(_model([cut], [1, 8, 4, 4], inits))) == [6, 4, 4]
    spatial = {"s": ([2], [1, 0]), "e": ([2], [-1, 3]), "a": ([2], [2, 3])}
    assert _last(_run(_model([cut], [1, 8, 6, 6], spatial))) == [8, 4, 3]  # crop
    d2s = helper.make_node("DepthToSpace", ["x"], ["y"], blocksize=2, mode="DCR")
    assert _last(_run(_model([d2s], [1, 8, 3, 3]))) == [2, 6, 6]
    s2d = helper.make_node("SpaceToDepth", ["x"], ["y"], blocksize=3)
    assert _last(_run(_model([s2d], [1, 2, 6, 9]))) == [18, 2, 3]


def test_norms_means_and_products() -> None:
    gn = helper.make_node("GroupNormalization", ["x", "w", "b"], ["y"], num_groups=2)
    result = _run(_model([gn], [1, 6, 4, 4], {"w": [6], "b": [6]}, opset=21))
    assert result.totals.params == 12  # weight and bias per channel
    inorm = helper.make_node("InstanceNormalization", ["x", "w", "b"], ["y"])
    assert _run(_model([inorm], [1, 6, 4, 4], {"w": [6], "b": [6]})).totals.params == 12
    ln = helper.make_node("LayerNormalization", ["x", "w"], ["y"], axis=1)
    assert _run(_model([ln], [1, 6], {"w": [6]})).totals.params == 6  # no bias input
    mean = helper.make_node("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=1)
    assert _last(_run(_model([mean], [1, 6, 4, 5]))) == [6, 1, 1]
    gate = helper.make_node("ReduceMean", ["x"], ["g"], axes=[-1, -2], keepdims=1)
    mul = helper.make_node("Mul", ["x", "g"], ["y"])
    assert _last(_run(_model([gate, mul], [1, 6, 4, 5]))) == [6, 4, 5]
    half = helper.make_node("Mul", ["x", "h"], ["m"])
    relu = helper.make_node("Relu", ["m"], ["y"])
    inits: Any = {"h": ([], [0.5])}
    assert [lay.kind for lay in _run(_model([half, relu], [1, 6, 4, 4], inits)).layers] == ["relu"]
    scale = helper.make_node("Mul", ["x", "gamma"], ["y"])
    result = _run(_model([scale], [1, 6, 4, 4], {"gamma": [6, 1, 1]}))
    assert result.layers[-1].kind == "layer_scale" and result.totals.params == 6


def test_what_cannot_be_modelled_is_named() -> None:
    ln = helper.make_node("LayerNormalization", ["x", "w"], ["y"], axis=-1, name="ln4")
    mean = helper.make_node("ReduceMean", ["y"], ["z"], axes=[1], keepdims=1, name="mean_c")
    with pytest.raises(cnncalc.CnnCalcError) as info:
        import_onnx(_model([ln, mean], [1, 6, 4, 4], {"w": [4]}), "t")
    assert "LayerNormalization (node 'ln4')" in str(info.value)
    assert "ReduceMean (node 'mean_c')" in str(info.value)


def test_huge_pads_end_cleanly(tmp_path: Path) -> None:
    node = helper.make_node("Pad", ["x", "p"], ["y"])
    path = tmp_path / "huge.onnx"
    path.write_bytes(_model([node], [1, 3, 5, 6], {"p": ([8], [0, 0, 10**15, 0, 0, 0, 0, 0])}))
    code, _, err = run_cli("summarize", str(path))
    assert code in (0, 2) and "Traceback" not in err


_SHAPE_OPS = ["Add", "Sub", "Mul", "Div", "Concat", "Gather", "Unsqueeze", "Cast"]


@given(
    ops=st.lists(st.sampled_from(_SHAPE_OPS), min_size=1, max_size=5),
    numbers=st.lists(
        st.one_of(st.integers(-(2**62), 2**62), st.sampled_from([0, 1, -1])),
        min_size=8,
        max_size=8,
    ),
)
def test_folded_shape_constants_never_traceback(ops: list[str], numbers: list[int]) -> None:
    # Pads computed by a chain of shape arithmetic (as PyTorch exports F.pad): whatever
    # the numbers (zero divisors, huge values, bad indices), a result or a cnncalc error.
    nodes = []
    current = "c0"
    for i, op in enumerate(ops):
        out = f"t{i}"
        if op in ("Add", "Sub", "Mul", "Div", "Concat"):
            extra = {"axis": 0} if op == "Concat" else {}
            nodes.append(helper.make_node(op, [current, "c1"], [out], **extra))
        elif op == "Gather":
            nodes.append(helper.make_node(op, [current, "i"], [out], axis=0))
        elif op == "Unsqueeze":
            nodes.append(helper.make_node(op, [current, "a"], [out]))
        else:
            nodes.append(helper.make_node(op, [current], [out], to=onnx.TensorProto.INT64))
        current = out
    nodes.append(helper.make_node("Pad", ["x", current], ["y"]))
    inits: Any = {
        "c0": ([8], numbers),
        "c1": ([8], list(reversed(numbers))),
        "i": ([8], [7, 6, 5, 4, 3, 2, 1, 0]),
        "a": ([1], [0]),
    }
    with contextlib.suppress(cnncalc.CnnCalcError):
        _run(_model(nodes, [1, 3, 5, 6], inits))
