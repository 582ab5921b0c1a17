"""Hypothesis strategies the property and fuzz tests share.

Grammar: canonical layers and syntax trees (round trips), valid chains and the pieces
that mutate them. YAML: documents of valid shape with random values, and the zoo's YAML
specs with pieces to insert. The example budget is not set here: it comes from the
profile tests/conftest.py loads.
"""

from __future__ import annotations

from hypothesis import strategies as st

from cnncalc.parsing.grammar import (
    Branches,
    Group,
    Layer,
    Maybe,
    Node,
    Program,
    Repeat,
    parse_program,
)
from cnncalc.parsing.tokens import GrammarOrigin
from tests.conftest import SPECS

# Grammar: canonical trees and valid chains.

CANONICAL_LAYERS = st.sampled_from(
    [
        "CONV(4)",
        "CONV(8, 3)",
        "CONV(4, k=1, s=2)",
        "CONV(4, p=1)",
        "CONV(4, p=same)",
        "CONV(2, d=2, bias=false)",
        "MAXPOOL",
        "MAXPOOL(3, 2)",
        "AVGPOOL(2, ceil_mode=true)",
        "RELU",
        "LEAKY_RELU(0.2)",
        "BATCHNORM",
        "DROPOUT(0.5)",
        "LRN",
        "LOCAL(2, 1)",
        "CHANNEL_SHUFFLE(2)",
        "SLICE(channels=2)",
        "SPLIT(1)",
        "LAYERNORM",
        "LAYERNORM(bias=false)",
        "GROUPNORM(1)",
        "INSTANCENORM(affine=true)",
        "LAYER_SCALE",
        "DROP_PATH(0.1)",
        "DWCONV(m=2, p=1)",
        "SEPCONV(4, 1)",
        "CONV_TRANSPOSE(4, 4, s=2, p=1)",
        "CONV_TRANSPOSE(2, 3, s=2, p=1, op=1)",
        "CONV_TRANSPOSE(4, 3, g=2, bias=false)",
        "UPSAMPLE(2)",
        "UPSAMPLE(0.5, bilinear)",
        "UPSAMPLE(size=9)",
        "PIXEL_SHUFFLE(2)",
        "PIXEL_UNSHUFFLE(2)",
        "PAD(1, reflect)",
        "PAD([1, 2], circular)",
        "CROP(1)",
        "CROP(center=5)",
    ]
)
"""Layer text written as the formatter writes it, so parse(format(tree)) == tree."""

NOWHERE = GrammarOrigin("", 0, 0, "<test>")
"""An origin for built trees: spans are not part of equality."""


def layer_node(text: str) -> Layer:
    """The syntax-tree node of one layer's text."""
    item = parse_program(text).items[0]
    assert isinstance(item, Layer)
    return item


def trees(depth: int = 3) -> st.SearchStrategy[Node]:
    """Canonical syntax trees: layers, groups, repeats, optional parts and branches."""
    leaf: st.SearchStrategy[Node] = CANONICAL_LAYERS.map(layer_node)
    if depth == 0:
        return leaf
    sub = trees(depth - 1)
    chains = st.lists(sub, min_size=1, max_size=3).map(tuple)
    group = chains.map(lambda items: Group(items, NOWHERE))
    counts = st.one_of(st.integers(0, 3), st.sampled_from(["N", "M"]))
    repeat = st.tuples(st.one_of(group, leaf), counts).map(lambda t: Repeat(t[0], t[1], NOWHERE))
    maybe = st.one_of(group, leaf).map(lambda n: Maybe(n, NOWHERE))
    merges = st.sampled_from(["ADD", "CONCAT", "MULTIPLY"]).map(layer_node)
    branches = st.tuples(merges, st.lists(chains, min_size=1, max_size=3)).map(
        lambda t: Branches(t[0], tuple(t[1]), NOWHERE)
    )
    return st.one_of(leaf, group, repeat, maybe, branches)


