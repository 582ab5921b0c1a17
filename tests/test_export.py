"""``cnncalc export`` (PyTorch and Keras code) and ``cnncalc verify`` (against PyTorch).

The export tests run without torch or Keras: the code compiles, names every layer, and
Keras's layer list and arguments are those the spec writes (read off the spec by hand
below). The verify tests need torch and skip without it: PyTorch itself is the
independent source of every shape, parameter count and MAC count they compare.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncalc import evaluate, parse
from cnncalc.errors import CnnCalcError
from cnncalc.interop.export_keras import export_keras
from cnncalc.interop.export_pytorch import export_pytorch, identifier
from tests.clirun import run_cli
from tests.conftest import ROOT, SPECS, load_spec

ZOO = sorted(p.name for p in SPECS.glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden"

# Zoo specs the exporters cannot write yet: the issue-12 kinds (first one met per spec).
NOT_EXPORTED_YET = {
    "efficientnet_b0.yaml": "multiply",
    "mobilenet_v3_large.yaml": "multiply",
    "mobilenet_v3_small.yaml": "multiply",
    "regnet_y_400mf.yaml": "multiply",
    "lraspp_mobilenet_v3_large.yaml": "multiply",
    "convnext_tiny.yaml": "layernorm",
    "shufflenet_v2_x1_0.yaml": "channel_shuffle",
    "fcn_resnet50.yaml": "upsample",
    "deeplabv3_resnet50.yaml": "upsample",
    "unet.yaml": "conv_transpose",
    "unet_padded.yaml": "conv_transpose",
    "dcgan_generator.yaml": "conv_transpose",
    "espcn.yaml": "pixel_shuffle",
}
# Zoo specs Keras cannot express, with the reason export gives.
KERAS_REFUSES = {
    "alexnet2012.yaml": "local response normalisation",
    "zfnet.yaml": "local response normalisation",
    **{name: f"no Keras layer for {kind} yet" for name, kind in NOT_EXPORTED_YET.items()},
}
# Zoo specs PyTorch cannot express (locally connected layers would be), with the reason.
TORCH_REFUSES: dict[str, str] = {
    name: f"no PyTorch layer for {kind} yet" for name, kind in NOT_EXPORTED_YET.items()
}

SAFE_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ALLOWED_IMPORTS = {"collections", "torch", "keras"}


def have_torch() -> bool:
    """True where the optional extra is installed."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_code(spec_text: str, fmt: str = "grammar") -> str:
    spec = parse(spec_text, fmt)  # type: ignore[arg-type]
    return export_pytorch(spec, evaluate(spec)).text


