"""Interop cases for nn.BatchNorm2d and nn.GroupNorm: see gen.py."""

import torch
import torch.nn as nn


def one(m, inputs):
    return [m(inputs[0])]


def randomized(make):
    """A module whose affine parameters and running statistics are not the
    defaults (1, 0, 0, 1), so that a file that failed to load shows."""
    def build():
        m = make()
        with torch.no_grad():
            for p in m.parameters():
                p.uniform_(-1.5, 1.5)
            for n, b in m.named_buffers():
                if n.endswith("running_var"):
                    b.uniform_(0.5, 2)
                elif n.endswith("running_mean"):
                    b.uniform_(-1, 1)
        return m
    return build


def cases():
    return [
        {"name": "batchnorm2d_train",
         "config": {"kind": "batchnorm2d", "channels": 3},
         "module": randomized(lambda: nn.BatchNorm2d(3)),
         "inputs": lambda g: [torch.randn(4, 3, 5, 2, generator=g) * 2 + 1],
         "forward": one, "training": True},
        {"name": "batchnorm2d_eval",
         "config": {"kind": "batchnorm2d", "channels": 2},
         "module": randomized(lambda: nn.BatchNorm2d(2)),
         "inputs": lambda g: [torch.randn(3, 2, 3, 3, generator=g)],
         "forward": one, "dtype": "F32"},
        {"name": "groupnorm",
         "config": {"kind": "groupnorm", "groups": 2, "channels": 4},
         "module": randomized(lambda: nn.GroupNorm(2, 4)),
         "inputs": lambda g: [torch.randn(2, 4, 3, 2, generator=g)],
         "forward": one},
    ]
