#!/usr/bin/python3
"""PyTorch interop proof for Adjoint's layers: torch.nn loads Adjoint's files.

Run it with Debian's system Python, which has torch (apt-get install
python3-torch python3-numpy):

    /usr/bin/python3 layers/testdata/interop/gen.py          # rewrite the files
    /usr/bin/python3 layers/testdata/interop/gen.py --check  # exit 1 if stale

Cases live in one gen_<family>.py per family beside this file. Each defines
cases(), a list of dicts:

  name      unique; seeds torch (crc32(name)) and names the files below
  config    what the Go side needs to build the same module (JSON)
  module    a zero-argument callable building the torch.nn module; it is
            called right after torch.manual_seed(crc32(name)), so the
            module's own initialisation is reproducible
  inputs    a callable g -> list of float tensors, drawn from g (a seeded
            torch.Generator); every input is differentiated
  forward   a callable (module, inputs) -> list of output tensors
  training  the module's mode (default False)
  dtype     "F64" (default) or "F32": the dtype of torch_<name>.safetensors

For each case this script

 1. writes torch_<name>.safetensors, the state_dict of torch's own module,
    and lists its values in the JSON (torch_state), so that the Go test can
    check that a PyTorch-written file loads into Adjoint;
 2. if adjoint_<name>.safetensors exists (written by Adjoint: `go test
    ./layers -run TestInterop -update-interop` writes the missing ones),
    loads it into the torch module with load_state_dict(strict=True), runs
    forward on the inputs and backward of sum_i sum(out_i * G_i) with random
    weights G_i, and records inputs, outputs, G, and the gradients of every
    input and parameter (by state_dict name) in float64.

Adjoint's files have no num_batches_tracked (BatchNorm's integer counter,
which Adjoint keeps outside its state); strict loading accepts that, because
torch's BatchNorm fills the counter in itself when a state_dict without
version metadata lacks it.

It writes <family>.json per family (sorted keys, one line per case, floats in
repr form, which round-trips float64). layers/interop_test.go replays every
case with Adjoint in float64 (to 1e-9) and float32 (to 1e-5); it needs no
Python.
"""

import argparse
import glob
import importlib.util
import json
import os
import sys
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import st  # noqa: E402

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)


def enc(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def seed(name):
    return zlib.crc32(name.encode())


def families():
    for path in sorted(glob.glob(os.path.join(HERE, "gen_*.py"))):
        family = os.path.basename(path)[len("gen_"):-len(".py")]
        spec = importlib.util.spec_from_file_location("interop_" + family, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        yield family, mod


def run(family, c, out_dir, check):
    name = c["name"]
    dtype = c.get("dtype", "F64")
    torch.manual_seed(seed(name))
    module = c["module"]()
    own = {k: v.detach().clone() for k, v in module.state_dict().items()}
    if dtype == "F32":
        own = {k: (v.to(torch.float32) if v.is_floating_point() else v) for k, v in own.items()}
    torch_file = os.path.join(out_dir, "torch_%s.safetensors" % name)
    if not check:
        st.write(torch_file, own, {"format": "pt"})
    entry = {
        "name": name,
        "family": family,
        "config": c["config"],
        "training": bool(c.get("training", False)),
        "torch_dtype": dtype,
        "torch_state": {k: enc(v) for k, v in own.items() if v.is_floating_point()},
        "results": None,
    }
    adjoint_file = os.path.join(out_dir, "adjoint_%s.safetensors" % name)
    if not os.path.exists(adjoint_file):
        print("%s: no %s yet: run go test ./layers -run TestInterop -update-interop, then this again"
              % (name, os.path.basename(adjoint_file)), file=sys.stderr)
        return entry
    module.load_state_dict(st.read(adjoint_file), strict=True)
    module.train(entry["training"])
    g = torch.Generator().manual_seed(seed(name) + 1)
    inputs = [x.detach().clone().requires_grad_(True) for x in c["inputs"](g)]
    outs = c["forward"](module, inputs)
    grads_out = [torch.rand(o.shape, generator=g) * 2 - 1 for o in outs]
    module.zero_grad()
    sum((o * w).sum() for o, w in zip(outs, grads_out)).backward()

    def grad(t):
        return enc(t.grad if t.grad is not None else torch.zeros_like(t))

    entry["results"] = {
        "inputs": [enc(x) for x in inputs],
        "outputs": [enc(o) for o in outs],
        "grad_outputs": [enc(w) for w in grads_out],
        "input_grads": [grad(x) for x in inputs],
        "param_grads": {n: grad(p) for n, p in module.named_parameters()},
    }
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-d", "--dir", default=HERE, help="directory of the files")
    ap.add_argument("--check", action="store_true", help="exit 1 if a JSON file is stale")
    args = ap.parse_args()
    stale = False
    for family, mod in families():
        cases = [run(family, c, args.dir, args.check) for c in mod.cases()]
        text = json.dumps({"torch": torch.__version__, "cases": cases}, sort_keys=True, separators=(",", ":"))
        text = text.replace('{"config"', '\n{"config"') + "\n"
        path = os.path.join(args.dir, family + ".json")
        if args.check:
            with open(path) as f:
                if f.read() != text:
                    print(path + " is stale: rerun gen.py", file=sys.stderr)
                    stale = True
            continue
        with open(path, "w") as f:
            f.write(text)
    if stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
