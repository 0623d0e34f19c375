"""The model workloads of issue 10 in PyTorch, on Adjoint's numbers.

torch_bench.py imports this module. The Go side writes each workload (its
initial parameters under PyTorch's names, its batch, the sizes, and
Adjoint's check values of the first steps) to a safetensors file:

    ADJOINT_BENCH_EXPORT=DIR go test -run '^TestExportWorkloads$' -count 1 ./bench/

(see bench/export_test.go). load() reads one such file and builds the same
model here, as a PyTorch user writes it: nn modules, F.cross_entropy or
F.mse_loss, torch.optim.Adam (lr 1e-3), zero_grad(set_to_none=True), and
torch.no_grad() for inference. check() runs the recorded number of steps
and compares each step's value with Adjoint's; check_grads() compares the
gradients of the first backward pass with the ones Adjoint exported (every
parameter's, and the elementwise chain's input gradient). The losses alone
would pass a wrong gradient: Adam divides each update by the gradient's
running RMS, so a gradient scaled by a constant (x2, x10) on one tensor
leaves the next losses almost unchanged.

  mlp_adam_64, mlp_adam_256  784-256-128-10 ReLU MLP, cross-entropy, Adam
  cnn_64                     Conv(1->8) ReLU MaxPool, Conv(8->16) ReLU
                             MaxPool, Flatten, Linear(784->10), Adam
  gpt                        one pre-LN transformer block (d 128, 4 heads,
                             seq 64, batch 8, GELU MLP 512), vocab 64, Adam
  lstm                       nn.LSTM(32, 128) over 32 steps at batch 32,
                             Linear head on the last h, MSE, Adam, with
                             bias_hh_l0 zero and frozen; Adjoint's side
                             (BenchmarkLSTMStep) writes the cell from ops,
                             with one gate bias (see Workload.__init__)
  elementwise                sum(tanh(x)*sigmoid(x) + gelu(x)), 1e6
                             elements, forward and backward, no update
  mlp_infer_256              the MLP's forward pass under torch.no_grad()
  seq_transformer            the gpt block written with the sequence layers
                             (Embedding, PositionEmbedding, NewDecoderBlock)
                             against nn.TransformerEncoderLayer (issue 12)
  seq_lstm                   layers.LSTM(64, 128) over 32 steps at batch
                             32, Linear head, MSE, Adam, against nn.LSTM
                             (both biases training on both sides)

Each model's step() runs one step and returns its check value: the loss
(before the update), or for inference the logits, whose check value (the
sum of their squares, check_value) is computed outside the timed step, as
Adjoint's inference benchmark does not compute it either.
"""

import json
import math
import struct

from torch_seq_lstm import seq_lstm_module
from torch_seq_transformer import SeqTransformer

# Adjoint's check values and PyTorch's must agree to this relative error.
CHECK_RTOL = 1e-5

# Adjoint's gradients and PyTorch's must agree to this error relative to
# each tensor's largest magnitude: max|a - t| / max|t| per tensor (an
# elementwise relative error means nothing for the entries near zero).
# Both sides sum in float32, in different orders; the worst tensor here
# was the CNN's first convolution weight (a sum over 64*28*28 positions)
# at 2e-6. A PyTorch gradient c times the right one errs by |c - 1| / c.
GRAD_RTOL = 1e-5


def read_header(path):
    """The JSON header of a safetensors file: {name: info, "__metadata__": {...}}."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n))


def read_safetensors(np, path):
    """The tensors (float32 numpy arrays) and metadata of a safetensors file
    holding F32 tensors only."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    buf = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError("%s: %s holds dtype %s, want F32" % (path, name, info["dtype"]))
        lo, hi = info["data_offsets"]
        out[name] = np.frombuffer(buf[lo:hi], dtype="<f4").reshape(info["shape"]).copy()
    return out, meta


