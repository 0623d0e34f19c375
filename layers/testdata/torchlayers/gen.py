#!/usr/bin/python3
"""Generate PyTorch reference values for Adjoint's layers (package layers).

Run it with Debian's system Python, which has torch (apt-get install
python3-torch); a pyenv or virtualenv python3 without torch will not do:

    /usr/bin/python3 layers/testdata/torchlayers/gen.py          # rewrite torchlayers.json
    /usr/bin/python3 layers/testdata/torchlayers/gen.py --check  # exit 1 if it is stale

Each case is a torch.nn module (or a small nn.Sequential of them) with its
state_dict, and a few steps. A step runs the module in training or
evaluation mode on an input, and records, in float64:

  output        the module's result;
  grad_output   G, a fixed random weight of the output's shape;
  grads         d/d(input) and d/d(parameter) of sum(output * G), by the
                state_dict name of each parameter (input: null when the
                input is a tensor of ids);
  buffers       every buffer after the step (running_mean, running_var), by
                state_dict name; num_batches_tracked is left out, as Adjoint
                keeps it outside the state.

layers/torchlayers_test.go builds the same module with Adjoint, loads the
state by name through NamedParameters and NamedBuffers (so the names are
checked too), replays the steps and compares; it needs no Python. Values are
written with Python's float repr, which round-trips float64 exactly. Each
case draws from its own generator seeded with the CRC-32 of its name; torch
runs on one thread; keys are sorted, so the output is deterministic.
"""

import argparse
import json
import os
import sys
import zlib

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "torchlayers.json")


