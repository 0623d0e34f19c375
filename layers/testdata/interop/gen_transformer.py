"""Interop cases for nn.TransformerEncoderLayer and nn.TransformerEncoder
(batch_first), family "transformer": see gen.py. The Go side is
layers/interop_transformer_test.go.

Post-LN and pre-LN (norm_first), ReLU and GELU, a causal src_mask (bool,
True above the diagonal: not allowed) and a src_key_padding_mask (True:
ignore that position), dropout 0 in training mode or dropout > 0 in
evaluation mode (so that the results are deterministic). The decoder-only
(GPT-style) block is nn.TransformerEncoderLayer with the causal mask, built
on the Go side with layers.NewDecoderBlock; the stack is nn.TransformerEncoder
with a final LayerNorm.

tied_lm_head is weight tying as GPT-2 does it: an nn.Linear output
projection whose weight is the nn.Embedding's (lm_head.weight =
wte.weight), whose state_dict carries the one tensor under both names; the
Go side is layers.TiedOutput. Its forward returns the logits of the input
hidden states and the embedding of fixed ids, so the shared weight's
gradient sums both uses."""

import torch
import torch.nn as nn


def causal_mask(n):
    return torch.ones(n, n, dtype=torch.bool).triu(1)


def encode(causal=False, padding=None):
    """forward of a layer or a stack: src, then the masks of the config."""
    def forward(m, inputs):
        x = inputs[0]
        mask = causal_mask(x.shape[1]) if causal else None
        pad = None if padding is None else torch.tensor(padding)
        if isinstance(m, nn.TransformerEncoder):
            return [m(x, mask=mask, src_key_padding_mask=pad)]
        return [m(x, src_mask=mask, src_key_padding_mask=pad)]
    return forward


def layer(d, heads, ff, dropout=0.0, activation="relu", eps=1e-5, norm_first=False):
    return lambda: nn.TransformerEncoderLayer(d, heads, dim_feedforward=ff, dropout=dropout, activation=activation,
                                              layer_norm_eps=eps, batch_first=True, norm_first=norm_first)


def config(d, heads, ff, dropout=0.0, activation="relu", eps=1e-5, norm_first=False, **extra):
    c = {"d_model": d, "nhead": heads, "dim_feedforward": ff, "dropout": dropout, "activation": activation,
         "layer_norm_eps": eps, "norm_first": norm_first}
    c.update(extra)
    return c


PAD = [[False, False, False, True, True], [False, False, False, False, True]]


IDS = [[1, 4, 0], [3, 3, 2]]


class TiedLM(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.lm_head = nn.Linear(dim, vocab)
        self.lm_head.weight = self.wte.weight


def tied_forward(m, inputs):
    return [m.lm_head(inputs[0]), m.wte(torch.tensor(IDS))]


def cases():
    return [
        {"name": "encoder_postln_relu_padding",
         "config": config(8, 2, 12, key_padding_mask=PAD),
         "module": layer(8, 2, 12),
         "inputs": lambda g: [torch.randn(2, 5, 8, generator=g)],
         "forward": encode(padding=PAD),
         "training": True},
        {"name": "encoder_preln_gelu_causal",
         "config": config(8, 4, 16, activation="gelu", eps=1e-6, norm_first=True, causal=True),
         "module": layer(8, 4, 16, activation="gelu", eps=1e-6, norm_first=True),
         "inputs": lambda g: [torch.randn(3, 4, 8, generator=g)],
         "forward": encode(causal=True),
         "training": True},
        {"name": "encoder_postln_gelu_causal_padding_eval",
         "config": config(6, 3, 10, dropout=0.2, activation="gelu", causal=True, key_padding_mask=PAD),
         "module": layer(6, 3, 10, dropout=0.2, activation="gelu"),
         "inputs": lambda g: [torch.randn(2, 5, 6, generator=g)],
         "forward": encode(causal=True, padding=PAD),
         "dtype": "F32"},
        {"name": "encoder_preln_relu_padding_eval",
         "config": config(4, 1, 6, dropout=0.1, norm_first=True, key_padding_mask=PAD),
         "module": layer(4, 1, 6, dropout=0.1, norm_first=True),
         "inputs": lambda g: [torch.randn(2, 5, 4, generator=g)],
         "forward": encode(padding=PAD)},
        {"name": "decoder_block_gpt",
         "config": config(8, 2, 32, activation="gelu", norm_first=True, decoder=True),
         "module": layer(8, 2, 32, activation="gelu", norm_first=True),
         "inputs": lambda g: [torch.randn(2, 6, 8, generator=g)],
         "forward": encode(causal=True),
         "training": True},
        {"name": "encoder_stack_causal_norm",
         "config": config(8, 2, 16, activation="gelu", norm_first=True, causal=True, num_layers=2, final_norm=True),
         "module": lambda: nn.TransformerEncoder(layer(8, 2, 16, activation="gelu", norm_first=True)(), 2,
                                                 norm=nn.LayerNorm(8), enable_nested_tensor=False),
         "inputs": lambda g: [torch.randn(2, 4, 8, generator=g)],
         "forward": encode(causal=True),
         "training": True},
        {"name": "tied_lm_head",
         "config": {"tied": True, "vocab": 5, "d_model": 4, "ids": IDS},
         "module": lambda: TiedLM(5, 4),
         "inputs": lambda g: [torch.randn(2, 3, 4, generator=g)],
         "forward": tied_forward,
         "training": True},
    ]
