#!/usr/bin/python3
"""Generate PyTorch reference values for Adjoint's autograd ops.

Run it with Debian's system Python, which has torch (apt-get install
python3-torch); a pyenv or virtualenv python3 without torch will not do:

    /usr/bin/python3 autograd/testdata/torchref/gen.py          # rewrite torchref*.json
    /usr/bin/python3 autograd/testdata/torchref/gen.py --check  # exit 1 if one is stale
    /usr/bin/python3 autograd/testdata/torchref/gen.py -o -     # print to stdout

The cases of the op table's newer families live in gen_<family>.py beside
this script (see family_modules) and go to torchref_<family>.json.

For every case of the table below (an Adjoint op, its parameters and fixed
inputs) it records, in float64:

  outputs       the op's result(s);
  grad_outputs  W, one fixed random weight per output;
  grads         d/dx_i of sum_k sum(out_k * W_k), for every input that
                requires a gradient (null for the others);
  second_order  u: one fixed random U_i per such input, and hvp: d/dx_j of
                s = sum_i sum(g_i * U_i), where g = grads computed with
                create_graph=True (a Hessian-vector product). A case without
                it says why in second_order_skipped.

autograd/torchref_test.go rebuilds each case with Adjoint and compares; it
needs no Python. Every value is written with Python's float repr, which
round-trips float64 exactly. The output is deterministic: each case draws its
inputs from its own torch.Generator seeded with the CRC-32 of the case's name
(so adding a case changes no other case), torch runs on one thread, and keys
are sorted. See README.md beside this file for how to add a case.
"""

import argparse
import importlib.util
import json
import math
import os
import sys
import zlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------
# Input specs. Each is a function (generator, inputs drawn so far) -> tensor,
# so that an input can be placed relative to an earlier one (a target a fixed
# distance from a prediction, away from a kink).


def uniform(lo, hi, *shape):
    """Uniform in [lo, hi)."""
    return lambda g, prev: lo + (hi - lo) * torch.rand(shape, generator=g)


def nonzero(lo, hi, *shape):
    """|x| uniform in [lo, hi) with a random sign: away from a kink at 0."""

    def draw(g, prev):
        mag = lo + (hi - lo) * torch.rand(shape, generator=g)
        sign = torch.where(torch.rand(shape, generator=g) < 0.5, -1.0, 1.0)
        return mag * sign

    return draw


def intervals(ivs, *shape):
    """Uniform over a union of intervals [a, b) (each picked with equal
    probability): away from the kinks between them."""

    def draw(g, prev):
        pick = torch.randint(len(ivs), shape, generator=g)
        u = torch.rand(shape, generator=g)
        lo = torch.tensor([a for a, _ in ivs])[pick]
        hi = torch.tensor([b for _, b in ivs])[pick]
        return lo + (hi - lo) * u

    return draw


def offset_from(i, ivs):
    """Input i plus an offset drawn from intervals: a target at a controlled
    distance from the prediction (L1 and Huber away from their kinks)."""

    def draw(g, prev):
        return prev[i] - intervals(ivs, *prev[i].shape)(g, prev)

    return draw


def values(data, *shape):
    """Fixed values."""
    return lambda g, prev: torch.tensor(data, dtype=torch.float64).reshape(shape)


def const(spec):
    """Marks an input that does not require a gradient (Const in Go)."""
    return ("const", spec)


# ---------------------------------------------------------------------------
# The torch side of each Adjoint op: (inputs, params) -> tensor or tuple.


def _axes(x, p):
    axes = p.get("axes")
    return tuple(axes) if axes else tuple(range(x.dim()))


def _red(p):
    return {"mean": "mean", "sum": "sum", "none": "none"}[p.get("reduction", "mean")]


def _or1(v):
    return tuple(1 if d == 0 else d for d in v)


def _sum_to(x, shape):
    """Adjoint's SumTo: sum x down to shape (the inverse of broadcasting)."""
    lead = x.dim() - len(shape)
    if lead:
        x = x.sum(dim=tuple(range(lead)))
    dims = tuple(i for i, d in enumerate(shape) if d == 1 and x.shape[i] != 1)
    if dims:
        x = x.sum(dim=dims, keepdim=True)
    return x


def _where(x, p):
    a, b = x
    shape = torch.broadcast_shapes(a.shape, b.shape)
    mask = torch.tensor(p["mask"], dtype=torch.bool).reshape(shape)
    return torch.where(mask, a, b)


def _slice(x, p):
    idx = []
    for start, stop, step in p["ranges"]:
        idx.append(slice(start, stop, step if step else 1))  # stop None: to the end
    return x[tuple(idx)]


def _pad(x, p):
    # F.pad takes (before, after) pairs starting from the LAST axis.
    flat = []
    for before, after in reversed(p["widths"]):
        flat += [before, after]
    return F.pad(x, tuple(flat), value=p["value"])


def _squeeze(x, p):
    axes = p.get("axes")
    if not axes:
        return x.squeeze()
    axes = sorted((a % x.dim() for a in axes), reverse=True)
    for a in axes:  # torch 1.13 squeezes one dim at a time
        x = x.squeeze(a)
    return x


def _labels(logits, p):
    lab = torch.tensor(p["labels"])
    return lab if logits.dim() == 2 else lab.reshape(())


def _matmul_t(x, p):
    a, b = x
    if p.get("trans_a"):
        a = a.transpose(-1, -2)
    if p.get("trans_b"):
        b = b.transpose(-1, -2)
    return a @ b


def _arg(fn):
    def f(x, p):
        # Adjoint returns the indices in row-major order of the remaining axes.
        return fn(x[0], dim=p["axis"]).reshape(-1).to(torch.float64)

    return f


