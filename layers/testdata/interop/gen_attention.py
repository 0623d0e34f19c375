"""Interop cases for nn.MultiheadAttention (batch_first): see gen.py."""

import torch
import torch.nn as nn


def mha(query, key_value=None, causal=False, padding=None):
    """forward for self-attention (key_value None) or cross-attention."""
    def forward(m, inputs):
        q = inputs[0]
        k = v = q if key_value is None else inputs[1]
        mask = None
        if causal:
            L, S = q.shape[1], k.shape[1]
            mask = torch.ones(L, S, dtype=torch.bool).triu(1)
        pad = None if padding is None else torch.tensor(padding)
        out, _ = m(q, k, v, key_padding_mask=pad, attn_mask=mask, need_weights=False)
        return [out]
    return forward


def cases():
    return [
        {"name": "mha_self_causal",
         "config": {"embed_dim": 8, "num_heads": 2, "causal": True},
         "module": lambda: nn.MultiheadAttention(8, 2, batch_first=True),
         "inputs": lambda g: [torch.randn(2, 5, 8, generator=g)],
         "forward": mha(None, causal=True)},
        {"name": "mha_cross_padding",
         "config": {"embed_dim": 6, "num_heads": 3, "cross": True,
                    "key_padding_mask": [[False, False, True, True], [False, False, False, True]]},
         "module": lambda: nn.MultiheadAttention(6, 3, batch_first=True),
         "inputs": lambda g: [torch.randn(2, 3, 6, generator=g), torch.randn(2, 4, 6, generator=g)],
         "forward": mha(None, key_value=True,
                        padding=[[False, False, True, True], [False, False, False, True]]),
         "dtype": "F32"},
        {"name": "mha_nobias",
         "config": {"embed_dim": 4, "num_heads": 1, "bias": False},
         "module": lambda: nn.MultiheadAttention(4, 1, bias=False, batch_first=True),
         "inputs": lambda g: [torch.randn(3, 4, 4, generator=g)],
         "forward": mha(None)},
    ]