PROGRAMS = st.lists(trees(), min_size=1, max_size=4).map(
    lambda items: Program((layer_node("INPUT(32x32x3)"), *items), "")
)
"""Whole canonical programs: an input layer and up to four trees."""

CHAIN_PIECES = st.one_of(
    CANONICAL_LAYERS,
    st.sampled_from(
        [
            "ADD{RELU | IDENTITY}",
            "CONCAT{RELU | MAXPOOL(3, 1, p=1) -> RELU}",
            "[CONV(4, 3, p=1) -> RELU]*2",
            "MULTIPLY{IDENTITY | GAP -> SIGMOID}",
            "ADD{DROP_PATH(0.2) -> LAYER_SCALE | IDENTITY}",
            "CONCAT{IDENTITY | MAXPOOL(2) -> UPSAMPLE(2, bilinear)}",
            "[CONV(4, 3, p=1, name=skip) -> UPSAMPLE(1.5) -> CROP(center=skip)]",
        ]
    ),
)
"""A layer, a merge of branches or a repeated group, as grammar text."""

VALID_CHAINS = st.lists(CHAIN_PIECES, min_size=0, max_size=8).map(
    lambda layers: " -> ".join(["INPUT(32x32x3)", *layers, "FLATTEN", "FC(10)"])
)
"""Grammar text of a valid chain on a 32x32x3 input ending in a classifier."""

CHAIN_MUTATIONS = st.sampled_from(
    [*"[]()*?,=->#x0123456789 \n\t", "->", "**", "-1", "1e999", "\u00d7", "\u2192", "\u00e9", "'"]
)
"""Characters and tokens to insert into grammar text."""

CHAIN_EDITS = st.lists(st.tuples(st.integers(0, 200), CHAIN_MUTATIONS, st.booleans()), max_size=4)
"""Up to four edits (position, piece, delete instead of insert) of a short chain."""

# Grammar text through the command line: the zoo's grammar files, mutated.

GRAMMAR_SEEDS = st.sampled_from([p.read_text() for p in sorted(SPECS.glob("*.cnn"))])
"""The text of a grammar file in specs/."""

GRAMMAR_PIECES = [
    "[",
    "]",
    "(",
    ")",
    "*",
    "?",
    ",",
    "=",
    "->",
    "#",
    "x",
    "0",
    "-1",
    "1e999",
    "9" * 40,
    "\u00d7",
    "\u2192",
    "\u00e9",
    "'",
    '"',
    "\n",
    "\t",
    "CONV",
    "p=same",
    "[bold]",
    "[/x]",
    "\x00",
    "INPUT(",
    "N",
]
"""Pieces of grammar and of rich markup, and control characters, to insert or overwrite."""

GRAMMAR_EDITS = st.lists(
    st.tuples(st.integers(0, 10_000), st.sampled_from(GRAMMAR_PIECES), st.booleans()), max_size=5
)
"""Up to five edits (position, piece, delete instead of insert) of a zoo grammar file."""

JUNK_TEXT = st.text(max_size=200)
"""Any short text, as a spec on standard input."""

JUNK_BYTES = st.binary(max_size=200)
"""Any short run of bytes, as a spec on standard input."""

# YAML documents.

YAML_SCALARS = st.one_of(
    st.integers(-3, 10**30),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["same", "valid", "3x3"]),
)
"""Any YAML scalar, and a few a spec reads as sizes or paddings."""

YAML_LAYER_VALUES = st.recursive(
    YAML_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    *("filters", "kernel", "stride", "padding", "units", "p", "x"),
                    *("groups", "start", "channels", "parts", "index", "multiplier", "from"),
                    *("output_padding", "scale", "size", "mode", "center", "cropping"),
                ]
            ),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)
"""The value of a layer's key: scalars, lists and mappings with real and wrong keys."""

