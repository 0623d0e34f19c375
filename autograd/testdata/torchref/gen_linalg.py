"""PyTorch reference cases of the linalg family beyond gen.py's products:
Einsum, Norm and NormKeepDims, Dot, Outer and Trace. gen.py loads this
module; its cases go to torchref_linalg.json, and their Go side is
torchRefExtLinalg in autograd/torchref_linalg_test.go."""

import math

import torch


def _p(p):
    """A norm's order as written in the params: a number, or "inf" / "-inf"
    (JSON has no infinities)."""
    return {"inf": math.inf, "-inf": -math.inf}.get(p, p)


def _norm(keep):
    def f(x, p):
        axes = p.get("axes")
        dim = tuple(axes) if axes else None
        return torch.linalg.vector_norm(x[0], _p(p["p"]), dim=dim, keepdim=keep)

    return f


OPS = {
    "Einsum": lambda x, p: torch.einsum(p["subscripts"], *x),
    "Norm": _norm(False),
    "NormKeepDims": _norm(True),
    "Dot": lambda x, p: torch.dot(x[0], x[1]),
    "Outer": lambda x, p: torch.outer(x[0], x[1]),
    "Trace": lambda x, p: torch.trace(x[0]),
}


def build_cases(g):
    u = g.uniform
    ein = [
        ("matmul", "ij,jk->ik", [u(-1, 1, 3, 4), u(-1, 1, 4, 5)]),
        ("batched matmul", "bij,bjk->bik", [u(-1, 1, 2, 3, 4), u(-1, 1, 2, 4, 5)]),
        ("batched matmul, implicit, b transposed", "bij,bkj", [u(-1, 1, 2, 3, 4), u(-1, 1, 2, 5, 4)]),
        ("transpose", "ij->ji", [u(-1, 1, 3, 4)]),
        ("transpose, implicit", "ba", [u(-1, 1, 2, 3)]),
        ("trace, implicit", "ii", [u(-1, 1, 4, 4)]),
        ("diagonal", "ii->i", [u(-1, 1, 4, 4)]),
        ("diagonal and product", "iij,jk->ik", [u(-1, 1, 3, 3, 4), u(-1, 1, 4, 2)]),
        ("outer", "i,j->ij", [u(-1, 1, 3), u(-1, 1, 4)]),
        ("dot, implicit", "i,i", [u(-1, 1, 5), u(-1, 1, 5)]),
        ("sum over an axis", "ijk->ik", [u(-1, 1, 2, 3, 4)]),
        ("sum of everything", "ij->", [u(-1, 1, 2, 3)]),
        ("ellipsis broadcasting", "...ij,...jk->...ik", [u(-1, 1, 2, 1, 3, 4), u(-1, 1, 3, 4, 2)]),
        ("ellipsis summed", "...ij->ij", [u(-1, 1, 2, 3, 4)]),
        ("ellipsis in the middle, implicit", "i...j,j", [u(-1, 1, 2, 3, 4), u(-1, 1, 4)]),
        ("index of size 1 broadcast", "ij,j->i", [u(-1, 1, 3, 4), u(-1, 1, 1)]),
        ("three operands", "ij,jk,kl->il", [u(-1, 1, 2, 3), u(-1, 1, 3, 4), u(-1, 1, 4, 5)]),
        ("three operands, implicit, a constant", "bi,bj,bk", [u(-1, 1, 3, 2), g.const(u(-1, 1, 3, 4)), u(-1, 1, 3, 2)]),
        ("bilinear form", "i,ij,j->", [u(-1, 1, 3), u(-1, 1, 3, 4), u(-1, 1, 4)]),
        ("upper case and repeated diagonal of three", "iiA->Ai", [u(-1, 1, 3, 3, 2)]),
    ]
    for name, subs, inputs in ein:
        g.case("Einsum/%s %s" % (subs, name), "Einsum", inputs, {"subscripts": subs})

    nz = g.nonzero
    for keep, op in [(False, "Norm"), (True, "NormKeepDims")]:
        g.case("%s/p 2 over everything" % op, op, [nz(0.1, 1, 3, 4)], {"p": 2})
        g.case("%s/p 2 over axis 1" % op, op, [nz(0.1, 1, 3, 4)], {"p": 2, "axes": [1]})
        g.case("%s/Frobenius over the last two axes" % op, op, [nz(0.1, 1, 2, 3, 4)], {"p": 2, "axes": [-2, -1]})
        g.case("%s/p 1 over axis 0" % op, op, [nz(0.1, 1, 3, 4)], {"p": 1, "axes": [0]})
        g.case("%s/p 3 over axes 0 and 2" % op, op, [nz(0.1, 1, 2, 3, 4)], {"p": 3, "axes": [0, 2]})
        g.case("%s/p 0.5 over axis 1" % op, op, [nz(0.1, 1, 3, 4)], {"p": 0.5, "axes": [1]})
        g.case("%s/p inf over axis 1" % op, op, [nz(0.1, 1, 3, 5)], {"p": "inf", "axes": [1]},
               check=g.no_ties(0))
        g.case("%s/p -inf over everything" % op, op, [nz(0.1, 1, 4, 3)], {"p": "-inf"}, check=g.no_ties(0))
        g.case("%s/p 0 counts nonzeros" % op, op, [g.values([1.5, 0, -2, 0, 0, 3], 2, 3)], {"p": 0, "axes": [1]})

    g.case("Dot/length 5", "Dot", [u(-1, 1, 5), u(-1, 1, 5)])
    g.case("Dot/length 1", "Dot", [u(-1, 1, 1), u(-1, 1, 1)])
    g.case("Dot/a constant", "Dot", [g.const(u(-1, 1, 4)), u(-1, 1, 4)])
    g.case("Outer/3 by 4", "Outer", [u(-1, 1, 3), u(-1, 1, 4)])
    g.case("Outer/1 by 5", "Outer", [u(-1, 1, 1), u(-1, 1, 5)])
    g.case("Outer/a constant", "Outer", [u(-1, 1, 2), g.const(u(-1, 1, 3))])
    g.case("Trace/square", "Trace", [u(-1, 1, 4, 4)])
    g.case("Trace/wide", "Trace", [u(-1, 1, 2, 5)])
    # No tall matrix: torch 1.13's trace backward steps through the flat
    # gradient by rows+1, right for a square or wide matrix only (a tall one
    # gets it off the diagonal). autograd/linalg_more_test.go checks one.
    g.case("Trace/wide, 3 by 4", "Trace", [u(-1, 1, 3, 4)])
