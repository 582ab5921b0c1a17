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
from tests.strategies import DECODER_CHAINS, SHAREABLE_CHAINS

ZOO = sorted(p.name for p in SPECS.glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden"

# Zoo specs Keras cannot express, with the reason export gives.
KERAS_REFUSES = {
    "alexnet2012.yaml": "local response normalisation",
    "zfnet.yaml": "local response normalisation",
}
# What Keras lacks, as export says it; a zoo spec not listed above may be refused only so.
KERAS_REASONS = (
    "local response normalisation",
    "no layer that slices channels",
    "no layer that splits channels",
    "no layer scale layer",
    "no stochastic depth layer",
    "no pixel shuffle layer",
    "pads only with zeros",
    "have no groups",
    "no align_corners",
    "output_padding smaller than the stride only",
    "resizes by whole factors",
)
# Zoo specs PyTorch cannot express: none today (locally connected layers would be).
TORCH_REFUSES: dict[str, str] = {}

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
    try:
        text = export_keras(spec, result)
    except CnnCalcError as error:  # a zoo spec added since: only a deliberate refusal
        assert any(reason in str(error) for reason in KERAS_REASONS), error
        return
    assert_safe(text)
    named = {str(kw.get("name")) for _, _, kw in keras_calls(text)}
    for row in result.layers:
        if row.shares is not None and row.params:  # calls its owner's layer, named so
            assert f"# shares the parameters of {row.shares!r}" in text, row.name
            continue
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


# ---------------------------------------------------------------------------------------
# The decoder and modern kinds, and weight sharing


def test_pytorch_code_of_the_new_kinds_without_torch() -> None:
    # Read off the spec by hand: PyTorch's modules and arguments for each kind.
    text = torch_code(
        "INPUT(8x8x4) -> DECONV(8, 3, s=2, p=1, op=1, g=2, d=2) -> UPSAMPLE(2, bilinear) "
        "-> PIXEL_SHUFFLE(2) -> PAD([[1,2],[0,3]], reflect) -> DWCONV(3, m=2) "
        "-> GROUPNORM(2) -> INSTANCENORM(affine=true) -> LAYERNORM -> LAYER_SCALE "
        "-> DROP_PATH(0.1) -> CHANNEL_SHUFFLE(2) -> SLICE(1, 2) -> SPLIT(2, 1)"
    )
    assert_safe(text)
    expected = [
        "nn.ConvTranspose2d(4, 8, kernel_size=3, stride=2, padding=1, output_padding=1, "
        "groups=2, dilation=2)",
        "nn.Upsample(scale_factor=2.0, mode='bilinear', align_corners=False)",
        "nn.PixelShuffle(2)",
        "nn.ReflectionPad2d((0, 3, 1, 2))",  # F.pad order: last axis first
        "nn.GroupNorm(2, ",
        "nn.InstanceNorm2d(",
        "LayerNorm2d(",
        "LayerScale(",
        "DropPath(0.1)",
        "nn.ChannelShuffle(2)",
        "ChannelSlice(1, 2)",
        "Chunk(2, 1)",
    ]
    for piece in expected:
        assert piece in text, piece
    # torchvision's StochasticDepth is not assumed (assert_safe allows torch only).
    assert "class DropPath(nn.Module)" in text


def test_dwconv_is_a_grouped_conv() -> None:
    # Multiplier 2 on 6 channels: in 6, out 12, groups 6 (PyTorch's depthwise conv).
    text = torch_code("INPUT(8x8x6) -> DWCONV(3, m=2, p=1)")
    assert "nn.Conv2d(6, 12, kernel_size=3, padding=1, groups=6)" in text


def test_asymmetric_transposed_padding_is_cropped() -> None:
    # PyTorch pads a transposed conv alike on both sides: min(1, 0) = 0 on H and
    # min(0, 2) = 0 on W, then crop (1, 0) and (0, 2).
    text = torch_code("INPUT(8x8x4) -> DECONV(4, 3, s=2, p=[[1,0],[0,2]])")
    assert "nn.ConvTranspose2d(4, 4, kernel_size=3, stride=2), Crop(((1, 0), (0, 2)))" in text


def test_sizes_named_by_a_layer_are_read_in_forward() -> None:
    text = torch_code(
        "INPUT(8x8x4) -> CONV(4, 3, name=a) -> UPSAMPLE(size=input, mode=bilinear) "
        "-> CROP(center=a)"
    )
    assert "UpsampleLike(mode='bilinear', align_corners=False)" in text
    assert re.search(r"= self\.upsample1\(\w+, inputs\)", text), text
    assert re.search(r"= self\.crop1\(\w+, a\)", text), text


def test_a_flat_gate_is_viewed_as_a_map() -> None:
    text = torch_code(
        "INPUT(8x8x4) -> CONV(8, 3, name=a) -> GAP -> FLATTEN -> FC(8) -> SIGMOID "
        "-> MULTIPLY(from=[a, sigmoid1])"
    )
    assert "class Multiply(nn.Module)" in text
    assert "t.view(*t.shape, *[1] * (rank - 2))" in text


SIAMESE_PARAMS = (1 * 5 * 5 + 1) * 16 + (16 * 3 * 3 + 1) * 32 + (1152 + 1) * 64 + (128 + 1) * 1
"""specs/siamese.yaml by hand: conv1 5x5x1 -> 16, conv2 3x3x16 -> 32, embed 1152 -> 64 and
the score 128 -> 1 (weights + biases), the shared encoder once: 78,977."""


def test_siamese_twins_are_one_module() -> None:
    spec = load_spec(str(SPECS / "siamese.yaml"))
    text = export_pytorch(spec, evaluate(spec)).text
    assert "        self.right = self.left\n" in text
    assert text.count("nn.Conv2d(1, 16") == 1


def test_siamese_torch_counts_the_shared_encoder_once() -> None:
    torch = pytest.importorskip("torch")
    spec = load_spec(str(SPECS / "siamese.yaml"))
    code = export_pytorch(spec, evaluate(spec))
    namespace: dict[str, object] = {"__name__": "export"}
    exec(compile(code.text, "<export>", "exec"), namespace)
    model = namespace[code.model]()  # type: ignore[operator]
    assert model.right is model.left
    assert sum(p.numel() for p in model.parameters()) == SIAMESE_PARAMS == 78_977
    assert tuple(model(torch.zeros(2, 1, 32, 32)).shape) == (2, 1)


def test_verify_catches_an_export_that_does_not_share(monkeypatch: pytest.MonkeyPatch) -> None:
    # The export of round 1 built two encoders and verify said "no differences"; PyTorch
    # then holds 78,977 + the encoder's 416 + 4,640 + 73,792 = 157,825 parameters.
    pytest.importorskip("torch")
    from cnncalc.interop import export_pytorch as module
    from cnncalc.interop.verify import Difference, verify

    monkeypatch.setattr(module._Writer, "twins", lambda self, a, b: False)
    monkeypatch.setattr(module._Writer, "ties", lambda self: [])
    spec = load_spec(str(SPECS / "siamese.yaml"))
    check = verify(spec, evaluate(spec))
    assert Difference("(total)", "params", "78,977", "157,825") in check.differences


def test_shared_layers_in_a_repeat_are_one_module() -> None:
    text = torch_code("INPUT(8x8x4) -> [CONV(4, 3, p=1, name=cell, share=cell) -> RELU]*3")
    assert "        self.cell_1 = self.cell_0\n" in text
    assert "        self.cell_2 = self.cell_0\n" in text


def test_sharing_layers_built_differently_are_refused() -> None:
    # Same weight shapes, another stride: one PyTorch module (or Keras layer) cannot be both.
    for target in ("pytorch", "keras"):
        code, out, err = run_cli(
            "export",
            "INPUT(8x8x4) -> CONV(4, 3, p=1, name=a) -> CONV(4, 3, s=2, share=a)",
            "--to",
            target,
        )
        assert code == 2 and out == ""
        assert "shares the parameters of 'a'" in err and "Traceback" not in err


@settings(max_examples=30)
@given(SHAREABLE_CHAINS)
def test_verify_agrees_on_shared_chains(pair: tuple[str, str]) -> None:
    pytest.importorskip("torch")
    from cnncalc.interop.verify import verify

    _, text = pair
    assume("LOCAL" not in text)  # PyTorch has no locally connected layer
    spec = parse(text)
    assert verify(spec, evaluate(spec)).differences == ()


@given(DECODER_CHAINS)
def test_decoder_chains_export_without_torch(text: str) -> None:
    spec = parse(text)
    result = evaluate(spec)
    assert_safe(export_pytorch(spec, result).text)
    try:
        keras = export_keras(spec, result)
    except CnnCalcError as error:
        assert any(reason in str(error) for reason in KERAS_REASONS), error
        return
    assert_safe(keras)


@settings(max_examples=40)
@given(DECODER_CHAINS)
def test_verify_agrees_on_decoder_and_modern_kinds(text: str) -> None:
    pytest.importorskip("torch")
    from cnncalc.interop.verify import verify

    spec = parse(text)
    assert verify(spec, evaluate(spec)).differences == ()


# Keras, for the new kinds: layers and arguments read off the spec by hand.


def test_keras_transposed_conv_crops_its_padding() -> None:
    # Keras's 'valid' with output_padding given is (n - 1)*s + k + op: PyTorch's length
    # before padding; PyTorch's padding 1 then becomes a crop of 1 per side.
    spec = parse("INPUT(8x8x4) -> DECONV(6, 3, s=2, p=1, op=1)")
    calls = keras_calls(export_keras(spec, evaluate(spec)))
    assert calls == [
        (
            "Conv2DTranspose",
            [6, 3],
            {"strides": 2, "output_padding": 1, "name": "conv_transpose1_full"},
        ),
        ("Cropping2D", [((1, 1), (1, 1))], {"name": "conv_transpose1"}),
    ]


def test_keras_gate_shuffle_norms_and_resizing() -> None:
    spec = parse(
        "INPUT(8x8x4) -> CONV(8, 3, name=a) -> GAP -> FLATTEN -> FC(8) -> SIGMOID "
        "-> MULTIPLY(from=[a, sigmoid1]) -> CHANNEL_SHUFFLE(2) -> LAYERNORM -> GROUPNORM(4) "
        "-> INSTANCENORM -> UPSAMPLE(2) -> UPSAMPLE(size=[5, 7], mode=bilinear) "
        "-> CROP(center=[3, 3]) -> PAD(1) -> DWCONV(3, m=2)"
    )
    calls = keras_calls(export_keras(spec, evaluate(spec)))
    by_name = {kw["name"]: (cls, args, kw) for cls, args, kw in calls}
    assert by_name["multiply1_gate1"][:2] == ("Reshape", [(1, 1, 8)])
    assert by_name["multiply1"][0] == "Multiply"
    # 6x6x8 in two groups: 6x6x2x4, swap the last two axes, back to 6x6x8.
    assert by_name["channel_shuffle1_groups"][:2] == ("Reshape", [(6, 6, 2, 4)])
    assert by_name["channel_shuffle1_swap"][:2] == ("Permute", [(1, 2, 4, 3)])
    assert by_name["channel_shuffle1"][:2] == ("Reshape", [(6, 6, 8)])
    assert by_name["layernorm1"][:2] == ("LayerNormalization", [])
    assert by_name["groupnorm1"][:2] == ("GroupNormalization", [4])
    # Instance norm: one group per channel, no affine (PyTorch's default).
    assert by_name["instancenorm1"] == (
        "GroupNormalization",
        [8],
        {"center": False, "scale": False, "name": "instancenorm1"},
    )
    assert by_name["upsample1"][:2] == ("UpSampling2D", [2])
    assert by_name["upsample2"] == (
        "Resizing",
        [5, 7],
        {"interpolation": "bilinear", "name": "upsample2"},
    )
    # centre crop 5x7 -> 3x3: (5 - 3)//2 = 1 left, 1 right; (7 - 3)//2 = 2, 2.
    assert by_name["crop1"][:2] == ("Cropping2D", [((1, 1), (2, 2))])
    assert by_name["pad1"][:2] == ("ZeroPadding2D", [((1, 1), (1, 1))])
    assert by_name["dwconv1"] == (
        "DepthwiseConv2D",
        [3],
        {"depth_multiplier": 2, "name": "dwconv1"},
    )


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("INPUT(8x8x4) -> PIXEL_SHUFFLE(2)", "no pixel shuffle layer"),
        ("INPUT(8x8x4) -> SLICE(1)", "no layer that slices channels"),
        ("INPUT(8x8x4) -> SPLIT(2)", "no layer that splits channels"),
        ("INPUT(8x8x4) -> LAYER_SCALE", "no layer scale layer"),
        ("INPUT(8x8x4) -> DROP_PATH(0.1)", "no stochastic depth layer"),
        ("INPUT(8x8x4) -> PAD(1, reflect)", "pads only with zeros"),
        ("INPUT(8x8x4) -> DECONV(4, 3, g=2)", "have no groups"),
        ("INPUT(8x8x4) -> UPSAMPLE(2, bilinear, align_corners=true)", "no align_corners"),
    ],
)
def test_keras_refusals_of_new_kinds(spec: str, words: str) -> None:
    code, out, err = run_cli("export", spec, "--to", "keras")
    assert code == 2 and out == "", err
    assert words in err and "Traceback" not in err


def test_keras_sharing_calls_one_layer_twice() -> None:
    # Keras shares weights by calling one layer object again (the functional API's
    # shared layers): the siamese encoder's three weighted layers are each built once.
    spec = load_spec(str(SPECS / "siamese.yaml"))
    text = export_keras(spec, evaluate(spec))
    assert [cls for cls, _, _ in keras_calls(text)].count("Conv2D") == 2
    assert "right_conv1 = left_conv1_layer(inputs)" in text
    assert re.search(r"right_embed = left_embed_layer\(\w+\)", text)
