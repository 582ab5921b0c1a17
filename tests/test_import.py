"""Importing networks: ONNX models exported from PyTorch, hand-written Keras model JSON,
and PyTorch modules traced with torch.fx.

Expected numbers: tests/fixtures/onnx/expected.json, written by
tests/fixtures/generate_onnx_models.py from PyTorch itself (parameters, conv+linear
MACs by forward hooks, every leaf module's output shape); the Keras fixtures' numbers
are derived by hand below from Keras's documented formulas (a Conv2D has
k_h*k_w*C_in*filters + filters parameters and out_h*out_w*filters*k_h*k_w*C_in MACs;
'valid' output size is (n - k)//s + 1, 'same' is ceil(n/s); Dense C_in*units + units).
"""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
from cnncalc.errors import CnnCalcError
from cnncalc.interop.common import Item, write_yaml
from cnncalc.loader import import_file, parse_source, text_source
from tests.clirun import run_cli
from tests.conftest import num

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ONNX_DIR = FIXTURES / "onnx"
KERAS_DIR = FIXTURES / "keras"
EXPECTED: dict[str, Any] = json.loads((ONNX_DIR / "expected.json").read_text())
MODELS = ["small", "branches", "oned", "threed", "resnet", "mobilenet", "unet", "se", "shuffle"]

CHANNELS_LAST = {("se", "ln")}
"""Modules PyTorch runs on a channels-last tensor (ConvNeXt's permuted LayerNorm): its
recorded shape is (H, W, C); the imported layer's is the same tensor channels first."""

needs_onnx = pytest.mark.skipif(
    not __import__("importlib").util.find_spec("onnx"), reason="onnx is not installed"
)


def _shapes(result: cnncalc.NetworkResult) -> dict[str, list[int]]:
    return {layer.name: [num(layer.output.channels), *layer.output.size] for layer in result.layers}


def _check(result: cnncalc.NetworkResult, expected: dict[str, Any]) -> None:
    assert result.totals.params == expected["params"]
    assert result.totals.macs == expected["macs"]  # cnncalc counts conv, local and fc MACs
    shapes = _shapes(result)
    for module, shape in expected["shapes"].items():
        if (expected.get("name"), module) in CHANNELS_LAST:
            shape = [shape[-1], *shape[:-1]]
        if module in shapes:
            assert shapes[module] == shape, module


def _folded_away(module: str, model: str) -> bool:
    """Modules the exporter writes as no node: dropout in eval, flattening reshapes."""
    return False


@needs_onnx
@pytest.mark.parametrize("model", MODELS)
def test_onnx_fixture_matches_pytorch(model: str) -> None:
    expected = {**EXPECTED[model], "name": model}
    flat = import_file(ONNX_DIR / f"{model}.onnx", fold=False)
    result = cnncalc.evaluate(flat.spec())
    _check(result, expected)
    # every module PyTorch ran once is a layer of the same name (in the flat import)
    missing = set(expected["shapes"]) - set(_shapes(result))
    assert all(_folded_away(module, model) for module in missing), missing
    # folding repeats changes the text, never the network
    folded = cnncalc.evaluate(cnncalc.load(ONNX_DIR / f"{model}.onnx"))
    assert [lay.output for lay in folded.layers] == [lay.output for lay in result.layers]
    assert folded.totals == result.totals


@needs_onnx
def test_every_module_with_weights_is_found_by_name() -> None:
    result = cnncalc.evaluate(import_file(ONNX_DIR / "resnet.onnx", fold=False).spec())
    shapes = _shapes(result)
    for module in ("conv1", "layer1.0.conv1", "layer2.0.downsample.0", "layer2.1.bn2", "fc"):
        assert shapes[module] == EXPECTED["resnet"]["shapes"][module]
    # the exporter's node names give torchvision's module names and block outputs
    text = import_file(ONNX_DIR / "resnet.onnx").text
    assert "add: {name: layer1.0, from: [layer1.0.bn2, maxpool]}" in text


