"""The seq_transformer workload in PyTorch: the GPT block of
bench/transformer_test.go (BenchmarkTransformerBlockStep) built from
nn.TransformerEncoderLayer. torch_workloads.py builds it for its
"seq_transformer" workload (Workload.seq_transformer; bench/export_test.go
exports the Go side under that name), and torch_bench.py checks and times
it there like the other models.

The Go side is the tiny GPT block of gpt_test.go written with Adjoint's
sequence layers (layers.NewDecoderBlock: pre-LN, exact GELU, causal, no
dropout): token embedding, learned positions, one block, final LayerNorm,
Linear head to the vocabulary; batch 8, seq 64, d_model 128, 4 heads, MLP
512, vocabulary 64, cross-entropy, Adam lr 1e-3. Its parameters are
exported under this module's names: tok.weight, pos.weight,
block.self_attn.in_proj_weight, ..., block.norm2.bias, lnf.weight,
lnf.bias, head.weight, head.bias.
"""


def SeqTransformer(torch, c):
    """The block as an nn.Module: forward(ids [b, t]) returns the logits
    [b*t, vocab], for F.cross_entropy against the flat targets."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            d, v, t = c["d_model"], c["vocab"], c["seq"]
            self.tok = nn.Embedding(v, d)
            self.pos = nn.Embedding(t, d)
            self.block = nn.TransformerEncoderLayer(d, c["heads"], dim_feedforward=c["hidden"], dropout=0.0,
                                                    activation="gelu", batch_first=True, norm_first=True)
            self.lnf = nn.LayerNorm(d)
            self.head = nn.Linear(d, v)
            # True above the diagonal: the key is not allowed (torch's bool src_mask).
            self.register_buffer("causal", torch.ones(t, t, dtype=torch.bool).triu(1), persistent=False)

        def forward(self, ids):
            b, t = ids.shape
            x = self.tok(ids) + self.pos.weight[:t]
            x = self.block(x, src_mask=self.causal[:t, :t])
            return self.head(self.lnf(x)).reshape(b * t, -1)

    return Net()