# The pointwise ops of the op table are not here: their torch side is the
# table's (gen_pointwise.py's OPS, which generate adds to these for the
# cases below).
OPS = {
    "Add": lambda x, p: x[0] + x[1],
    "Sub": lambda x, p: x[0] - x[1],
    "Mul": lambda x, p: x[0] * x[1],
    "Div": lambda x, p: x[0] / x[1],
    "Maximum": lambda x, p: torch.maximum(x[0], x[1]),
    "Minimum": lambda x, p: torch.minimum(x[0], x[1]),
    "PowVar": lambda x, p: torch.pow(x[0], x[1]),
    "Where": _where,
    "Sum": lambda x, p: torch.sum(x[0], dim=_axes(x[0], p)),
    "SumKeepDims": lambda x, p: torch.sum(x[0], dim=_axes(x[0], p), keepdim=True),
    "Mean": lambda x, p: torch.mean(x[0], dim=_axes(x[0], p)),
    "MeanKeepDims": lambda x, p: torch.mean(x[0], dim=_axes(x[0], p), keepdim=True),
    "Max": lambda x, p: torch.amax(x[0], dim=_axes(x[0], p)),
    "MaxKeepDims": lambda x, p: torch.amax(x[0], dim=_axes(x[0], p), keepdim=True),
    "Min": lambda x, p: torch.amin(x[0], dim=_axes(x[0], p)),
    "MinKeepDims": lambda x, p: torch.amin(x[0], dim=_axes(x[0], p), keepdim=True),
    "LogSumExp": lambda x, p: torch.logsumexp(x[0], dim=_axes(x[0], p)),
    "LogSumExpKeepDims": lambda x, p: torch.logsumexp(x[0], dim=_axes(x[0], p), keepdim=True),
    # torch 1.13 has correction= as a keyword of var/std (unbiased= is the
    # older spelling of correction 1 / 0).
    "Variance": lambda x, p: torch.var(x[0], dim=_axes(x[0], p), correction=p["correction"]),
    "Std": lambda x, p: torch.std(x[0], dim=_axes(x[0], p), correction=p["correction"]),
    "BroadcastTo": lambda x, p: x[0].expand(*p["shape"]),
    "SumTo": lambda x, p: _sum_to(x[0], p["shape"]),
    "LayerNorm": lambda x, p: F.layer_norm(x[0], x[0].shape[len(x[0].shape) - p["dims"]:],
                                           x[1] if len(x) > 1 else None, x[2] if len(x) > 2 else None, p["eps"]),
    "Softmax": lambda x, p: torch.softmax(x[0], p["axis"]),
    "LogSoftmax": lambda x, p: torch.log_softmax(x[0], p["axis"]),
    "MatMul": lambda x, p: torch.matmul(x[0], x[1]),
    "MatMulT": _matmul_t,
    "Linear": lambda x, p: F.linear(x[0], x[1], x[2] if len(x) > 2 else None),
    "LinearReLU": lambda x, p: torch.relu(F.linear(x[0], x[1], x[2] if len(x) > 2 else None)),
    "Transpose": lambda x, p: x[0].t(),
    "Reshape": lambda x, p: x[0].reshape(p["shape"]),
    "MSE": lambda x, p: F.mse_loss(x[0], x[1], reduction=_red(p)),
    "L1": lambda x, p: F.l1_loss(x[0], x[1], reduction=_red(p)),
    "Huber": lambda x, p: F.huber_loss(x[0], x[1], reduction=_red(p), delta=p["delta"]),
    "BCE": lambda x, p: F.binary_cross_entropy(x[0], x[1], reduction=_red(p)),
    "BCEWithLogits": lambda x, p: F.binary_cross_entropy_with_logits(x[0], x[1], reduction=_red(p)),
    "CrossEntropy": lambda x, p: F.cross_entropy(x[0], _labels(x[0], p), reduction=_red(p)),
    "NLL": lambda x, p: F.nll_loss(x[0], _labels(x[0], p), reduction=_red(p)),
    "Conv2D": lambda x, p: F.conv2d(
        x[0], x[1], x[2] if len(x) > 2 else None,
        stride=_or1(p.get("stride", [1, 1])), padding=tuple(p.get("padding", [0, 0])),
        dilation=_or1(p.get("dilation", [1, 1])), groups=p.get("groups", 1) or 1),
    "MaxPool2D": lambda x, p: F.max_pool2d(
        x[0], tuple(p["kernel"]),
        stride=tuple(k if s == 0 else s for k, s in zip(p["kernel"], p["stride"])),
        padding=tuple(p["padding"])),
    "AvgPool2D": lambda x, p: F.avg_pool2d(
        x[0], tuple(p["kernel"]),
        stride=tuple(k if s == 0 else s for k, s in zip(p["kernel"], p["stride"])),
        padding=tuple(p["padding"]), count_include_pad=True),
    "Permute": lambda x, p: x[0].permute(*p["axes"]),
    "Squeeze": lambda x, p: _squeeze(x[0], p),
    "Unsqueeze": lambda x, p: x[0].unsqueeze(p["axis"]),
    "Expand": lambda x, p: x[0].expand(*p["shape"]),
    "Slice": lambda x, p: _slice(x[0], p),
    "Pad": lambda x, p: _pad(x[0], p),
    "Concat": lambda x, p: torch.cat(x, dim=p["axis"]),
    "Stack": lambda x, p: torch.stack(x, dim=p["axis"]),
    "Split": lambda x, p: torch.split(x[0], p["sizes"], dim=p["axis"]),
    "IndexSelect": lambda x, p: torch.index_select(x[0], p["axis"], torch.tensor(p["indices"])),
    "Select": lambda x, p: x[0].select(p["axis"], p["indices"][0]),
    "Embedding": lambda x, p: F.embedding(x[1].long(), x[0]),
    "EmbeddingPadded": lambda x, p: F.embedding(x[1].long(), x[0], padding_idx=p["padding_idx"]),
    "Argmax": _arg(torch.argmax),
    "Argmin": _arg(torch.argmin),
}

# Ops that return indices, not a differentiable Var: forward values only.
NOT_DIFFERENTIABLE = {"Argmax", "Argmin"}

# ---------------------------------------------------------------------------
# The table.

CASES = []


def case(name, op, inputs, params=None, check=None, note=None, no_second_order=None):
    """Adds a case. inputs are specs (wrap one in const() when it does not
    require a gradient); check(inputs) may assert that the drawn inputs are
    away from kinks and ties; no_second_order is the reason to skip the
    second-order values."""
    CASES.append(dict(name=name, op=op, inputs=inputs, params=params or {}, check=check,
                      note=note, no_second_order=no_second_order))


def no_ties(*idx):
    """Check: the given inputs have no repeated values (so a max or min is
    unique and no tie rule is involved)."""

    def chk(xs):
        for i in idx:
            v = xs[i].reshape(-1).tolist()
            assert len(set(v)) == len(v), "tie in input %d" % i

    return chk


def apart(i, j, margin):
    """Check: inputs i and j (broadcast) differ everywhere by at least margin."""

    def chk(xs):
        d = (xs[i] - xs[j]).abs().min().item()
        assert d >= margin, "inputs %d and %d only %g apart" % (i, j, d)

    return chk


def preactivation_apart(margin):
    """Check: x·wᵀ + b of a LinearReLU's inputs is at least margin from 0
    everywhere (away from ReLU's kink)."""

    def chk(xs):
        z = F.linear(xs[0], xs[1], xs[2] if len(xs) > 2 else None)
        assert z.abs().min().item() >= margin, "a pre-activation is %g" % z.abs().min().item()

    return chk


BCE_NOTE = ("probabilities in [0.2, 0.8]: torch's BCE double backward adds 1e-12 to p and 1 - p, "
            "which is negligible here (relative 1e-11 at most) but not near 0 or 1")