@needs_onnx
def test_repeated_chains_are_folded() -> None:
    text = import_file(ONNX_DIR / "small.onnx").text
    assert "- repeat: 3" in text
    assert "# features.0 .. features.5" in text


@needs_onnx
def test_spec_argument_may_be_an_onnx_file() -> None:
    code, out, err = run_cli("summarize", str(ONNX_DIR / "small.onnx"), "-f", "json")
    assert code == 0, err
    totals = json.loads(out)["totals"]
    assert totals["params"] == EXPECTED["small"]["params"]
    assert totals["macs"] == EXPECTED["small"]["macs"]


@needs_onnx
def test_import_writes_the_spec(tmp_path: Path) -> None:
    target = tmp_path / "small.yaml"
    code, _, err = run_cli("import", str(ONNX_DIR / "small.onnx"), "-o", str(target))
    assert code == 0, err
    code2, printed, _ = run_cli("import", str(ONNX_DIR / "small.onnx"))
    assert code2 == 0 and printed == target.read_text()
    code3, out3, _ = run_cli("summarize", str(target), "-f", "json")
    assert code3 == 0
    assert json.loads(out3)["totals"]["params"] == EXPECTED["small"]["params"]


@needs_onnx
def test_dynamic_input_needs_input_option(tmp_path: Path) -> None:
    target = tmp_path / "dyn.yaml"
    code, _, err = run_cli("import", str(ONNX_DIR / "dynamic.onnx"), "-o", str(target))
    assert code == 2 and "dynamic" in err and "--input" in err
    assert not target.exists()
    code, _, err = run_cli(
        "import", str(ONNX_DIR / "dynamic.onnx"), "--input", "20x20x3", "-o", str(target)
    )
    assert code == 0, err
    _check(cnncalc.evaluate(cnncalc.load(target)), EXPECTED["dynamic"])
    code, _, err = run_cli("import", str(ONNX_DIR / "dynamic.onnx"), "--input", "20x3")
    assert code == 2 and "spatial axes" in err


@needs_onnx
def test_unknown_operators_are_named(tmp_path: Path) -> None:
    target = tmp_path / "up.yaml"
    code, _, err = run_cli("import", str(ONNX_DIR / "unknown.onnx"), "-o", str(target))
    assert code == 2
    assert "CumSum (node '/up/CumSum')" in err and "--skip-unknown" in err
    assert not target.exists()
    code, out, err = run_cli("import", str(ONNX_DIR / "unknown.onnx"), "--skip-unknown")
    assert code == 0
    assert "counted as zero" in err and "CumSum" in out and "identity" in out


def _onnx_with(mutate: Any) -> bytes:
    import onnx

    model = onnx.load_from_string((ONNX_DIR / "small.onnx").read_bytes())
    mutate(model)
    data: bytes = model.SerializeToString()
    return data


@needs_onnx
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda: (ONNX_DIR / "small.onnx").read_bytes()[:1500], "not an ONNX model"),
        (lambda: b"input: 8x8x3\nlayers: [relu]\n", "not an ONNX model"),
        (lambda: b"", "not an ONNX model"),
        (
            lambda: _onnx_with(lambda m: m.opset_import[0].__setattr__("version", 99)),
            "opset 99",
        ),
        (lambda: _onnx_with(lambda m: setattr(m, "ir_version", 99)), "IR version 99"),
    ],
)
def test_bad_onnx_is_a_clear_error(tmp_path: Path, data: Any, message: str) -> None:
    model = tmp_path / "bad.onnx"
    model.write_bytes(data())
    target = tmp_path / "out.yaml"
    code, _, err = run_cli("import", str(model), "-o", str(target))
    assert code == 2 and message in err and "Traceback" not in err
    assert not target.exists()
    code, _, err = run_cli("summarize", str(model))
    assert code == 2 and message in err


