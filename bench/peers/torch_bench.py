#!/usr/bin/python3
"""Run Adjoint's benchmark workloads in PyTorch and numpy, run Adjoint's and
gonum's Go benchmarks, and print one table of Adjoint/peer ratios.

Usage (from anywhere; the paths are relative to this file):

    /usr/bin/python3 bench/peers/torch_bench.py --fetch-openblas  # about 10 minutes
    /usr/bin/python3 bench/peers/torch_bench.py --fetch-openblas --quick        # a smoke test
    /usr/bin/python3 bench/peers/torch_bench.py --fetch-openblas --models-only  # about 3 minutes
    /usr/bin/python3 bench/peers/torch_bench.py --check-only      # about 15 s

Without OpenBLAS (the system's libblas.so.3, its openblas-pthread
directory, bench/peers/.openblas/ from an earlier --fetch-openblas, or
--openblas-dir) the script refuses to time anything: pass --fetch-openblas
the first time on a machine (see OpenBLAS below).

It needs Debian's python3-torch and python3-numpy, which are installed for
the system python (/usr/bin/python3), not for a pyenv or venv one.

What it measures, in one process, 1 thread and 2 threads each:
  - GEMM C = A.B, square n x n, n = 64 ... 1024, float32 and float64
    (torch.mm(out=) and numpy.matmul(out=)), as bench/peers/gemm_test.go;
  - the seed article's [4,5,1] sigmoid network, one training step on a
    batch of 6 in float64, exactly as bench/article_test.go;
  - the 784-256-128-10 ReLU MLP, one training step (softmax cross-entropy,
    SGD with momentum 0.9, lr 0.01) at batch 64 and 256 in float32, as
    bench/mlp_test.go, and the forward pass alone at batch 64.
PyTorch runs the networks as a PyTorch user writes them (autograd,
F.cross_entropy, torch.optim.SGD, torch.no_grad() for inference); numpy runs
them with hand-derived gradients. Before timing, the script checks that one
step in numpy and one in PyTorch give the same parameters.

The model workloads of issue 10 (--models-only runs them alone,
--skip-models leaves them out), on one thread only, against PyTorch only:
the MLP with Adam at batch 64 and 256, the CNN, the tiny GPT block, the
LSTM, the elementwise chain and the MLP's inference (see torch_workloads.py
and bench/README.md). They run on Adjoint's own numbers: the script first
runs

    ADJOINT_BENCH_EXPORT=<temp dir> go test -run '^TestExportWorkloads$' -count 1 ./bench/

which writes each workload's initial weights, batch, Adjoint's gradients
after the first backward pass and its values of the first 3 steps (the
losses) to a safetensors file; PyTorch loads them, runs the same 3 steps,
whose values must agree to 1e-5 relative, and from the start again one
backward pass, whose gradients must agree with Adjoint's to 1e-5 of each
tensor's largest magnitude. On a mismatch it exits 1 without timing
anything: the two sides would not run the same computation, so their
ratio would mean nothing (--check-only does only the check). Then, per
workload, it times the PyTorch step and runs

    go test -run '^$' -bench '^BenchmarkGPTStep$' -benchmem -count 5 -cpu 1 ./bench/

(and likewise for MLPAdamStep, CNNStep, LSTMStep, Elementwise, MLPInference),
whose "plain" and "arena" sub-benchmarks are the loop a user writes and the
same loop under an autograd.Arena. The table gives both times, the ratios
PyTorch time / Adjoint time (above 1: Adjoint is faster), allocations per
step and whether the losses and gradients agreed. Its files are go-models.txt,
models.json and models.md in --out.

Each timing is the median of --repeats repeats (default 7) of a loop that
lasts about --target seconds. Right after each workload's peer timings it
runs the same workload's Go benchmarks, with the environment it was started
with, so that both sides of a ratio see nearly the same load on a shared
machine. Together, the Go runs are

    go test -run '^$' -bench '^BenchmarkGemm$' -benchmem -count 5 -cpu 1,2 ./
                                                              (in bench/peers)
    go test -run '^$' -bench '^Benchmark(ArticleStep|MLPStep|MLPForward)$' \
        -benchmem -count 5 -cpu 1,2 ./bench/                  (in the repo)

(the "arena" variants of the training steps: a steady-state step that
allocates nothing, as a training loop runs it)

split into one run per workload (-bench '^BenchmarkGemm$/^f32$/^n=512$' and
so on). The script takes the medians and prints a Markdown table of ratios:
a ratio above 1 means Adjoint is faster. Adjoint's GEMM numbers come from
bench/peers, where tensor.Gemm and gonum run side by side in one process
(the same call as BenchmarkGemm in bench/). The raw Go
output, a JSON file with every median, and the table are written to --out
(default bench/peers/out/, which git ignores), and a PNG plot of GFLOP/s
against n (Adjoint, OpenBLAS, gonum) to --plot (default gemm-gflops.png in
--out), drawn by `go run ./cmd/plot`. The committed results in
bench/peers/results/ and the plot bench/peers/gemm-gflops.png change only
when a run names them: --out bench/peers/results --plot
bench/peers/gemm-gflops.png.

OpenBLAS. This machine sets OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE,
which OpenBLAS reads when it loads and which halve its speed here, so the
script re-executes itself without them (the Go runs get the original
environment back). Debian's torch and numpy link the generic libblas.so.3;
unless the system's alternative points at OpenBLAS, that is the slow
reference BLAS. The script then looks for an OpenBLAS directory (--openblas-dir,
/usr/lib/x86_64-linux-gnu/openblas-{pthread,openmp}, or bench/peers/.openblas/
...) and puts it first on LD_LIBRARY_PATH for the peer only. --fetch-openblas
fills bench/peers/.openblas/ with `apt-get download libopenblas0-pthread` and
`dpkg-deb -x`, without installing anything system-wide. The script prints
which BLAS library and kernel (OpenBLAS core name) the peers run. An
OpenBLAS older than the CPU (Debian 12's 0.3.21 on a 5th-generation Xeon)
falls back to its portable Prescott core, SSE3 kernels at a third of the
speed of its AVX-512 ones; the script then re-executes once more with
OPENBLAS_CORETYPE set to the core the CPU's vector units run (SkylakeX
with AVX-512, Haswell with AVX2 and FMA) and records that choice as
openblas_core_forced. If the peers
do not run OpenBLAS, it refuses to time: with reference BLAS the peers'
steps built on matrix products run 10-40x slower, and their ratios come
out that much too favourable to Adjoint. --allow-slow-blas times anyway
and stamps the tables and JSON files as not comparable ("comparable":
false); --check-only needs no OpenBLAS, since it times nothing.

Memory. glibc's malloc hands a freed block of a few MB back to the kernel
at once (it trims the heap, or unmaps the block), so a PyTorch step whose
temporaries are that large faults in fresh zeroed pages every step: ~3,000
page faults per step of the elementwise workload (1e6 elements), about
half its time. Go's runtime keeps freed memory, and so do the allocators
PyTorch is usually deployed with (jemalloc, tcmalloc). The re-executed peer
therefore runs with MALLOC_MMAP_THRESHOLD_=33554432 (glibc's largest) and
MALLOC_TRIM_THRESHOLD_=1073741824, unless the caller set them: the same
step then takes ~30 faults (19.9 -> 10.6 ms for the elementwise step here,
no change for the other workloads).
"""

