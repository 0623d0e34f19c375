"""PyTorch reference cases of the index family (gen.py loads this file):
Gather, Scatter, ScatterAdd, ScatterReduce, IndexAdd, MaskedSelect,
IndexArrays, Unfold, Argsort (its positions as floats: not
differentiable), and Slice with negative steps (which torch's own
slicing rejects: the reference walks the Python slice's indices with
index_select). Indices are parameters, lists of ints with their shape."""

import torch


def _index(p, key="index"):
    return torch.tensor(p[key], dtype=torch.long)


def _slice_back(x, p):
    # Python's slice semantics, axis by axis, as index_select: torch's
    # basic slicing has no negative steps. A null stop is omitted (End).
    for ax, (start, stop, step) in enumerate(p["ranges"]):
        ids = list(range(x.shape[ax]))[slice(start, stop, step)]
        x = torch.index_select(x, ax, torch.tensor(ids, dtype=torch.long))
    return x


def _index_arrays(x, p):
    return x[0][tuple(torch.tensor(a, dtype=torch.long) for a in p["arrays"])]


OPS = {
    "Gather": lambda x, p: torch.gather(x[0], p["axis"], _index(p)),
    "Scatter": lambda x, p: torch.scatter(x[0], p["axis"], _index(p), x[1]),
    "ScatterAdd": lambda x, p: torch.scatter_add(x[0], p["axis"], _index(p), x[1]),
    "ScatterReduce": lambda x, p: torch.scatter_reduce(x[0], p["axis"], _index(p), x[1], p["reduce"],
                                                       include_self=p["include_self"]),
    "IndexAdd": lambda x, p: torch.index_add(x[0], p["axis"], _index(p), x[1], alpha=p["alpha"]),
    "MaskedSelect": lambda x, p: torch.masked_select(x[0], torch.tensor(p["mask"], dtype=torch.bool)),
    "IndexArrays": _index_arrays,
    "Unfold": lambda x, p: x[0].unfold(p["axis"], p["size"], p["step"]),
    "Slice": lambda x, p: _slice_back(x[0], p),
    "Argsort": lambda x, p: torch.sort(x[0], dim=p["axis"], descending=p["descending"],
                                       stable=True).indices.to(torch.float64),
}

NOT_DIFFERENTIABLE = {"Argsort"}