# Keras fixtures, derived by hand.
# mnist_convnet_keras3.json: keras.io's "Simple MNIST convnet" example, whose published
# model.summary() gives 34,826 parameters and the shapes below. By hand: conv2d
# 3*3*1*32 + 32 = 320 on 26x26 (28 - 3 + 1); pool 13x13; conv2d_1 3*3*32*64 + 64 = 18,496
# on 11x11; pool 5x5 (floor 11/2); flatten 1600; dense 1600*10 + 10 = 16,010.
# MACs 26*26*32*9 + 11*11*64*288 + 1600*10 = 194,688 + 2,230,272 + 16,000 = 2,440,960.
# residual_keras2.json: ZeroPadding2D(1) 34x34x3; conv1 3x3 valid no bias 32x32x16,
# 3*3*3*16 = 432 params, 32*32*16*27 = 442,368 MACs; bn1 gamma+beta 2*16 = 32 trainable
# (Keras's total adds 32 moving statistics); conv2 same 3*3*16*16 + 16 = 2,320 params,
# 32*32*16*144 = 2,359,296 MACs; add 32x32x16; dw DepthwiseConv2D 3x3 s2 same: ceil(32/2)
# = 16, 3*3*16 + 16 = 160 params, 16*16*16*9 = 36,864 MACs; pool 16x16x16; concat
# 16x16x32; gap 32 (cnncalc shows 1x1x32); dense 32*10 + 10 = 330, 320 MACs.
# Trainable params 3,274; MACs 2,838,848.
# branches1d_keras3.json: Conv1D(16, 5, s2, same) on 64x8: ceil(64/2) = 32,
# 5*8*16 + 16 = 656, 32*16*40 = 20,480 MACs; AveragePooling1D(2) 16x16; Dense(8) on
# 16x16 acts per position: 16*8 + 8 = 136, 16*16*8 = 2,048 MACs; Conv1D(8, 1, no bias)
# 16*8 = 128, 2,048 MACs; concat 16x16; global max 16; Dense(4) 16*4 + 4 = 68, 64 MACs.
# Params 988; MACs 24,640.
# decoder_keras3.json (Keras's deconv_output_length: without output_padding 'valid' is
# n*s + max(k - s, 0), 'same' n*s; with it (n - 1)*s + k - 2*pad + output_padding, pad
# k//2 for 'same'; a Conv2DTranspose has k*k*C_in*filters + filters parameters and, as
# cnncalc counts, C_in*n_in*filters*k*k MACs): conv 3x3 same 8x8x8, 3*3*3*8 + 8 = 224,
# 8*8*8*27 = 13,824 MACs; up Conv2DTranspose(4, 3, s2, same) 16x16x4, 3*3*8*4 + 4 = 292,
# 8*64*4*9 = 18,432; resize UpSampling2D(size=(2, 3)) is a scale: 32x48x4; zpad
# ((1, 0), (2, 1)) 33x51x4; crop ((2, 1), (1, 3)) 30x47x4; ln and gn gamma+beta 2*4 = 8
# each; dw DepthwiseConv2D(3, depth_multiplier=2) valid 28x45x8, 3*3*4*2 + 8 = 80,
# 28*45*8*9 = 90,720; sep SeparableConv2D(6, 3, same): depthwise 3*3*8 = 72 (no bias),
# 90,720 MACs, pointwise 8*6 + 6 = 54, 28*45*6*8 = 60,480; squeeze 1x1x6; gate Dense(6)
# per position 6*6 + 6 = 42, 36 MACs; scale = relu6 * gate 28x45x6; pad2 1: 30x47x6;
# out Conv2DTranspose(2, 3, s2, same, output_padding=1): (30 - 1)*2 + 3 - 2 + 1 = 60,
# (47 - 1)*2 + 2 = 94; 3*3*6*2 + 2 = 110, 6*30*47*2*9 = 152,280; up3
# Conv2DTranspose(1, 1, s3, valid): 60*3 + max(1 - 3, 0) = 180, 94*3 = 282; 2 + 1 = 3,
# 2*60*94 = 11,280. Params 893; MACs 437,772.
KERAS: dict[str, dict[str, Any]] = {
    "mnist_convnet_keras3": {
        "params": 34_826,
        "macs": 2_440_960,
        "shapes": {
            "conv2d": [32, 26, 26],
            "max_pooling2d": [32, 13, 13],
            "conv2d_1": [64, 11, 11],
            "max_pooling2d_1": [64, 5, 5],
            "flatten": [1600],
            "dense": [10],
        },
    },
    "residual_keras2": {
        "params": 3_274,
        "macs": 2_838_848,
        "shapes": {
            "conv1": [16, 32, 32],
            "conv2": [16, 32, 32],
            "add": [16, 32, 32],
            "dw": [16, 16, 16],
            "pool": [16, 16, 16],
            "concat": [32, 16, 16],
            "gap": [32, 1, 1],
            "dense": [10],
        },
    },
    "decoder_keras3": {
        "params": 893,
        "macs": 437_772,
        "shapes": {
            "conv": [8, 8, 8],
            "up": [4, 16, 16],
            "resize": [4, 32, 48],
            "zpad": [4, 33, 51],
            "crop": [4, 30, 47],
            "ln": [4, 30, 47],
            "gn": [4, 30, 47],
            "dw": [8, 28, 45],
            "sep": [6, 28, 45],
            "relu6": [6, 28, 45],
            "squeeze": [6, 1, 1],
            "scale": [6, 28, 45],
            "pad2": [6, 30, 47],
            "out": [2, 60, 94],
            "up3": [1, 180, 282],
        },
    },
    "branches1d_keras3": {
        "params": 988,
        "macs": 24_640,
        "shapes": {
            "conv": [16, 32],
            "pool": [16, 16],
            "mix": [8, 16],
            "point": [8, 16],
            "join": [16, 16],
            "gmp": [16, 1],
            "out": [4],
        },
    },
}


