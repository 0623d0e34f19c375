"""PyTorch reference cases of the op table's pointwise ops. The ops come
from the table: pointwise_ops.json beside this script lists each one as its
OpInfo declares it (name, PyTorch expression, parameters and their Args,
domain, kinks), written by

    go test ./autograd -run TestTorchRefPointwiseTable -update

(a Go test that fails when the file is stale). OPS, the torch side of each
op, evaluates its expression, and every op gets the cases of table_cases:
inputs drawn from its domain, away from its kinks, at its Args. So a new
pointwise op needs nothing here. build_cases adds, beyond those, the cases
written for particular ops (tails, poles, saturating regions, other
parameters); gen.py has more for the older ops, and uses OPS for them too.
gen.py loads this module (see family_modules there); its cases go to
torchref_pointwise.json. Inputs stay away from kinks and from the jumps of
the rounding ops, except in the cases that check the forward values there
(Round's halves), where the gradient is 0 on both sides anyway."""

import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "pointwise_ops.json"), encoding="utf-8") as f:
    TABLE = json.load(f)["ops"]


def _torch_op(op):
    """The torch side of a table op: its expression evaluated with x the
    input and each parameter bound by name, to the case's value or else to
    the table's Arg."""
    code = compile(op["torch"], "<%s: %s>" % (op["name"], op["torch"]), "eval")
    defaults = dict(zip(op["params"], op["args"]))

    def f(x, p):
        unknown = set(p) - set(defaults)
        if unknown:
            raise SystemExit("%s has no parameters %s" % (op["name"], sorted(unknown)))
        env = dict(defaults, **p)
        env["x"] = x[0]
        return eval(code, {"torch": torch}, env)

    return f


OPS = {op["name"]: _torch_op(op) for op in TABLE}

# How far the cases of table_cases keep from a kink.
KINK_MARGIN = 0.05


def domain_spec(g, op, *shape):
    """Inputs of the given shape uniform in the op's domain [lo, hi), or,
    when it has kinks there, uniform over the intervals between them, each
    shrunk by KINK_MARGIN at both ends."""
    lo, hi = op["domain"]
    cuts = sorted(k for k in op["kinks"] if lo <= k <= hi)
    if not cuts:
        return g.uniform(lo, hi, *shape)
    ivs = []
    for a, b in zip([lo] + cuts, cuts + [hi]):
        a = a + KINK_MARGIN if a in cuts else a
        b = b - KINK_MARGIN if b in cuts else b
        if a < b:
            ivs.append((a, b))
    return g.intervals(ivs, *shape)


def table_cases(g):
    """Three cases of every op of the table, at its Args: a [2 3] input, a
    0-d one and a [3 1 2] one, drawn by domain_spec."""
    for op in TABLE:
        params = dict(zip(op["params"], op["args"]))
        for label, shape in [("[2 3]", (2, 3)), ("0-d", ()), ("[3 1 2]", (3, 1, 2))]:
            g.case("%s/table %s" % (op["name"], label), op["name"], [domain_spec(g, op, *shape)], params)


# Away from the integers in [-3, 3], where Floor, Ceil and Trunc jump.
OFF_INTEGERS = [(-2.9, -2.1), (-1.9, -1.1), (-0.9, -0.1), (0.1, 0.9), (1.1, 1.9), (2.1, 2.9)]
# Away from the halves, where Round jumps.
OFF_HALVES = [(-2.4, -1.6), (-1.4, -0.6), (-0.4, 0.4), (0.6, 1.4), (1.6, 2.4)]
# Away from the kinks of Hardswish and Hardsigmoid at ±3.
OFF_THREES = [(-5, -3.1), (-2.9, 2.9), (3.1, 5)]