YAML_LAYERS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                *("relu", "flatten", "bn", "gap", "conv", "nope"),
                *("layernorm", "instancenorm", "layer_scale", "drop_path", "dwconv", "multiply"),
            ]
        ),
        st.sampled_from(["relu", "flatten", "bn", "gap", "conv", "nope", "upsample", "crop"]),
        st.dictionaries(
            st.sampled_from(
                [
                    *("conv", "maxpool", "fc", "dropout", "repeat", "layers", "name"),
                    *("adaptive_avgpool", "groupnorm", "slice", "split", "sepconv", "multiply"),
                    "channel_shuffle",
                    *("adaptive_avgpool", "conv_transpose", "upsample", "pixel_shuffle"),
                    *("pixel_unshuffle", "pad", "crop"),
                ]
            ),
            YAML_LAYER_VALUES,
            max_size=2,
        ),
    ),
    max_size=6,
)
"""A spec's ``layers`` list: bare kinds and one- or two-key mappings."""

YAML_INPUTS = st.one_of(
    st.sampled_from(["8x8x3", "16x4", "4x8x8x2", "10", "0x1", "axb"]), YAML_SCALARS
)
"""A spec's ``input``: sizes of each rank, bad sizes and random scalars."""

YAML_FILES = st.sampled_from(sorted(SPECS.glob("*.yaml")))
"""Every YAML spec in specs/."""

YAML_INSERTIONS = st.lists(
    st.tuples(
        st.integers(0, 10_000),
        st.sampled_from(
            [":", "-", " ", "\n", "&a", "*a", "[", "{", "}", "'", "!!python/object", "\t", "0"]
        ),
    ),
    max_size=4,
)
"""Up to four (position, piece) insertions of YAML syntax, anchors, aliases and tags."""


# Command lines: hostile values for every command (tests/test_trust.py,
# tests/test_homework_trust.py).

HUGE = "9" * 99

SPEC_VALUES = st.sampled_from(
    ["0", "1", "-1", "2", "3", "1.0", "true", "same", "C", "", "1e999", HUGE, "x", "010"]
)
"""Argument values a newcomer or an attacker might write."""
SPEC_TEXTS = st.builds(
    lambda kind, a, b: f"INPUT(8x8x2) -> {kind}({a}, {b})" if a or b else f"INPUT(8x8x2) -> {kind}",
    st.sampled_from(
        [
            *("CONV", "MAXPOOL", "FC", "Conv2d", "Linear", "DROPOUT", "BN", "RELU"),
            *("GROUPNORM", "SPLIT", "SLICE", "DWCONV", "SEPCONV", "CHANNEL_SHUFFLE"),
            *("DECONV", "ConvTranspose2d", "UPSAMPLE", "Upsample", "PIXEL_SHUFFLE", "PAD"),
            *("CROP", "PIXEL_UNSHUFFLE"),
        ]
    ),
    SPEC_VALUES,
    SPEC_VALUES,
)
SPEC_OPTIONS = st.lists(
    st.sampled_from(
        [
            ["-f", "json"],
            ["-f", "csv"],
            ["-f", "markdown"],
            ["--depth", "1"],
            ["--depth", "-1"],
            ["--input", "4x4x2"],
            ["--input", "4x4"],
            ["--set", "N=2"],
            ["--set", "same=1"],
            ["--default", "conv.padding=1"],
            ["--default", "conv.name=x"],
            ["--max-layers", "1"],
            ["--dtype", "int8"],
            ["--columns", "name,input,params_pct,macs_pct,live,params_fc"],
            ["--columns", "nmae"],
            ["--wide"],
            ["--warnings", "all"],
            ["--warnings", "none"],
        ]
    ),
    max_size=3,
)


YAML_ARGUMENT_VALUES = st.sampled_from(["1", "1.0", "true", "2", "'2'", "0", "-1", "C", "[1, 2]"])


