"""PyTorch reference of MultiheadAttention's options beyond mha.json:
the attention weights (need_weights=True, averaged over the heads or per
head) and keys and values of other widths (kdim, vdim), for
layers/attention_options_torch_test.go.

    /usr/bin/python3 layers/testdata/attention/gen_mha_options.py

writes mha_options.json next to this file, and torch_mha_kdim_vdim.safetensors,
the state_dict of the case "kdim 3, vdim 5, cross-attention, key padding,
2 heads" saved by PyTorch (with layers/testdata/interop/st.py), which the Go
test loads with layers.LoadFile.

Each case: torch.nn.MultiheadAttention (batch_first, float64) with random
weights (biases too, so that they are tested), inputs [N, L, E] and
[N, S, kdim], [N, S, vdim] (batch_first), the key padding mask [N, S]
(True = ignore, PyTorch's convention), causal as attn_mask triu(1) (True =
not allowed), the output and the weights of forward(need_weights=True,
average_attn_weights=average), W and WW, and the gradients of the inputs
and every parameter of sum(out * W) ("out_grads") and of
sum(out * W) + sum(weights * WW) ("all_grads")."""

import json
import os
import sys
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import st  # noqa: E402


def _t(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def case(name, n, lq, ls, e, heads, self_attn=False, padding=False, causal=False, bias=True,
         average=True, kdim=None, vdim=None, model_file=None):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    mha = torch.nn.MultiheadAttention(e, heads, bias=bias, batch_first=True, kdim=kdim, vdim=vdim,
                                      dtype=torch.float64)
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(torch.rand(p.shape, generator=g, dtype=torch.float64) - 0.5)
    kd, vd = kdim or e, vdim or e
    q = (2 * torch.rand(n, lq, e, generator=g, dtype=torch.float64) - 1).requires_grad_()
    if self_attn:
        k = v = q
    else:
        k = (2 * torch.rand(n, ls, kd, generator=g, dtype=torch.float64) - 1).requires_grad_()
        v = (2 * torch.rand(n, ls, vd, generator=g, dtype=torch.float64) - 1).requires_grad_()
    pad = None
    if padding:
        pad = torch.rand(n, ls, generator=g) < 0.3
        pad[:, 0] = False  # no query loses every key
    attn_mask = None
    if causal:
        attn_mask = torch.ones(lq, ls, dtype=torch.bool).triu(1)
    out, weights = mha(q, k, v, key_padding_mask=pad, attn_mask=attn_mask, need_weights=True,
                       average_attn_weights=average)
    w = 2 * torch.rand(out.shape, generator=g, dtype=torch.float64) - 1
    ww = 2 * torch.rand(weights.shape, generator=g, dtype=torch.float64) - 1
    named = list(mha.named_parameters())
    ins = [q] if self_attn else [q, k, v]
    wrt = ins + [p for _, p in named]

    def grads(loss):
        gs = torch.autograd.grad(loss, wrt, retain_graph=True)
        return {"inputs": [_t(gr) for gr in gs[:len(ins)]],
                "params": {nm: _t(gr) for (nm, _), gr in zip(named, gs[len(ins):])}}

    rec = {
        "name": name,
        "embed_dim": e,
        "num_heads": heads,
        "kdim": kd,
        "vdim": vd,
        "bias": bias,
        "self_attention": self_attn,
        "causal": causal,
        "average": average,
        "params": {nm: _t(p.detach()) for nm, p in named},
        "inputs": [_t(x.detach()) for x in ins],
        "output": _t(out.detach()),
        "weights": _t(weights.detach()),
        "grad_output": _t(w),
        "grad_weights": _t(ww),
        "out_grads": grads((out * w).sum()),
        "all_grads": grads((out * w).sum() + (weights * ww).sum()),
    }
    if pad is not None:
        rec["key_padding_mask"] = pad.reshape(-1).tolist()
    if model_file is not None:
        st.write(os.path.join(HERE, model_file), {k: t.detach() for k, t in mha.state_dict().items()},
                 {"format": "pt"})
        rec["model_file"] = model_file
    return rec


def cases():
    return [
        case("weights averaged, self-attention, key padding, 2 heads", 2, 4, 4, 6, 2,
             self_attn=True, padding=True),
        case("weights per head, cross-attention, causal and key padding, 3 heads, L 3 != S 5", 2, 3, 5, 6, 3,
             padding=True, causal=True, average=False),
        case("weights averaged, self-attention, causal, no biases, 1 head", 3, 5, 5, 4, 1,
             self_attn=True, causal=True, bias=False),
        case("weights per head, self-attention, causal, 2 heads", 2, 5, 5, 4, 2,
             self_attn=True, causal=True, average=False),
        case("kdim 3, vdim 5, cross-attention, key padding, 2 heads", 2, 3, 4, 4, 2,
             padding=True, kdim=3, vdim=5, model_file="torch_mha_kdim_vdim.safetensors"),
        case("kdim 4 = E, vdim 7, causal, weights per head, 2 heads, L 3 != S 4", 2, 3, 4, 4, 2,
             causal=True, average=False, kdim=4, vdim=7),
        case("kdim 5, vdim 2, no biases, 3 heads, causal and key padding", 3, 4, 4, 6, 3,
             padding=True, causal=True, bias=False, kdim=5, vdim=2),
    ]


def main():
    torch.set_num_threads(1)
    out = os.path.join(HERE, "mha_options.json")
    cs = cases()
    dump = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), allow_nan=False)
    lines = ["{", '"cases":[']
    lines += [dump(c) + ("," if i < len(cs) - 1 else "") for i, c in enumerate(cs)]
    lines += ["],", '"generator":"layers/testdata/attention/gen_mha_options.py",',
              '"torch_version":' + dump(torch.__version__), "}"]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s: torch %s" % (out, torch.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()