import argparse
import ctypes
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from torch_workloads import CHECK_RTOL, GRAD_RTOL

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# glibc malloc settings for the peer: keep freed memory (see Memory above).
MALLOC_VARS = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824"}
SAVED_ENV = "ADJOINT_PEERS_SAVED_ENV"  # set by the re-exec: what it changed
FORCED_CORE = "ADJOINT_PEERS_FORCED_CORE"  # set by the second re-exec: the core it chose
# OpenBLAS's portable cores: what its DYNAMIC_ARCH detection falls back to on
# a CPU model newer than the library (0.3.21 picks Prescott, SSE3 kernels, on
# a 5th-generation Xeon with AVX-512).
GENERIC_CORES = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai",
                 "Coppermine", "Northwood", "Banias", "Opteron", "Opteron(SSE3)", "Barcelona"}
LOCAL_OPENBLAS = os.path.join(HERE, ".openblas")
MULTIARCH = "/usr/lib/x86_64-linux-gnu"

GEMM_SIZES = (64, 128, 256, 512, 1024)
THREADS = (1, 2)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=7, help="timed repeats per workload (median reported)")
    p.add_argument("--target", type=float, default=0.2, help="seconds per timed repeat")
    p.add_argument("--count", type=int, default=5, help="go test -count")
    p.add_argument("--benchtime", default="", help="go test -benchtime (default: go's 1s)")
    p.add_argument("--quick", action="store_true", help="smoke test: few, short repeats; go -count 1 -benchtime 3x")
    p.add_argument("--out", default=os.path.join(HERE, "out"),
                   help="directory for raw outputs, JSON and table (default bench/peers/out, ignored by git; "
                        "bench/peers/results holds the committed runs)")
    p.add_argument("--plot", default=None, help="PNG to write (default gemm-gflops.png in --out; '' for none)")
    p.add_argument("--openblas-dir", default="", help="directory holding OpenBLAS's libblas.so.3")
    p.add_argument("--fetch-openblas", action="store_true", help="apt-get download libopenblas0-pthread into bench/peers/.openblas first")
    p.add_argument("--allow-slow-blas", action="store_true",
                   help="time even if the peers do not run OpenBLAS, and mark the results as not comparable")
    p.add_argument("--reuse-go", default="", help="directory with go-bench.txt and go-peers.txt from an earlier run: do not run go")
    p.add_argument("--glibc-malloc", action="store_true", help="leave glibc malloc's defaults to the peer (it then returns large freed blocks to the kernel at once; see Memory)")
    p.add_argument("--models-only", action="store_true", help="run only the model workloads of issue 10 (MLP with Adam, CNN, GPT, LSTM, elementwise, inference)")
    p.add_argument("--skip-models", action="store_true", help="run only the GEMM, article and SGD MLP workloads")
    p.add_argument("--check-only", action="store_true", help="only check that PyTorch reproduces Adjoint's first losses and gradients of each model workload; exit 1 if not")
    a = p.parse_args()
    if a.plot is None:
        a.plot = os.path.join(a.out, "gemm-gflops.png")
    if a.quick:
        a.repeats, a.target, a.count, a.benchtime = 3, 0.02, 1, "3x"
    return a


# ---------------------------------------------------------------- environment

def system_blas_is_openblas():
    return "openblas" in os.path.realpath(os.path.join(MULTIARCH, "libblas.so.3"))