def build_cases(_g=None):
    # Elementwise arithmetic, with broadcasting.
    bshapes = [
        ("same [2 3]", (2, 3), (2, 3)),
        ("broadcast [2 1] [1 3]", (2, 1), (1, 3)),
        ("broadcast 0-d [2 3]", (), (2, 3)),
        ("broadcast [2 3] [3]", (2, 3), (3,)),
        ("broadcast [2 1 4] [3 1]", (2, 1, 4), (3, 1)),
    ]
    for op in ["Add", "Sub", "Mul", "Div"]:
        for label, sa, sb in bshapes:
            b = nonzero(0.5, 2, *sb) if op == "Div" else uniform(-2, 2, *sb)
            case("%s/%s" % (op, label), op, [uniform(-2, 2, *sa), b])
    case("Add/constant second operand [2 3] [3]", "Add",
         [uniform(-2, 2, 2, 3), const(uniform(-2, 2, 3))])
    case("Mul/constant first operand", "Mul", [const(uniform(-2, 2, 2, 1)), uniform(-2, 2, 2, 3)])
    case("Div/constant divisor", "Div", [uniform(-2, 2, 2, 3), const(nonzero(0.5, 2, 3))])
    case("Neg/[2 3]", "Neg", [uniform(-2, 2, 2, 3)])
    case("Scale/k=-1.7 [2 3]", "Scale", [uniform(-2, 2, 2, 3)], {"k": -1.7})
    case("Scale/k=0.25 0-d", "Scale", [uniform(-2, 2)], {"k": 0.25})

    # Unary functions and activations.
    case("Sigmoid/[2 3]", "Sigmoid", [uniform(-4, 4, 2, 3)])
    case("Sigmoid/saturating [4]", "Sigmoid", [values([-30.0, -12.5, 15.0, 35.0], 4)])
    case("Tanh/[2 3]", "Tanh", [uniform(-3, 3, 2, 3)])
    case("ReLU/[2 3] away from 0", "ReLU", [nonzero(0.1, 2, 2, 3)])
    case("Exp/[2 3]", "Exp", [uniform(-2, 2, 2, 3)])
    case("Log/[2 3] positive", "Log", [uniform(0.3, 3, 2, 3)])
    case("Square/[2 3]", "Square", [uniform(-2, 2, 2, 3)])
    case("Pow/p=3", "Pow", [uniform(-2, 2, 2, 3)], {"p": 3.0})
    case("Pow/p=2", "Pow", [uniform(-2, 2, 5)], {"p": 2.0})
    case("Pow/p=0.5 positive", "Pow", [uniform(0.3, 3, 2, 3)], {"p": 0.5})
    case("Pow/p=-1.5 positive", "Pow", [uniform(0.3, 3, 2, 3)], {"p": -1.5})
    case("Pow/p=-1 nonzero", "Pow", [nonzero(0.3, 2, 2, 3)], {"p": -1.0})
    case("Sqrt/[2 3] positive", "Sqrt", [uniform(0.2, 4, 2, 3)])
    case("Abs/[2 3] away from 0", "Abs", [nonzero(0.1, 2, 2, 3)])
    case("Log1p/[2 3]", "Log1p", [uniform(-0.7, 3, 2, 3)])
    case("Expm1/[2 3]", "Expm1", [uniform(-2, 2, 2, 3)])
    case("Softplus/[2 3]", "Softplus", [uniform(-6, 6, 2, 3)])
    case("Softplus/large inputs", "Softplus", [values([-40.0, -19.0, 19.5, 25.0, 40.0], 5)],
         no_second_order="above x = 20 torch's softplus (threshold 20) is the identity, whose second derivative 0 "
                         "differs from the exact sigmoid'(x) (1.4e-11 at x = 25) by more than the absolute tolerance")
    case("LeakyReLU/slope=0.1", "LeakyReLU", [nonzero(0.1, 2, 2, 3)], {"slope": 0.1})
    case("LeakyReLU/slope=0.3 [5]", "LeakyReLU", [nonzero(0.1, 2, 5)], {"slope": 0.3})
    case("ELU/alpha=1", "ELU", [nonzero(0.1, 3, 2, 3)], {"alpha": 1.0})
    case("ELU/alpha=0.5", "ELU", [nonzero(0.1, 3, 2, 3)], {"alpha": 0.5})
    case("GELU/erf [2 3]", "GELU", [uniform(-3, 3, 2, 3)])
    case("GELUTanh/tanh approximation [2 3]", "GELUTanh", [uniform(-3, 3, 2, 3)])
    case("SiLU/[2 3]", "SiLU", [uniform(-4, 4, 2, 3)])
    case("Sin/[2 3]", "Sin", [uniform(-3, 3, 2, 3)])
    case("Cos/[2 3]", "Cos", [uniform(-3, 3, 2, 3)])
    case("Erf/[2 3]", "Erf", [uniform(-2.5, 2.5, 2, 3)])
    case("Erf/[5] tails", "Erf", [values([-4.0, -1.5, 0.25, 1.5, 4.0], 5)])
    case("Erf/0-d", "Erf", [uniform(-1, 1)])
    case("NormCDF/[2 3]", "NormCDF", [uniform(-4, 4, 2, 3)])
    case("NormCDF/[5] lower tail", "NormCDF", [values([-12.0, -6.0, -2.0, 3.0, 8.0], 5)])
    case("NormCDF/[3 1 2]", "NormCDF", [uniform(-2, 2, 3, 1, 2)])
    for op in ["Sinh", "Cosh"]:
        case(op + "/[2 3]", op, [uniform(-3, 3, 2, 3)])
        case(op + "/[5] large", op, [values([-20.0, -4.5, 0.0, 4.5, 20.0], 5)])
        case(op + "/[3 1 2]", op, [uniform(-1, 1, 3, 1, 2)])
    case("Clamp/[-0.5 0.7]", "Clamp", [intervals([(-2, -0.6), (-0.4, 0.6), (0.8, 2)], 3, 4)],
         {"lo": -0.5, "hi": 0.7})
    case("Maximum/same [2 3]", "Maximum", [uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 3)], check=apart(0, 1, 1e-3))
    case("Maximum/broadcast [2 3] [3]", "Maximum", [uniform(-2, 2, 2, 3), uniform(-2, 2, 3)], check=apart(0, 1, 1e-3))
    case("Minimum/same [2 3]", "Minimum", [uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 3)], check=apart(0, 1, 1e-3))
    case("Minimum/broadcast [2 1] [1 3]", "Minimum", [uniform(-2, 2, 2, 1), uniform(-2, 2, 1, 3)], check=apart(0, 1, 1e-3))
    case("PowVar/same [2 3]", "PowVar", [uniform(0.3, 2.5, 2, 3), uniform(-2, 2, 2, 3)])
    case("PowVar/broadcast [2 3] [3]", "PowVar", [uniform(0.3, 2.5, 2, 3), uniform(-2, 2, 3)])
    case("PowVar/broadcast 0-d base", "PowVar", [uniform(0.3, 2.5), uniform(-2, 2, 2, 2)])
    case("Where/same [2 3]", "Where", [uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 3)],
         {"mask": [True, False, False, True, True, False]})
    case("Where/broadcast 0-d [2 2]", "Where", [uniform(-2, 2), uniform(-2, 2, 2, 2)],
         {"mask": [True, False, True, True]})
    case("Where/broadcast [2 3] [3]", "Where", [uniform(-2, 2, 2, 3), uniform(-2, 2, 3)],
         {"mask": [False, True, True, False, True, False]})

    # Reductions.
    x234 = lambda lo=-2, hi=2: uniform(lo, hi, 2, 3, 4)
    for op in ["Sum", "Mean"]:
        case(op + "/all [2 3]", op, [uniform(-2, 2, 2, 3)])
        case(op + "/axis 1 [2 3 4]", op, [x234()], {"axes": [1]})
        case(op + "/axes 0 2 [2 3 4]", op, [x234()], {"axes": [0, 2]})
        case(op + "/axis -1 [2 3 4]", op, [x234()], {"axes": [-1]})
        case(op + "KeepDims/axis 1 [2 3 4]", op + "KeepDims", [x234()], {"axes": [1]})
        case(op + "KeepDims/axes 0 2 [2 3 4]", op + "KeepDims", [x234()], {"axes": [0, 2]})
        case(op + "KeepDims/all [2 3]", op + "KeepDims", [uniform(-2, 2, 2, 3)])
    for op in ["Max", "Min"]:
        case(op + "/all [2 3]", op, [uniform(-2, 2, 2, 3)], check=no_ties(0))
        case(op + "/axis 1 [2 3 4]", op, [x234()], {"axes": [1]}, check=no_ties(0))
        case(op + "/axes 0 2 [2 3 4]", op, [x234()], {"axes": [0, 2]}, check=no_ties(0))
        case(op + "KeepDims/axis -1 [2 3 4]", op + "KeepDims", [x234()], {"axes": [-1]}, check=no_ties(0))
        case(op + "KeepDims/axes 1 2 [2 3 4]", op + "KeepDims", [x234()], {"axes": [1, 2]}, check=no_ties(0))
    case("LogSumExp/all [2 3]", "LogSumExp", [uniform(-3, 3, 2, 3)])
    case("LogSumExp/axis 1 [2 3 4]", "LogSumExp", [x234(-3, 3)], {"axes": [1]})
    case("LogSumExp/axes 0 2 large [2 3 4]", "LogSumExp", [x234(-40, 40)], {"axes": [0, 2]})
    case("LogSumExp/+-1000 axis -1 [2 3]", "LogSumExp",
         [values([1000.0, -1000.0, 0.0, 1000.0, 1000.0, -1000.0], 2, 3)], {"axes": [-1]})
    case("LogSumExpKeepDims/axis -1 [2 3 4]", "LogSumExpKeepDims", [x234(-3, 3)], {"axes": [-1]})
    case("Variance/correction 1 all [2 3]", "Variance", [uniform(-2, 2, 2, 3)], {"correction": 1})
    case("Variance/correction 0 axis 1 [2 3 4]", "Variance", [x234()], {"correction": 0, "axes": [1]})
    case("Variance/correction 2 axes 0 2 [2 3 4]", "Variance", [x234()], {"correction": 2, "axes": [0, 2]})
    case("Std/correction 1 axis -1 [2 3 4]", "Std", [x234()], {"correction": 1, "axes": [-1]})
    case("Std/correction 0 all [2 3]", "Std", [uniform(-2, 2, 2, 3)], {"correction": 0})
    case("BroadcastTo/[3] to [2 3]", "BroadcastTo", [uniform(-2, 2, 3)], {"shape": [2, 3]})
    case("BroadcastTo/[2 1] to [4 2 3]", "BroadcastTo", [uniform(-2, 2, 2, 1)], {"shape": [4, 2, 3]})
    case("SumTo/[2 3] to [3]", "SumTo", [uniform(-2, 2, 2, 3)], {"shape": [3]})
    case("SumTo/[4 2 3] to [2 1]", "SumTo", [uniform(-2, 2, 4, 2, 3)], {"shape": [2, 1]})
    case("SumTo/[2 3] to [1 3]", "SumTo", [uniform(-2, 2, 2, 3)], {"shape": [1, 3]})

    # Softmax.
    case("LayerNorm/[3 4] affine", "LayerNorm", [uniform(-2, 2, 3, 4), uniform(0.5, 1.5, 4), uniform(-1, 1, 4)],
         {"dims": 1, "eps": 1e-5})
    case("LayerNorm/[2 3 4] two axes affine", "LayerNorm", [uniform(-2, 2, 2, 3, 4), uniform(0.5, 1.5, 3, 4), uniform(-1, 1, 3, 4)],
         {"dims": 2, "eps": 1e-5})
    case("LayerNorm/[4 5] no affine eps 0.1", "LayerNorm", [uniform(-3, 3, 4, 5)], {"dims": 1, "eps": 0.1})
    case("LayerNorm/[2 6] constant weight and bias", "LayerNorm",
         [uniform(-2, 2, 2, 6), const(uniform(0.5, 1.5, 6)), const(uniform(-1, 1, 6))], {"dims": 1, "eps": 1e-5})
    for op in ["Softmax", "LogSoftmax"]:
        case(op + "/axis -1 [2 3]", op, [uniform(-3, 3, 2, 3)], {"axis": -1})
        case(op + "/axis 0 [3 4]", op, [uniform(-3, 3, 3, 4)], {"axis": 0})
        case(op + "/axis 1 [2 3 4]", op, [x234(-3, 3)], {"axis": 1})
        case(op + "/large logits [2 4]", op, [uniform(-60, 60, 2, 4)], {"axis": -1})
        case(op + "/logits of +-1000 [2 3]", op, [values([1000.0, -1000.0, 0.0, 999.0, -1000.0, 1000.0], 2, 3)],
             {"axis": -1})

    # Linear algebra.
    mm = [
        ("matrix matrix [2 3] [3 4]", (2, 3), (3, 4)),
        ("vector vector [3] [3]", (3,), (3,)),
        ("vector matrix [3] [3 4]", (3,), (3, 4)),
        ("matrix vector [2 3] [3]", (2, 3), (3,)),
        ("batch matrix [2 2 3] [3 4]", (2, 2, 3), (3, 4)),
        ("matrix batch [2 3] [2 3 4]", (2, 3), (2, 3, 4)),
        ("batch broadcast [2 1 2 3] [3 3 2]", (2, 1, 2, 3), (3, 3, 2)),
        ("vector batch [3] [2 3 4]", (3,), (2, 3, 4)),
        ("batch vector [2 2 3] [3]", (2, 2, 3), (3,)),
    ]
    for label, sa, sb in mm:
        case("MatMul/" + label, "MatMul", [uniform(-2, 2, *sa), uniform(-2, 2, *sb)])
    mmt = [
        ("A B", False, False, (2, 3), (3, 4)),
        ("A Bt", False, True, (2, 3), (4, 3)),
        ("At B", True, False, (3, 2), (3, 4)),
        ("At Bt", True, True, (3, 2), (4, 3)),
        ("batch At B broadcast [2 1 3 2] [3 3 4]", True, False, (2, 1, 3, 2), (3, 3, 4)),
        ("batch A Bt shared [2 2 3] [4 3]", False, True, (2, 2, 3), (4, 3)),
    ]
    for label, ta, tb, sa, sb in mmt:
        case("MatMulT/" + label, "MatMulT", [uniform(-2, 2, *sa), uniform(-2, 2, *sb)],
             {"trans_a": ta, "trans_b": tb})
    lin = [
        ("batch 3 in 4 out 5", 3, 4, 5),
        ("batch 1 in 4 out 5", 1, 4, 5),
        ("batch 3 in 1 out 5", 3, 1, 5),
        ("batch 3 in 4 out 1", 3, 4, 1),
        ("batch 1 in 1 out 1", 1, 1, 1),
    ]
    for label, batch, n_in, n_out in lin:
        x, w = uniform(-2, 2, batch, n_in), uniform(-2, 2, n_out, n_in)
        case("Linear/bias " + label, "Linear", [x, w, uniform(-2, 2, n_out)])
        case("Linear/no bias " + label, "Linear", [x, w])
    case("Linear/constant x [3 4] [2 4] [2]", "Linear",
         [const(uniform(-2, 2, 3, 4)), uniform(-2, 2, 2, 4), uniform(-2, 2, 2)])
    case("Linear/constant weight and bias [3 4] [2 4] [2]", "Linear",
         [uniform(-2, 2, 3, 4), const(uniform(-2, 2, 2, 4)), const(uniform(-2, 2, 2))])
    # LinearReLU: Linear then ReLU, with pre-activations of both signs and
    # none near the kink at 0.
    for label, batch, n_in, n_out in lin:
        case("LinearReLU/bias " + label, "LinearReLU",
             [uniform(-2, 2, batch, n_in), uniform(-2, 2, n_out, n_in), uniform(-2, 2, n_out)],
             check=preactivation_apart(1e-3))
        case("LinearReLU/no bias " + label, "LinearReLU",
             [uniform(-2, 2, batch, n_in), uniform(-2, 2, n_out, n_in)], check=preactivation_apart(1e-3))
    case("LinearReLU/constant weight and bias [3 4] [2 4] [2]", "LinearReLU",
         [uniform(-2, 2, 3, 4), const(uniform(-2, 2, 2, 4)), const(uniform(-2, 2, 2))],
         check=preactivation_apart(1e-3))
    case("Transpose/[2 3]", "Transpose", [uniform(-2, 2, 2, 3)])
    case("Reshape/[2 3 4] to [6 -1]", "Reshape", [x234()], {"shape": [6, -1]})
    case("Reshape/[2 3] to [3 1 2]", "Reshape", [uniform(-2, 2, 2, 3)], {"shape": [3, 1, 2]})

    # Losses. A target is placed at a distance from the prediction that is
    # away from the kinks of L1 (0) and Huber (±delta).
    for red in [None, "mean", "sum", "none"]:
        p = {} if red is None else {"reduction": red}
        rl = "default (mean)" if red is None else red
        case("MSE/" + rl, "MSE", [uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 3)], p)
        case("L1/" + rl, "L1", [uniform(-2, 2, 2, 3), offset_from(0, [(-2, -0.1), (0.1, 2)])], p)
        case("BCE/" + rl, "BCE", [uniform(0.2, 0.8, 2, 3), uniform(0, 1, 2, 3)], p, note=BCE_NOTE)
        case("BCEWithLogits/" + rl, "BCEWithLogits", [uniform(-4, 4, 2, 3), uniform(0, 1, 2, 3)], p)
    case("Huber/delta=1 mean", "Huber",
         [uniform(-2, 2, 2, 3), offset_from(0, [(-3, -1.1), (-0.9, -0.1), (0.1, 0.9), (1.1, 3)])],
         {"delta": 1.0})
    case("Huber/delta=0.5 sum", "Huber",
         [uniform(-2, 2, 2, 3), offset_from(0, [(-2, -0.6), (-0.4, 0.4), (0.6, 2)])],
         {"delta": 0.5, "reduction": "sum"})
    case("Huber/delta=2 none", "Huber",
         [uniform(-2, 2, 2, 3), offset_from(0, [(-4, -2.1), (-1.9, 1.9), (2.1, 4)])],
         {"delta": 2.0, "reduction": "none"})
    case("BCE/target constant", "BCE", [uniform(0.2, 0.8, 4), const(values([0.0, 1.0, 1.0, 0.0], 4))],
         note=BCE_NOTE)
    case("BCE/probabilities near 0 and 1 sum", "BCE",
         [values([0.001, 0.02, 0.97, 0.999], 4), values([0.0, 0.3, 1.0, 0.9], 4)], {"reduction": "sum"},
         no_second_order="torch's binary_cross_entropy_double_backward divides by (p + 1e-12)^2 (1 - p + 1e-12)^2, "
                         "which near p = 0 or 1 is off the exact second derivative by more than the tolerance")
    case("BCEWithLogits/target constant large logits", "BCEWithLogits",
         [values([-30.0, -3.5, 2.25, 25.0], 4), const(values([1.0, 0.0, 1.0, 0.0], 4))])
    case("BCEWithLogits/logits of +-1000 sum", "BCEWithLogits",
         [values([-1000.0, -20.0, 20.0, 1000.0], 4), values([1.0, 0.25, 0.0, 0.5], 4)], {"reduction": "sum"})
    labels = {"labels": [2, 0, 4, 2]}
    for red in [None, "mean", "sum", "none"]:
        p = dict(labels) if red is None else dict(labels, reduction=red)
        rl = "default (mean)" if red is None else red
        case("CrossEntropy/[4 5] " + rl, "CrossEntropy", [uniform(-3, 3, 4, 5)], p)
        case("NLL/[4 5] " + rl, "NLL", [uniform(-3, 0, 4, 5)], p)
    case("CrossEntropy/one sample [5]", "CrossEntropy", [uniform(-3, 3, 5)], {"labels": [3]})
    case("CrossEntropy/one sample [5] none", "CrossEntropy", [uniform(-3, 3, 5)], {"labels": [1], "reduction": "none"})
    case("CrossEntropy/large logits sum", "CrossEntropy", [uniform(-80, 80, 3, 4)],
         {"labels": [1, 3, 0], "reduction": "sum"})
    case("NLL/one sample [5]", "NLL", [uniform(-3, 0, 5)], {"labels": [4]})
    case("CrossEntropy/logits of +-1000", "CrossEntropy",
         [values([1000.0, -1000.0, 0.0, -1000.0, 1000.0, 999.0], 2, 3)], {"labels": [1, 2]})

    # Convolution and pooling.
    case("Conv2D/basic bias [1 2 5 5] [3 2 3 3]", "Conv2D",
         [uniform(-1, 1, 1, 2, 5, 5), uniform(-1, 1, 3, 2, 3, 3), uniform(-1, 1, 3)])
    case("Conv2D/stride 2 padding 1 batch 2 [2 2 5 6] [3 2 3 2]", "Conv2D",
         [uniform(-1, 1, 2, 2, 5, 6), uniform(-1, 1, 3, 2, 3, 2), uniform(-1, 1, 3)],
         {"stride": [2, 2], "padding": [1, 1]})
    case("Conv2D/dilation 2 padding 1 2 no bias [2 1 6 6] [2 1 2 3]", "Conv2D",
         [uniform(-1, 1, 2, 1, 6, 6), uniform(-1, 1, 2, 1, 2, 3)],
         {"padding": [1, 2], "dilation": [2, 2]})
    case("Conv2D/stride 2 1 padding 0 1 dilation 1 2 [2 3 5 5] [2 3 2 2]", "Conv2D",
         [uniform(-1, 1, 2, 3, 5, 5), uniform(-1, 1, 2, 3, 2, 2), uniform(-1, 1, 2)],
         {"stride": [2, 1], "padding": [0, 1], "dilation": [1, 2]})
    case("Conv2D/one output channel [2 2 4 4] [1 2 3 3]", "Conv2D",
         [uniform(-1, 1, 2, 2, 4, 4), uniform(-1, 1, 1, 2, 3, 3), uniform(-1, 1, 1)])
    case("Conv2D/constant input [1 2 4 4] [2 2 2 2]", "Conv2D",
         [const(uniform(-1, 1, 1, 2, 4, 4)), uniform(-1, 1, 2, 2, 2, 2), uniform(-1, 1, 2)])
    case("Conv2D/groups 2 stride 2 padding 1 [2 4 5 6] [6 2 3 2]", "Conv2D",
         [uniform(-1, 1, 2, 4, 5, 6), uniform(-1, 1, 6, 2, 3, 2), uniform(-1, 1, 6)],
         {"stride": [2, 2], "padding": [1, 1], "groups": 2})
    case("Conv2D/depthwise dilation 2 [1 3 6 5] [3 1 2 2]", "Conv2D",
         [uniform(-1, 1, 1, 3, 6, 5), uniform(-1, 1, 3, 1, 2, 2)],
         {"dilation": [2, 2], "groups": 3})
    case("Conv2D/depthwise multiplier 2 [2 2 4 4] [4 1 3 3]", "Conv2D",
         [uniform(-1, 1, 2, 2, 4, 4), uniform(-1, 1, 4, 1, 3, 3), uniform(-1, 1, 4)],
         {"padding": [1, 1], "groups": 2})
    pools = [
        ("kernel 2 default stride [1 2 4 4]", (1, 2, 4, 4), [2, 2], [0, 0], [0, 0]),
        ("kernel 3 stride 2 padding 1 [2 1 5 5]", (2, 1, 5, 5), [3, 3], [2, 2], [1, 1]),
        ("kernel 2 3 stride 1 2 overlapping [1 2 4 5]", (1, 2, 4, 5), [2, 3], [1, 2], [0, 0]),
    ]
    for op in ["MaxPool2D", "AvgPool2D"]:
        for label, shape, k, s, pd in pools:
            case(op + "/" + label, op, [uniform(-2, 2, *shape)],
                 {"kernel": k, "stride": s, "padding": pd}, check=no_ties(0))

    # Shape operations.
    case("Permute/[2 3 4] 2 0 1", "Permute", [x234()], {"axes": [2, 0, 1]})
    case("Permute/negative axes [2 3 4] -1 0 -2", "Permute", [x234()], {"axes": [-1, 0, -2]})
    case("Squeeze/axis 1 [2 1 3 1]", "Squeeze", [uniform(-2, 2, 2, 1, 3, 1)], {"axes": [1]})
    case("Squeeze/all [2 1 3 1]", "Squeeze", [uniform(-2, 2, 2, 1, 3, 1)])
    case("Squeeze/axes -1 1 [2 1 3 1]", "Squeeze", [uniform(-2, 2, 2, 1, 3, 1)], {"axes": [-1, 1]})
    case("Unsqueeze/axis 0 [2 3]", "Unsqueeze", [uniform(-2, 2, 2, 3)], {"axis": 0})
    case("Unsqueeze/axis -1 [2 3]", "Unsqueeze", [uniform(-2, 2, 2, 3)], {"axis": -1})
    case("Unsqueeze/axis 1 [2 3]", "Unsqueeze", [uniform(-2, 2, 2, 3)], {"axis": 1})
    case("Expand/[3 1] to [2 3 4]", "Expand", [uniform(-2, 2, 3, 1)], {"shape": [2, 3, 4]})
    case("Expand/[3 1] to [2 -1 4]", "Expand", [uniform(-2, 2, 3, 1)], {"shape": [2, -1, 4]})
    # A range is [start, stop, step]; stop null runs to the end (tensor.End).
    case("Slice/steps [4 5] 1::2 0:4", "Slice", [uniform(-2, 2, 4, 5)],
         {"ranges": [[1, None, 2], [0, 4, 1]]})
    case("Slice/negative start [4 5] -3: ::3", "Slice", [uniform(-2, 2, 4, 5)],
         {"ranges": [[-3, None, 1], [0, None, 3]]})
    case("Slice/stop past the end [4 5]", "Slice", [uniform(-2, 2, 4, 5)],
         {"ranges": [[1, 10, 1]]})
    case("Slice/leading axis only [2 3 4] 1:2", "Slice", [x234()], {"ranges": [[1, 2, 1]]})
    case("Slice/3-D [2 3 4] :,-2:,1:4:2", "Slice", [x234()],
         {"ranges": [[0, None, 1], [-2, None, 1], [1, 4, 2]]})
    case("Pad/[2 3] value 0.5", "Pad", [uniform(-2, 2, 2, 3)], {"widths": [[1, 0], [2, 1]], "value": 0.5})
    case("Pad/[1 2 3] zeros", "Pad", [uniform(-2, 2, 1, 2, 3)], {"widths": [[0, 0], [1, 1], [0, 2]], "value": 0.0})
    case("Concat/axis 0 [2 3] [1 3]", "Concat", [uniform(-2, 2, 2, 3), uniform(-2, 2, 1, 3)], {"axis": 0})
    case("Concat/axis -1 [2 1] [2 3] [2 2]", "Concat",
         [uniform(-2, 2, 2, 1), uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 2)], {"axis": -1})
    case("Concat/constant operand axis 1 [2 2 2]", "Concat",
         [uniform(-2, 2, 2, 2, 2), const(uniform(-2, 2, 2, 1, 2))], {"axis": 1})
    case("Stack/axis 0 [2 3] x2", "Stack", [uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 3)], {"axis": 0})
    case("Stack/axis -1 [2] x3", "Stack", [uniform(-2, 2, 2), uniform(-2, 2, 2), uniform(-2, 2, 2)], {"axis": -1})
    case("Stack/axis 1 [2 3] x2", "Stack", [uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 3)], {"axis": 1})
    case("Split/axis 0 [5 3] 2 3", "Split", [uniform(-2, 2, 5, 3)], {"axis": 0, "sizes": [2, 3]})
    case("Split/axis -1 [2 3] 1 0 2", "Split", [uniform(-2, 2, 2, 3)], {"axis": -1, "sizes": [1, 0, 2]})
    case("IndexSelect/axis 0 repeated [3 4]", "IndexSelect", [uniform(-2, 2, 3, 4)],
         {"axis": 0, "indices": [2, 0, 2, 1, 2]})
    case("IndexSelect/axis -1 [2 3 4]", "IndexSelect", [x234()], {"axis": -1, "indices": [3, 1, 1]})
    case("Select/axis 1, the last [2 3 4]", "Select", [x234()], {"axis": 1, "indices": [-1]})
    case("Select/axis 0 [3 4]", "Select", [uniform(-2, 2, 3, 4)], {"axis": 0, "indices": [2]})
    case("Select/axis -1 of a vector [5]", "Select", [uniform(-2, 2, 5)], {"axis": -1, "indices": [1]})
    case("Embedding/ids [2 3] repeated", "Embedding", [uniform(-2, 2, 5, 3), const(values([4, 0, 4, 1, 1, 2], 2, 3))])
    case("Embedding/ids [4]", "Embedding", [uniform(-2, 2, 6, 2), const(values([5, 0, 3, 3], 4))])
    case("EmbeddingPadded/ids [2 3] padding looked up twice", "EmbeddingPadded",
         [uniform(-2, 2, 5, 3), const(values([4, 0, 4, 1, 1, 2], 2, 3))], {"padding_idx": 4})
    case("EmbeddingPadded/ids [4] padding -1", "EmbeddingPadded",
         [uniform(-2, 2, 6, 2), const(values([5, 0, 3, 5], 4))], {"padding_idx": -1})
    case("EmbeddingPadded/ids [2] padding not looked up", "EmbeddingPadded",
         [uniform(-2, 2, 4, 3), const(values([1, 0], 2))], {"padding_idx": 3})

    # Not differentiable: indices only.
    for op in ["Argmax", "Argmin"]:
        case(op + "/axis 1 [2 3 4]", op, [x234()], {"axis": 1}, check=no_ties(0),
             no_second_order="not differentiable: returns indices")
        case(op + "/axis -1 [3 5]", op, [uniform(-2, 2, 3, 5)], {"axis": -1}, check=no_ties(0),
             no_second_order="not differentiable: returns indices")
        case(op + "/all axes of a [7] vector", op, [uniform(-2, 2, 7)], {"axis": 0}, check=no_ties(0),
             no_second_order="not differentiable: returns indices")

    # More shapes for the ops above, so that every op has at least three
    # cases (TestTorchRefCoversEveryOp): a 0-d input, an odd 1-D length and a
    # 3-D shape with a unit axis for the pointwise ops.
    pointwise = [
        ("Abs", nonzero(0.1, 2, 5)), ("Cos", uniform(-4, 4, 5)), ("Sin", uniform(-4, 4, 5)),
        ("Exp", uniform(-3, 3, 5)), ("Expm1", uniform(-1e-3, 1e-3, 5)), ("Log", uniform(0.01, 50, 5)),
        ("Log1p", uniform(-0.9, 1e-3, 5)), ("Neg", uniform(-2, 2, 5)), ("ReLU", nonzero(0.1, 2, 5)),
        ("Sqrt", uniform(1e-3, 9, 5)), ("Square", uniform(-3, 3, 5)), ("Tanh", uniform(-8, 8, 5)),
        ("GELU", uniform(-6, 6, 5)), ("GELUTanh", uniform(-6, 6, 5)), ("SiLU", uniform(-8, 8, 5)),
        ("Sigmoid", uniform(-1e-3, 1e-3, 5)), ("Softplus", uniform(-15, 15, 5)),
    ]
    for op, spec in pointwise:
        case(op + "/[5] wide range", op, [spec])
    for op in ["Abs", "Cos", "Sin", "Exp", "Expm1", "Neg", "Square", "Tanh", "GELU", "GELUTanh", "SiLU"]:
        lo, hi = (0.1, 2) if op == "Abs" else (-2, 2)
        case(op + "/0-d", op, [nonzero(lo, hi) if op == "Abs" else uniform(lo, hi)])
    case("Log/[2 1 3]", "Log", [uniform(0.3, 3, 2, 1, 3)])
    case("Log1p/[2 1 3]", "Log1p", [uniform(-0.5, 2, 2, 1, 3)])
    case("ReLU/[2 1 3] away from 0", "ReLU", [nonzero(0.1, 2, 2, 1, 3)])
    case("Sqrt/[2 1 3]", "Sqrt", [uniform(0.3, 3, 2, 1, 3)])
    case("Clamp/lo -0.5 hi 0.75 [5]", "Clamp", [intervals([(-2, -0.6), (-0.4, 0.6), (0.9, 2)], 5)], {"lo": -0.5, "hi": 0.75})
    case("Clamp/lo 0 hi 2 [2 1 3]", "Clamp", [intervals([(-1, -0.1), (0.1, 1.9), (2.1, 3)], 2, 1, 3)], {"lo": 0.0, "hi": 2.0})
    case("ELU/alpha 2 [5]", "ELU", [nonzero(0.05, 3, 5)], {"alpha": 2.0})
    case("LeakyReLU/slope -0.5 [2 1 3]", "LeakyReLU", [nonzero(0.1, 2, 2, 1, 3)], {"slope": -0.5})
    case("Scale/k=3 [2 1 3]", "Scale", [uniform(-2, 2, 2, 1, 3)], {"k": 3.0})
    case("Maximum/broadcast 0-d [2 3]", "Maximum", [uniform(-2, 2), uniform(-2, 2, 2, 3)], check=apart(0, 1, 1e-3))
    case("Minimum/broadcast [2 3 1] [4]", "Minimum", [uniform(-2, 2, 2, 3, 1), uniform(-2, 2, 4)], check=apart(0, 1, 1e-3))
    case("MaxKeepDims/axes 0 2 [2 3 4]", "MaxKeepDims", [x234()], {"axes": [0, 2]}, check=no_ties(0))
    case("MinKeepDims/all [3 5]", "MinKeepDims", [uniform(-2, 2, 3, 5)], check=no_ties(0))
    case("LogSumExpKeepDims/axes 0 1 [2 3 4]", "LogSumExpKeepDims", [x234(-3, 3)], {"axes": [0, 1]})
    case("LogSumExpKeepDims/all [5]", "LogSumExpKeepDims", [uniform(-30, 30, 5)])
    case("Std/correction 1 axes 0 2 [2 3 4]", "Std", [x234()], {"correction": 1, "axes": [0, 2]})
    case("BroadcastTo/0-d to [2 2]", "BroadcastTo", [uniform(-2, 2)], {"shape": [2, 2]})
    case("Expand/[1] to [3 2 5]", "Expand", [uniform(-2, 2, 1)], {"shape": [3, 2, 5]})
    case("Permute/[2 1 3] identity-free 1 2 0", "Permute", [uniform(-2, 2, 2, 1, 3)], {"axes": [1, 2, 0]})
    case("Reshape/[5] to [1 5 1]", "Reshape", [uniform(-2, 2, 5)], {"shape": [1, 5, 1]})
    case("Transpose/[1 4]", "Transpose", [uniform(-2, 2, 1, 4)])
    case("Transpose/[5 3]", "Transpose", [uniform(-2, 2, 5, 3)])
    case("Pad/[5] value -1", "Pad", [uniform(-2, 2, 5)], {"widths": [[3, 1]], "value": -1.0})
    case("Split/axis 1 [2 3 4] 1 1 2", "Split", [x234()], {"axis": 1, "sizes": [1, 1, 1]})
    case("Embedding/ids 0-d", "Embedding", [uniform(-2, 2, 4, 3), const(values([2], ))])
    case("EmbeddingPadded/ids 0-d, the padding", "EmbeddingPadded",
         [uniform(-2, 2, 4, 3), const(values([2], ))], {"padding_idx": 2})
    case("IndexSelect/axis 1 [2 3] 2 2 0 1", "IndexSelect", [uniform(-2, 2, 2, 3)], {"axis": 1, "indices": [2, 2, 0, 1]})


