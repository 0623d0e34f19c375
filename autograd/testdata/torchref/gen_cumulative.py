"""PyTorch reference cases of the op table's cumulative family (scans,
sorting and reordering along an axis, and Prod), loaded by gen.py, which
writes them to torchref_cumulative.json. The Go side is
autograd/torchref_cumulative_test.go.

Sort, TopK, Cummax and Cummin have two outputs: the values, and the indices
as float64 (a constant: the weighted sum's gradient comes from the values
alone), so that one case checks both. Cases with ties pin the documented
rules where they agree with torch: Sort is stable (torch's stable=True),
Cummax and Cummin report the last of equal values, and Max and Min (cases
of the core ops, here for their tie rule) split the gradient evenly, as
torch's amax and amin.
"""

import torch


def _prod(x, p):
    axes = p.get("axes")
    if not axes:
        return x.prod()
    for a in sorted((a % x.dim() for a in axes), reverse=True):
        x = x.prod(a)
    return x


def _with_indices(r):
    return r[0], r[1].to(torch.float64)


def _roll(x, p):
    if not p.get("axes"):
        return torch.roll(x, p["shifts"][0])
    return torch.roll(x, tuple(p["shifts"]), tuple(p["axes"]))


def _amax_amin(fn):
    def f(x, p):
        axes = p.get("axes")
        return fn(x[0], dim=tuple(axes) if axes else tuple(range(x[0].dim())))

    return f


OPS = {
    "Cumsum": lambda x, p: torch.cumsum(x[0], p["axis"]),
    "Cumprod": lambda x, p: torch.cumprod(x[0], p["axis"]),
    "LogCumSumExp": lambda x, p: torch.logcumsumexp(x[0], p["axis"]),
    "Cummax": lambda x, p: _with_indices(torch.cummax(x[0], p["axis"])),
    "Cummin": lambda x, p: _with_indices(torch.cummin(x[0], p["axis"])),
    "Prod": lambda x, p: _prod(x[0], p),
    "Sort": lambda x, p: _with_indices(torch.sort(x[0], dim=p["axis"], descending=p["descending"], stable=True)),
    "TopK": lambda x, p: _with_indices(torch.topk(x[0], p["k"], dim=p["axis"], largest=p["largest"], sorted=True)),
    "Flip": lambda x, p: torch.flip(x[0], tuple(p["axes"])),
    "Roll": lambda x, p: _roll(x[0], p),
    "Tril": lambda x, p: torch.tril(x[0], p["k"]),
    "Triu": lambda x, p: torch.triu(x[0], p["k"]),
    "Diagonal": lambda x, p: torch.diagonal(x[0], p["offset"], p["axis1"], p["axis2"]),
    "Repeat": lambda x, p: x[0].repeat(*p["reps"]),
    "RepeatInterleave": lambda x, p: torch.repeat_interleave(x[0], p["repeats"], dim=p["axis"]),
    "RepeatInterleaveEach": lambda x, p: torch.repeat_interleave(x[0], torch.tensor(p["each"]), dim=p["axis"]),
    "Max": _amax_amin(torch.amax),
    "Min": _amax_amin(torch.amin),
}