def assert_safe(text: str) -> None:
    """The code compiles, imports only the framework, and every identifier in it is plain
    ASCII: user text can only be inside string literals (and comments, as repr)."""
    compile(text, "<export>", "exec")  # the whole compiler: a duplicate argument fails here
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [node.module] if isinstance(node, ast.ImportFrom) else []
            modules += [alias.name for alias in node.names if isinstance(node, ast.Import)]
            assert {str(m).split(".")[0] for m in modules} <= ALLOWED_IMPORTS, ast.dump(node)
        for attr in ("id", "attr", "name", "arg"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and not isinstance(node, ast.alias):
                assert SAFE_IDENTIFIER.fullmatch(value), (attr, value)
        if isinstance(node, ast.keyword) and node.arg is not None:
            assert SAFE_IDENTIFIER.fullmatch(node.arg)
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            assert "\r" not in line and "\x0c" not in line


# ---------------------------------------------------------------------------------------
# PyTorch code, without torch


@pytest.mark.parametrize("name", ZOO)
def test_zoo_pytorch_code_compiles_and_names_every_layer(name: str) -> None:
    spec = load_spec(str(SPECS / name))
    result = evaluate(spec)
    if name in TORCH_REFUSES:
        with pytest.raises(CnnCalcError, match=TORCH_REFUSES[name]):
            export_pytorch(spec, result)
        return
    code = export_pytorch(spec, result)
    assert_safe(code.text)
    assert set(code.paths) == {row.name for row in result.layers}
    for path in code.paths.values():
        # every module path's last part is written in the code: a key or an attribute
        last = path.split(".")[-1]
        assert f"'{last}'" in code.text or f"self.{last} " in code.text, path


def test_golden_pytorch_export() -> None:
    # Reviewed by hand: a chain is an nn.Sequential keyed by the spec's layer names.
    spec = load_spec(str(SPECS / "lenet5.yaml"))
    text = export_pytorch(spec, evaluate(spec)).text
    assert text == (GOLDEN / "export_lenet5.py.txt").read_text(encoding="utf-8")


def test_golden_pytorch_export_of_a_block() -> None:
    # Reviewed by hand: branches in forward, TF 'same' at stride 2 as ZeroPad2d((0, 1, 0, 1)).
    spec_text = (
        "INPUT(16x16x3) -> CONV(8, 3, s=2, p=same, name=stem) -> "
        "ADD{CONV(8, 3, p=1) -> RELU | IDENTITY} -> MAXPOOL(3, 2, ceil=caffe) -> FC(10)"
    )
    assert torch_code(spec_text) == (GOLDEN / "export_block.py.txt").read_text(encoding="utf-8")


def test_branches_are_written_in_forward() -> None:
    text = torch_code(
        "INPUT(8x8x4) -> CONV(4, 3, p=1, name=a) -> CONCAT{CONV(2, 1) | CONV(2, 3, p=1)} -> GAP"
    )
    assert "class Concat(nn.Module)" in text
    assert "def forward(self, x: torch.Tensor)" in text
    assert re.search(r"= self\.concat1\(\w+, \w+\)", text)


def test_tf_same_at_stride_two_is_an_explicit_pad() -> None:
    # TF 'same' for 32, k=3, s=2: out = ceil(32/2) = 16, total = (16-1)*2 + 3 - 32 = 1:
    # (0, 1) per axis, which PyTorch's padding cannot say.
    text = torch_code("INPUT(32x32x3) -> CONV(16, 3, s=2, p=same)")
    assert "nn.ZeroPad2d((0, 1, 0, 1))" in text
    assert "TensorFlow's 'same' padding at stride > 1" in text


def test_caffe_rounding_is_an_explicit_pad() -> None:
    # n=5, k=1, s=3, no padding. Caffe: ceil((5-1)/3) + 1 = 3. PyTorch's ceil mode gives
    # 3 too, then drops the last window as it starts past the input ((3-1)*3 = 6 >= 5): 2.
    # Floor rounding on 5 + 2 gives (7-1)//3 + 1 = 3: two padded columns on the right.
    text = torch_code("INPUT(5x5x1) -> MAXPOOL(1, 3, ceil=caffe)")
    assert 'nn.ConstantPad2d((0, 2, 0, 2), float("-inf"))' in text
    assert "Caffe's ceil rounding" in text
    # Where PyTorch's rule gives Caffe's sizes, its own ceil mode is written.
    assert "ceil_mode=True" in torch_code("INPUT(6x6x1) -> MAXPOOL(3, 2, ceil=caffe)")


def test_max_pool_pads_with_minus_infinity() -> None:
    text = torch_code("INPUT(6x6x1) -> MAXPOOL(2, 2, p=[[1, 0], [1, 0]])")
    assert 'nn.ConstantPad2d((1, 0, 1, 0), float("-inf"))' in text


@pytest.mark.parametrize(
    ("spec", "target", "words"),
    [
        ("INPUT(8x8x3) -> LOCAL(4, 3)", "pytorch", "no locally connected layer"),
        ("INPUT(8x8x3) -> LOCAL(4, 3)", "keras", "no locally connected layer"),
        ("INPUT(8x8x3) -> LRN(5)", "keras", "no local response normalisation"),
        ("INPUT(7x7x3) -> ADAPTIVE_AVGPOOL(3)", "keras", "uneven"),
        ("INPUT(8x8xC) -> CONV(4, 3)", "pytorch", "symbol"),
    ],
)
def test_refusals_are_located_errors(spec: str, target: str, words: str) -> None:
    code, out, err = run_cli("export", spec, "--to", target)
    assert code == 2, err
    assert out == ""
    assert words in err
    assert "Traceback" not in err


def test_export_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    code, _, err = run_cli("export", str(SPECS / "lenet5.yaml"), "-o", str(target))
    assert code == 0, err
    compile(target.read_text(encoding="utf-8"), str(target), "exec")


names = st.text(min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and not s.startswith("@") and s != "input"
)


@given(st.lists(names, min_size=5, max_size=5, unique=True))
def test_hostile_names_never_become_code(chosen: list[str]) -> None:
    # Names of every sort, in blocks (dotted), as branch targets and as the spec's name
    # (which also names the model class, as block b's names its class): the code
    # compiles, no name is an identifier in it, and with torch it runs and agrees.
    a, b, c, d, e = chosen
    doc = {
        "name": b,
        "input": "8x8x3",
        "layers": [
            {"conv": {"filters": 4, "kernel": 3, "name": a}},
            {"relu": {"name": f"{b}.{c}"}},
            {"conv": {"filters": 4, "kernel": 1, "from": a, "name": f"{b}.{d}"}},
            {"add": {"from": [f"{b}.{c}", f"{b}.{d}"], "name": b}},
            {"add": {"from": [a, b], "name": f"{e}.{a}"}},  # a block reading two inputs
            {"relu": {"name": e}},
            {"fc": {"units": 2, "name": f"{a}.{d}"}},
        ],
    }
    try:
        spec = parse(yaml.safe_dump(doc, allow_unicode=True), "yaml")
        result = evaluate(spec)
    except CnnCalcError:
        assume(False)
        return
    for text in (export_pytorch(spec, result).text, export_keras(spec, result)):
        assert_safe(text)
        idents = {getattr(n, "id", getattr(n, "attr", None)) for n in ast.walk(ast.parse(text))}
        assert not {name for name in chosen if not SAFE_IDENTIFIER.fullmatch(name)} & idents
    if have_torch():
        from cnncalc.interop.verify import verify

        assert verify(spec, result).differences == ()


@given(st.text(max_size=30))
def test_identifiers_are_safe(text: str) -> None:
    word = identifier(text)
    assert SAFE_IDENTIFIER.fullmatch(word) and word.isidentifier()
    import keyword

    assert not keyword.iskeyword(word)


# ---------------------------------------------------------------------------------------
# Keras code, without Keras


def keras_calls(text: str) -> list[tuple[str, list[object], dict[str, object]]]:
    """Every ``layers.X(...)`` call of the code: class, positional and keyword values."""
    calls = []
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "layers"
        ):
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            calls.append((node.func.attr, args, kwargs))
    return calls