# ---------------------------------------------------------------------------
# Running a case.


def tensor_json(t):
    """A tensor as JSON: its shape, and its data as numbers, with the
    strings "NaN", "Infinity" and "-Infinity" for non-finite values (JSON
    has no numbers for them; the Go side reads both)."""
    t = t.detach()
    if t._is_zerotensor():  # torch's lazy zeros (Abs's second derivative) have no storage
        t = torch.zeros(t.shape)
    if t.dtype == torch.bool or not t.is_floating_point():
        t = t.to(torch.float64)
    data = [v if math.isfinite(v) else ("NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity"))
            for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


def run_case(c):
    name, op = c["name"], c["op"]
    g = torch.Generator().manual_seed(zlib.crc32(name.encode("utf-8")))
    xs, needs = [], []
    for spec in c["inputs"]:
        need = True
        if isinstance(spec, tuple) and spec[0] == "const":
            need, spec = False, spec[1]
        x = spec(g, xs).to(torch.float64)
        xs.append(x)
        needs.append(need and op not in NOT_DIFFERENTIABLE and op not in c["not_differentiable"])
    if c["check"]:
        c["check"](xs)
    fn = c["ops"][op]
    params = c["params"]

    def forward():
        leaves = [x.clone().requires_grad_(n) for x, n in zip(xs, needs)]
        out = fn(leaves, params)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        return leaves, outs

    leaves, outs = forward()
    rec = {
        "name": name,
        "op": op,
        "params": params,
        "inputs": [dict(tensor_json(x), grad=n) for x, n in zip(xs, needs)],
        "outputs": [tensor_json(o) for o in outs],
    }
    if c["note"]:
        rec["note"] = c["note"]
    diff = [l for l, n in zip(leaves, needs) if n]
    if not diff:
        rec["second_order_skipped"] = c["no_second_order"] or "no input requires a gradient"
        return rec

    ws = [2 * torch.rand(o.shape, generator=g) - 1 for o in outs]
    rec["grad_outputs"] = [tensor_json(w) for w in ws]

    def grads(outs, inputs, create):
        total = sum((o * w).sum() for o, w in zip(outs, ws))
        gs = torch.autograd.grad(total, inputs, create_graph=create, allow_unused=True)
        return [torch.zeros_like(x) if gi is None else gi for gi, x in zip(gs, inputs)]

    g1 = grads(outs, diff, False)
    it = iter(g1)
    rec["grads"] = [tensor_json(next(it)) if n else None for n in needs]

    us = [2 * torch.rand(x.shape, generator=g) - 1 for x in diff]
    if c["no_second_order"]:
        rec["second_order_skipped"] = c["no_second_order"]
        return rec
    leaves, outs = forward()
    diff = [l for l, n in zip(leaves, needs) if n]
    g2 = grads(outs, diff, True)
    s = sum((gi * u).sum() for gi, u in zip(g2, us))
    if s.requires_grad:
        hs = torch.autograd.grad(s, diff, allow_unused=True)
        hs = [torch.zeros_like(x) if h is None else h for h, x in zip(hs, diff)]
    else:  # the gradients do not depend on the inputs: a linear op
        hs = [torch.zeros_like(x) for x in diff]
    iu, ih = iter(us), iter(hs)
    rec["second_order"] = {
        "u": [tensor_json(next(iu)) if n else None for n in needs],
        "hvp": [tensor_json(next(ih)) if n else None for n in needs],
    }
    return rec