OPTION_VALUES = st.one_of(
    st.sampled_from(
        [
            *("0", "-1", "1", "2", "3", "1e999", "1e999999999", "", " ", "x", "C", "3x3"),
            *("3x3x1", "2x2x2x2x2", "same", "nan", "inf", "-0", "9" * 30, "9" * 5000, "1/0"),
            *("1,2", "(", "\x00", "1 2; 3 4", "1 2; 3", "1 | 2", "\u00b2", "34,944", "last"),
        ]
    ),
    st.integers(-(10**20), 10**20).map(str),
    st.text(max_size=8),
)
HOMEWORK_FLAGS = {
    "conv": ["-i", "-k", "-s", "-p", "-d", "-c", "-g", "--expect", "--expect-params"],
    "local": ["-i", "-k", "-s", "-p", "-d", "-c", "--expect", "--expect-params"],
    "pool": ["-i", "-k", "-s", "-p", "-d", "--expect"],
    "fc": ["-i", "--units", "--expect", "--expect-params"],
    "convolve": ["-i", "-k", "--size", "-s", "-p", "-d", "--op"],
    "solve": [
        *("--input", "--output", "--rf", "-k", "-s", "-p", "-d", "--max-kernel"),
        *("--max-stride", "--max-dilation"),
    ],
    "explain": ["-l", "--expect", "--expect-params", "--input"],
}
HOMEWORK_SWITCHES = {
    "conv": ["--1d", "--no-bias", "-f=json"],
    "local": ["--1d"],
    "pool": ["--ceil", "--avg", "--1d"],
    "fc": ["--no-bias"],
    "convolve": ["--steps"],
    "solve": [],
    "explain": ["-f=json"],
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A homework command with random values for its options (fuzzing)."""
    command = draw(st.sampled_from(sorted(HOMEWORK_FLAGS)))
    args = [command]
    if command == "explain":
        args.append(str(SPECS / draw(st.sampled_from(["alexnet.yaml", "resnet18.cnn"]))))
    if command in ("conv", "local", "pool", "fc"):
        args += ["-i", draw(st.sampled_from(["5x5x3", "8x8xC", "7x7x1", "3x3", "1x1x1"]))]
    if command == "convolve":
        args += ["-i", draw(st.sampled_from(["1 2; 3 4", "1 2 3; 4 5 6; 7 8 9"]))]
    for flag in draw(st.lists(st.sampled_from(HOMEWORK_FLAGS[command]), max_size=4)):
        args += [flag, draw(OPTION_VALUES)]
    args += draw(st.lists(st.sampled_from(HOMEWORK_SWITCHES[command] or ["-h"]), max_size=1))
    return args


HOMEWORK_COMMAND_LINES = command_lines()


# YAML 1.1 scalars that look like numbers, booleans or dates, and tags to put on them.

YAML_LOOKALIKES = st.one_of(
    st.integers(-5, 300).map(str),
    st.integers(0, 300).map(lambda n: f"0{n:o}"),
    st.integers(0, 300).map(lambda n: f"0x{n:x}"),
    st.integers(0, 300).map(lambda n: f"0b{n:b}"),
    st.integers(0, 300).map(lambda n: f"0o{n:o}"),
    st.tuples(st.integers(0, 99), st.integers(0, 59)).map(lambda t: f"{t[0]}:{t[1]:02d}"),
    st.tuples(st.integers(0, 9), st.integers(0, 59)).map(lambda t: f"{t[0]}:{t[1]}.5"),
    st.integers(1000, 10**7).map(lambda n: f"{n:_}"),
    st.sampled_from([".inf", "-.inf", ".nan", ".5", "5.", "1e-3", "1.0e+3", "2.5", "-0"]),
    st.sampled_from(["yes", "No", "on", "OFF", "true", "maybe", "~", "null", ""]),
    st.sampled_from(["2001-12-14", "2001-13-45", "2001-12-14t21:59:43.10-05:00"]),
    st.text("0123456789xob:_.-+eE", max_size=8),
    st.integers(0, 10**30).map(str),
)
YAML_TAGS = st.sampled_from(
    [
        *("", "!!int ", "!!float ", "!!bool ", "!!str ", "!!null ", "!!timestamp "),
        *("!!binary ", "!foo ", "!!python/object "),
    ]
)


# Weight sharing: chains of repeated parts whose every parameter layer shares with its
# first copy (each part ends with as many channels as it starts with, so copies fit).


@st.composite
def shareable_chains(draw: st.DrawFn) -> tuple[str, str]:
    """The same random chain twice as grammar text: without sharing, and with every
    named parameter layer of a repeated part written ``share=`` its own name (its first
    copy)."""
    channels = draw(st.integers(1, 6))
    plain = [f"INPUT(12x12x{channels})"]
    shared = list(plain)
    for i in range(draw(st.integers(1, 3))):
        times = draw(st.integers(1, 4))
        widths = [*draw(st.lists(st.integers(1, 8), max_size=2)), channels]
        body_plain, body_shared = [], []
        for j, width in enumerate(widths):
            kind = draw(st.sampled_from(["CONV", "CONV", "LOCAL"]))
            kernel = draw(st.sampled_from([1, 3]))
            bias = draw(st.booleans())
            args = f"{width}, {kernel}, p=same, bias={str(bias).lower()}, name=s{i}_{j}"
            body_plain.append(f"{kind}({args})")
            body_shared.append(f"{kind}({args}, share=s{i}_{j})")
            after = draw(st.sampled_from(["RELU", "BN", "PRELU", "DROPOUT"]))
            if after in ("BN", "PRELU"):  # with parameters: named, and shared
                body_plain.append(f"{after}(name=a{i}_{j})")
                body_shared.append(f"{after}(name=a{i}_{j}, share=a{i}_{j})")
            else:
                body_plain.append(after)
                body_shared.append(after)
        plain.append(f"[{' -> '.join(body_plain)}]*{times}")
        shared.append(f"[{' -> '.join(body_shared)}]*{times}")
    tail = f"GAP -> FC({draw(st.integers(1, 10))}, name=head)"
    return " -> ".join([*plain, tail]), " -> ".join([*shared, tail])


SHAREABLE_CHAINS = shareable_chains()
# Names: text with what breaks output (C0/C1 controls, DEL, bidi overrides, line
# separators, lone surrogates, noncharacters) and the specials of every output format:
# Markdown, CSV, HTML/SVG, DOT and LaTeX.

NAME_SPECIALS = list(
    "\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\u2028\u2029\u202a\u202e\u2066\u2069\ud800\udcff"
    "\ufffe\uffff|\\`*_~#[]()<>&!=+-@\"', .{}$^%;"
)
NAME_CHARS = st.one_of(st.sampled_from(NAME_SPECIALS), st.characters(exclude_categories=()))
LAYER_NAMES = st.text(NAME_CHARS, min_size=1, max_size=30)
"""Layer and network names as a user may write them, markup and control characters too."""
# The input-size solver: branching encoders with skips, floor and ceil pooling.

SOLVER_PIECES = st.sampled_from(
    [
        "CONV(4, 3)",
        "CONV(4, 3, p=1)",
        "CONV(4, 3, s=2)",
        "CONV(4, 1, s=2)",
        "CONV(4, 5, s=3, p=2)",
        "CONV(4, 3, p=same, s=2)",
        "CONV(2, 3, d=2)",
        "LOCAL(2, 2, s=2)",
        "MAXPOOL",
        "MAXPOOL(3, 2)",
        "MAXPOOL(3, 2, ceil_mode=true)",
        "MAXPOOL(2, ceil_mode=true)",
        "AVGPOOL(3, 2, p=1, ceil_mode=true)",
        "AVGPOOL(2)",
        "RELU",
        "BATCHNORM",
        "ADD{RELU | IDENTITY}",
        "CONCAT{MAXPOOL(2) | CONV(4, 1, s=2)}",
        "CONCAT{MAXPOOL(2, ceil_mode=true) | CONV(4, 3, s=2, p=1)}",
        "CONCAT{MAXPOOL(3, 2) -> CONV(4, 3, p=1) | CONV(4, 3, s=2)}",
        "CONCAT{AVGPOOL(2) -> MAXPOOL(2) | CONV(4, 4, s=4)}",
        "CONCAT{CONV(4, 3) -> CONV(4, 3) | MAXPOOL(5, 1)}",
        "CONCAT{IDENTITY | CONV(4, 3, p=1)}",
        "ADAPTIVE_AVGPOOL(3)",
        # multiply broadcasts: a global gate (squeeze-and-excitation) fits any size
        "MUL{IDENTITY | GAP -> SIGMOID}",
        "MUL{CONV(4, 3, s=2) -> RELU | CONV(4, 1) -> ADAPTIVE_AVGPOOL(1)}",
        "MUL{MAXPOOL(2) | AVGPOOL(2)}",
        "MUL{CONV(4, 3, p=1) | CONV(4, 3) -> ADAPTIVE_AVGPOOL(2)}",
    ]
)
"""Pieces whose valid input sizes are periodic, thresholded, or empty."""

SOLVER_TAILS = st.sampled_from(["", " -> FLATTEN -> FC(10)", " -> GAP -> FLATTEN -> Linear(4, 10)"])

SOLVER_SPECS = st.builds(
    lambda layers, tail: " -> ".join(["INPUT(24x24x3)", *layers]) + tail,
    st.lists(SOLVER_PIECES, min_size=1, max_size=6),
    SOLVER_TAILS,
)
"""Grammar text of branching networks on a 24x24x3 input, for the solver's property test."""


# Export: chains of the decoder and modern kinds, each piece kept only where the chain
# so far still evaluates (so every example is a valid network, whatever the sizes).


def _decoder_piece(channels: int) -> st.SearchStrategy[str]:
    """One layer (or small merge) of the decoder and modern kinds, for ``channels``."""
    c = channels
    side = st.integers(0, 2)
    pairs = st.tuples(side, side, side, side).map(lambda p: f"[[{p[0]},{p[1]}],[{p[2]},{p[3]}]]")
    groups = st.sampled_from([g for g in (1, 2, 4) if c % g == 0])
    return st.one_of(
        st.builds(
            lambda w, k, s, p, op, g, d: (
                f"DECONV({w * g}, {k}, s={s}, p={p}, op={op}, g={g}, d={d})"
            ),
            st.integers(1, 3),
            st.integers(1, 3),
            st.integers(1, 3),
            st.integers(0, 2),
            st.integers(0, 1),
            groups,
            st.integers(1, 2),
        ),
        st.builds(lambda w, p: f"DECONV({w}, 3, s=2, p={p})", st.integers(1, 4), pairs),
        st.builds(
            lambda s, m: f"UPSAMPLE({s}, {m})",
            st.sampled_from(["1", "2", "1.5", "0.5", "[2, 3]"]),
            st.sampled_from(["nearest", "nearest-exact", "bilinear", "bicubic"]),
        ),
        st.builds(
            lambda m: f"UPSAMPLE(2, {m}, align_corners=true)",
            st.sampled_from(["bilinear", "bicubic"]),
        ),
        st.builds(lambda h, w: f"UPSAMPLE(size=[{h},{w}])", st.integers(1, 20), st.integers(1, 20)),
        st.sampled_from(
            ["UPSAMPLE(size=input, mode=bilinear)", "CROP(center=input)", "CROP(center=skip)"]
        ),
        st.sampled_from(["UPSAMPLE(size=skip)", "PIXEL_SHUFFLE(2)", "PIXEL_UNSHUFFLE(2)"]),
        st.builds(
            lambda p, m: f"PAD({p}, {m})",
            pairs,
            st.sampled_from(["constant", "reflect", "replicate", "circular"]),
        ),
        st.builds(lambda v: f"PAD(1, value={v})", st.sampled_from(["0.5", "-2.0"])),
        st.builds(lambda p: f"CROP({p})", pairs),
        st.builds(lambda h, w: f"CROP(center=[{h},{w}])", st.integers(1, 8), st.integers(1, 8)),
        st.just(f"MUL{{IDENTITY | GAP -> FLATTEN -> FC({c}) -> SIGMOID}}"),
        st.just(f"MUL{{IDENTITY | GAP -> CONV({c}, 1) -> SIGMOID}}"),
        st.builds(lambda g: f"CHANNEL_SHUFFLE({g})", groups),
        st.builds(lambda a, n: f"SLICE({a}, {n})", st.integers(0, c - 1), st.integers(1, c)),
        st.builds(lambda a: f"SLICE({a})", st.integers(0, c - 1)),
        st.builds(lambda g: f"SPLIT({g}, {g - 1})", groups),
        st.builds(
            lambda a, b: f"LAYERNORM(affine={a}, bias={b})",
            st.sampled_from(["true", "false"]),
            st.sampled_from(["true", "false"]),
        ),
        st.builds(
            lambda g, a: f"GROUPNORM({g}, affine={a})", groups, st.sampled_from(["true", "false"])
        ),
        st.builds(lambda a: f"INSTANCENORM(affine={a})", st.sampled_from(["true", "false"])),
        st.sampled_from(["LAYER_SCALE", "DROP_PATH(0.1)", "DROP_PATH"]),
        st.builds(
            lambda k, s, p, m: f"DWCONV({k}, {s}, p={p}, m={m})",
            st.integers(1, 3),
            st.integers(1, 2),
            st.sampled_from(["0", "1", "same"]),
            st.integers(1, 2),
        ),
        st.builds(lambda w, k: f"SEPCONV({w}, {k}, p=same)", st.integers(1, 6), st.integers(1, 3)),
    )


@st.composite
def decoder_chains(draw: st.DrawFn) -> str:
    """Grammar text of a 2D network of the decoder and modern kinds: a named layer
    ``skip`` first (for ``size=skip`` and ``center=skip``), then up to five pieces, each
    kept only where the chain still evaluates."""
    from cnncalc import evaluate, parse
    from cnncalc.errors import CnnCalcError

    channels = draw(st.sampled_from([2, 4, 6, 8]))
    size = draw(st.integers(4, 12))
    text = f"INPUT({size}x{size}x{channels}) -> CONV({channels}, 3, p=1, name=skip)"
    for _ in range(draw(st.integers(1, 5))):
        result = evaluate(parse(text))
        c = result.layers[-1].output.channels
        assert isinstance(c, int)
        piece = draw(_decoder_piece(c))
        try:
            candidate = evaluate(parse(f"{text} -> {piece}"))
        except CnnCalcError:
            continue
        activations = candidate.totals.activations
        if isinstance(activations, int) and activations <= 200_000:  # verify runs it: small
            text = f"{text} -> {piece}"
    return text


DECODER_CHAINS = decoder_chains()


def unet_text(
    depth: int, padded: bool, crop: bool, ceil: bool, up: str = "deconv", length: int = 572
) -> str:
    """A U-Net on a 1D input of ``length`` (the original of Ronneberger et al. 2015 with
    ``depth=4``, unpadded, crop, deconv): per level two 3-wide convolutions (``padded``:
    ``p=1``) then a 2-wide max pool (``ceil``: ceil mode); at the bottom two convolutions;
    per level up an ``up`` layer (``deconv``: up-conv 2 stride 2; ``scale``: nearest
    upsampling by 2; ``size``: upsampling to the skip's length), the skip (``crop``:
    centre-cropped to the up path's length, crop-and-copy) concatenated, two convolutions;
    a 1-wide convolution last. Levels are named e1.. (skips) and u1.. (up layers)."""
    p = ", p=1" if padded else ""
    pool = "MAXPOOL(2, ceil_mode=true)" if ceil else "MAXPOOL(2)"
    parts = [f"INPUT({length}x1)"]
    for i in range(1, depth + 1):
        parts += [f"CONV(4, 3{p})", f"CONV(4, 3{p}, name=e{i})", pool]
    parts += [f"CONV(4, 3{p})", f"CONV(4, 3{p})"]
    for i in range(depth, 0, -1):
        parts.append(
            {
                "deconv": f"DECONV(4, 2, s=2, name=u{i})",
                "scale": f"UPSAMPLE(2, name=u{i})",
                "size": f"UPSAMPLE(size=e{i}, name=u{i})",
            }[up]
        )
        if crop:
            parts += [f"CROP(center=u{i}, from=e{i}, name=k{i})", f"CONCAT(from=[k{i}, u{i}])"]
        else:
            parts.append(f"CONCAT(from=[e{i}, u{i}])")
        parts += [f"CONV(4, 3{p})", f"CONV(4, 3{p})"]
    parts.append("CONV(2, 1)")
    return " -> ".join(parts)


UNETS = st.builds(
    unet_text,
    st.integers(2, 5),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["deconv", "scale", "size"]),
)
"""U-Nets of depth 2 to 5 on a 1D input, with and without padding, both rounding modes."""