@pytest.mark.parametrize("name", ZOO)
def test_zoo_keras_code_parses_and_names_every_layer(name: str) -> None:
    spec = load_spec(str(SPECS / name))
    result = evaluate(spec)
    if name in KERAS_REFUSES:
        with pytest.raises(CnnCalcError, match=KERAS_REFUSES[name]):
            export_keras(spec, result)
        return
    text = export_keras(spec, result)
    assert_safe(text)
    named = {str(kw.get("name")) for _, _, kw in keras_calls(text)}
    for row in result.layers:
        assert re.sub(r"[^A-Za-z0-9_.\-]", "_", row.name) in named, row.name


def test_keras_alexnet_layers_and_arguments_are_the_spec() -> None:
    # specs/alexnet.yaml, read by hand: conv 64 k11 s4 p2; pool 3/2; conv 192 k5 p2;
    # pool; conv 384/256/256 k3 p1; pool; adaptive 6 (on 6x6: a 1x1 pool); fc 4096 x2, 1000.
    spec = load_spec(str(SPECS / "alexnet.yaml"))
    calls = keras_calls(export_keras(spec, evaluate(spec)))
    by_name = {kw["name"]: (cls, args, kw) for cls, args, kw in calls}
    assert by_name["conv1"] == ("Conv2D", [64, 11], {"strides": 4, "name": "conv1"})
    assert by_name["conv1_pad"][1] == [((2, 2), (2, 2))]
    assert by_name["pool1"] == ("MaxPooling2D", [3], {"strides": 2, "name": "pool1"})
    assert by_name["conv2"][:2] == ("Conv2D", [192, 5])
    assert [by_name[f"conv{i}"][1] for i in (3, 4, 5)] == [[384, 3], [256, 3], [256, 3]]
    assert by_name["avgpool"][:2] == ("AveragePooling2D", [1])
    assert [by_name[n][1] for n in ("fc6", "fc7", "fc8")] == [[4096], [4096], [1000]]
    assert by_name["fc6"][0] == "Dense"
    assert sum(cls == "ReLU" for cls, _, _ in calls) == 7
    assert sum(cls == "Dropout" for cls, _, _ in calls) == 2


