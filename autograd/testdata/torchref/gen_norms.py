"""PyTorch reference cases of the normalization ops of optable_norms.go
(BatchNorm, BatchNormEval, GroupNorm, RMSNorm): torchref_norms.json. Loaded
by gen.py (see its family_modules).

Inputs are x, then weight and bias when the case has them (weight alone for
RMSNorm). BatchNorm's cases are one step of nn.BatchNorm2d/1d in training
mode through F.batch_norm with running buffers: their outputs are y and the
updated running mean and variance (buffers: no gradient), from the initial
"running_mean" and "running_var" (zeros and ones when absent) and
"momentum". torch 1.13 has no RMSNorm: its cases write torch 2.x's formula,
x * rsqrt(mean(x², normalized axes) + eps) * weight."""

import torch
import torch.nn.functional as F


def _wb(x):
    return (x[1] if len(x) > 1 else None), (x[2] if len(x) > 2 else None)


def _running(x, p):
    c = x[0].shape[1]
    rm = torch.tensor(p["running_mean"], dtype=torch.float64) if "running_mean" in p else torch.zeros(c, dtype=torch.float64)
    rv = torch.tensor(p["running_var"], dtype=torch.float64) if "running_var" in p else torch.ones(c, dtype=torch.float64)
    return rm, rv


def _batch_norm(x, p):
    rm, rv = _running(x, p)
    w, b = _wb(x)
    y = F.batch_norm(x[0], rm, rv, w, b, training=True, momentum=p["momentum"], eps=p["eps"])
    return y, rm, rv


def _batch_norm_eval(x, p):
    rm, rv = _running(x, p)
    w, b = _wb(x)
    return F.batch_norm(x[0], rm, rv, w, b, training=False, eps=p["eps"])


def _group_norm(x, p):
    w, b = _wb(x)
    return F.group_norm(x[0], p["groups"], w, b, p["eps"])


def _rms_norm(x, p):
    dims = tuple(range(-p["normalized_dims"], 0))
    y = x[0] * torch.rsqrt(x[0].pow(2).mean(dims, keepdim=True) + p["eps"])
    return y * x[1] if len(x) > 1 else y


OPS = {
    "BatchNorm": _batch_norm,
    "BatchNormEval": _batch_norm_eval,
    "GroupNorm": _group_norm,
    "RMSNorm": _rms_norm,
}


def build_cases(g):
    case, uniform, const = g.case, g.uniform, g.const

    case("BatchNorm/[4 3 2 3] affine, BatchNorm2d step", "BatchNorm",
         [uniform(-2, 2, 4, 3, 2, 3), uniform(0.5, 1.5, 3), uniform(-1, 1, 3)], {"eps": 1e-5, "momentum": 0.1})
    case("BatchNorm/[5 3] 2-D affine, running stats, momentum 0.3", "BatchNorm",
         [uniform(-3, 1, 5, 3), uniform(0.5, 1.5, 3), uniform(-1, 1, 3)],
         {"eps": 1e-5, "momentum": 0.3, "running_mean": [0.5, -0.25, 1.0], "running_var": [2.0, 0.5, 1.5]})
    case("BatchNorm/[2 3 5] no affine", "BatchNorm", [uniform(-2, 2, 2, 3, 5)], {"eps": 1e-5, "momentum": 0.1})
    case("BatchNorm/[3 2 1 4] eps 1e-3, constant weight", "BatchNorm",
         [uniform(-1, 2, 3, 2, 1, 4), const(uniform(0.5, 1.5, 2)), uniform(-1, 1, 2)], {"eps": 1e-3, "momentum": 0.1})

    case("BatchNormEval/[4 3 2 3] affine", "BatchNormEval",
         [uniform(-2, 2, 4, 3, 2, 3), uniform(0.5, 1.5, 3), uniform(-1, 1, 3)],
         {"eps": 1e-5, "running_mean": [0.2, -0.4, 0.1], "running_var": [0.5, 1.5, 2.0]})
    case("BatchNormEval/[5 2] no affine", "BatchNormEval", [uniform(-2, 2, 5, 2)],
         {"eps": 1e-5, "running_mean": [1.0, -1.0], "running_var": [0.25, 4.0]})
    case("BatchNormEval/[2 3 4] affine, eps 0.1", "BatchNormEval",
         [uniform(-2, 2, 2, 3, 4), uniform(-1.5, 1.5, 3), uniform(-1, 1, 3)],
         {"eps": 0.1, "running_mean": [0.0, 0.3, -0.3], "running_var": [1.0, 0.1, 3.0]})

    case("GroupNorm/[2 6 3 2] 3 groups affine", "GroupNorm",
         [uniform(-2, 2, 2, 6, 3, 2), uniform(0.5, 1.5, 6), uniform(-1, 1, 6)], {"groups": 3, "eps": 1e-5})
    case("GroupNorm/[3 4 5] 1 group affine", "GroupNorm",
         [uniform(-2, 2, 3, 4, 5), uniform(0.5, 1.5, 4), uniform(-1, 1, 4)], {"groups": 1, "eps": 1e-5})
    case("GroupNorm/[2 4 2 2] 4 groups = C affine", "GroupNorm",
         [uniform(-2, 2, 2, 4, 2, 2), uniform(0.5, 1.5, 4), uniform(-1, 1, 4)], {"groups": 4, "eps": 1e-5})
    case("GroupNorm/[5 6] 2-D 2 groups no affine", "GroupNorm", [uniform(-2, 2, 5, 6)], {"groups": 2, "eps": 1e-3})

    case("RMSNorm/[3 7] weight", "RMSNorm", [uniform(-2, 2, 3, 7), uniform(0.5, 1.5, 7)],
         {"normalized_dims": 1, "eps": 1e-6})
    case("RMSNorm/[2 3 2 5] over 2 axes weight", "RMSNorm", [uniform(-2, 2, 2, 3, 2, 5), uniform(-1.5, 1.5, 2, 5)],
         {"normalized_dims": 2, "eps": 1e-5})
    case("RMSNorm/[4 5] no weight, eps float64 machine epsilon", "RMSNorm", [uniform(-2, 2, 4, 5)],
         {"normalized_dims": 1, "eps": 2.0 ** -52})
    case("RMSNorm/[5] 1-D weight", "RMSNorm", [uniform(-2, 2, 5), uniform(0.5, 1.5, 5)],
         {"normalized_dims": 1, "eps": 1e-6})