def build_cases(g):
    u = g.uniform
    # Gather: index of x's rank, smaller than x off the axis, negative axis.
    g.case("Gather/axis 1 [3 4] index [3 2]", "Gather", [u(-2, 2, 3, 4)],
           {"axis": 1, "index": [[2, 0], [1, 1], [0, 3]]})
    g.case("Gather/axis -3 [2 3 2] index [1 2 2] repeated", "Gather", [u(-2, 2, 2, 3, 2)],
           {"axis": -3, "index": [[[1, 1], [0, 1]]]})
    g.case("Gather/1-D [5] index [7]", "Gather", [u(-2, 2, 5)],
           {"axis": 0, "index": [4, 4, 0, 2, 1, 4, 3]})
    # Scatter: no duplicate targets (torch leaves the winner undefined).
    g.case("Scatter/axis 0 [3 4] src [2 3]", "Scatter", [u(-2, 2, 3, 4), u(-2, 2, 2, 3)],
           {"axis": 0, "index": [[2, 0, 1], [0, 1, 2]]})
    g.case("Scatter/axis -1 [2 5] src [2 2]", "Scatter", [u(-2, 2, 2, 5), u(-2, 2, 2, 2)],
           {"axis": -1, "index": [[4, 0], [1, 3]]})
    g.case("Scatter/constant x [2 3 2]", "Scatter", [g.const(u(-2, 2, 2, 3, 2)), u(-2, 2, 1, 3, 2)],
           {"axis": 1, "index": [[[2, 0], [0, 2], [1, 1]]]})
    # ScatterAdd: duplicates add.
    # torch 1.13's backward of scatter and scatter_add fails for a source
    # larger than the index: the sources here have the index's shape (the
    # Go tests cover larger sources).
    g.case("ScatterAdd/axis 0 [3 4] duplicates", "ScatterAdd", [u(-2, 2, 3, 4), u(-2, 2, 2, 3)],
           {"axis": 0, "index": [[2, 0, 1], [0, 0, 2]]})
    g.case("ScatterAdd/axis -1 [2 3] all to one", "ScatterAdd", [u(-2, 2, 2, 3), u(-2, 2, 2, 4)],
           {"axis": -1, "index": [[1, 1, 1, 1], [0, 2, 0, 2]]})
    g.case("ScatterAdd/1-D [4] src [5]", "ScatterAdd", [u(-2, 2, 4), u(-2, 2, 5)],
           {"axis": 0, "index": [3, 3, 0, 1, 3]})
    # ScatterReduce: every reduction, with and without self; inputs apart
    # (no ties for amax/amin: uniform draws) and away from 0 for prod.
    idx = [[2, 0, 1, 2], [0, 0, 2, 2]]
    for red in ["sum", "prod", "mean", "amax", "amin"]:
        for inc in [True, False]:
            xs = [g.nonzero(0.5, 2, 3, 4), g.nonzero(0.5, 2, 2, 4)] if red == "prod" else [u(-2, 2, 3, 4), u(-2, 2, 2, 4)]
            g.case("ScatterReduce/%s include_self=%s [3 4] duplicates" % (red, inc), "ScatterReduce", xs,
                   {"axis": 0, "index": idx, "reduce": red, "include_self": inc})
    g.case("ScatterReduce/amax axis -1 [2 5] ties split evenly", "ScatterReduce",
           [g.values([1.0, 3.0, 0.5, 3.0, -1.0, 2.0, 2.0, 0.0, 1.0, 2.0], 2, 5),
            g.values([3.0, 0.0, 2.0, 2.0, -4.0, 2.0], 2, 3)],
           {"axis": -1, "index": [[1, 2, 1], [0, 0, 0]], "reduce": "amax", "include_self": True},
           note="ties on purpose: torch splits the gradient evenly among them, as Adjoint does")
    g.case("ScatterReduce/prod with a zero [4]", "ScatterReduce",
           [g.values([2.0, 3.0, -1.5, 0.5], 4), g.values([0.0, 4.0, 1.5, -2.0, 0.0], 5)],
           {"axis": 0, "index": [0, 0, 2, 2, 3], "reduce": "prod", "include_self": True})
    # IndexAdd: duplicates add, alpha, negative axis.
    g.case("IndexAdd/axis -1 [3 4] duplicates alpha 0.5", "IndexAdd", [u(-2, 2, 3, 4), u(-2, 2, 3, 3)],
           {"axis": -1, "index": [1, 1, 3], "alpha": 0.5})
    g.case("IndexAdd/axis 0 [4 2] alpha 1", "IndexAdd", [u(-2, 2, 4, 2), u(-2, 2, 5, 2)],
           {"axis": 0, "index": [3, 0, 3, 2, 3], "alpha": 1.0})
    g.case("IndexAdd/axis 1 [2 3 2] alpha -2", "IndexAdd", [u(-2, 2, 2, 3, 2), u(-2, 2, 2, 1, 2)],
           {"axis": 1, "index": [2], "alpha": -2.0})
    # MaskedSelect: the mask broadcasts with x, either way.
    g.case("MaskedSelect/[2 3] mask [3]", "MaskedSelect", [u(-2, 2, 2, 3)], {"mask": [True, False, True]})
    g.case("MaskedSelect/[3 1] mask [2 3 4] broadcast both", "MaskedSelect", [u(-2, 2, 3, 1)],
           {"mask": [[[True, False, True, True], [False, False, True, False], [True, True, True, True]],
                     [[False, False, False, False], [True, False, False, True], [False, True, False, False]]]})
    g.case("MaskedSelect/[2 3 2] mask [2 3 2]", "MaskedSelect", [u(-2, 2, 2, 3, 2)],
           {"mask": [[[True, False], [True, True], [False, False]], [[False, True], [True, False], [True, True]]]})
    # IndexArrays: broadcast arrays, negative indices, repeated rows.
    g.case("IndexArrays/[3 4 2] arrays [2 1] [3] negative", "IndexArrays", [u(-2, 2, 3, 4, 2)],
           {"arrays": [[[2], [0]], [1, -1, 1]]})
    g.case("IndexArrays/[4 3] one array [2 2] repeated", "IndexArrays", [u(-2, 2, 4, 3)],
           {"arrays": [[[3, 0], [3, -4]]]})
    g.case("IndexArrays/[2 3 2] three arrays", "IndexArrays", [u(-2, 2, 2, 3, 2)],
           {"arrays": [[1, 0, 1], [2, 2, 0], [0, 1, 1]]})
    # Unfold: overlapping, dropping a remainder, negative axis.
    g.case("Unfold/[2 7] axis -1 size 3 step 2", "Unfold", [u(-2, 2, 2, 7)], {"axis": -1, "size": 3, "step": 2})
    g.case("Unfold/[5 3] axis 0 size 2 step 1 overlapping", "Unfold", [u(-2, 2, 5, 3)], {"axis": 0, "size": 2, "step": 1})
    g.case("Unfold/[2 6 2] axis 1 size 4 step 3 remainder", "Unfold", [u(-2, 2, 2, 6, 2)], {"axis": 1, "size": 4, "step": 3})
    # Slice with negative steps (Python's x[::-1]).
    g.case("Slice/negative steps [4 5] ::-1 3:0:-2", "Slice", [u(-2, 2, 4, 5)],
           {"ranges": [[-1, None, -1], [3, 0, -2]]})
    g.case("Slice/negative step past both ends [6] 100:-100:-4", "Slice", [u(-2, 2, 6)],
           {"ranges": [[100, -100, -4]]})
    g.case("Slice/[2 3 4] :, -1::-1, 2::-2", "Slice", [u(-2, 2, 2, 3, 4)],
           {"ranges": [[0, None, 1], [-1, None, -1], [2, None, -2]]})
    # Argsort: stable (ties keep their order in both directions, as
    # torch.sort(stable=True)), negative axis, 1-D.
    g.case("Argsort/[3 5] axis -1 descending", "Argsort", [u(-2, 2, 3, 5)], {"axis": -1, "descending": True})
    g.case("Argsort/[4 2 3] axis 0 ascending", "Argsort", [u(-2, 2, 4, 2, 3)], {"axis": 0, "descending": False})
    g.case("Argsort/[7] ties stable descending", "Argsort",
           [g.values([1.0, -2.0, 1.0, 3.0, -2.0, 1.0, 0.0], 7)], {"axis": 0, "descending": True},
           note="ties on purpose: a stable sort keeps them in their order, as Adjoint's does")
    g.case("Argsort/[2 4] ties stable ascending", "Argsort",
           [g.values([0.5, 0.5, -1.0, 0.5, 2.0, 2.0, 2.0, -3.0], 2, 4)], {"axis": 1, "descending": False},
           note="ties on purpose: a stable sort keeps them in their order, as Adjoint's does")