def enc(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def randomize(module, g):
    """Give every parameter and float buffer random values (buffers that are
    variances stay positive), so that no test passes by a default."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.rand(p.shape, generator=g) * 2 - 1)
        for name, b in module.named_buffers():
            if not b.is_floating_point():
                continue
            if name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
            else:
                b.copy_(torch.rand(b.shape, generator=g) * 2 - 1)


def state(module):
    """The state_dict without num_batches_tracked, split into parameters and
    buffers."""
    params = {n: enc(p) for n, p in module.named_parameters()}
    bufs = {n: enc(b) for n, b in module.named_buffers() if not n.endswith("num_batches_tracked")}
    return params, bufs


def run(name, module, config, inputs, randomize_state=True, ids=False):
    """inputs: a list of (training, input tensor) steps."""
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    if randomize_state:
        randomize(module, g)
    params, bufs = state(module)
    steps = []
    for training, make in inputs:
        x = make(g)
        module.train(training)
        if ids:
            out = module(x.long())
        else:
            x = x.clone().requires_grad_(True)
            out = module(x)
        G = torch.rand(out.shape, generator=g) * 2 - 1
        module.zero_grad()
        (out * G).sum().backward()
        grads = {n: enc(p.grad) for n, p in module.named_parameters()}
        _, after = state(module)
        steps.append({
            "training": training,
            "input": enc(x),
            "output": enc(out),
            "grad_output": enc(G),
            "input_grad": None if ids else enc(x.grad),
            "grads": grads,
            "buffers": after,
        })
    return {"name": name, "config": config, "params": params, "buffers": bufs, "steps": steps}


def uniform(*shape, lo=-2.0, hi=2.0):
    return lambda g: lo + (hi - lo) * torch.rand(shape, generator=g)


def shifted(*shape, scale, shift):
    return lambda g: (torch.rand(shape, generator=g) * 2 - 1) * scale + shift


def ids(*shape, num):
    return lambda g: torch.randint(0, num, shape, generator=g).to(torch.float64)


def cases():
    out = []
    # BatchNorm1d on [N, C] and [N, C, L]: three training steps with batches
    # of different location and scale, then two evaluation steps.
    for shape, label in (((6, 3), "2d"), ((3, 2, 4), "3d")):
        steps = [(True, shifted(*shape, scale=s, shift=m)) for s, m in ((1, 0), (3, 2), (0.5, -1))]
        steps += [(False, uniform(*shape)), (False, uniform(*shape))]
        out.append(run("batchnorm1d_" + label, nn.BatchNorm1d(shape[1]),
                       {"kind": "batchnorm1d", "num": shape[1]}, steps))
    out.append(run("batchnorm1d_momentum", nn.BatchNorm1d(2, eps=1e-3, momentum=0.5),
                   {"kind": "batchnorm1d", "num": 2, "eps": 1e-3, "momentum": 0.5},
                   [(True, uniform(5, 2)), (True, uniform(5, 2)), (False, uniform(2, 2))]))
    # LayerNorm over the last axis and the last two.
    out.append(run("layernorm_last", nn.LayerNorm(5), {"kind": "layernorm", "shape": [5]},
                   [(True, uniform(3, 5))]))
    out.append(run("layernorm_two_axes", nn.LayerNorm([3, 4]), {"kind": "layernorm", "shape": [3, 4]},
                   [(True, uniform(2, 3, 4)), (False, uniform(1, 3, 4))]))
    # Conv2d with stride, padding, dilation; and without bias.
    out.append(run("conv2d_options", nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2)),
                   {"kind": "conv2d", "in": 2, "out": 3, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 1], "dilation": [1, 2]},
                   [(True, uniform(2, 2, 6, 5))]))
    out.append(run("conv2d_nobias", nn.Conv2d(1, 2, 3, bias=False),
                   {"kind": "conv2d", "in": 1, "out": 2, "kernel": [3, 3], "bias": False},
                   [(True, uniform(1, 1, 5, 4))]))
    # Pooling.
    out.append(run("maxpool2d", nn.MaxPool2d(3, stride=2, padding=1), {"kind": "maxpool2d", "kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]},
                   [(True, uniform(2, 2, 5, 6))]))
    out.append(run("avgpool2d", nn.AvgPool2d((2, 3), stride=(1, 2), padding=(1, 1)), {"kind": "avgpool2d", "kernel": [2, 3], "stride": [1, 2], "padding": [1, 1]},
                   [(True, uniform(1, 2, 4, 5))]))
    # Embedding with repeated ids, on [batch, seq].
    out.append(run("embedding", nn.Embedding(5, 3), {"kind": "embedding", "num": 5, "dim": 3},
                   [(True, ids(3, 4, num=5))], ids=True))
    # A network whose state_dict names Adjoint must reproduce: Sequential
    # positions, nested, with buffers.
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(),
                        nn.Sequential(nn.Linear(6, 5), nn.LayerNorm(5), nn.GELU()), nn.Linear(5, 2))
    out.append(run("sequential", net, {"kind": "sequential"},
                   [(True, uniform(8, 4)), (True, uniform(8, 4)), (False, uniform(3, 4))]))
    # Activations, elementwise and along an axis.
    for label, mod, cfg in (
        ("leakyrelu", nn.LeakyReLU(0.1), {"kind": "leakyrelu", "slope": 0.1}),
        ("elu", nn.ELU(0.7), {"kind": "elu", "alpha": 0.7}),
        ("gelu", nn.GELU(), {"kind": "gelu"}),
        ("gelu_tanh", nn.GELU(approximate="tanh"), {"kind": "gelu_tanh"}),
        ("silu", nn.SiLU(), {"kind": "silu"}),
        ("softplus", nn.Softplus(), {"kind": "softplus"}),
        ("softmax", nn.Softmax(dim=-1), {"kind": "softmax", "axis": -1}),
        ("logsoftmax", nn.LogSoftmax(dim=1), {"kind": "logsoftmax", "axis": 1}),
    ):
        out.append(run("act_" + label, mod, cfg, [(True, uniform(3, 4, lo=-4, hi=4))]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", default=DEFAULT_OUT, help="output file ('-' for stdout)")
    ap.add_argument("--check", action="store_true", help="exit 1 if the output file is stale")
    args = ap.parse_args()
    text = json.dumps({"torch": torch.__version__, "cases": cases()}, sort_keys=True, separators=(",", ":"))
    text = text.replace('{"buffers"', '\n{"buffers"') + "\n"  # a line per case and step
    if args.check:
        with open(args.out) as f:
            if f.read() != text:
                print(args.out + " is stale: rerun gen.py", file=sys.stderr)
                sys.exit(1)
        return
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