@pytest.mark.parametrize("model", sorted(KERAS))
def test_keras_fixture_matches_hand_derivation(model: str) -> None:
    result = cnncalc.evaluate(cnncalc.load(KERAS_DIR / f"{model}.json"))
    expected = KERAS[model]
    assert result.totals.params == expected["params"]
    assert result.totals.macs == expected["macs"]
    shapes = _shapes(result)
    for name, shape in expected["shapes"].items():
        assert shapes[name] == shape, name


def test_keras_archive_reads_config_json_only(tmp_path: Path) -> None:
    archive = tmp_path / "mnist.keras"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("metadata.json", '{"keras_version": "3.6.0"}')
        z.writestr("config.json", (KERAS_DIR / "mnist_convnet_keras3.json").read_text())
        z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n not read")
    code, out, err = run_cli("summarize", str(archive), "-f", "json")
    assert code == 0, err
    assert json.loads(out)["totals"]["params"] == 34_826


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"class_name": "Adam", "config": {"learning_rate": 0.001}}', "not a Keras model"),
        ('{"class_name": "Sequential"}', "no 'config'"),
        ('{"class_name": "Sequential", "config": {"layers": [{"config": {}}]}}', "no class_name"),
        ("[1, 2", "not a Keras model JSON"),
    ],
)
def test_bad_keras_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    model = tmp_path / "model.keras"
    model.write_text(text)
    target = tmp_path / "out.yaml"
    code, _, err = run_cli("import", str(model), "-o", str(target))
    assert code == 2 and message in err and "Traceback" not in err
    assert not target.exists()


def test_keras_unknown_layer_is_named() -> None:
    root = json.loads((KERAS_DIR / "mnist_convnet_keras3.json").read_text())
    root["config"]["layers"][2]["class_name"] = "Lambda"
    with pytest.raises(CnnCalcError, match="Lambda \\(node 'max_pooling2d'\\)"):
        from cnncalc.interop.keras_import import import_keras

        import_keras(json.dumps(root).encode(), "m.json")