def build_cases(g):
    case, u, values = g.case, g.uniform, g.values
    no_ties = g.no_ties

    for label, shape, axis in [("[2 3 4] axis 1", (2, 3, 4), 1), ("[5] axis -1", (5,), -1),
                               ("[3 1 4] axis 0", (3, 1, 4), 0), ("0-d", (), 0)]:
        case("Cumsum/" + label, "Cumsum", [u(-2, 2, *shape)], {"axis": axis})
        case("LogCumSumExp/" + label, "LogCumSumExp", [u(-3, 3, *shape)], {"axis": axis})
    case("LogCumSumExp/large [2 5] axis -1", "LogCumSumExp", [u(500, 900, 2, 5)], {"axis": -1},
         note="exp overflows: only the stable running log-add-exp is finite")

    case("Cumprod/[3 4] axis -1", "Cumprod", [g.nonzero(0.5, 1.5, 3, 4)], {"axis": -1})
    case("Cumprod/[2 3 2] axis 0", "Cumprod", [g.nonzero(0.5, 1.5, 2, 3, 2)], {"axis": 0})
    case("Cumprod/one zero [2 4] axis 1", "Cumprod", [values([1.5, 0, 2, -0.5, 0.7, -1.2, 0, 1.3], 2, 4)], {"axis": 1})
    case("Cumprod/several zeros [6] axis 0", "Cumprod", [values([0.8, 0, 1.5, 0, -2, 0.5], 6)], {"axis": 0})
    case("Cumprod/zero first [3 2] axis -2", "Cumprod", [values([0, 1.1, 1.7, 0, -0.9, 1.4], 3, 2)], {"axis": -2})

    for op in ["Cummax", "Cummin"]:
        case(op + "/[3 5] axis 1", op, [u(-2, 2, 3, 5)], {"axis": 1}, check=no_ties(0))
        case(op + "/[4 3] axis -2", op, [u(-2, 2, 4, 3)], {"axis": -2}, check=no_ties(0))
        case(op + "/ties to the last index [7]", op, [values([1, 3, 3, 2, 3, 5, 5] if op == "Cummax" else
                                                              [2, 1, 1, 3, 1, 0.5, 0.5], 7)], {"axis": 0})

    case("Prod/all [2 3]", "Prod", [g.nonzero(0.5, 1.5, 2, 3)], {})
    case("Prod/axis -1 [3 4]", "Prod", [g.nonzero(0.5, 1.5, 3, 4)], {"axes": [-1]})
    case("Prod/axes 0 2 [2 3 2]", "Prod", [g.nonzero(0.5, 1.5, 2, 3, 2)], {"axes": [0, 2]})
    case("Prod/one zero per row [2 3]", "Prod", [values([1.5, 0, -2, 0, 0.5, 1.2], 2, 3)], {"axes": [1]})
    case("Prod/two zeros [4]", "Prod", [values([0, 1.5, 0, -2], 4)], {},
         no_second_order="torch 1.13's prod backward is a constant 0 where two inputs are 0, so its second "
                         "derivative is 0; the true one is not (d2/dx0dx2 = 1.5 * -2), and Adjoint's is that")

    case("Sort/ascending [3 5] axis -1", "Sort", [u(-2, 2, 3, 5)], {"axis": -1, "descending": False}, check=no_ties(0))
    case("Sort/descending [4 3] axis 0", "Sort", [u(-2, 2, 4, 3)], {"axis": 0, "descending": True}, check=no_ties(0))
    case("Sort/stable ascending ties [6]", "Sort", [values([2, 1, 2, 1, 3, 2], 6)], {"axis": 0, "descending": False})
    case("Sort/stable descending ties [2 4]", "Sort", [values([2, 1, 2, 1, 0, 0, 5, 0], 2, 4)], {"axis": 1, "descending": True})

    case("TopK/largest 2 of [3 6] axis 1", "TopK", [u(-2, 2, 3, 6)], {"k": 2, "axis": 1, "largest": True}, check=no_ties(0))
    case("TopK/smallest 3 of [5 3] axis 0", "TopK", [u(-2, 2, 5, 3)], {"k": 3, "axis": 0, "largest": False}, check=no_ties(0))
    case("TopK/all 7 of [7]", "TopK", [u(-2, 2, 7)], {"k": 7, "axis": -1, "largest": True}, check=no_ties(0))

    case("Flip/[2 3 4] axes 0 2", "Flip", [u(-2, 2, 2, 3, 4)], {"axes": [0, 2]})
    case("Flip/[5] axis 0", "Flip", [u(-2, 2, 5)], {"axes": [0]})
    case("Flip/[3 4] axis -1", "Flip", [u(-2, 2, 3, 4)], {"axes": [-1]})
    case("Flip/0-d axis 0", "Flip", [u(-2, 2)], {"axes": [0]})

    case("Roll/[3 4] shifts 1 -2", "Roll", [u(-2, 2, 3, 4)], {"shifts": [1, -2], "axes": [0, 1]})
    case("Roll/flattened [2 3] by 5", "Roll", [u(-2, 2, 2, 3)], {"shifts": [5]})
    case("Roll/[4 3] axis 0 twice, axis -1 by 7", "Roll", [u(-2, 2, 4, 3)], {"shifts": [1, 2, 7], "axes": [0, 0, -1]})

    for op in ["Tril", "Triu"]:
        case(op + "/[4 5] k 0", op, [u(-2, 2, 4, 5)], {"k": 0})
        case(op + "/batched [2 3 4] k 1", op, [u(-2, 2, 2, 3, 4)], {"k": 1})
        case(op + "/[3 3] k -1", op, [u(-2, 2, 3, 3)], {"k": -1})

    case("Diagonal/[3 4] main", "Diagonal", [u(-2, 2, 3, 4)], {"offset": 0, "axis1": 0, "axis2": 1})
    case("Diagonal/[2 3 4] offset 1 axes 0 2", "Diagonal", [u(-2, 2, 2, 3, 4)], {"offset": 1, "axis1": 0, "axis2": 2})
    case("Diagonal/[3 4 5] offset -1 axes -1 0", "Diagonal", [u(-2, 2, 3, 4, 5)], {"offset": -1, "axis1": -1, "axis2": 0})

    case("Repeat/[2 3] by 2 1", "Repeat", [u(-2, 2, 2, 3)], {"reps": [2, 1]})
    case("Repeat/[3] by 2 2 1: more reps than axes", "Repeat", [u(-2, 2, 3)], {"reps": [2, 2, 1]})
    case("Repeat/[2 1 2] by 1 3 2", "Repeat", [u(-2, 2, 2, 1, 2)], {"reps": [1, 3, 2]})

    case("RepeatInterleave/[2 3] 2 axis -1", "RepeatInterleave", [u(-2, 2, 2, 3)], {"repeats": 2, "axis": -1})
    case("RepeatInterleave/[3 2] 3 axis 0", "RepeatInterleave", [u(-2, 2, 3, 2)], {"repeats": 3, "axis": 0})
    case("RepeatInterleave/[4] 1", "RepeatInterleave", [u(-2, 2, 4)], {"repeats": 1, "axis": 0})
    case("RepeatInterleaveEach/[3 2] 1 0 2 axis 0", "RepeatInterleaveEach", [u(-2, 2, 3, 2)], {"each": [1, 0, 2], "axis": 0})
    case("RepeatInterleaveEach/[2 3] 2 1 3 axis 1", "RepeatInterleaveEach", [u(-2, 2, 2, 3)], {"each": [2, 1, 3], "axis": 1})
    case("RepeatInterleaveEach/[4] 0 1 2 1", "RepeatInterleaveEach", [u(-2, 2, 4)], {"each": [0, 1, 2, 1], "axis": -1})

    case("Max/ties split evenly [2 3] axis 1", "Max", [values([1, 3, 3, 2, 2, 2], 2, 3)], {"axes": [1]})
    case("Max/ties split evenly, all [2 2]", "Max", [values([4, 1, 4, 4], 2, 2)], {})
    case("Min/ties split evenly [3 2] axis 0", "Min", [values([0, 1, 0, 1, 0.5, 1], 3, 2)], {"axes": [0]})
    case("Min/ties split evenly, axes 0 2 [2 2 2]", "Min", [values([1, 2, 1, 3, 1, 3, 5, 3], 2, 2, 2)], {"axes": [0, 2]})