class Workload:
    """One exported workload: its model, data and Adjoint's values."""

    def __init__(self, torch, np, path):
        tensors, meta = read_safetensors(np, path)
        self.torch, self.F = torch, torch.nn.functional
        self.name, self.kind, self.bench = meta["workload"], meta["kind"], meta["bench"]
        self.config = json.loads(meta["config"])
        self.adjoint_values = [float(v) for v in json.loads(meta["values"])]
        self.adjoint_grads = {k[len("grad."):]: v for k, v in tensors.items() if k.startswith("grad.")}
        self.params = {k[len("param."):]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("param.")}
        self.data = {k[len("data."):]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("data.")}
        build = {"mlp_adam_64": self.mlp, "mlp_adam_256": self.mlp, "mlp_infer_256": self.mlp,
                 "cnn_64": self.cnn, "gpt": self.gpt, "lstm": self.lstm, "elementwise": self.elementwise,
                 "seq_transformer": self.seq_transformer, "seq_lstm": self.seq_lstm}
        self.module = build[self.name]()
        if self.module is not None:
            missing = set(self.module.state_dict()) ^ set(self.params)
            if missing:
                raise ValueError("%s: parameter names differ between Go and PyTorch: %s" % (self.name, sorted(missing)))
            self.module.load_state_dict(self.params)
        if self.name == "lstm":
            # Adjoint's LSTM has one gate bias; nn.LSTM has two, whose sum
            # acts. bias_hh stays zero and out of the optimizer: Adam would
            # move both by about lr per step, twice Adjoint's update.
            self.module.lstm.bias_hh_l0.requires_grad_(False)
        if self.kind == "train":
            self.opt = torch.optim.Adam([p for p in self.module.parameters() if p.requires_grad], lr=1e-3)

    # ---------------------------------------------------------------- models

    def mlp(self):
        nn = self.torch.nn
        self.x = self.data["x"]
        if "labels" in self.data:
            self.labels = self.data["labels"].long()
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))

    def cnn(self):
        nn = self.torch.nn
        self.x, self.labels = self.data["x"], self.data["labels"].long()
        return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(16 * 7 * 7, 10))

    def gpt(self):
        self.x, self.labels = self.data["ids"].long(), self.data["targets"].long()
        return GPT(self.torch, self.config)

    def lstm(self):
        torch, c = self.torch, self.config
        w, b = self.params.pop("w"), self.params.pop("b")
        # Adjoint's one gate matrix is [W_ih W_hh] side by side, and its
        # bias is bias_ih; bias_hh is zero.
        self.params.update({"lstm.weight_ih_l0": w[:, :c["input"]], "lstm.weight_hh_l0": w[:, c["input"]:],
                            "lstm.bias_ih_l0": b, "lstm.bias_hh_l0": torch.zeros_like(b)})
        self.x, self.y = self.data["x"], self.data["y"]
        return LSTM(torch, c)

    def seq_transformer(self):
        self.x, self.labels = self.data["ids"].long(), self.data["targets"].long()
        return SeqTransformer(self.torch, self.config)

    def seq_lstm(self):
        self.x, self.y = self.data["x"], self.data["y"]
        return seq_lstm_module(self.torch, self.config)

    def elementwise(self):
        self.xp = self.torch.nn.Parameter(self.params["x"].clone())
        return None

    # ----------------------------------------------------------------- steps

    def step(self, after_backward=None):
        """One step; returns its check value. after_backward, if given, is
        called after the backward pass, before the gradients are used or
        cleared (check_grads reads them there; timing passes none)."""
        F = self.F
        if self.name == "elementwise":
            x = self.xp
            loss = (self.torch.tanh(x) * self.torch.sigmoid(x) + F.gelu(x)).sum()
            loss.backward()
            if after_backward is not None:
                after_backward()
            x.grad = None
            return loss.item()
        if self.kind == "infer":
            with self.torch.no_grad():
                return self.module(self.x)
        if self.name in ("lstm", "seq_lstm"):
            loss = F.mse_loss(self.module(self.x), self.y)
        else:
            loss = F.cross_entropy(self.module(self.x), self.labels)
        loss.backward()
        if after_backward is not None:
            after_backward()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss.item()

    def check(self):
        """Runs as many steps as Adjoint recorded, from the exported
        start, and returns [(Adjoint's value, PyTorch's, relative
        difference)] per step. Call it on a freshly loaded Workload."""
        out = []
        for a in self.adjoint_values:
            p = self.check_value(self.step())
            out.append((a, p, abs(a - p) / max(abs(p), 1e-30)))
        return out

    def torch_grads(self):
        """PyTorch's gradients now, under the names Adjoint exports them
        by: the module's parameters (the lstm workload's W as its
        [weight_ih weight_hh] side by side and b as bias_ih, as the export
        splits them), or the elementwise chain's input x."""
        if self.name == "elementwise":
            return {"x": self.xp.grad}
        g = {n: p.grad for n, p in self.module.named_parameters() if p.requires_grad}
        if self.name == "lstm":
            g["w"] = self.torch.cat([g.pop("lstm.weight_ih_l0"), g.pop("lstm.weight_hh_l0")], dim=1)
            g["b"] = g.pop("lstm.bias_ih_l0")
        return g

    def check_grads(self):
        """Runs the first step from the exported start and compares
        PyTorch's gradients after its backward pass with Adjoint's.
        Returns [(name, max|Adjoint - PyTorch|, max|PyTorch|, relative
        error)] per tensor, the relative error being their ratio (inf for
        a tensor one side lacks); [] for inference. Call it on a freshly
        loaded Workload."""
        if self.kind == "infer":
            return []
        got = {}
        self.step(after_backward=lambda: got.update(
            {n: None if t is None else t.detach().double().numpy().copy() for n, t in self.torch_grads().items()}))
        out = []
        for name in sorted(set(got) | set(self.adjoint_grads)):
            a, t = self.adjoint_grads.get(name), got.get(name)
            if a is None or t is None or a.shape != t.shape:
                out.append((name, float("inf"), 0.0, float("inf")))
                continue
            err, scale = float(abs(a.astype("float64") - t).max()), float(abs(t).max())
            out.append((name, err, scale, err / max(scale, 1e-30)))
        return out

    def check_value(self, r):
        """The check value of step's result r: the loss itself, or the sum
        of the squared logits for inference."""
        if self.kind == "infer":
            return float((r.double() ** 2).sum())
        return r