def build_cases(g):
    table_cases(g)
    case, uniform, nonzero, intervals, values = g.case, g.uniform, g.nonzero, g.intervals, g.values

    # Trigonometric and hyperbolic.
    case("Erfc/[2 3]", "Erfc", [uniform(-3, 3, 2, 3)])
    case("Erfc/[6] tails", "Erfc", [values([-5.0, -2.0, 0.3, 2.0, 5.5, 9.0], 6)])
    case("Erfc/[3 1 2]", "Erfc", [uniform(-1, 1, 3, 1, 2)])
    case("Tan/[2 3]", "Tan", [uniform(-1.3, 1.3, 2, 3)])
    case("Tan/[4] near the poles", "Tan", [values([-1.55, -1.2, 1.4, 1.56], 4)])
    case("Tan/0-d", "Tan", [uniform(-0.5, 0.5)])
    for op in ["Asin", "Acos", "Atanh"]:
        case(op + "/[2 3]", op, [uniform(-0.95, 0.95, 2, 3)])
        case(op + "/[5] near ±1", op, [values([-0.999, -0.9, 0.0, 0.9, 0.999], 5)])
        case(op + "/[3 1 2]", op, [uniform(-0.5, 0.5, 3, 1, 2)])
    for op in ["Atan", "Asinh"]:
        case(op + "/[2 3]", op, [uniform(-3, 3, 2, 3)])
        case(op + "/[5] large", op, [values([-1e3, -10.0, 0.1, 10.0, 1e6], 5)])
        case(op + "/[3 1 2]", op, [uniform(-1, 1, 3, 1, 2)])
    case("Acosh/[2 3]", "Acosh", [uniform(1.05, 4, 2, 3)])
    case("Acosh/[4] near 1 and large", "Acosh", [values([1.001, 1.5, 10.0, 1e4], 4)])
    case("Acosh/[3 1 2]", "Acosh", [uniform(1.5, 2.5, 3, 1, 2)])

    # Powers, exponentials and logarithms.
    for op in ["Log2", "Log10"]:
        case(op + "/[2 3]", op, [uniform(0.1, 5, 2, 3)])
        case(op + "/[5] wide range", op, [values([1e-8, 0.5, 1.0, 1024.0, 1e10], 5)])
        case(op + "/[3 1 2]", op, [uniform(0.5, 2, 3, 1, 2)])
    case("Exp2/[2 3]", "Exp2", [uniform(-3, 3, 2, 3)])
    case("Exp2/[5] large", "Exp2", [values([-40.0, -5.0, 0.0, 5.0, 40.0], 5)])
    case("Exp2/0-d", "Exp2", [uniform(-1, 1)])
    case("Rsqrt/[2 3]", "Rsqrt", [uniform(0.1, 4, 2, 3)])
    case("Rsqrt/[5] wide range", "Rsqrt", [values([1e-6, 0.25, 1.0, 100.0, 1e8], 5)])
    case("Rsqrt/[3 1 2]", "Rsqrt", [uniform(0.5, 2, 3, 1, 2)])
    case("Reciprocal/[2 3] both signs", "Reciprocal", [nonzero(0.2, 3, 2, 3)])
    case("Reciprocal/[4] small and large", "Reciprocal", [values([-1e3, -0.01, 0.01, 1e3], 4)])
    case("Reciprocal/[3 1 2]", "Reciprocal", [uniform(0.5, 2, 3, 1, 2)])

    # Activations.
    case("LogSigmoid/[2 3]", "LogSigmoid", [uniform(-6, 6, 2, 3)])
    case("LogSigmoid/[6] saturating", "LogSigmoid", [values([-50.0, -20.0, -1.0, 0.0, 20.0, 50.0], 6)])
    case("LogSigmoid/0-d", "LogSigmoid", [uniform(-2, 2)])
    case("Hardtanh/[-1 1] [3 4]", "Hardtanh", [intervals([(-2, -1.1), (-0.9, 0.9), (1.1, 2)], 3, 4)],
         {"min_val": -1.0, "max_val": 1.0})
    case("Hardtanh/[-0.5 2] [7]", "Hardtanh", [intervals([(-2, -0.6), (-0.4, 1.9), (2.1, 3)], 7)],
         {"min_val": -0.5, "max_val": 2.0})
    case("Hardtanh/[0 6] [3 1 2]", "Hardtanh", [intervals([(-1, -0.1), (0.1, 5.9), (6.1, 7)], 3, 1, 2)],
         {"min_val": 0.0, "max_val": 6.0})
    for op in ["Hardswish", "Hardsigmoid"]:
        case(op + "/[3 4]", op, [intervals(OFF_THREES, 3, 4)])
        case(op + "/[7] middle", op, [uniform(-2.5, 2.5, 7)])
        case(op + "/[6] saturating", op, [values([-1e3, -4.0, -1.5, 1.5, 4.0, 1e3], 6)])
    case("Mish/[2 3]", "Mish", [uniform(-5, 5, 2, 3)])
    case("Mish/[6] saturating", "Mish", [values([-30.0, -8.0, -1.2, 0.4, 8.0, 18.0], 6)])
    case("Mish/[3 1 2]", "Mish", [uniform(-1, 1, 3, 1, 2)])
    case("SELU/[2 3]", "SELU", [nonzero(0.1, 3, 2, 3)])
    case("SELU/[6] saturating", "SELU", [values([-20.0, -2.0, -0.5, 0.5, 2.0, 20.0], 6)])
    case("SELU/[3 1 2]", "SELU", [nonzero(0.1, 1, 3, 1, 2)])
    case("CELU/alpha=1", "CELU", [nonzero(0.1, 3, 2, 3)], {"alpha": 1.0})
    case("CELU/alpha=0.5 [7]", "CELU", [nonzero(0.1, 3, 7)], {"alpha": 0.5})
    case("CELU/alpha=2 [3 1 2]", "CELU", [nonzero(0.1, 5, 3, 1, 2)], {"alpha": 2.0})
    case("Softsign/[2 3]", "Softsign", [nonzero(0.1, 4, 2, 3)])
    case("Softsign/[6] large", "Softsign", [values([-1e3, -2.0, -0.3, 0.3, 2.0, 1e3], 6)])
    case("Softsign/[3 1 2]", "Softsign", [nonzero(0.05, 1, 3, 1, 2)])

    # Rounding: zero gradients; the forward values at the halves and the
    # integers, where the gradient is 0 on both sides.
    for op in ["Floor", "Ceil", "Trunc"]:
        case(op + "/[2 3]", op, [intervals(OFF_INTEGERS, 2, 3)])
        case(op + "/[7] integers and halves", op, [values([-2.5, -2.0, -0.5, 0.0, 0.5, 1.0, 2.5], 7)])
        case(op + "/[3 1 2]", op, [intervals(OFF_INTEGERS, 3, 1, 2)])
    case("Round/[2 3]", "Round", [intervals(OFF_HALVES, 2, 3)])
    case("Round/[8] halves to even", "Round", [values([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51], 8)])
    case("Round/[3 1 2]", "Round", [intervals(OFF_HALVES, 3, 1, 2)])
    case("Sign/[2 3]", "Sign", [nonzero(0.1, 2, 2, 3)])
    case("Sign/[5] with 0", "Sign", [values([-3.0, -1e-9, 0.0, 1e-9, 2.0], 5)])
    case("Sign/[3 1 2]", "Sign", [nonzero(0.1, 2, 3, 1, 2)])