def test_keras_same_padding_is_kept() -> None:
    spec = parse("INPUT(32x32x3) -> CONV(16, 3, s=2, p=same) -> MAXPOOL(2, 2, p=same)")
    calls = keras_calls(export_keras(spec, evaluate(spec)))
    assert [kw.get("padding") for _, _, kw in calls] == ["same", "same"]


# ---------------------------------------------------------------------------------------
# verify, with torch


def test_verify_without_torch_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    code, _, err = run_cli("verify", str(SPECS / "lenet5.yaml"))
    assert code == 2
    assert "pip install 'cnncalc[torch]'" in err


@pytest.mark.parametrize("name", ZOO)
def test_verify_zoo(name: str) -> None:
    pytest.importorskip("torch")
    if name in TORCH_REFUSES:
        pytest.skip(TORCH_REFUSES[name])
    code, out, err = run_cli("verify", str(SPECS / name))
    assert code == 0, out + err
    assert out.startswith("no differences:"), out


def test_verify_reports_a_difference() -> None:
    pytest.importorskip("torch")
    from cnncalc.interop.verify import Difference, verify

    spec = parse("INPUT(8x8x3) -> CONV(4, 3) -> FC(10)")
    result = evaluate(spec)
    # conv: (3*9 + 1)*4 = 112 parameters; 6*6*4 outputs of 27 MACs each = 3,888.
    wrong = result.layers[0]._replace(params=113, macs=3_889)
    check = verify(spec, result._replace(layers=(wrong, *result.layers[1:])))
    assert check.differences == (
        Difference("conv1", "params", "113", "112"),
        Difference("conv1", "MACs", "3,889", "3,888"),
    )


pool_case = st.tuples(
    st.integers(1, 4),  # kernel
    st.integers(1, 3),  # stride
    st.sampled_from(["0", "1", "same", "[[1,0],[1,0]]", "[[0,1],[0,1]]"]),
    st.sampled_from(["false", "true", "caffe"]),
    st.sampled_from(["MAXPOOL", "AVGPOOL", "CONV"]),
)


@settings(max_examples=25)
@given(st.integers(5, 12), st.lists(pool_case, min_size=1, max_size=3))
def test_verify_agrees_on_padding_and_rounding(size: int, cases: list[tuple[object, ...]]) -> None:
    pytest.importorskip("torch")
    from cnncalc.interop.verify import verify

    parts = []
    for kernel, stride, pad, ceil, word in cases:
        pad_text = str(pad)
        if word == "CONV":
            parts.append(f"CONV(2, {kernel}, s={stride}, p={pad_text})")
        else:
            parts.append(f"{word}({kernel}, {stride}, p={pad_text}, ceil={ceil})")
    try:
        spec = parse(f"INPUT({size}x{size}x2) -> " + " -> ".join(parts))
        result = evaluate(spec)
    except CnnCalcError:
        assume(False)
        return
    assert verify(spec, result).differences == ()