def fetch_openblas():
    """Unpack Debian's libopenblas0-pthread into bench/peers/.openblas."""
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run(["apt-get", "download", "libopenblas0-pthread"], cwd=tmp, check=True)
        debs = glob.glob(os.path.join(tmp, "*.deb"))
        if not debs:
            sys.exit("apt-get download left no .deb")
        os.makedirs(LOCAL_OPENBLAS, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", debs[0], LOCAL_OPENBLAS], check=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def find_openblas_dir(args):
    if args.openblas_dir:
        return args.openblas_dir
    if system_blas_is_openblas():
        return ""
    for d in (os.path.join(MULTIARCH, "openblas-pthread"), os.path.join(MULTIARCH, "openblas-openmp"),
              os.path.join(LOCAL_OPENBLAS, MULTIARCH.lstrip("/"), "openblas-pthread")):
        if os.path.exists(os.path.join(d, "libblas.so.3")):
            return d
    return ""


def reexec_for_peer(args):
    """Re-execute this script once with the OpenBLAS variables removed,
    OpenBLAS first on LD_LIBRARY_PATH and malloc set to keep freed memory:
    OpenBLAS and glibc read them when they load, so this must happen before
    numpy or torch is imported."""
    if SAVED_ENV in os.environ:
        return
    if args.fetch_openblas:
        fetch_openblas()
    env = dict(os.environ)
    saved = {k: env.pop(k, None) for k in OPENBLAS_VARS}
    saved["LD_LIBRARY_PATH"] = env.get("LD_LIBRARY_PATH")
    for k, v in MALLOC_VARS.items():
        saved[k] = env.get(k)
        if not args.glibc_malloc:
            env.setdefault(k, v)
    d = find_openblas_dir(args)
    if d:
        env["LD_LIBRARY_PATH"] = d + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env[SAVED_ENV] = json.dumps(saved)
    script = os.path.abspath(__file__)
    os.execve(sys.executable, [sys.executable, script] + sys.argv[1:], env)


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def core_for_flags(flags):
    """The OpenBLAS core whose kernels this CPU's vector units run: SkylakeX
    with AVX-512 (F, BW, VL, DQ), Haswell with AVX2 and FMA, else None."""
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


def reexec_with_core(blas):
    """If OpenBLAS fell back to a portable core on a CPU with AVX2 or AVX-512
    (a CPU model it does not know), re-execute once more with
    OPENBLAS_CORETYPE naming the core those units run, so that the peers get
    the vector kernels a current OpenBLAS would pick; the core is printed."""
    if blas.lib is None or FORCED_CORE in os.environ or blas.core not in GENERIC_CORES:
        return
    core = core_for_flags(cpu_flags())
    if core is None:
        return
    env = dict(os.environ)
    env["OPENBLAS_CORETYPE"] = core
    env[FORCED_CORE] = "%s (OpenBLAS detected %s)" % (core, blas.core)
    script = os.path.abspath(__file__)
    os.execve(sys.executable, [sys.executable, script] + sys.argv[1:], env)


def original_env():
    """The environment the script was started with, for the Go runs."""
    env = dict(os.environ)
    env.pop(FORCED_CORE, None)
    for k, v in json.loads(env.pop(SAVED_ENV, "{}")).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


class Blas:
    """The BLAS library that numpy and torch loaded, and OpenBLAS's controls."""

    def __init__(self):
        with open("/proc/self/maps") as f:
            maps = f.read()
        self.libs = sorted(set(re.findall(r"(/\S*(?:blas|lapack)\S*\.so[\d.]*)", maps)))
        self.lib = None
        self.config = self.core = ""
        for path in self.libs:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_config.restype = ctypes.c_char_p
                lib.openblas_get_corename.restype = ctypes.c_char_p
            except (OSError, AttributeError):
                continue
            self.lib = lib
            self.config = lib.openblas_get_config().decode()
            self.core = lib.openblas_get_corename().decode()
            break

    def set_threads(self, n):
        if self.lib is not None:
            self.lib.openblas_set_num_threads(n)

    def loaded(self):
        """The BLAS and LAPACK libraries the process loaded."""
        return ", ".join(self.libs) or "no BLAS library found in /proc/self/maps"

    def describe(self):
        if self.lib is None:
            return "NOT OpenBLAS: " + ", ".join(self.libs)
        return "%s, kernel core %s (%s)" % (self.config, self.core, ", ".join(self.libs))


# ------------------------------------------------------------------- timing

def measure(fn, repeats, target):
    """Median, min and max seconds per call of fn over repeats timed loops
    of about target seconds each, after a warm-up."""
    t0 = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - t0 < min(target, 0.1):
        fn()
        calls += 1
    per = (time.perf_counter() - t0) / calls
    inner = max(1, int(target / per))
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t) / inner)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "samples": samples}


# ---------------------------------------------------------------- workloads

def gemm_fns(torch, np, dtype, n):
    tdt = {"f32": torch.float32, "f64": torch.float64}[dtype]
    a, b = torch.rand(n, n, dtype=tdt) * 2 - 1, torch.rand(n, n, dtype=tdt) * 2 - 1
    c = torch.empty(n, n, dtype=tdt)
    an, bn, cn = a.numpy().copy(), b.numpy().copy(), np.empty((n, n), dtype=a.numpy().dtype)
    return (lambda: torch.mm(a, b, out=c)), (lambda: np.matmul(an, bn, out=cn))


class ArticleTorch:
    """bench/article_test.go in PyTorch: samples are columns, X 4x6, Y 1x6."""

    def __init__(self, torch, init):
        self.torch = torch
        t = lambda v: torch.tensor(v, dtype=torch.float64)
        self.x, self.y = t(init["x"]), t(init["y"])
        self.params = [t(init[k]).requires_grad_() for k in ("wih", "bih", "who", "bho")]
        self.opt = torch.optim.SGD(self.params, lr=1.0)

    def step(self):
        wih, bih, who, bho = self.params
        h1 = self.torch.sigmoid(wih.t() @ self.x + bih)
        o = self.torch.sigmoid(who.t() @ h1 + bho)
        d = self.y - o
        e = (d * d).sum() * 0.5
        e.backward()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return e.item()


class ArticleNumpy:
    """The same step with the article's hand-derived gradients."""

    def __init__(self, np, init):
        self.np = np
        self.x, self.y = np.array(init["x"]), np.array(init["y"])
        self.wih, self.who = np.array(init["wih"]), np.array(init["who"])
        self.bih, self.bho = float(init["bih"]), float(init["bho"])

    def step(self):
        np = self.np
        h1 = 1 / (1 + np.exp(-(self.wih.T @ self.x + self.bih)))
        o = 1 / (1 + np.exp(-(self.who.T @ h1 + self.bho)))
        d = self.y - o
        e = 0.5 * float((d * d).sum())
        d2 = -d * o * (1 - o)                    # dE/dZ2, 1x6
        d1 = (self.who @ d2) * h1 * (1 - h1)     # dE/dZ1, 5x6
        self.who -= h1 @ d2.T
        self.bho -= float(d2.sum())
        self.wih -= self.x @ d1.T
        self.bih -= float(d1.sum())
        return e

    def params(self):
        return [self.wih, self.bih, self.who, self.bho]


def article_init(np):
    rng = np.random.default_rng(1)
    return {"x": rng.uniform(0, 1, (4, 6)), "y": rng.integers(0, 2, (1, 6)).astype(np.float64),
            "wih": rng.uniform(-1, 1, (4, 5)), "bih": rng.uniform() - 0.5,
            "who": rng.uniform(-1, 1, (5, 1)), "bho": rng.uniform() - 0.5}