def family_modules():
    """The generators of the op table's families beyond this file's ops:
    every gen_<family>.py beside this script, sorted by name. Each defines
    OPS (the torch side of its ops, as OPS here), optionally
    NOT_DIFFERENTIABLE (a set of op names), and build_cases(g), which adds
    its cases with g.case and the input specs of this module (g is this
    module). Its cases go to torchref_<family>.json."""
    mods = []
    for fn in sorted(os.listdir(HERE)):
        if fn.startswith("gen_") and fn.endswith(".py"):
            name = fn[:-3]
            spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, fn))
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            mods.append((name[len("gen_"):], mod))
    return mods


def generate():
    """Returns {file name: text} for torchref.json and every family's file."""
    fams = family_modules()
    pointwise = dict(fams)["pointwise"].OPS  # the op table's pointwise ops, which this file's cases use too
    groups = [("torchref.json", build_cases, dict(OPS, **pointwise), NOT_DIFFERENTIABLE)]
    for fam, mod in fams:
        groups.append(("torchref_%s.json" % fam, mod.build_cases, mod.OPS, getattr(mod, "NOT_DIFFERENTIABLE", set())))
    out, seen = {}, set()
    this = sys.modules[__name__]
    for fname, build, ops, nd in groups:
        del CASES[:]
        build(this)
        for c in CASES:
            c["ops"], c["not_differentiable"] = ops, nd
            if c["name"] in seen:
                raise SystemExit("duplicate case name: %s" % c["name"])
            seen.add(c["name"])
            if c["op"] not in ops:
                raise SystemExit("case %r: unknown op %r" % (c["name"], c["op"]))
        recs = [run_case(c) for c in CASES]
        # One case per line: compact, and a regenerated file diffs case by case.
        dump = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), allow_nan=False)
        lines = ["{", '"cases":[']
        lines += [dump(r) + ("," if i < len(recs) - 1 else "") for i, r in enumerate(recs)]
        lines += ["],", '"generator":"autograd/testdata/torchref/gen.py",', '"torch_version":' + dump(torch.__version__), "}"]
        out[fname] = "\n".join(lines) + "\n"
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", default=HERE, help="output directory, - for stdout (default: beside this script)")
    ap.add_argument("--check", action="store_true", help="compare with the existing files instead of writing them; exit 1 if one differs")
    args = ap.parse_args()
    files = generate()
    if args.check:
        stale = False
        for fname, text in files.items():
            path = os.path.join(args.out, fname)
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == text
            except FileNotFoundError:
                same = False
            if not same:
                print("%s is stale: regenerate it with %s" % (path, sys.argv[0]), file=sys.stderr)
                stale = True
        if stale:
            sys.exit(1)
        print("%d files up to date" % len(files))
        return
    for fname, text in files.items():
        if args.out == "-":
            sys.stdout.write(text)
            continue
        path = os.path.join(args.out, fname)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print("wrote %s: torch %s" % (path, torch.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()