def test_other_json_is_no_model(tmp_path: Path) -> None:
    other = tmp_path / "net.json"
    other.write_text('{"input": "8x8x3", "layers": [{"conv": 4}, "relu"]}')
    code, _, err = run_cli("import", str(other))
    assert code == 2 and "not a model cnncalc imports" in err


# Fuzzing: whatever the bytes, import ends in a result or a clear error (exit 0 or 2).


def _ends_cleanly(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, _, err = run_cli("import", str(path))
    assert code in (0, 2), err
    assert "Traceback" not in err


@needs_onnx
@given(st.binary(max_size=400), st.sampled_from(["m.onnx", "m.keras", "m.json"]))
def test_random_bytes_never_traceback(tmp_path_factory: Any, data: bytes, name: str) -> None:
    _ends_cleanly(tmp_path_factory.mktemp("fuzz"), name, data)


@needs_onnx
@given(st.sampled_from(MODELS), st.floats(0, 1), st.integers(0, 255), st.integers(0, 2**31))
def test_damaged_onnx_never_tracebacks(
    tmp_path_factory: Any, model: str, where: float, byte: int, seed: int
) -> None:
    data = bytearray((ONNX_DIR / f"{model}.onnx").read_bytes())
    cut = int(where * len(data))
    rng = random.Random(seed)
    damaged = bytes(data[:cut]) if seed % 2 else bytes(data)
    if seed % 2 == 0 and data:
        for _ in range(1 + seed % 5):
            data[rng.randrange(len(data))] = byte
        damaged = bytes(data)
    _ends_cleanly(tmp_path_factory.mktemp("fuzz"), "m.onnx", damaged)


def _mutate(value: Any, rng: random.Random, replacement: Any) -> Any:
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        if rng.random() < 0.3:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: _mutate(value[key], rng, replacement)}
    if isinstance(value, list) and value:
        i = rng.randrange(len(value))
        return [*value[:i], _mutate(value[i], rng, replacement), *value[i + 1 :]]
    return replacement


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@given(st.sampled_from(sorted(KERAS)), st.integers(0, 2**31), JSON_VALUES)
def test_mutated_keras_json_never_tracebacks(
    tmp_path_factory: Any, model: str, seed: int, replacement: Any
) -> None:
    root = json.loads((KERAS_DIR / f"{model}.json").read_text())
    rng = random.Random(seed)
    for _ in range(1 + seed % 3):
        root = _mutate(root, rng, replacement)
    _ends_cleanly(tmp_path_factory.mktemp("fuzz"), "m.json", json.dumps(root).encode())


# Folding repeats: the folded text is the same network as the flat one.

LAYERS = st.sampled_from(
    [
        Item("conv", {"filters": 4, "kernel": 3, "padding": 1}),
        Item("conv", {"filters": 8, "kernel": 1}),
        Item("relu"),
        Item("batchnorm"),
        Item("maxpool", {"kernel": 1}),
    ]
)


@given(st.lists(LAYERS, min_size=1, max_size=30), st.lists(st.integers(0, 29), max_size=3))
def test_folding_keeps_the_network(chain: list[Item], refs: list[int]) -> None:
    items = [Item(i.kind, dict(i.args), name=f"n{k}") for k, i in enumerate(chain)]
    for r in refs:  # some layers read an earlier one by name: those never fold
        if 0 < r < len(items) and items[r].kind != "conv":
            items[r].inputs = [f"n{r - 1}"]
    specs = []
    for fold in (True, False):
        text = write_yaml(items, "8x8x4", name=None, header=["test"], fold=fold)
        specs.append(parse_source(text_source(text, "yaml")))
    folded, flat = specs
    assert [(lay.kind, lay.op) for lay in folded.layers] == [
        (lay.kind, lay.op) for lay in flat.layers
    ]


# PyTorch, where it is installed (the generator's models, PyTorch's own figures).


