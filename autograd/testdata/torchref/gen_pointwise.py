"""PyTorch reference cases of the pointwise ops declared beyond gen.py's:
the trigonometric and hyperbolic inverses, the powers, exponentials and
logarithms, the activations of torch.nn.functional and the rounding ops.
gen.py loads this module (see family_modules there); its cases go to
torchref_pointwise.json. Inputs stay away from kinks and from the jumps of
the rounding ops, except in the cases that check the forward values there
(Round's halves), where the gradient is 0 on both sides anyway."""

import torch
import torch.nn.functional as F

OPS = {
    "Erfc": lambda x, p: torch.erfc(x[0]),
    "Tan": lambda x, p: torch.tan(x[0]),
    "Asin": lambda x, p: torch.asin(x[0]),
    "Acos": lambda x, p: torch.acos(x[0]),
    "Atan": lambda x, p: torch.atan(x[0]),
    "Asinh": lambda x, p: torch.asinh(x[0]),
    "Acosh": lambda x, p: torch.acosh(x[0]),
    "Atanh": lambda x, p: torch.atanh(x[0]),
    "Log2": lambda x, p: torch.log2(x[0]),
    "Log10": lambda x, p: torch.log10(x[0]),
    "Exp2": lambda x, p: torch.exp2(x[0]),
    "Rsqrt": lambda x, p: torch.rsqrt(x[0]),
    "Reciprocal": lambda x, p: torch.reciprocal(x[0]),
    "LogSigmoid": lambda x, p: F.logsigmoid(x[0]),
    "Hardtanh": lambda x, p: F.hardtanh(x[0], p["min_val"], p["max_val"]),
    "Hardswish": lambda x, p: F.hardswish(x[0]),
    # Its definition, relu6(x + 3)/6: torch 1.13's hardsigmoid_backward
    # multiplies by 1/6 rounded to float32 (a relative error of 3e-8, also
    # in float64) and has no derivative of its own.
    "Hardsigmoid": lambda x, p: F.relu6(x[0] + 3) / 6,
    "Mish": lambda x, p: F.mish(x[0]),
    "SELU": lambda x, p: F.selu(x[0]),
    "CELU": lambda x, p: F.celu(x[0], p["alpha"]),
    "Softsign": lambda x, p: F.softsign(x[0]),
    "Floor": lambda x, p: torch.floor(x[0]),
    "Ceil": lambda x, p: torch.ceil(x[0]),
    "Round": lambda x, p: torch.round(x[0]),
    "Trunc": lambda x, p: torch.trunc(x[0]),
    "Sign": lambda x, p: torch.sign(x[0]),
}

# Away from the integers in [-3, 3], where Floor, Ceil and Trunc jump.
OFF_INTEGERS = [(-2.9, -2.1), (-1.9, -1.1), (-0.9, -0.1), (0.1, 0.9), (1.1, 1.9), (2.1, 2.9)]
# Away from the halves, where Round jumps.
OFF_HALVES = [(-2.4, -1.6), (-1.4, -0.6), (-0.4, 0.4), (0.6, 1.4), (1.6, 2.4)]
# Away from the kinks of Hardswish and Hardsigmoid at ±3.
OFF_THREES = [(-5, -3.1), (-2.9, 2.9), (3.1, 5)]


def build_cases(g):
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