MLP_SIZES = (784, 256, 128, 10)
MLP_LR, MLP_MOMENTUM = 0.01, 0.9


def mlp_init(np, batch):
    """He-uniform weights before each ReLU, Xavier-uniform for the output,
    zero biases (as layers.NewLinear), a batch uniform in [0, 1), labels."""
    rng = np.random.default_rng(2)
    ws, bs = [], []
    for i, (fin, fout) in enumerate(zip(MLP_SIZES, MLP_SIZES[1:])):
        bound = np.sqrt(6 / fin) if i < 2 else np.sqrt(6 / (fin + fout))
        ws.append(rng.uniform(-bound, bound, (fout, fin)).astype(np.float32))
        bs.append(np.zeros(fout, np.float32))
    x = rng.uniform(0, 1, (batch, MLP_SIZES[0])).astype(np.float32)
    labels = rng.integers(0, MLP_SIZES[-1], batch)
    return ws, bs, x, labels


class MLPTorch:
    def __init__(self, torch, init):
        self.torch, self.F = torch, torch.nn.functional
        ws, bs, x, labels = init
        layers = []
        for w, b in zip(ws, bs):
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            layers += [lin, torch.nn.ReLU()]
        self.net = torch.nn.Sequential(*layers[:-1])
        self.x, self.labels = torch.from_numpy(x.copy()), torch.from_numpy(labels.copy())
        self.opt = torch.optim.SGD(self.net.parameters(), lr=MLP_LR, momentum=MLP_MOMENTUM)

    def step(self):
        loss = self.F.cross_entropy(self.net(self.x), self.labels)
        loss.backward()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss.item()

    def forward(self):
        with self.torch.no_grad():
            return self.net(self.x)

    def params(self):
        return [p.detach().numpy() for p in self.net.parameters()]


class MLPNumpy:
    """The MLP step with hand-derived gradients and torch's momentum rule
    (v = mu*v + g, p -= lr*v; v = g on the first step)."""

    def __init__(self, np, init):
        self.np = np
        ws, bs, x, labels = init
        self.ws, self.bs = [w.copy() for w in ws], [b.copy() for b in bs]
        self.x, self.labels = x, labels
        self.rows = np.arange(len(labels))
        self.vel = None

    def forward(self, keep=False):
        np = self.np
        acts, a = [self.x], self.x
        for i, (w, b) in enumerate(zip(self.ws, self.bs)):
            a = a @ w.T + b
            if i < len(self.ws) - 1:
                np.maximum(a, 0, out=a)
                acts.append(a)
        return (a, acts) if keep else a

    def step(self):
        np = self.np
        logits, acts = self.forward(keep=True)
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - shifted[self.rows, self.labels]))
        g = e / s
        g[self.rows, self.labels] -= 1
        g /= len(self.labels)
        grads = [None] * (2 * len(self.ws))
        for i in range(len(self.ws) - 1, -1, -1):
            grads[2 * i], grads[2 * i + 1] = g.T @ acts[i], g.sum(axis=0)
            if i > 0:
                g = g @ self.ws[i]
                g *= acts[i] > 0
        params = self.params()
        if self.vel is None:
            self.vel = [gr.copy() for gr in grads]
        else:
            for v, gr in zip(self.vel, grads):
                v *= MLP_MOMENTUM
                v += gr
        for p, v in zip(params, self.vel):
            p -= MLP_LR * v
        return loss

    def params(self):
        return [p for pair in zip(self.ws, self.bs) for p in pair]


def check_same(np, what, a, b, rtol, atol):
    for i, (x, y) in enumerate(zip(a, b)):
        if not np.allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol):
            sys.exit("%s: numpy and PyTorch disagree on parameter %d after the same steps" % (what, i))


def check_workloads(torch, np):
    """One or two steps of each network in numpy and PyTorch from the same
    start must land on the same parameters: the two peers run one workload."""
    init = article_init(np)
    at, an = ArticleTorch(torch, init), ArticleNumpy(np, init)
    for _ in range(2):
        et, en = at.step(), an.step()
        if abs(et - en) > 1e-12:
            sys.exit("article: E differs: torch %r, numpy %r" % (et, en))
    check_same(np, "article", [p.detach().numpy() for p in at.params], an.params(), 1e-10, 1e-12)
    init = mlp_init(np, 16)
    mt, mn = MLPTorch(torch, init), MLPNumpy(np, init)
    for _ in range(3):
        lt, ln = mt.step(), mn.step()
        if abs(lt - ln) > 1e-4 * max(1, abs(lt)):
            sys.exit("mlp: loss differs: torch %r, numpy %r" % (lt, ln))
    check_same(np, "mlp", mt.params(), mn.params(), 1e-3, 1e-5)
    check_same(np, "mlp forward", [mt.forward().numpy()], [mn.forward()], 1e-3, 1e-4)


LOADS = []  # (when, 1/5/15-minute load averages), kept in the JSON


def loadavg(when=""):
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    if when:
        LOADS.append((when, load))
    return load


def units():
    """The workloads in the order they run, as (key, Go output file, go test
    -bench pattern). Each is timed in the peers and then at once in Go, so
    that the two sides of every ratio see nearly the same load on a shared
    machine."""
    for dtype in ("f32", "f64"):
        for n in GEMM_SIZES:
            yield ("gemm", dtype, n), "go-peers.txt", "^BenchmarkGemm$/^%s$/^n=%d$" % (dtype, n)
    yield ("article",), "go-bench.txt", "^BenchmarkArticleStep$/^arena$"
    for batch in (64, 256):
        yield ("mlp_step", batch), "go-bench.txt", "^BenchmarkMLPStep$/^batch=%d$/^arena$" % batch
    yield ("mlp_forward", 64), "go-bench.txt", "^BenchmarkMLPForward$/^batch=64$/^arena$"