def causal_attention(torch):
    """PyTorch's fused causal attention, softmax(q k^T / sqrt(D) + causal
    mask) v, as Adjoint's side calls autograd.ScaledDotProductAttention:
    F.scaled_dot_product_attention(is_causal=True) from torch 2.0, the same
    op under its private name in 1.13 (its math kernel: one baddbmm/bmm for
    the scores, softmax, bmm with v, a fused backward of each), else the
    same math from ops."""
    F = torch.nn.functional
    if hasattr(F, "scaled_dot_product_attention"):
        return lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)
    if hasattr(F, "_scaled_dot_product_attention"):
        return lambda q, k, v: F._scaled_dot_product_attention(q, k, v, None, 0.0, False, True)[0]

    def composed(q, k, v):
        t = q.shape[-2]
        mask = torch.full((t, t), float("-inf")).triu(1)
        return torch.softmax(q @ k.transpose(-2, -1) * (1 / math.sqrt(q.shape[-1])) + mask, dim=-1) @ v
    return composed


def GPT(torch, c):
    """The tiny GPT block of bench/gpt_test.go as an nn.Module."""
    nn, F = torch.nn, torch.nn.functional
    attention = causal_attention(torch)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            d, v, t = c["d_model"], c["vocab"], c["seq"]
            self.tok = nn.Embedding(v, d)
            self.pos = nn.Parameter(torch.zeros(t, d))
            self.ln1, self.ln2, self.lnf = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
            self.attn, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.fc1, self.fc2 = nn.Linear(d, c["hidden"]), nn.Linear(c["hidden"], d)
            self.head = nn.Linear(d, v)

        def forward(self, ids):
            b, t = ids.shape
            d, h = c["d_model"], c["heads"]
            x = (self.tok(ids) + self.pos).reshape(b * t, d)
            q, k, v = self.attn(self.ln1(x)).split(d, dim=1)
            q, k, v = (z.reshape(b, t, h, d // h).permute(0, 2, 1, 3) for z in (q, k, v))
            y = attention(q, k, v).permute(0, 2, 1, 3).reshape(b * t, d)
            x = x + self.proj(y)
            x = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
            return self.head(self.lnf(x))

    return Block()


def LSTM(torch, c):
    """nn.LSTM over the whole sequence and a Linear head on the last h: the
    same model as the seq_lstm workload's (torch_seq_lstm.py)."""
    return seq_lstm_module(torch, c)
