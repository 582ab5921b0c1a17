"""The inference peak and the training footprint, against figures derived by hand."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import cnncalc
from cnncalc.engine.memory import (
    inference_peak,
    memory_report,
    parameter_tensors,
    parse_budget,
    tensor_bytes,
    training_memory,
    whole_count,
)
from tests.clirun import run_cli
from tests.conftest import SPECS, num, summarize
from tests.strategies import PLAIN_CHAINS, SPEC_TEXTS, VALID_CHAINS


def peak(text: str, in_place: bool = False) -> tuple[int, int | None]:
    result = cnncalc.evaluate(cnncalc.parse(text))
    found = inference_peak(result, in_place)
    assert isinstance(found.elements, int)
    return found.elements, found.layer


def test_chain_peak_is_the_largest_adjacent_pair() -> None:
    # input 4x4x2 = 32, conv 4x4x4 = 64, relu 64, fc 10: alive during the relu are the
    # conv's output and the relu's (64 + 64); during the conv, input and output (96).
    assert peak("INPUT(4x4x2) -> CONV(4, 3, p=1) -> RELU -> FC(10)") == (128, 2)
    # in place, the relu writes over the conv's output: the conv's 32 + 64 is the peak
    assert peak("INPUT(4x4x2) -> CONV(4, 3, p=1) -> RELU -> FC(10)", in_place=True) == (96, 1)


def test_residual_block_keeps_the_shortcut() -> None:
    # conv1 4x4x2 = 32 is read again by the identity: while conv2 (32) and the relu (32)
    # run, conv1 stays alive: 32 + 32 + 32 = 96 during the relu and during the add.
    text = "INPUT(4x4x2) -> CONV(2, 1) -> ADD{CONV(2, 3, p=1) -> RELU | IDENTITY}"
    assert peak(text) == (96, 3)
    # without the shortcut the same layers never hold three maps at once
    assert peak("INPUT(4x4x2) -> CONV(2, 1) -> CONV(2, 3, p=1) -> RELU") == (64, 1)


def test_unet_like_skip_is_held_across_the_encoder() -> None:
    # enc 8x8x4 = 256 is held until the concat; pool 4x4x4 = 64, mid conv 4x4x8 = 128,
    # back to 8x8 by a 1x1 conv is impossible without upsampling, so the skip joins at
    # 4x4: skip = pool of enc (64) kept while mid (128) and mid2 (4x4x4 = 64) run.
    text = (
        "INPUT(8x8x1) -> CONV(4, 3, p=1, name=enc) -> MAXPOOL(2, name=down)"
        " -> CONCAT{CONV(8, 3, p=1) -> CONV(4, 3, p=1) | IDENTITY}"
    )
    # layers: enc(256) down(64) conv(128) conv(64) identity(shares down) concat(128)
    # during the second conv: down 64 + conv 128 + conv 64 = 256; during enc: input 64
    # + enc 256 = 320 (the peak); during down: enc 256 + down 64 = 320, the first wins.
    assert peak(text) == (320, 1)


def test_alexnet_peak_by_hand() -> None:
    # torchvision AlexNet: conv1 64x55x55 = 193,600 and relu1 (not in place) another
    # 193,600 alive together: 387,200, more than input + conv1 (150,528 + 193,600).
    result = cnncalc.evaluate(cnncalc.load(SPECS / "alexnet.yaml"))
    assert (result.totals.peak_activations, result.totals.peak_layer) == (387_200, 2)


def test_training_memory_terms() -> None:
    # LeNet-5: 61,706 parameters in float32; Adam keeps 2 values per parameter.
    result = cnncalc.evaluate(cnncalc.load(SPECS / "lenet5.yaml"))
    memory = training_memory(result, batch=8, optimizer="adam")
    assert memory.weights == memory.gradients == 61_706 * 4
    assert memory.optimizer == 2 * 61_706 * 4
    assert memory.master == 0
    saved = (result.totals.activations + result.totals.input_elements) * 8 * 4
    assert memory.saved_activations == saved
    mixed = training_memory(result._replace(dtype_bytes=2), optimizer="momentum", master_bytes=4)
    assert (mixed.weights, mixed.optimizer, mixed.master) == (61_706 * 2, 61_706 * 4, 61_706 * 4)


@given(VALID_CHAINS)
def test_peak_is_bounded_by_the_sum_and_by_every_layer(text: str) -> None:
    try:
        result = cnncalc.evaluate(cnncalc.parse(text))
    except cnncalc.CnnCalcError:
        assume(False)  # a chain whose sizes do not work out
        return
    found = inference_peak(result)
    everything = result.totals.activations + result.totals.input_elements
    assert isinstance(found.elements, int) and isinstance(everything, int)
    assert found.elements <= everything
    for layer, live in zip(result.layers, found.live, strict=True):
        numel = layer.output.numel
        assert isinstance(live, int) and isinstance(numel, int)
        assert live >= numel or layer.kind in ("identity", "flatten", "dropout")
    in_place = inference_peak(result, in_place=True).elements
    assert isinstance(in_place, int) and in_place <= found.elements


def test_symbolic_peak_is_not_guessed() -> None:
    # INPUT(32x32xC): conv1 holds 32*32*C + 4,096 while it runs, the relu 8,192: which is
    # larger depends on C (C = 64 puts the peak at conv1, C = 1 at the relu), so no
    # figure is given until C has a value
    text = "INPUT(32x32xC) -> CONV(4, 3, p=1) -> RELU -> FC(10)"
    result = cnncalc.evaluate(cnncalc.parse(text))
    assert (result.totals.peak_activations, result.totals.peak_layer) == (None, None)
    assert peak(text.replace("xC)", "x64)")) == (32 * 32 * 64 + 4_096, 1)
    assert peak(text.replace("xC)", "x1)")) == (8_192, 2)


# cnncalc memory: the command, its library function, and the per-layer live memory.


@given(PLAIN_CHAINS)
def test_chain_peak_is_the_largest_adjacent_input_output_pair(text: str) -> None:
    try:
        result = cnncalc.evaluate(cnncalc.parse(text))
    except cnncalc.CnnCalcError:
        assume(False)  # more pools than the 32x32 input takes
        return
    sizes = [whole_count(n) for n in (result.input.numel, *(r.output.numel for r in result.layers))]
    pairs = [a + b for a, b in itertools.pairwise(sizes)]
    found = inference_peak(result)
    # in a chain only a layer's input and output are alive while it runs
    assert list(found.live) == pairs
    assert found.elements == max(pairs)
    assert found.layer == pairs.index(max(pairs)) + 1
    # in place, an activation writes over its input (not the network's input): its
    # output is the only tensor it holds
    kinds = [layer.kind for layer in result.layers]
    in_place = [
        sizes[i + 1] if kinds[i] in ("relu", "sigmoid", "relu6") and i > 0 else pair
        for i, pair in enumerate(pairs)
    ]
    in_place = [  # sigmoid has no inplace=True in PyTorch
        pairs[i] if kinds[i] == "sigmoid" else v for i, v in enumerate(in_place)
    ]
    assert list(inference_peak(result, in_place=True).live) == in_place


UNET = (
    "INPUT(8x8x1) -> CONV(4, 3, p=1, name=e1) -> MAXPOOL(2, name=p1)"
    " -> CONV(8, 3, p=1, name=e2) -> MAXPOOL(2, name=p2) -> CONV(16, 3, p=1, name=mid)"
    " -> UPSAMPLE(2, name=u2) -> CONCAT(from=[u2, e2], name=c2) -> CONV(8, 3, p=1, name=d2)"
    " -> UPSAMPLE(2, name=u1) -> CONCAT(from=[u1, e1], name=c1) -> CONV(4, 3, p=1, name=d1)"
    " -> CONV(2, 1, name=out)"
)


def test_small_unet_by_hand() -> None:
    # Sizes (H x W x C = elements): input 8x8x1 = 64; e1 8x8x4 = 256; p1 4x4x4 = 64;
    # e2 4x4x8 = 128; p2 2x2x8 = 32; mid 2x2x16 = 64; u2 4x4x16 = 256; c2 4x4x24 = 384;
    # d2 4x4x8 = 128; u1 8x8x8 = 512; c1 8x8x12 = 768; d1 8x8x4 = 256; out 8x8x2 = 128.
    # Lifetimes (made by .. last read by): input ..e1; e1 ..c1 (the skip, held across the
    # whole encoder and decoder); p1 ..e2; e2 ..c2 (the inner skip); p2 ..mid; mid ..u2;
    # u2 ..c2; c2 ..d2; d2 ..u1; u1 ..c1; c1 ..d1; d1 ..out; out kept.
    # Alive while each layer runs:
    #   1 e1:  input 64 + e1 256                            =  320
    #   2 p1:  e1 256 + p1 64                               =  320
    #   3 e2:  e1 256 + p1 64 + e2 128                      =  448
    #   4 p2:  e1 256 + e2 128 + p2 32                      =  416
    #   5 mid: e1 256 + e2 128 + p2 32 + mid 64             =  480
    #   6 u2:  e1 256 + e2 128 + mid 64 + u2 256            =  704
    #   7 c2:  e1 256 + e2 128 + u2 256 + c2 384            = 1024
    #   8 d2:  e1 256 + c2 384 + d2 128                     =  768
    #   9 u1:  e1 256 + d2 128 + u1 512                     =  896
    #  10 c1:  e1 256 + u1 512 + c1 768                     = 1536  (the peak)
    #  11 d1:  c1 768 + d1 256                              = 1024
    #  12 out: d1 256 + out 128                             =  384
    result = cnncalc.evaluate(cnncalc.parse(UNET))
    found = inference_peak(result)
    assert found.live == (320, 320, 448, 416, 480, 704, 1024, 768, 896, 1536, 1024, 384)
    assert (found.elements, found.layer) == (1536, 10)
    assert found.alive == (("e1", 256), ("u1", 512), ("c1", 768))
    report = memory_report(result)
    assert report.inference.peak == 1536 * 4
    assert report.inference.alive == (("e1", 1024), ("u1", 2048), ("c1", 3072))
    # the sum of all outputs, a separate figure: 2,976 elements
    assert report.inference.all_outputs == 2_976 * 4
    # the JSON rows carry the same live memory, in elements and bytes
    code, out, err = run_cli("summarize", UNET, "-f", "json")
    assert code == 0, err
    rows = json.loads(out)["layers"]
    assert [row["live_elements"] for row in rows] == list(found.live)
    assert [row["live_bytes"] for row in rows] == [4 * n for n in found.live]


def test_residual_rows_keep_the_shortcut_alive() -> None:
    # conv1 (32) stays alive through conv2 and relu (see the test above): 64, 64, 96;
    # the identity shares conv1's storage: conv1 32 + relu 32; the add: 32 + 32 + 32
    text = "INPUT(4x4x2) -> CONV(2, 1) -> ADD{CONV(2, 3, p=1) -> RELU | IDENTITY}"
    code, out, _ = run_cli("summarize", text, "-f", "json")
    assert code == 0
    assert [row["live_elements"] for row in json.loads(out)["layers"]] == [64, 64, 96, 64, 96]


def test_live_memory_of_symbolic_sizes_and_of_block_rows() -> None:
    # conv 4x4xC -> 4x4x4: input 16C + 64 while it runs; the relu 64 + 64
    code, out, _ = run_cli("summarize", "INPUT(4x4xC) -> CONV(4, 1) -> RELU", "-f", "json")
    rows = json.loads(out)["layers"]
    assert rows[0]["live_elements"] is None and rows[0]["live_elements_expr"] == "16C + 64"
    assert rows[0]["live_bytes"] is None and rows[0]["live_bytes_expr"] == "64C + 256"
    assert rows[1]["live_elements"] == 128
    # --depth rows run many layers each: no single figure
    code, out, _ = run_cli("summarize", str(SPECS / "resnet18.yaml"), "-f", "json", "--depth", "1")
    assert code == 0
    assert all(row["live_elements"] is None for row in json.loads(out)["layers"])


SMALL = "INPUT(4x4x2) -> CONV(3, 3, p=1) -> RELU -> FC(5)"
# conv 3x3, 2 -> 3 channels: 3*3*2*3 + 3 = 57 parameters; fc from 4*4*3 = 48 inputs to 5:
# 48*5 + 5 = 245; 302 in all. Saved per sample: input 32, conv 48, relu 48, fc 5 = 133.


@pytest.mark.parametrize(
    ("optimizer", "state"),
    [("sgd", 0), ("momentum", 302 * 4), ("adam", 2 * 302 * 4)],  # 0, 1 and 2 values each
)
def test_training_terms_by_hand(optimizer: str, state: int) -> None:
    result = cnncalc.evaluate(cnncalc.parse(SMALL))
    t = memory_report(result, batch=4, optimizer=optimizer).training
    assert (t.weights, t.gradients, t.optimizer, t.master) == (302 * 4, 302 * 4, state, 0)
    assert t.saved_activations == 133 * 4 * 4  # 133 values x batch 4 x 4 bytes
    assert t.total == 2 * 302 * 4 + state + 133 * 16


def test_int4_rounds_up_per_tensor() -> None:
    # fc 3 -> 5 and 5 -> 3 without bias: 15 parameters each, 7.5 bytes each in int4,
    # rounded up per tensor: 8 + 8 = 16 (15 if the 30 values were rounded together).
    # Saved: input 3, fc1 5, fc2 3 values: 2 + 3 + 2 = 7 bytes (not ceil(11/2) = 6).
    result = cnncalc.evaluate(cnncalc.parse("INPUT(3) -> FC(5, bias=false) -> FC(3, bias=false)"))
    report = memory_report(result, dtype="int4")
    assert report.training.weights == report.inference.weights == 16
    assert report.training.saved_activations == 7
    # inference: fc1 reads the input (3 -> 2 B) and writes 5 (3 B): 5 B; fc2 3 + 2 = 5 B
    assert report.inference.peak == 5
    # a batch of 3: the input tensor holds 9 values (5 B), fc1's 15 (8 B)
    assert memory_report(result, batch=3, dtype="int4").inference.peak == 13
    assert tensor_bytes(5, 4) == 3 and tensor_bytes(4, 4) == 2 and tensor_bytes(5, 8) == 5


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_mixed_precision_adam_is_16_bytes_per_parameter(dtype: str) -> None:
    # docs/published-figures.md: ZeRO, torchvision
    # 2 + 2 (fp16 weights and gradients) + 12 (fp32 master weights, momentum and
    # variance) = 16 bytes per parameter; ResNet-50 has 25,557,032 parameters.
    result = cnncalc.evaluate(cnncalc.load(SPECS / "resnet50.yaml"))
    t = memory_report(result, optimizer="adam", dtype=dtype, master_dtype="float32").training
    assert t.weights + t.gradients + t.optimizer + t.master == 16 * 25_557_032
    assert (t.weights, t.gradients, t.master, t.optimizer) == (
        2 * 25_557_032,
        2 * 25_557_032,
        4 * 25_557_032,
        8 * 25_557_032,
    )


def test_budget_and_the_largest_batch_by_hand() -> None:
    # SMALL in float32: weights 1,208 B. Inference per sample: conv 32 + 48 = 80, relu
    # 48 + 48 = 96, fc 48 + 5 = 53 values alive: 96 x 4 = 384 B at the peak. In 5,000 B:
    # (5,000 - 1,208) / 384 = 9.875 -> batch 9. Training with sgd: weights and gradients
    # 2,416 B, 133 x 4 = 532 B saved per sample: (5,000 - 2,416) / 532 = 4.86 -> batch 4.
    result = cnncalc.evaluate(cnncalc.parse(SMALL))
    fit = memory_report(result, budget=5_000).fit
    assert fit is not None and (fit.inference_batch, fit.training_batch) == (9, 4)
    fit = memory_report(result, budget=1_000).fit  # the weights alone do not fit
    assert fit is not None and (fit.inference_batch, fit.training_batch) == (0, 0)
    code, out, _ = run_cli("memory", SMALL, "--budget", "5000", "--batch", "8")
    assert code == 0
    assert "inference: fits at batch 8" in out and "largest batch that fits: 9" in out
    assert "training:  does not fit at batch 8" in out and "largest batch that fits: 4" in out


@given(PLAIN_CHAINS, st.integers(1, 20_000), st.sampled_from(["int4", "int8", "float16"]))
def test_largest_batch_is_the_last_that_fits(text: str, budget: int, dtype: str) -> None:
    try:
        result = cnncalc.evaluate(cnncalc.parse(text))
    except cnncalc.CnnCalcError:
        assume(False)
        return
    fit = memory_report(result, dtype=dtype, budget=budget).fit
    assert fit is not None

    def needs(batch: int) -> tuple[int, int]:
        report = memory_report(result, batch=batch, dtype=dtype)
        return report.inference.total, whole_count(report.training.total)

    for largest, which in ((fit.inference_batch, 0), (fit.training_batch, 1)):
        assert largest == 0 or needs(largest)[which] <= budget
        assert needs(largest + 1)[which] > budget


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("8GiB", 8 * 2**30),
        ("8 GB", 8 * 10**9),
        ("1.5TiB", 3 * 2**39),
        ("512mib", 512 * 2**20),
        ("1000000", 10**6),
        ("0.5KB", 500),
    ],
)
def test_budget_sizes(text: str, amount: int) -> None:
    assert parse_budget(text) == amount


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--optimizer", "adamw"], "--optimizer: unknown optimizer 'adamw' (did you mean 'adam'?)"),
        (["--batch", "0"], "--batch: the batch must be a whole number from 1 to"),
        (["--batch", "-3"], "--batch: the batch must be a whole number from 1 to"),
        (["--batch", "9" * 99], "--batch"),
        (["--budget", "0"], "--budget: the budget must be from 1 byte to 1 ZiB"),
        (["--budget", "0.5B"], "--budget: the budget must be from 1 byte to 1 ZiB"),
        (["--budget", "2ZiB"], "--budget: the budget must be from 1 byte to 1 ZiB"),
        (["--budget", "9" * 90], "--budget: '999"),
        (["--budget", "1e999"], "--budget: '1e999' is not a memory size"),
        (["--budget", "8 potatoes"], "is not a memory size"),
        (["--dtype", "int3"], "--dtype: unknown dtype 'int3'"),
        (["--dtype", "float16", "--master-dtype", "int8"], "--master-dtype: the master copy"),
        (["--master-dtype", "float33"], "--master-dtype: unknown dtype 'float33'"),
        (["--input", "8x8xC"], "memory needs whole-number sizes"),
    ],
)
def test_memory_errors_exit_2_with_a_located_message(args: list[str], message: str) -> None:
    code, out, err = run_cli("memory", SMALL, *args)
    assert code == 2, (out, err)
    assert err.startswith("cnncalc: error: ") and message in err, err
    assert out == ""


def test_memory_refuses_symbolic_sizes() -> None:
    code, _, err = run_cli("memory", "INPUT(4x4xC) -> CONV(4, 1)")
    assert code == 2 and "memory needs whole-number sizes" in err and "--set" in err


def test_memory_json_validates_and_says_each_assumption() -> None:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    code, out, _ = run_cli("schema", "memory")
    validator = Draft202012Validator(json.loads(out))
    for args in (
        ["--budget", "8GiB", "--optimizer", "adam", "--dtype", "float16"],
        ["--master-dtype", "float32", "--dtype", "bfloat16", "--in-place", "--batch", "32"],
        ["--dtype", "int4", "--optimizer", "momentum"],
    ):
        code, out, err = run_cli("memory", str(SPECS / "resnet18.yaml"), "-f", "json", *args)
        assert code == 0, err
        data = json.loads(out)
        assert not list(validator.iter_errors(data))
        terms = {t["term"]: t for t in data["training"]["terms"]}
        assert sum(t["bytes"] for t in terms.values()) == data["training"]["total_bytes"]
    assert "rounded up to a whole byte per tensor" in str(data["rounding"])
    assert terms["optimizer state"]["assumption"] == (
        "momentum: 1 int4 value per trainable parameter (the momentum buffer)"
    )
    code, out, _ = run_cli("memory", SMALL, "--optimizer", "adam", "-f", "json")
    adam = json.loads(out)["training"]["terms"][2]["assumption"]
    assert adam == "adam: 2 float32 values per trainable parameter (exp_avg, exp_avg_sq)"


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_parameter_tensors_add_up_to_the_total(spec: Path) -> None:
    result = cnncalc.evaluate(cnncalc.load(spec))
    if not isinstance(result.totals.params, int):
        return
    assert sum(whole_count(n) for n in parameter_tensors(result)) == result.totals.params


MEMORY_OPTIONS = st.lists(
    st.sampled_from(
        [
            ["-f", "json"],
            ["--in-place"],
            ["--batch", "3"],
            ["--batch", "0"],
            ["--batch", "1000000000"],
            ["--optimizer", "adam"],
            ["--optimizer", "x"],
            ["--dtype", "int4"],
            ["--dtype", "float16", "--master-dtype", "float32"],
            ["--master-dtype", "float16"],
            ["--budget", "8GiB"],
            ["--budget", "1"],
            ["--budget", "1ZiB"],
            ["--budget", "1e999"],
            ["--budget", ""],
            ["--input", "4x4x2"],
            ["--set", "N=2"],
            ["--max-layers", "1"],
        ]
    ),
    max_size=4,
)


@given(SPEC_TEXTS, MEMORY_OPTIONS)
def test_no_memory_command_line_ends_in_a_bug(spec: str, options: list[list[str]]) -> None:
    code, out, err = run_cli("memory", spec, *(item for option in options for item in option))
    assert code in (0, 2), err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name", ["resnet18.yaml", "unet.yaml", "googlenet.yaml"])
def test_live_memory_follows_the_batch(name: str) -> None:
    # a batch of 3 holds three samples' tensors: every layer's live figure and the peak
    # are three times one sample's (the merge of --batch and live memory missed this)
    from cnncalc.engine.memory import layer_live
    from cnncalc.results import batched

    one = summarize(name)
    three = batched(one, 3)
    assert [None if v is None else 3 * v for v in layer_live(one)] == list(layer_live(three))
    assert one.totals.peak_activations is not None
    assert three.totals.peak_activations == 3 * one.totals.peak_activations
    assert max(num(v) for v in layer_live(three) if v is not None) == three.totals.peak_activations


def test_frozen_layers_have_no_gradients_or_optimizer_state() -> None:
    # conv 4->4 3x3 with bias frozen (148 parameters), batch norm 8 trainable, a conv that
    # shares the frozen one (none of its own), fc 256->10 frozen (2,570): 2,726 weights;
    # only batch norm's 8 train: gradients 8 x 4 B = 32 B, adam 2 x 32 B = 64 B
    from cnncalc.engine.memory import training_footprint

    spec = (
        "INPUT(8x8x4) -> CONV(4, 3, p=1, frozen=true, name=a) -> BN -> RELU -> "
        "CONV(4, 3, p=1, share=a) -> FLATTEN -> FC(10, frozen=true)"
    )
    t = training_footprint(summarize(spec), optimizer="adam", master_bits=64)
    assert (t.weights, t.gradients, t.optimizer, t.master) == (2_726 * 4, 32, 2 * 8 * 8, 8 * 8)


@pytest.mark.parametrize("command", ["summarize", "memory"])
def test_one_batch_limit_for_every_command(command: str) -> None:
    spec = "INPUT(4x4x1) -> FC(2)"
    assert run_cli(command, spec, "--batch", "1000000000")[0] == 0
    code, _, err = run_cli(command, spec, "--batch", "1000000001")
    assert code == 2
    assert err.startswith("cnncalc: error: --batch: the batch must be a whole number from 1 to")


def test_the_largest_batch_is_one_cnncalc_takes() -> None:
    # 4x4x1 -> fc 2: a few bytes a sample; a zettabyte holds far more than 10**9 samples,
    # and the answer names no batch that --batch would refuse
    code, out, _ = run_cli("memory", "INPUT(4x4x1) -> FC(2)", "--budget", "1ZiB")
    assert code == 0
    assert out.count("every batch up to 1,000,000,000 fits") == 2