class Peers:
    """Times the peer workloads into res, keyed like 'gemm/f32/n=64/torch/1',
    'article/numpy/2', 'mlp_step/64/torch/1'."""

    # With 2 threads, PyTorch's own (OpenMP) threads and OpenBLAS's compete
    # for the 2 cores, so the networks try each split and keep the fastest
    # ("PyTorch's best 2-thread setting"). numpy's only threads are OpenBLAS's.
    SETTINGS = {"torch": {1: [(1, 1)], 2: [(2, 2), (1, 2), (2, 1)]},
                "numpy": {1: [(1, 1)], 2: [(1, 2), (1, 1)]}}

    def __init__(self, args, torch, np, blas, log):
        self.args, self.torch, self.np, self.blas, self.log = args, torch, np, blas, log
        self.res = {}

    def threads(self, torch_n, blas_n):
        self.torch.set_num_threads(torch_n)
        self.blas.set_threads(blas_n)

    def measure(self, fn):
        return measure(fn, self.args.repeats, self.args.target)

    def report(self, key, m):
        self.res[key] = m
        others = ", ".join("%s %.1f µs" % (s, v * 1e6) for s, v in m.get("others", {}).items())
        self.log("  %-28s %12.2f µs   (min %.2f, max %.2f)%s" % (
            key, m["median"] * 1e6, m["min"] * 1e6, m["max"] * 1e6, "  best of: " + others if others else ""))

    def best(self, key, make_fn):
        peer = key.split("/")[-1]
        for th in THREADS:
            cands = []
            for tt, bt in self.SETTINGS[peer][th]:
                self.threads(tt, bt)
                label = ("torch %d, " % tt if peer == "torch" else "") + "OpenBLAS %d threads" % bt
                cands.append((self.measure(make_fn()), label))
            m, setting = min(cands, key=lambda c: c[0]["median"])
            if th > 1:
                m["setting"] = setting
                m["others"] = {s: c["median"] for c, s in cands}
            self.report("%s/%d" % (key, th), m)

    def run(self, unit):
        torch, np = self.torch, self.np
        kind = unit[0]
        if kind == "gemm":
            _, dtype, n = unit
            tf, nf = gemm_fns(torch, np, dtype, n)
            for th in THREADS:
                self.threads(th, th)
                self.report("gemm/%s/n=%d/torch/%d" % (dtype, n, th), self.measure(tf))
                self.report("gemm/%s/n=%d/numpy/%d" % (dtype, n, th), self.measure(nf))
        elif kind == "article":
            self.best("article/torch", lambda: ArticleTorch(torch, article_init(np)).step)
            self.best("article/numpy", lambda: ArticleNumpy(np, article_init(np)).step)
        elif kind == "mlp_step":
            b = unit[1]
            self.best("mlp_step/%d/torch" % b, lambda: MLPTorch(torch, mlp_init(np, b)).step)
            self.best("mlp_step/%d/numpy" % b, lambda: MLPNumpy(np, mlp_init(np, b)).step)
        elif kind == "mlp_forward":
            b = unit[1]
            self.best("mlp_forward/%d/torch" % b, lambda: MLPTorch(torch, mlp_init(np, b)).forward)
            self.best("mlp_forward/%d/numpy" % b, lambda: MLPNumpy(np, mlp_init(np, b)).forward)


# ------------------------------------------------------------------------- Go

GO_LINE = re.compile(r"^(Benchmark\S+?)(?:-(\d+))?\s+(\d+)\s+(.*)$")


def parse_go(text):
    """{(name, procs): {unit: [values...]}} from go test -bench output."""
    out = {}
    for line in text.splitlines():
        m = GO_LINE.match(line)
        if not m:
            continue
        name, procs, rest = m.group(1), int(m.group(2) or 1), m.group(4).split()
        metrics = out.setdefault((name[len("Benchmark"):], procs), {})
        for v, unit in zip(rest[0::2], rest[1::2]):
            try:
                metrics.setdefault(unit, []).append(float(v))
            except ValueError:
                pass
    return out


def go_cmd(args, fname, pattern):
    """The directory and command that run pattern's Go benchmarks (the
    models of go-models.txt on one thread, the rest on each of THREADS)."""
    threads = (1,) if fname == "go-models.txt" else THREADS
    cmd = ["go", "test", "-run", "^$", "-bench", pattern, "-benchmem", "-count", str(args.count),
           "-cpu", ",".join(map(str, threads))]
    if args.benchtime:
        cmd += ["-benchtime", args.benchtime]
    if fname == "go-peers.txt":
        return HERE, cmd + ["./"]
    return REPO, cmd + ["./bench/"]


def shell_quote(cmd):
    return " ".join("'%s'" % c if any(ch in c for ch in "^$|()") else c for c in cmd)


