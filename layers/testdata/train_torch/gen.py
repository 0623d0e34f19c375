#!/usr/bin/python3
"""PyTorch reference for layers/train_torch_test.go: eight training steps of
a small 1-D CNN text classifier that uses this package's newer pieces
together, so that their composition, not only each one, is held to torch.

Run it with Debian's system Python, which has torch (apt-get install
python3-torch):

    /usr/bin/python3 layers/testdata/train_torch/gen.py          # rewrite train.json
    /usr/bin/python3 layers/testdata/train_torch/gen.py --check  # exit 1 if it is stale

The model, in float64: Embedding(20, 8, padding_idx=0) -> permute to NCL
-> Conv1d(8, 6, 3, padding=1, padding_mode="reflect") -> PReLU(6, 0.25) ->
MaxPool1d(2) -> Conv1d(6, 4, 3, padding=1, padding_mode="circular") ->
Tanhshrink -> AvgPool1d(2, ceil_mode=True) -> flatten -> Linear(4*3, 3) ->
cross-entropy (mean), on a batch of 4 sequences of 11 token ids with padding
(id 0) at their ends; Adagrad(lr=0.1, lr_decay=0.01,
initial_accumulator_value=0.1, weight_decay=0.01) under
OneCycleLR(max_lr=0.1, total_steps=8, cycle_momentum=False), stepped after
every optimizer step.

The file records the initial state_dict (torch's initialisation from
manual_seed(0), the padding row zero), the batch, the loss before each
step, the learning rate of each step, and the state_dict after the eight
steps. Floats are Python's repr, which round-trips float64 exactly.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "train.json")

IDS = [[3, 7, 1, 9, 12, 5, 0, 0, 0, 0, 0],
       [19, 2, 2, 8, 4, 11, 13, 6, 0, 0, 0],
       [10, 14, 15, 1, 3, 3, 7, 17, 18, 16, 0],
       [5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]]
LABELS = [0, 2, 1, 2]
STEPS = 8


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8, padding_idx=0)
        self.conv1 = nn.Conv1d(8, 6, 3, padding=1, padding_mode="reflect")
        self.act = nn.PReLU(6, 0.25)
        self.conv2 = nn.Conv1d(6, 4, 3, padding=1, padding_mode="circular")
        self.fc = nn.Linear(4 * 3, 3)

    def forward(self, ids):
        h = self.emb(ids).permute(0, 2, 1)
        h = F.max_pool1d(self.act(self.conv1(h)), 2)
        h = F.avg_pool1d(F.tanhshrink(self.conv2(h)), 2, ceil_mode=True)
        return self.fc(h.flatten(1))


def state(net):
    return {k: {"shape": list(v.shape), "data": [float(x) for x in v.flatten()]}
            for k, v in net.state_dict().items()}


def generate():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    net = Net()
    initial = state(net)
    opt = torch.optim.Adagrad(net.parameters(), lr=0.1, lr_decay=0.01,
                              initial_accumulator_value=0.1, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=STEPS, cycle_momentum=False)
    ids, labels = torch.tensor(IDS), torch.tensor(LABELS)
    losses, lrs = [], []
    for _ in range(STEPS):
        lrs.append(opt.param_groups[0]["lr"])
        loss = F.cross_entropy(net(ids), labels)
        losses.append(float(loss))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if len(lrs) < STEPS:
            sched.step()
    assert all(x == 0 for x in net.emb.weight[0].tolist()), "the padding row moved"
    ref = {"generator": "layers/testdata/train_torch/gen.py", "torch_version": torch.__version__,
           "ids": IDS, "labels": LABELS, "steps": STEPS, "initial": initial,
           "losses": losses, "lrs": lrs, "final": state(net)}
    return json.dumps(ref, indent=1, sort_keys=True) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="exit 1 if train.json is stale")
    a = ap.parse_args()
    text = generate()
    if a.check:
        with open(OUT) as f:
            if f.read() != text:
                sys.exit(OUT + " is stale: rerun " + sys.argv[0])
        return
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
