"""PyTorch reference cases of ScaledDotProductAttention, ScaledDotProductAttentionWith
and PackedSelfAttention (optable_attention.go):
torchref_attention.json. Loaded by gen.py (see its family_modules).

torch 1.13 has no F.scaled_dot_product_attention, so the reference is its
definition, softmax(q @ k^T / sqrt(D) + M) @ v, with M = -inf where a key is
masked out: the boolean mask keeps a key where it is True (PyTorch's
convention for the attn_mask of F.scaled_dot_product_attention), and causal
keeps key j for query i when j <= i (the top-left aligned lower triangle of
PyTorch's is_causal).

Run on its own, this script also writes the reference of layers'
MultiheadAttention against torch.nn.MultiheadAttention:
    /usr/bin/python3 autograd/testdata/torchref/gen_attention.py
writes layers/testdata/attention/mha.json (see mha_cases below)."""

import json
import math
import os
import sys
import zlib

import torch
import torch.nn.functional as F


def _keep(q, k, p):
    """The keep mask of a case (None: every key), broadcast against the
    scores [..., Lq, Lk]."""
    keep = None
    if "mask" in p:
        keep = torch.tensor(p["mask"], dtype=torch.bool).reshape(p["mask_shape"])
    if p.get("causal"):
        lq, lk = q.shape[-2], k.shape[-2]
        tri = torch.ones(lq, lk, dtype=torch.bool).tril()
        keep = tri if keep is None else keep & tri
    return keep


def _sdpa(x, p):
    q, k, v = x
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    keep = _keep(q, k, p)
    if keep is not None:
        s = s.masked_fill(~keep, -math.inf)
    return torch.softmax(s, -1) @ v


def _sdpa_with(x, p):
    """Attention with dropout p under the fixed keep mask of the case
    ("keep", of the scores' shape): softmax(...) * keep / (1 - p) @ v,
    torch's dropout with that mask."""
    q, k, v = x
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    keep = _keep(q, k, p)
    if keep is not None:
        s = s.masked_fill(~keep, -math.inf)
    a = torch.softmax(s, -1)
    if p.get("dropout", 0) > 0:
        drop_keep = torch.tensor(p["keep"], dtype=torch.bool).reshape(s.shape)
        a = a * drop_keep / (1 - p["dropout"])
    return a @ v