def test_from_torch_matches_pytorch() -> None:
    pytest.importorskip("torch")
    import sys

    sys.path.insert(0, str(FIXTURES))
    try:
        import generate_onnx_models as models  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(FIXTURES))
    for name, cls in [
        ("small", models.Small),
        ("branches", models.Branches),
        ("resnet", models.ResNet),
        ("mobilenet", models.MobileNet),
        ("oned", models.OneD),
        ("threed", models.ThreeD),
        ("unet", models.UNet),
        ("se", models.SEBlock),
        ("shuffle", models.Shuffle),
    ]:
        expected = {**EXPECTED[name], "name": name}
        spec = cnncalc.from_torch(cls(), tuple(expected["input"]), fold=False)
        _check(cnncalc.evaluate(spec), expected)


def test_from_torch_names_what_it_cannot_model() -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Unfold(2))
    with pytest.raises(CnnCalcError, match="Unfold"):
        cnncalc.from_torch(model, "8x8x3")
    spec = cnncalc.from_torch(model, (3, 8, 8), skip_unknown=True)
    assert cnncalc.evaluate(spec).totals.params == 3 * 3 * 3 * 4 + 4


def test_import_without_onnx_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)
    code, _, err = run_cli("import", str(ONNX_DIR / "small.onnx"))
    assert code == 2 and "pip install 'cnncalc[onnx]'" in err


def test_keras_dynamic_input_needs_input_option(tmp_path: Path) -> None:
    root = json.loads((KERAS_DIR / "mnist_convnet_keras3.json").read_text())
    root["config"]["layers"][0]["config"]["batch_shape"] = [None, None, None, 1]
    root["config"]["build_input_shape"] = None
    model = tmp_path / "dyn.json"
    model.write_text(json.dumps(root))
    code, _, err = run_cli("import", str(model))
    assert code == 2 and "dynamic" in err
    code, _, err = run_cli("import", str(model), "--input", "28x28x1", "-o", str(tmp_path / "s"))
    assert code == 0, err
    assert cnncalc.evaluate(cnncalc.load(tmp_path / "s", format="yaml")).totals.params == 34_826


def test_from_torch_decoder_functions_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Net(nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1)
            self.gamma = nn.Parameter(torch.ones(6, 1, 1))
            self.norm = nn.GroupNorm(2, 4, affine=False)
            self.ln = nn.LayerNorm(4)
            self.fc = nn.Linear(4, 3)

        def forward(self, x: Any) -> Any:
            x = self.up(x) * self.gamma
            x = nn.functional.pad(x, (1, 0, 2, 3), mode="replicate")
            a, b = x.split([2, 4], 1)
            x = torch.cat([b.narrow(1, 1, 2), a * 0.5], 1)
            x = nn.functional.interpolate(self.norm(x), scale_factor=1.5, mode="bilinear")
            return self.fc(self.ln(x.amax((2, 3))))

    net = Net()
    result = cnncalc.evaluate(cnncalc.from_torch(net, (4, 5, 7)))
    functional = nn.functional
    with torch.no_grad():  # the forward again, step by step, for PyTorch's own shapes
        up = net.up(torch.zeros(1, 4, 5, 7))
        x = functional.pad(up * net.gamma, (1, 0, 2, 3), mode="replicate")
        a, b = x.split([2, 4], 1)
        x = torch.cat([b.narrow(1, 1, 2), a * 0.5], 1)
        y = functional.interpolate(net.norm(x), scale_factor=1.5, mode="bilinear")
        out = net(torch.zeros(1, 4, 5, 7))
    assert result.totals.params == sum(p.numel() for p in net.parameters())
    shapes = _shapes(result)
    assert shapes["up"] == list(up.shape[1:])
    assert shapes["cat"] == list(x.shape[1:])
    assert shapes["interpolate"] == list(y.shape[1:])
    assert shapes["fc"] == list(out.shape[1:])
    assert [lay.kind for lay in result.layers if lay.name == "mul"] == ["layer_scale"]
