#!/usr/bin/python3
"""Writes tests/data/torch_small.safetensors: a small file made with PyTorch's own
number conversions (torch.float16 / torch.bfloat16 rounding) and a hand-written
safetensors serializer (tools/safetensors_py.py; torch 1.13 has no safetensors
package).  tests/test_safetensors.c loads it and checks every value.

Run with Debian's python:  /usr/bin/python3 tools/make_safetensors_vector.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_py as st  # noqa: E402

F16_VALUES = [
    1.0 / 3.0, -2.5, 65504.0, 65519.0, 65520.0, 1e-7, 2.0**-24, 2.0**-25, 3 * 2.0**-26,
    -0.0, float("inf"), 0.1, 1 + 2.0**-11, 1 + 3 * 2.0**-11,
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "torch_small.safetensors")
    f32 = torch.float32
    tensors = {
        "a.f32": ("F32", torch.arange(24, dtype=f32).reshape(2, 3, 4) * 0.25 - 3.0),
        "h.f16": ("F16", torch.tensor(F16_VALUES, dtype=f32)),
        "b.bf16": ("BF16", torch.tensor([1.0 / 3.0, -1.5, 3.0e38], dtype=f32)),
        "d.f64": ("F64", torch.tensor([0.1, -1e300], dtype=torch.float64)),
        "i.i64": ("I64", torch.tensor([[-1, 2], [3, 1 << 40]], dtype=torch.int64)),
        "u.u8": ("U8", torch.tensor([0, 1, 128, 255], dtype=torch.uint8)),
        "scalar": ("F32", torch.tensor(42.5, dtype=f32)),
        "empty": ("F32", torch.zeros(0, 3, dtype=f32)),
        "\u00fcn\u00ef \U0001F600": ("F32", torch.tensor([7.0], dtype=f32)),
    }
    meta = {
        "format": "pt",
        "producer": "tools/make_safetensors_vector.py",
        "torch": torch.__version__,
        'quote"key': "line\nbreak\ttab",
    }
    n = st.save(out, tensors, meta)
    # Read it back through the twin reader as a sanity check.
    m2, t2 = st.load(out)
    assert m2 == meta and set(t2) == set(tensors)
    print(f"wrote {out} ({n} bytes, {len(tensors)} tensors)")


if __name__ == "__main__":
    main()