def run_go(args, log, fname, pattern):
    """Run pattern's Go benchmarks with the original environment; return
    the command line and go test's output."""
    cwd, cmd = go_cmd(args, fname, pattern)
    line = "(cd %s && %s)" % (os.path.relpath(cwd, REPO), shell_quote(cmd))
    log("%s   load average %s" % (line, loadavg(pattern)))
    t = time.time()
    p = subprocess.run(cmd, cwd=cwd, env=original_env(), capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        sys.exit("go test failed in %s" % cwd)
    log("  %.0f s" % (time.time() - t))
    return line, p.stdout


# ---------------------------------------------------------------------- table

def fmt_time(s):
    if s >= 1e-3:
        return "%.2f ms" % (s * 1e3)
    return "%.1f µs" % (s * 1e6) if s >= 1e-5 else "%.2f µs" % (s * 1e6)


def fmt_ratio(r):
    return "**%.2f×**" % r if r >= 1 else "%.2f×" % r


def build_rows(peers, go):
    """Rows of (workload, threads, adjoint cell, [(peer cell, ratio cell)])."""
    def go_median(name, procs, unit):
        vals = go.get((name, procs), {}).get(unit)
        return statistics.median(vals) if vals else None

    rows, series = [], []
    for dtype in ("f32", "f64"):
        for n in GEMM_SIZES:
            for th in THREADS:
                flops = 2.0 * n ** 3
                a = go_median("Gemm/%s/n=%d/adjoint" % (dtype, n), th, "GFLOP/s")
                cells = []
                for peer in ("torch", "numpy"):
                    m = peers.get("gemm/%s/n=%d/%s/%d" % (dtype, n, peer, th))
                    g = flops / m["median"] / 1e9 if m else None
                    cells.append((g, a / g if a and g else None))
                g = go_median("Gemm/%s/n=%d/gonum" % (dtype, n), th, "GFLOP/s")
                cells.append((g, a / g if a and g else None))
                rows.append(("GEMM %s n=%d" % (dtype, n), th, a, "gflops", cells))
    steps = [("article step [4,5,1] b=6 f64", "ArticleStep/arena", "article"),
             ("MLP step b=64 f32", "MLPStep/batch=64/arena", "mlp_step/64"),
             ("MLP step b=256 f32", "MLPStep/batch=256/arena", "mlp_step/256"),
             ("MLP forward b=64 f32", "MLPForward/batch=64/arena", "mlp_forward/64")]
    for label, goname, key in steps:
        for th in THREADS:
            ns = go_median(goname, th, "ns/op")
            a = ns / 1e9 if ns else None
            cells = []
            for peer in ("torch", "numpy"):
                m = peers.get("%s/%s/%d" % (key, peer, th))
                p = m["median"] if m else None
                cells.append((p, p / a if a and p else None))
            cells.append((None, None))
            rows.append((label, th, a, "time", cells))
    # The plot: Adjoint, OpenBLAS (the faster of its two callers at each
    # point, so Python's call overhead counts as little as possible), gonum.
    for dtype in ("f32", "f64"):
        for th in THREADS:
            pts = {"Adjoint": [], "OpenBLAS 0.3.21": [], "gonum v0.17 (pure Go)": []}
            for label, t, a, kind, cells in rows:
                if kind != "gflops" or t != th or not label.startswith("GEMM %s " % dtype):
                    continue
                n = int(label.split("n=")[1])
                ob = max([c[0] for c in cells[:2] if c[0]] or [0])
                for name, v in (("Adjoint", a), ("OpenBLAS 0.3.21", ob), ("gonum v0.17 (pure Go)", cells[2][0])):
                    if v:
                        pts[name].append([n, v])
            for name, p in pts.items():
                series.append({"label": name, "dtype": dtype, "threads": th, "points": p})
    return rows, series


def table(rows):
    head = ("| workload | threads | Adjoint | PyTorch | Adjoint/PyTorch | numpy | Adjoint/numpy | gonum | Adjoint/gonum |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    lines = []
    for label, th, a, kind, cells in rows:
        f = (lambda v: "%.1f GFLOP/s" % v) if kind == "gflops" else fmt_time
        out = [label, str(th), f(a) if a else "—"]
        for v, r in cells:
            out += [f(v) if v else "—", fmt_ratio(r) if r else "—"]
        lines.append("| " + " | ".join(out) + " |")
    return head + "\n".join(lines) + "\n"


def repo_state():
    def git(*a):
        p = subprocess.run(["git", "-C", REPO] + list(a), capture_output=True, text=True)
        return p.stdout.rstrip("\n")
    dirty = git("status", "--porcelain", "--", "tensor", "autograd", "layers", "graph", "bench")
    return {"commit": git("rev-parse", "--short", "HEAD"), "commit_date": git("log", "-1", "--format=%cI"),
            "uncommitted": [l[3:] for l in dirty.splitlines() if not l[3:].startswith("bench/peers/")]}


def machine(torch, np, blas):
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cfg = torch.__config__.show()
    capability = re.search(r"CPU capability usage: (\S+)", cfg)
    blas_info = re.search(r"BLAS_INFO=([^,]+)", cfg)
    gov = subprocess.run(["go", "version"], capture_output=True, text=True, env=original_env()).stdout.strip()
    return {"cpu": model, "nproc": os.cpu_count(), "go": gov, "python": sys.version.split()[0],
            "torch": torch.__version__, "numpy": np.__version__,
            "torch_blas_info": blas_info.group(1) if blas_info else "?",
            "torch_cpu_capability": capability.group(1) if capability else "?",
            "blas": blas.describe(), "openblas_env_unset": list(OPENBLAS_VARS),
            "openblas_core_forced": os.environ.get(FORCED_CORE, ""),
            "ld_library_path": os.environ.get("LD_LIBRARY_PATH", ""),
            "malloc_env": {k: os.environ.get(k) for k in MALLOC_VARS}}


# ------------------------------------------------------------------ models

# The model workloads of issue 10 (bench/workload_test.go and the files it
# names), in the order they run: the export's name, the label in the table.
MODELS = [("mlp_adam_64", "MLP 784-256-128-10, Adam, b=64"), ("mlp_adam_256", "MLP 784-256-128-10, Adam, b=256"),
          ("cnn_64", "CNN 1×28×28, 2 conv + pool, b=64"), ("gpt", "tiny GPT block (d 128, 4 heads, seq 64, b=8)"),
          ("lstm", "LSTM 32 steps, b=32, hidden 128 (Adjoint: cell from ops; PyTorch: nn.LSTM, bias_hh frozen at 0)"),
          ("elementwise", "Σ(tanh(x)·σ(x) + gelu(x)), 1e6, fwd+bwd"),
          ("mlp_infer_256", "MLP inference, b=256"),
          ("seq_transformer", "transformer block, d 128, 4 heads, seq 64, b=8 (Adjoint: layers.NewDecoderBlock; "
                              "PyTorch: nn.TransformerEncoderLayer)"),
          ("seq_lstm", "LSTM layer 64→128, 32 steps, b=32 (Adjoint: layers.LSTM; PyTorch: nn.LSTM, both biases training)")]


def export_models(log, out_dir):
    """Runs TestExportWorkloads, which writes every model workload's
    initial weights, batch, Adjoint's first gradients and first losses to
    out_dir."""
    env = original_env()
    env["ADJOINT_BENCH_EXPORT"] = out_dir
    cmd = ["go", "test", "-run", "^TestExportWorkloads$", "-count", "1", "./bench/"]
    log("(ADJOINT_BENCH_EXPORT=%s %s)" % (out_dir, shell_quote(cmd)))
    p = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        sys.exit("exporting the model workloads failed")


def check_models(torch, np, log, wdir):
    """Runs each model workload's recorded steps in PyTorch from Adjoint's
    start and compares the values, then, from the start again, the
    gradients of the first backward pass; returns {name: {"losses":
    [(adjoint, torch, rel)], "grads": [(tensor, max abs error, max |torch|,
    rel)]}}."""
    import torch_workloads as tw
    torch.set_num_threads(1)
    checks = {}
    log("PyTorch against Adjoint, the first steps of each model workload (relative tolerance %g), and the "
        "gradients of the first backward pass (max|Adjoint - PyTorch| / max|PyTorch| per tensor, tolerance %g):" % (
            tw.CHECK_RTOL, tw.GRAD_RTOL))
    for name, _ in MODELS:
        path = os.path.join(wdir, name + ".safetensors")
        losses = tw.Workload(torch, np, path).check()
        grads = tw.Workload(torch, np, path).check_grads()
        checks[name] = {"losses": losses, "grads": grads}
        for i, (a, t, r) in enumerate(losses):
            log("  %-14s step %d  Adjoint %.9g  PyTorch %.9g  rel %.1e  %s" % (
                name, i, a, t, r, "ok" if r <= tw.CHECK_RTOL else "MISMATCH"))
        if grads:
            g, err, scale, r = max(grads, key=lambda c: c[3])
            bad = [c[0] for c in grads if not c[3] <= tw.GRAD_RTOL]
            log("  %-14s gradients of %d tensors: worst %s, max abs error %.2e of max %.2e, rel %.1e  %s" % (
                name, len(grads), g, err, scale, r, "ok" if not bad else "MISMATCH in " + ", ".join(bad)))
    return checks


def check_failures(checks):
    """The workloads whose losses or gradients disagree, for --check-only."""
    return [n for n, c in checks.items()
            if any(not r <= CHECK_RTOL for _, _, r in c["losses"]) or any(not g[3] <= GRAD_RTOL for g in c["grads"])]


def run_models(args, torch, np, blas, log, wdir):
    """Times every model workload in PyTorch (1 thread) and then at once in
    Go (-cpu 1, plain and arena); returns (peer timings, go-models.txt)."""
    import torch_workloads as tw
    torch.set_num_threads(1)
    blas.set_threads(1)
    res, text, cmds = {}, "", []
    reuse = os.path.join(args.reuse_go, "go-models.txt") if args.reuse_go else ""
    for name, _ in MODELS:
        path = os.path.join(wdir, name + ".safetensors")
        w = tw.Workload(torch, np, path)
        log("%s (load average %s)" % (name, loadavg("peers " + name)))
        res[name] = measure(w.step, args.repeats, args.target)
        log("  %-28s %12.2f µs   (min %.2f, max %.2f)" % (
            name + "/torch/1", res[name]["median"] * 1e6, res[name]["min"] * 1e6, res[name]["max"] * 1e6))
        if not reuse:
            bench, sub = (w.bench.split("/", 1) + [""])[:2]
            pattern = "^Benchmark%s$" % bench + ("/^%s$" % sub if sub else "")
            line, out = run_go(args, log, "go-models.txt", pattern)
            cmds.append(line)
            text += out
    if reuse:
        with open(reuse) as f:
            text = f.read()
    return res, text, cmds


def model_table(peers, go, checks, benches):
    """The Markdown table of the model workloads: medians, ratios (PyTorch
    time / Adjoint time: above 1, Adjoint is faster), allocations, check.
    benches maps a workload to its Go benchmark."""
    import torch_workloads as tw

    def med(name, unit):
        vals = go.get((name, 1), {}).get(unit)
        return statistics.median(vals) if vals else None

    head = ("| workload (float32, 1 thread) | Adjoint plain | Adjoint arena | PyTorch | PyTorch/plain | PyTorch/arena "
            "| allocs/step plain | allocs/step arena | B/step arena | same losses as PyTorch | same gradients |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
    lines, rows = [], {}
    for name, label in MODELS:
        bench = benches[name]
        plain, arena = med(bench + "/plain", "ns/op"), med(bench + "/arena", "ns/op")
        p = peers.get(name, {}).get("median")
        cells = [label]
        for ns in (plain, arena):
            cells.append(fmt_time(ns / 1e9) if ns else "—")
        cells.append(fmt_time(p) if p else "—")
        for ns in (plain, arena):
            cells.append(fmt_ratio(p / (ns / 1e9)) if ns and p else "—")
        for mode, unit in (("plain", "allocs/op"), ("arena", "allocs/op"), ("arena", "B/op")):
            v = med(bench + "/" + mode, unit)
            cells.append(("{:,.0f}".format(v) if unit == "allocs/op" else fmt_bytes(v)) if v is not None else "—")
        c = checks.get(name, {})
        worst = max((r for _, _, r in c.get("losses", [])), default=None)
        cells.append("—" if worst is None else ("yes (%.0e)" % worst if worst <= tw.CHECK_RTOL else "**no: %.1e**" % worst))
        worst = max((g[3] for g in c.get("grads", [])), default=None)
        cells.append("—" if worst is None else ("yes (%.0e)" % worst if worst <= tw.GRAD_RTOL else "**no: %.1e**" % worst))
        rows[name] = {"plain_ns": plain, "arena_ns": arena, "torch_s": p, "check": checks.get(name)}
        lines.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n", rows


def fmt_bytes(v):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if v >= scale:
            return "%.1f %s" % (v / scale, unit)
    return "%.0f B" % v


def main():
    args = parse_args()
    reexec_for_peer(args)

    import numpy as np
    import torch

    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    log = lambda s: print(s, file=sys.stderr, flush=True)
    blas = Blas()
    reexec_with_core(blas)
    mach = machine(torch, np, blas)
    state = repo_state()
    log("started %s; Adjoint at %s%s" % (started, state["commit"],
        " + uncommitted " + " ".join(state["uncommitted"]) if state["uncommitted"] else ""))
    for k, v in mach.items():
        log("  %s: %s" % (k, v))
    if blas.lib is None and not args.check_only:
        if not args.allow_slow_blas:
            sys.exit("torch_bench.py: refusing to time: PyTorch and numpy would run %s, not OpenBLAS: their steps "
                     "built on matrix products would run 10-40x slower, and those ratios would be that much too "
                     "favourable to Adjoint.\n"
                     "Rerun with --fetch-openblas (unpacks Debian's libopenblas0-pthread into bench/peers/.openblas; "
                     "nothing is installed system-wide) or --openblas-dir DIR, or with --allow-slow-blas to time "
                     "anyway with the results marked as not comparable." % blas.loaded())
        log("WARNING: --allow-slow-blas: the peers do not run OpenBLAS; the results are marked as not comparable")
    elif blas.lib is not None and any(os.environ.get(v) for v in OPENBLAS_VARS) and FORCED_CORE not in os.environ:
        sys.exit("OpenBLAS variables still set in the peer's environment")

    models = not args.skip_models
    wdir = tempfile.mkdtemp(prefix="adjoint-workloads-") if models else ""
    try:
        if models:
            export_models(log, wdir)
            checks = check_models(torch, np, log, wdir)
            bad = check_failures(checks)
            if bad:
                sys.exit("PyTorch does not reproduce Adjoint's losses or gradients for: %s (the lines marked "
                         "MISMATCH above).%s" % (", ".join(bad), "" if args.check_only else
                                                " Nothing was timed and no ratio written: the two sides do not "
                                                "run the same computation."))
            if args.check_only:
                print("PyTorch reproduces Adjoint's first losses and gradients of every model workload.")
                return
        run(args, torch, np, blas, log, started, state, mach, wdir, checks if models else {})
    finally:
        if wdir:
            shutil.rmtree(wdir, ignore_errors=True)


def run(args, torch, np, blas, log, started, state, mach, wdir, checks):
    """Times the workloads the flags ask for, writes the results to
    args.out and prints the tables."""
    import torch_workloads as tw
    pr = Peers(args, torch, np, blas, log)
    texts, cmds = {}, []
    if not args.models_only:
        check_workloads(torch, np)
        log("numpy and PyTorch compute the same steps: ok")
        if args.reuse_go:
            for fname in ("go-peers.txt", "go-bench.txt"):
                with open(os.path.join(args.reuse_go, fname)) as f:
                    texts[fname] = f.read()
        for unit, fname, pattern in units():
            log("%s (load average %s)" % ("/".join(map(str, unit)), loadavg("peers " + "/".join(map(str, unit)))))
            pr.run(unit)
            if not args.reuse_go:
                line, out = run_go(args, log, fname, pattern)
                cmds.append(line)
                texts[fname] = texts.get(fname, "") + out
    model_peers = {}
    if wdir:
        model_peers, texts["go-models.txt"], mcmds = run_models(args, torch, np, blas, log, wdir)
        cmds += mcmds
    peers = pr.res
    go = {}
    for text in texts.values():
        go.update(parse_go(text))
    finished = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    loadavg("end")

    os.makedirs(args.out, exist_ok=True)
    for fname, text in texts.items():
        if not args.reuse_go:
            with open(os.path.join(args.out, fname), "w") as f:
                f.write(text)
    print("Adjoint %s%s, %s … %s; %s, nproc %d; peers: %s" % (
        state["commit"], " (+ uncommitted changes)" if state["uncommitted"] else "", started, finished,
        mach["cpu"], mach["nproc"], mach["blas"]))
    one = [float(load.split()[0]) for _, load in LOADS]
    print("1-minute load average during the run (2 cores): min %.1f, median %.1f, max %.1f" % (
        min(one), statistics.median(one), max(one)))
    common = {"started": started, "finished": finished, "repo": state, "machine": mach,
              "args": vars(args), "go_commands": cmds, "load_averages": LOADS,
              "go": {"%s@%d" % k: v for k, v in go.items()}, "comparable": blas.lib is not None}
    # Only --allow-slow-blas gets here without OpenBLAS (main refuses).
    stamp = ""
    if blas.lib is None:
        common["not_comparable_because"] = "the peers ran %s, not OpenBLAS (--allow-slow-blas)" % blas.loaded()
        stamp = ("**NOT COMPARABLE: the peers ran %s, not OpenBLAS (--allow-slow-blas). Their steps built on matrix "
                 "products run 10-40× slower than with OpenBLAS, so the ratios below are too favourable to Adjoint.**\n\n" % blas.loaded())
        print(stamp)
    if not args.models_only:
        rows, series = build_rows(peers, go)
        tab = table(rows)
        json_path = os.path.join(args.out, "peers.json")
        with open(json_path, "w") as f:
            json.dump(dict(common, peers=peers, title="C = A·B, n×n", series=series), f, indent=1, ensure_ascii=False)
        with open(os.path.join(args.out, "table.md"), "w") as f:
            f.write(stamp + tab)
        if args.plot:
            p = subprocess.run(["go", "run", "./cmd/plot", json_path, os.path.abspath(args.plot)], cwd=HERE,
                               env=original_env(), capture_output=True, text=True)
            if p.returncode != 0:
                log("plot failed: " + p.stderr.strip())
            else:
                log("wrote %s" % args.plot)
        print("Medians: GEMM in GFLOP/s, the rest in time per step. A ratio above 1 means Adjoint is faster.\n")
        print(tab)
        chosen = ["%s: %s" % (k[:-2], m["setting"]) for k, m in peers.items() if m.get("setting")]
        if chosen:
            print("Fastest 2-thread setting of each peer network (all are in the JSON): " + "; ".join(chosen) + ".\n")
    if wdir:
        benches = {n: tw.read_header(os.path.join(wdir, n + ".safetensors"))["__metadata__"]["bench"] for n, _ in MODELS}
        mtab, mrows = model_table(model_peers, go, checks, benches)
        with open(os.path.join(args.out, "models.json"), "w") as f:
            json.dump(dict(common, peers=model_peers, rows=mrows), f, indent=1, ensure_ascii=False)
        with open(os.path.join(args.out, "models.md"), "w") as f:
            f.write(stamp + mtab)
        print("The model workloads of issue 10, one thread each: medians of time per step (Go: -count %d; "
              "PyTorch: %d repeats). A ratio is PyTorch's time / Adjoint's: above 1, Adjoint is faster.\n" % (
                  args.count, args.repeats))
        print(mtab)


if __name__ == "__main__":
    main()