def _packed(x, p):
    """PackedSelfAttention: qkv [N, L, 3E] or [N*L, 3E] split into q, k and
    v, each reshaped to [N, L, heads, E/heads] and permuted to
    [N, heads, L, E/heads], attended as _sdpa_with, and the heads joined
    back into qkv's rows: the unfused multi-head self-attention."""
    qkv = x[0]
    n, h = p["batch"], p["heads"]
    e = qkv.shape[-1] // 3
    flat = qkv.reshape(-1, 3 * e)
    l = flat.shape[0] // n
    heads = [t.reshape(n, l, h, e // h).permute(0, 2, 1, 3) for t in flat.split(e, dim=1)]
    a = _sdpa_with(heads, p)
    return a.permute(0, 2, 1, 3).reshape(*qkv.shape[:-1], e)


OPS = {"ScaledDotProductAttention": _sdpa, "ScaledDotProductAttentionWith": _sdpa_with,
       "PackedSelfAttention": _packed}


def _mask(seed, shape, density=0.7, keep_first=True):
    """A random keep mask of the given shape, key 0 always kept so that no
    query has every key masked out (a NaN row)."""
    gen = torch.Generator().manual_seed(zlib.crc32(repr(shape).encode()) + seed)
    m = torch.rand(shape, generator=gen) < density
    if keep_first:
        m[..., 0] = True
    return m.reshape(-1).tolist()


def build_cases(g):
    u = g.uniform
    op = "ScaledDotProductAttention"
    g.case(op + "/2-D, Lq 3, Lk 5, Dv 2", op, [u(-1, 1, 3, 4), u(-1, 1, 5, 4), u(-1, 1, 5, 2)])
    g.case(op + "/causal, batch 2, heads 3, L 4", op,
           [u(-1, 1, 2, 3, 4, 3), u(-1, 1, 2, 3, 4, 3), u(-1, 1, 2, 3, 4, 5)], {"causal": True})
    g.case(op + "/key-padding mask [2 1 1 5] broadcast over heads and queries, Lq 3 != Lk 5", op,
           [u(-2, 2, 2, 2, 3, 4), u(-2, 2, 2, 2, 5, 4), u(-1, 1, 2, 2, 5, 3)],
           {"mask": _mask(1, [2, 1, 1, 5]), "mask_shape": [2, 1, 1, 5]})
    g.case(op + "/causal and a mask [3 6] shared by the batch, Lq 3 < Lk 6", op,
           [u(-1, 1, 2, 3, 2), u(-1, 1, 2, 6, 2), u(-1, 1, 2, 6, 4)],
           {"mask": _mask(2, [3, 6]), "mask_shape": [3, 6], "causal": True})
    g.case(op + "/a constant value, Lq 5 > Lk 2, 3 heads", op,
           [u(-1, 1, 3, 5, 4), u(-1, 1, 3, 2, 4), g.const(u(-1, 1, 3, 2, 4))])
    g.case(op + "/large scores, a full [2 4 4] mask", op,
           [u(-6, 6, 2, 4, 8), u(-6, 6, 2, 4, 8), u(-1, 1, 2, 4, 3)],
           {"mask": _mask(3, [2, 4, 4], 0.5), "mask_shape": [2, 4, 4]})

    op = "ScaledDotProductAttentionWith"
    g.case(op + "/dropout 0.25, fixed mask, 2-D, Lq 3, Lk 5", op,
           [u(-1, 1, 3, 4), u(-1, 1, 5, 4), u(-1, 1, 5, 2)],
           {"dropout": 0.25, "keep": _mask(4, [3, 5], 0.75, keep_first=False)})
    g.case(op + "/dropout 0.5, causal, key padding [2 1 1 5], heads 2, Lq 5", op,
           [u(-2, 2, 2, 2, 5, 3), u(-2, 2, 2, 2, 5, 3), u(-1, 1, 2, 2, 5, 4)],
           {"dropout": 0.5, "keep": _mask(5, [2, 2, 5, 5], 0.5, keep_first=False), "causal": True,
            "mask": _mask(6, [2, 1, 1, 5]), "mask_shape": [2, 1, 1, 5]})
    g.case(op + "/dropout 0 is the plain attention, batch 3, Lq 4 > Lk 2", op,
           [u(-1, 1, 3, 4, 2), u(-1, 1, 3, 2, 2), u(-1, 1, 3, 2, 3)], {"dropout": 0.0})
    g.case(op + "/dropout 0.1, a constant value, Lq 2, Lk 6", op,
           [u(-1, 1, 2, 2, 4), u(-1, 1, 2, 6, 4), g.const(u(-1, 1, 2, 6, 3))],
           {"dropout": 0.1, "keep": _mask(7, [2, 2, 6], 0.9, keep_first=False)})

    op = "PackedSelfAttention"
    g.case(op + "/[N*L 3E], 2 sequences of 4, E 6 in 2 heads", op, [u(-1, 1, 8, 18)], {"batch": 2, "heads": 2})
    g.case(op + "/causal, [N L 3E], 3 sequences of 5, E 8 in 4 heads", op, [u(-2, 2, 3, 5, 24)],
           {"batch": 3, "heads": 4, "causal": True})
    g.case(op + "/key padding [2 1 1 5], causal, dropout 0.5 under a fixed mask, E 4 in 2 heads", op,
           [u(-1, 1, 2, 5, 12)],
           {"batch": 2, "heads": 2, "causal": True, "mask": _mask(8, [2, 1, 1, 5]), "mask_shape": [2, 1, 1, 5],
            "dropout": 0.5, "keep": _mask(9, [2, 2, 5, 5], 0.5, keep_first=False)})
    g.case(op + "/one sequence of 3, one head", op, [u(-1, 1, 3, 6)], {"batch": 1, "heads": 1})


# ---------------------------------------------------------------------------
# nn.MultiheadAttention, for layers/attention_torch_test.go.


def _t(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def mha_case(name, n, lq, ls, e, heads, self_attn, padding, causal, bias=True):
    """One MultiheadAttention case: the module's weights (its state_dict,
    drawn at random, biases too, so that they are tested), the inputs
    [N, L, E] (batch_first), the key-padding mask [N, S] (True = ignore,
    PyTorch's convention), the output, W, and the gradients of
    sum(out * W) for the inputs and every parameter."""
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    mha = torch.nn.MultiheadAttention(e, heads, bias=bias, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(torch.rand(p.shape, generator=g, dtype=torch.float64) - 0.5)
    q = (2 * torch.rand(n, lq, e, generator=g, dtype=torch.float64) - 1).requires_grad_()
    if self_attn:
        k = v = q
    else:
        k = (2 * torch.rand(n, ls, e, generator=g, dtype=torch.float64) - 1).requires_grad_()
        v = (2 * torch.rand(n, ls, e, generator=g, dtype=torch.float64) - 1).requires_grad_()
    pad = None
    if padding:
        pad = torch.rand(n, ls, generator=g) < 0.3
        pad[:, 0] = False  # no query loses every key
    attn_mask = None
    if causal:
        attn_mask = torch.ones(lq, ls, dtype=torch.bool).triu(1)  # True = not allowed, MHA's convention
    out, _ = mha(q, k, v, key_padding_mask=pad, need_weights=False, attn_mask=attn_mask)
    w = 2 * torch.rand(out.shape, generator=g, dtype=torch.float64) - 1
    named = list(mha.named_parameters())
    ins = [q] if self_attn else [q, k, v]
    grads = torch.autograd.grad((out * w).sum(), ins + [p for _, p in named])
    rec = {
        "name": name,
        "embed_dim": e,
        "num_heads": heads,
        "bias": bias,
        "self_attention": self_attn,
        "causal": causal,
        "params": {nm: _t(p.detach()) for nm, p in named},
        "inputs": [_t(x.detach()) for x in ins],
        "output": _t(out.detach()),
        "grad_output": _t(w),
        "input_grads": [_t(gr) for gr in grads[:len(ins)]],
        "param_grads": {nm: _t(gr) for (nm, _), gr in zip(named, grads[len(ins):])},
    }
    if pad is not None:
        rec["key_padding_mask"] = pad.reshape(-1).tolist()
    return rec


def mha_cases():
    return [
        mha_case("self-attention, 2 heads, key padding", 2, 4, 4, 6, 2, True, True, False),
        mha_case("cross-attention, 3 heads, Lq 3 != S 5", 2, 3, 5, 6, 3, False, False, False),
        mha_case("self-attention, causal, 1 head", 3, 5, 5, 4, 1, True, False, True),
        mha_case("cross-attention, causal and key padding, 2 heads", 2, 3, 4, 4, 2, False, True, True),
        mha_case("self-attention without biases, 2 heads", 1, 3, 3, 4, 2, True, False, False, bias=False),
    ]


def main():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "..", "..", "layers", "testdata", "attention", "mha.json")
    out = os.path.normpath(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cases = mha_cases()
    lines = ["{", '"cases":[']
    dump = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), allow_nan=False)
    lines += [dump(c) + ("," if i < len(cases) - 1 else "") for i, c in enumerate(cases)]
    lines += ["],", '"generator":"autograd/testdata/torchref/gen_attention.py",',
              '"torch_version":' + dump(torch.__version__), "}"]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s: torch %s" % (out, torch.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()
