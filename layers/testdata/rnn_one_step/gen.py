#!/usr/bin/python3
"""PyTorch reference for TestRecurrentOneStepAdamW (layers/rnn_one_step_test.go):
two AdamW steps of nn.RNN, nn.LSTM and nn.GRU on a sequence of one time
step with no initial state. h0 is then zero, so the gradient of every
weight_hh is zero, but torch gives it one (zeros, not None): AdamW decays
the weight and counts the step.

Run it with Debian's system Python, which has torch (apt-get install
python3-torch):

    /usr/bin/python3 layers/testdata/rnn_one_step/gen.py          # rewrite one_step.json
    /usr/bin/python3 layers/testdata/rnn_one_step/gen.py --check  # exit 1 if it is stale

Each case, in float64: the module from manual_seed(0), its input x
[L=1, N=3, 2] (batch-first [3, 1, 2] when so configured), the loss
mean(out²) + mean(h_n²) (+ mean(c_n²) for LSTM), AdamW(lr=0.1) with its
default weight decay 0.01, two steps. The file records the input, the
initial state_dict and the state_dict after the two steps; floats are
Python's repr, which round-trips float64 exactly.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "one_step.json")

CASES = [
    {"name": "rnn_tanh_2layers_bidirectional", "kind": "rnn", "num_layers": 2, "bidirectional": True,
     "batch_first": False, "nonlinearity": "tanh"},
    {"name": "rnn_relu_batch_first", "kind": "rnn", "num_layers": 1, "bidirectional": False,
     "batch_first": True, "nonlinearity": "relu"},
    {"name": "lstm_2layers_bidirectional", "kind": "lstm", "num_layers": 2, "bidirectional": True,
     "batch_first": False},
    {"name": "gru_bidirectional", "kind": "gru", "num_layers": 1, "bidirectional": True,
     "batch_first": False},
]
IN, HIDDEN, N = 2, 3, 3
LR, STEPS = 0.1, 2


def state(m):
    return {k: {"shape": list(v.shape), "data": v.flatten().tolist()} for k, v in m.state_dict().items()}


def run(case):
    torch.manual_seed(0)
    kw = dict(num_layers=case["num_layers"], bidirectional=case["bidirectional"], batch_first=case["batch_first"])
    if case["kind"] == "rnn":
        m = nn.RNN(IN, HIDDEN, nonlinearity=case["nonlinearity"], **kw)
    elif case["kind"] == "lstm":
        m = nn.LSTM(IN, HIDDEN, **kw)
    else:
        m = nn.GRU(IN, HIDDEN, **kw)
    m = m.double()
    shape = (N, 1, IN) if case["batch_first"] else (1, N, IN)
    x = torch.rand(*shape, dtype=torch.float64) * 2 - 1
    initial = state(m)
    opt = torch.optim.AdamW(m.parameters(), lr=LR)
    for _ in range(STEPS):
        opt.zero_grad()
        out, hn = m(x)
        if case["kind"] == "lstm":
            hn, cn = hn
            loss = out.pow(2).mean() + hn.pow(2).mean() + cn.pow(2).mean()
        else:
            loss = out.pow(2).mean() + hn.pow(2).mean()
        loss.backward()
        assert all(p.grad is not None for p in m.parameters())
        opt.step()
    return dict(case, x={"shape": list(x.shape), "data": x.flatten().tolist()}, initial=initial, final=state(m))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    doc = {"torch": torch.__version__, "input_size": IN, "hidden_size": HIDDEN, "lr": LR, "steps": STEPS,
           "cases": [run(c) for c in CASES]}
    text = json.dumps(doc, indent=1) + "\n"
    if args.check:
        with open(OUT) as f:
            if f.read() != text:
                print("one_step.json is stale", file=sys.stderr)
                sys.exit(1)
        return
    with open(OUT, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
