"""PyTorch references for the binary and compare families of the op table:
the binary elementwise ops (Atan2, Mod, Fmod, FloorDiv, Copysign,
LogAddExp), Lerp, MaskedFill and Where with a broadcasting mask, Dropout
(the mask drawn by Go's generator, reproduced here: see _go_keep), and the
comparisons, logical operations and tests of values, which return masks
(torch's bools, written as 0s and 1s). Loaded by gen.py; see README.md.

Inputs of the piecewise ops (Mod, Fmod, FloorDiv) stay away from the jumps
where a/b crosses an integer, except in the cases about exact ties, where
Adjoint's piece and torch's are the same one (the floor of the exact
quotient). Masks of the logical ops and Any/All are given as 0s and 1s
(nonzero is true, as torch reads them; the Go side compares with 0).
"""

import math

import torch

NAN, INF = math.nan, math.inf


def _mask(p, shape):
    return torch.tensor(p["mask"], dtype=torch.bool).reshape(p.get("mask_shape", shape))


_M64 = (1 << 64) - 1


def _go_keep(p, n):
    """Dropout's keep flags: n draws of Go's rand.New(rand.NewPCG(seed1,
    seed2)).Float64() (math/rand/v2: a 128-bit LCG with the DXSM output, 53
    bits of each output over 2^53), kept where the draw is at least p."""
    hi, lo = p["seed1"], p["seed2"]
    mul = (2549297995355413924 << 64) | 4865540595714422341
    inc = (6364136223846793005 << 64) | 1442695040888963407
    state = (hi << 64) | lo
    keep = []
    for _ in range(n):
        state = (state * mul + inc) & ((1 << 128) - 1)
        hi, lo = state >> 64, state & _M64
        hi ^= hi >> 32
        hi = (hi * 0xDA942042E4DD58B5) & _M64
        hi ^= hi >> 48
        hi = (hi * (lo | 1)) & _M64
        keep.append(((hi << 11) & _M64) >> 11 >= p["p"] * (1 << 53))
    return keep


def _dropout(x, p):
    keep = torch.tensor(_go_keep(p, x[0].numel()), dtype=torch.bool).reshape(x[0].shape)
    return x[0] * keep / (1 - p["p"])


def _where(x, p):
    a, b = x
    shape = p.get("shape")
    if shape is None:
        shape = torch.broadcast_shapes(a.shape, b.shape)
    mask = torch.tensor(p["mask"], dtype=torch.bool).reshape(shape)
    return torch.where(mask, a, b)


def _reduce(fn, x, p):
    """torch.any / torch.all over Adjoint's axes (all when none): torch 1.13
    reduces over one dim at a time."""
    m = x != 0
    axes = p.get("axes")
    if not axes:
        return fn(m)
    for a in sorted((a % m.dim() for a in axes), reverse=True):
        m = fn(m, dim=a)
    return m


OPS = {
    "Atan2": lambda x, p: torch.atan2(x[0], x[1]),
    "Mod": lambda x, p: torch.remainder(x[0], x[1]),
    "Fmod": lambda x, p: torch.fmod(x[0], x[1]),
    "FloorDiv": lambda x, p: torch.div(x[0], x[1], rounding_mode="floor"),
    "Copysign": lambda x, p: torch.copysign(x[0], x[1]),
    "LogAddExp": lambda x, p: torch.logaddexp(x[0], x[1]),
    "Lerp": lambda x, p: torch.lerp(x[0], x[1], x[2]),
    "MaskedFill": lambda x, p: x[0].masked_fill(_mask(p, x[0].shape), p["value"]),
    "Where": _where,
    "Dropout": _dropout,
    "Equal": lambda x, p: torch.eq(x[0], x[1]),
    "NotEqual": lambda x, p: torch.ne(x[0], x[1]),
    "Less": lambda x, p: torch.lt(x[0], x[1]),
    "LessEqual": lambda x, p: torch.le(x[0], x[1]),
    "Greater": lambda x, p: torch.gt(x[0], x[1]),
    "GreaterEqual": lambda x, p: torch.ge(x[0], x[1]),
    "LogicalAnd": lambda x, p: torch.logical_and(x[0], x[1]),
    "LogicalOr": lambda x, p: torch.logical_or(x[0], x[1]),
    "LogicalNot": lambda x, p: torch.logical_not(x[0]),
    "Any": lambda x, p: _reduce(torch.any, x[0], p),
    "All": lambda x, p: _reduce(torch.all, x[0], p),
    "IsNaN": lambda x, p: torch.isnan(x[0]),
    "IsInf": lambda x, p: torch.isinf(x[0]),
    "IsFinite": lambda x, p: torch.isfinite(x[0]),
    "IsClose": lambda x, p: torch.isclose(x[0], x[1], rtol=p["rtol"], atol=p["atol"], equal_nan=p["equal_nan"]),
}