SOLVER_DECODER_PIECES = st.sampled_from(
    [
        "DECONV(4, 2, s=2)",
        "DECONV(4, 3, s=2, p=1, output_padding=1)",
        "DECONV(4, 4, s=3, p=4)",
        "DECONV(4, 2, s=2, d=2, p=3, output_padding=1)",
        "UPSAMPLE(2)",
        "UPSAMPLE(1.5)",
        "UPSAMPLE(0.5)",
        "UPSAMPLE(0.75, linear)",
        "PAD(2, reflect)",
        "PAD(3, circular)",
        "PAD([[1, 2]], replicate)",
        "CROP(1)",
        "CROP([[2, 3]])",
        "CROP(center=5)",
        "DWCONV(3, s=2)",
        "DWCONV(3, p=same, s=2)",
        "MAXPOOL(2)",
        "CONV(4, 3)",
        "ADD{DECONV(4, 2, s=2) | UPSAMPLE(2)}",
        "CONCAT{MAXPOOL(2) -> UPSAMPLE(2) | IDENTITY}",
        "CONCAT{CONV(4, 3, name=a) -> MAXPOOL(2) -> DECONV(4, 2, s=2, name=b) "
        "| CROP(center=b, from=a)}",
        "ADD{CONV(4, 3, s=2, name=c) -> UPSAMPLE(size=input) | IDENTITY}",
        "CONCAT{CONV(4, 5, name=f) -> UPSAMPLE(3) -> CROP(center=f) | CONV(4, 5)}",
        "ADD{CONV(4, 5, name=g) | MAXPOOL(2) -> UPSAMPLE(size=g, mode=linear)}",
    ]
)
"""Decoder pieces (1D): transposed convolutions, upsampling by scale and to a layer's
length, padding modes, crops (also to a layer's length), depthwise convolutions."""

SOLVER_DECODER_SPECS = st.builds(
    lambda layers: " -> ".join(["INPUT(24x4)", *layers]),
    st.lists(SOLVER_DECODER_PIECES, min_size=1, max_size=4, unique=True),
)
"""Grammar text of decoder networks on a 1D input of 4 channels, for the solver."""


# Memory: plain chains (every layer reads the one before and makes a tensor of its own).

PLAIN_CHAINS = st.lists(
    st.one_of(
        st.integers(1, 6).map(lambda c: f"CONV({c}, 3, p=1)"),
        st.integers(1, 6).map(lambda c: f"CONV({c}, 1)"),
        st.sampled_from(["MAXPOOL(2)", "AVGPOOL(2)", "RELU", "BN", "SIGMOID", "RELU6"]),
    ),
    min_size=1,
    max_size=8,
).map(lambda layers: " -> ".join(["INPUT(32x32x3)", *layers, "FC(7)"]))
"""Grammar text of a chain with no view or alias (flatten, identity, dropout): each
layer's output is a new tensor."""
