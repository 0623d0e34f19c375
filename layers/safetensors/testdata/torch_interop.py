#!/usr/bin/python3
"""Move model weights between PyTorch and Adjoint in the safetensors format.

Run it with Debian's system Python, which has torch (apt-get install
python3-torch); a pyenv or virtualenv python3 without torch will not do. The
safetensors Python package is not needed (Debian does not ship it): this
script reads and writes the format itself, in a few lines of struct and json,
following the specification of github.com/huggingface/safetensors:

  8 bytes   N, the header length, an unsigned little-endian 64-bit integer
  N bytes   a UTF-8 JSON object that starts with '{', padded with spaces;
            {"__metadata__": {str: str}, "name": {"dtype": "F32",
            "shape": [4, 3], "data_offsets": [begin, end]}, ...}
  the rest  the byte buffer: every tensor little-endian and row-major, the
            offsets relative to its start, covering it without gaps or
            overlaps.

The writer lays a file out as the reference implementation does: tensors
sorted by decreasing element size, then by name; compact JSON with
__metadata__ first; the header padded with spaces to a multiple of 8 bytes.

Two modes:

    /usr/bin/python3 layers/safetensors/testdata/torch_interop.py
        (re)generate, beside this script:
          torch_mlp_f32.safetensors  the state_dict of
                torch.nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2)),
                float32, weights from torch.manual_seed(SEED)
          torch_mlp_f64.safetensors  the same weights as float64 (exactly
                the float32 values, widened)
          torch_mlp.json             the fixed input, the forward outputs of
                both models, and every tensor's values (Python float repr,
                which round-trips float64 exactly)
        The output is deterministic: run it twice, get the same bytes.

    /usr/bin/python3 layers/safetensors/testdata/torch_interop.py --check FILE
        read FILE (a file Adjoint wrote) with the strict reader below, load
        it into the same torch model with load_state_dict(strict=True), run
        the forward pass on the fixed input of torch_mlp.json, and print one
        JSON object: {"dtype", "names", "metadata", "canonical", "output"}.
        "canonical" says whether FILE is byte for byte what this script's
        writer makes of the same tensors and metadata. With --expect E.json
        it also compares "output" with E.json's "output" (or, failing that,
        its "output_f32" or "output_f64": torch_mlp.json will do for a file
        of torch's weights), within atol 1e-6 and rtol 1e-5 for float32,
        1e-12 for float64, and exits 1 on a difference.
        Any problem with the file exits 1 with a message on stderr.

layers/modelfile_test.go loads the generated files into Adjoint and, when
/usr/bin/python3 has torch, runs --check on a file that Adjoint wrote. The Go
tests need no Python otherwise.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 5
# The fixed input: a batch of 5 rows of 3 features, all exactly representable
# in float32, some negative so that ReLU cuts.
INPUT = [
    [0.5, -1.25, 2.0],
    [-0.75, 0.25, 1.5],
    [1.0, 1.0, -1.0],
    [-2.0, 0.5, 0.125],
    [0.0, -0.5, -0.25],
]
DTYPES = {  # safetensors name -> (torch dtype, little-endian numpy dtype)
    "F32": (torch.float32, np.dtype("<f4")),
    "F64": (torch.float64, np.dtype("<f8")),
}
MAX_HEADER = 100_000_000


def model(dtype):
    """The architecture both sides share, with weights from SEED."""
    torch.manual_seed(SEED)
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    return m.to(dtype)


def dtype_name(t):
    for name, (td, _) in DTYPES.items():
        if t.dtype == td:
            return name
    raise ValueError(f"unsupported dtype {t.dtype}")


def serialize(tensors, metadata=None):
    """The bytes of a safetensors file of tensors (name -> torch.Tensor)."""
    def key(item):
        name, t = item
        return (-DTYPES[dtype_name(t)][1].itemsize, name.encode("utf-8"))

    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name, t in sorted(tensors.items(), key=key):
        dt = dtype_name(t)
        data = t.detach().contiguous().numpy().astype(DTYPES[dt][1]).tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)


def deserialize(raw):
    """Parse and check a safetensors file: returns (tensors, metadata)."""
    if len(raw) < 8:
        raise ValueError(f"{len(raw)} bytes: too short for the header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise ValueError(f"header length {n} does not fit a {len(raw)}-byte file")
    h = raw[8 : 8 + n]
    if h[:1] != b"{":
        raise ValueError("the header does not start with '{'")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"duplicate keys in {keys}")
        return dict(pairs)

    header = json.loads(h.decode("utf-8"), object_pairs_hook=no_duplicates)
    metadata = header.pop("__metadata__", None)
    buf = raw[8 + n :]
    spans = sorted((info["data_offsets"][0], info["data_offsets"][1], name) for name, info in header.items())
    pos = 0
    for begin, end, name in spans:
        if begin != pos:
            raise ValueError(f"{name}: data begins at {begin}, the previous tensor ended at {pos}")
        pos = end
    if pos != len(buf):
        raise ValueError(f"the tensors cover {pos} bytes of a {len(buf)}-byte buffer")
    tensors = {}
    for name, info in header.items():
        torch_dtype, np_dtype = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - begin != count * np_dtype.itemsize:
            raise ValueError(f"{name}: {end - begin} bytes for shape {info['shape']} of {info['dtype']}")
        a = np.frombuffer(buf[begin:end], dtype=np_dtype).reshape(info["shape"])
        tensors[name] = torch.from_numpy(a.copy()).to(torch_dtype)
    return tensors, metadata


def values(t):
    return t.detach().double().reshape(-1).tolist()


def forward(m, dtype):
    with torch.no_grad():
        return m(torch.tensor(INPUT, dtype=dtype)).double().tolist()


def generate():
    m32, m64 = model(torch.float32), model(torch.float64)
    # The float64 model holds exactly the float32 weights, widened.
    m64.load_state_dict({k: v.double() for k, v in m32.state_dict().items()})
    meta = {"format": "pt"}
    for m, suffix in ((m32, "f32"), (m64, "f64")):
        with open(os.path.join(HERE, f"torch_mlp_{suffix}.safetensors"), "wb") as f:
            f.write(serialize(m.state_dict(), meta))
    ref = {
        "about": "written by torch_interop.py; torch.nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2)), torch.manual_seed(%d)" % SEED,
        "torch_version": torch.__version__.split("+")[0],
        "input": INPUT,
        "output_f32": forward(m32, torch.float32),
        "output_f64": forward(m64, torch.float64),
        "state_dict": {k: {"shape": list(v.shape), "values": values(v)} for k, v in m32.state_dict().items()},
    }
    with open(os.path.join(HERE, "torch_mlp.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


def check(path, expect):
    with open(path, "rb") as f:
        raw = f.read()
    tensors, metadata = deserialize(raw)
    dtypes = {dtype_name(t) for t in tensors.values()}
    if len(dtypes) != 1:
        raise ValueError(f"mixed dtypes {sorted(dtypes)}")
    (dt,) = dtypes
    m = model(DTYPES[dt][0])
    m.load_state_dict(tensors, strict=True)
    out = forward(m, DTYPES[dt][0])
    result = {
        "dtype": dt,
        "names": sorted(tensors),
        "metadata": metadata,
        "canonical": serialize(tensors, metadata) == raw,
        "output": out,
    }
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    if expect is not None:
        with open(expect) as f:
            ref = json.load(f)
        want = torch.tensor(ref.get("output", ref.get("output_" + dt.lower())), dtype=torch.float64)
        atol, rtol = (1e-6, 1e-5) if dt == "F32" else (1e-12, 1e-12)
        if not torch.allclose(torch.tensor(out, dtype=torch.float64), want, atol=atol, rtol=rtol):
            print(f"output differs from {expect}: got {out}, want {want.tolist()}", file=sys.stderr)
            return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", metavar="FILE", help="read FILE, load it into torch and print the forward output")
    ap.add_argument("--expect", metavar="JSON", help="with --check: compare with this JSON's output")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.check is None:
        generate()
        return 0
    try:
        return check(args.check, args.expect)
    except (ValueError, KeyError, RuntimeError, OSError) as e:
        print(f"{args.check}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