# The compare family returns masks: forward values only.
NOT_DIFFERENTIABLE = {
    "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual",
    "LogicalAnd", "LogicalOr", "LogicalNot", "Any", "All", "IsNaN", "IsInf", "IsFinite", "IsClose",
}

INF_NOTE = "infinite inputs: first derivatives only, where torch's double backward multiplies 0 by Inf"


def away_from_jumps(i, j, margin):
    """Check: a/b is at least margin away from every integer (Mod, Fmod and
    FloorDiv jump there)."""

    def chk(xs):
        q = xs[i] / xs[j]
        d = (q - q.round()).abs().min().item()
        assert d >= margin, "a/b only %g from an integer" % d

    return chk


def build_cases(g):
    case, uniform, nonzero, values, const = g.case, g.uniform, g.nonzero, g.values, g.const

    # Atan2: every quadrant, broadcasting, and the axes and infinities.
    case("Atan2/broadcast [2 3] [3]", "Atan2", [uniform(-2, 2, 2, 3), nonzero(0.3, 2, 3)])
    case("Atan2/[2 1 4] [3 1]", "Atan2", [nonzero(0.3, 2, 2, 1, 4), nonzero(0.3, 2, 3, 1)])
    case("Atan2/constant b 0-d", "Atan2", [uniform(-2, 2, 5), const(values(-0.75))])
    case("Atan2/axes and infinities", "Atan2",
         [values([1.0, -1.0, 0.5, -0.5, INF, -INF, 2.0, 0.25], 8),
          values([INF, -INF, -2.0, 0.0, 1.0, -1.0, -INF, 1e-3], 8)],
         no_second_order=INF_NOTE)

    # Mod (Python's sign) and Fmod (C's): signs of both operands, away from
    # the jumps; then exact ties and infinite divisors.
    for op in ["Mod", "Fmod", "FloorDiv"]:
        case(op + "/signs [2 3] [3]", op, [nonzero(0.2, 6, 2, 3), nonzero(0.5, 2, 3)], check=away_from_jumps(0, 1, 1e-3))
        case(op + "/[4 1] [1 3]", op, [nonzero(0.2, 6, 4, 1), nonzero(0.5, 2, 1, 3)], check=away_from_jumps(0, 1, 1e-3))
        case(op + "/0-d dividend [2 2]", op, [nonzero(1, 5), nonzero(0.3, 1.5, 2, 2)], check=away_from_jumps(0, 1, 1e-3))
    ties = [-7.0, 7.0, -7.0, 7.0, 7.5, -1.0, 1.0, 0.0, -4.0, 4.0]
    tie_divisors = [2.5, -2.5, -2.5, 2.5, 2.5, INF, -INF, -3.0, 2.0, -2.0]
    case("Mod/exact multiples and infinite divisors", "Mod", [values(ties, 10), values(tie_divisors, 10)])
    case("Fmod/exact multiples and infinite divisors", "Fmod", [values(ties, 10), values(tie_divisors, 10)])
    case("FloorDiv/exact multiples and infinite divisors", "FloorDiv", [values(ties, 10), values(tie_divisors, 10)])
    case("Mod/zero divisor and infinite dividend", "Mod", [values([1.0, -1.0, INF, NAN], 4), values([0.0, 2.0, 2.0, 1.0], 4)],
         no_second_order="NaN results")
    case("FloorDiv/zero divisor and infinite dividend", "FloorDiv",
         [values([1.0, -1.0, 0.0, INF, NAN], 5), values([0.0, 0.0, 0.0, 2.0, 1.0], 5)])

    # Copysign: b's sign, signed zeros of b included; a away from 0.
    case("Copysign/broadcast [2 3] [3]", "Copysign", [nonzero(0.1, 2, 2, 3), uniform(-2, 2, 3)])
    case("Copysign/[3 1] [1 4]", "Copysign", [nonzero(0.1, 2, 3, 1), nonzero(0.1, 2, 1, 4)])
    case("Copysign/signed zeros and infinities of b", "Copysign",
         [values([1.5, -1.5, 2.0, -2.0, 0.25, 3.0], 6), values([-0.0, 0.0, -INF, INF, -1.0, NAN], 6)])

    # LogAddExp: broadcasting, large magnitudes, infinities.
    case("LogAddExp/broadcast [2 3] [3]", "LogAddExp", [uniform(-3, 3, 2, 3), uniform(-3, 3, 3)])
    case("LogAddExp/[2 1 2] [3 1]", "LogAddExp", [uniform(-3, 3, 2, 1, 2), uniform(-3, 3, 3, 1)])
    case("LogAddExp/large magnitudes", "LogAddExp",
         [values([1000.0, -1000.0, 0.0, 30.0, -745.0], 5), values([999.0, -1000.5, -800.0, -30.0, -744.0], 5)])
    case("LogAddExp/infinities", "LogAddExp",
         [values([INF, -INF, -INF, 2.0, INF], 5), values([1.0, 3.0, -INF, -INF, INF], 5)],
         no_second_order=INF_NOTE)

    # Lerp: weights inside and outside [0, 1], the ends exactly, broadcasting.
    case("Lerp/broadcast [2 3] [3] [2 1]", "Lerp", [uniform(-2, 2, 2, 3), uniform(-2, 2, 3), uniform(-0.5, 1.5, 2, 1)])
    case("Lerp/weights 0 0.5 1 -1 2", "Lerp",
         [uniform(-2, 2, 5), uniform(-2, 2, 5), values([0.0, 0.5, 1.0, -1.0, 2.0], 5)])
    case("Lerp/[2 1 4] [3 1] 0-d weight", "Lerp", [uniform(-2, 2, 2, 1, 4), uniform(-2, 2, 3, 1), uniform(0, 1)])
    case("Lerp/constant weight [4]", "Lerp", [uniform(-2, 2, 2, 4), uniform(-2, 2, 4), const(uniform(0, 1, 4))])

    # MaskedFill and Where with masks that broadcast.
    case("MaskedFill/same shape [2 3]", "MaskedFill", [uniform(-2, 2, 2, 3)],
         {"mask": [True, False, False, True, True, False], "mask_shape": [2, 3], "value": 0.5})
    case("MaskedFill/row mask [1 3] to [2 3]", "MaskedFill", [uniform(-2, 2, 2, 3)],
         {"mask": [False, True, False], "mask_shape": [1, 3], "value": -3.0})
    case("MaskedFill/column mask [3 1] to [2 3 4]", "MaskedFill", [uniform(-2, 2, 2, 3, 4)],
         {"mask": [True, False, True], "mask_shape": [3, 1], "value": 0.0})
    case("MaskedFill/0-d mask", "MaskedFill", [uniform(-2, 2, 3)], {"mask": [True], "mask_shape": [], "value": 7.0})
    case("Dropout/p 0.3 [3 4]", "Dropout", [uniform(-2, 2, 3, 4)], {"p": 0.3, "seed1": 3, "seed2": 5})
    case("Dropout/p 0.5 odd [7]", "Dropout", [uniform(-2, 2, 7)], {"p": 0.5, "seed1": 1, "seed2": 2})
    case("Dropout/p 0.9 [2 3 5]", "Dropout", [uniform(-2, 2, 2, 3, 5)], {"p": 0.9, "seed1": 11, "seed2": 13})
    case("Dropout/p 0.25 0-d", "Dropout", [uniform(-2, 2)], {"p": 0.25, "seed1": 7, "seed2": 9})
    case("Where/mask [2 1 3] with [2 3] and [3]", "Where", [uniform(-2, 2, 2, 3), uniform(-2, 2, 3)],
         {"mask": [True, False, True, False, False, True], "shape": [2, 1, 3]})
    case("Where/mask [3 1] with 0-d and [4]", "Where", [uniform(-2, 2), uniform(-2, 2, 4)],
         {"mask": [True, False, True], "shape": [3, 1]})
    case("Where/0-d mask", "Where", [uniform(-2, 2, 2, 2), uniform(-2, 2, 2, 1)], {"mask": [False], "shape": []})

    # Comparisons: ties, NaN, infinities, signed zeros, broadcasting.
    specials_a = values([NAN, 1.0, 2.0, INF, -INF, 0.0], 2, 3)
    specials_b = values([1.0, -0.0, NAN], 3)
    for op in ["Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"]:
        case(op + "/NaN, infinities and ties [2 3] [3]", op, [specials_a, specials_b])
        case(op + "/[2 1 3] [4 1]", op, [uniform(-1, 1, 2, 1, 3), uniform(-1, 1, 4, 1)])
        case(op + "/ties 0-d", op, [values([1.0, 2.0, 3.0, 2.0], 4), values(2.0)])

    # Logical operations on masks given as 0s and 1s (and a NaN, nonzero).
    for op in ["LogicalAnd", "LogicalOr"]:
        case(op + "/same [4]", op, [values([0.0, 1.0, 0.0, 1.0], 4), values([0.0, 0.0, 1.0, 1.0], 4)])
        case(op + "/broadcast [2 1] [3]", op, [values([1.0, 0.0], 2, 1), values([1.0, 0.0, NAN], 3)])
        case(op + "/[2 1 2] [3 1] 0-d", op, [values([1.0, 0.0, 0.0, 1.0], 2, 1, 2), values([0.0, 1.0, 1.0], 3, 1)])
    case("LogicalNot/[2 3]", "LogicalNot", [values([0.0, 1.0, NAN, 0.0, -2.0, 0.0], 2, 3)])
    case("LogicalNot/0-d", "LogicalNot", [values(0.0)])
    case("LogicalNot/[4]", "LogicalNot", [values([1.0, 1.0, 0.0, INF], 4)])

    flags = values([1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0], 2, 3, 2)
    for op in ["Any", "All"]:
        case(op + "/all axes [2 3 2]", op, [flags])
        case(op + "/axis 1 [2 3 2]", op, [flags], {"axes": [1]})
        case(op + "/axes 0 -1 [2 3 2]", op, [flags], {"axes": [0, -1]})
        case(op + "/axis 0 of [3]", op, [values([0.0, 0.0, 1.0], 3)], {"axes": [0]})

    # Tests of values.
    mixed = [0.0, -1.0, NAN, INF, -INF, 5e-324, 1e308, -NAN]
    for op in ["IsNaN", "IsInf", "IsFinite"]:
        case(op + "/specials [2 4]", op, [values(mixed, 2, 4)])
        case(op + "/finite [3]", op, [uniform(-2, 2, 3)])
        case(op + "/0-d NaN", op, [values(NAN)])
    close_a = values([1.0, 1.0, 1e10, 0.0, NAN, NAN, INF, INF, 2.0, 1.0], 10)
    close_b = values([1.0, 1.0 + 1e-9, 1.00001e10, 1e-9, NAN, 1.0, INF, -INF, 2.1, 1.15], 10)
    case("IsClose/defaults", "IsClose", [close_a, close_b], {"rtol": 1e-5, "atol": 1e-8, "equal_nan": False})
    case("IsClose/equal NaN", "IsClose", [close_a, close_b], {"rtol": 1e-5, "atol": 1e-8, "equal_nan": True})
    case("IsClose/wide broadcast [2 3] [3]", "IsClose", [uniform(-1, 1, 2, 3), uniform(-1, 1, 3)],
         {"rtol": 0.5, "atol": 0.2, "equal_nan": False})
