"""A small, dependency-free safetensors writer/reader for the tools (Debian's torch
1.13 has no `safetensors` package).  It follows the format description exactly and
independently of the C code in src/model/safetensors*.c:

    u64 little-endian N | N bytes of JSON header | data buffer

Header: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets"}}, offsets
relative to the data buffer.  As the Rust implementation: tensors ordered by dtype
(larger first) then name, header padded with spaces to a multiple of 8.
"""
import json
import struct

import numpy as np

# dtype name -> (numpy dtype or None, element size, rank in the Rust enum)
DTYPES = {
    "BOOL": (np.bool_, 1, 0),
    "U8": (np.uint8, 1, 1),
    "I8": (np.int8, 1, 2),
    "F8_E5M2": (None, 1, 3),
    "F8_E4M3": (None, 1, 4),
    "I16": (np.dtype("<i2"), 2, 5),
    "U16": (np.dtype("<u2"), 2, 6),
    "F16": (np.dtype("<f2"), 2, 7),
    "BF16": (None, 2, 8),
    "I32": (np.dtype("<i4"), 4, 9),
    "U32": (np.dtype("<u4"), 4, 10),
    "F32": (np.dtype("<f4"), 4, 11),
    "F64": (np.dtype("<f8"), 8, 12),
    "I64": (np.dtype("<i8"), 8, 13),
    "U64": (np.dtype("<u8"), 8, 14),
}


def to_bytes(value, dtype):
    """value: numpy array or torch tensor; returns (shape, little-endian bytes)."""
    if dtype == "BF16":
        import torch  # only needed for bfloat16

        t = torch.as_tensor(value).to(torch.bfloat16).contiguous()
        return list(t.shape), t.view(torch.int16).numpy().astype("<i2").tobytes()
    if hasattr(value, "detach"):  # a torch tensor
        import torch

        t = value.detach().cpu()
        if dtype == "F16":  # torch's own round-to-nearest-even
            t = t.to(torch.float16)
        value = t.numpy()
    npdt = DTYPES[dtype][0]
    a = np.asarray(value).astype(npdt).copy(order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
    return list(a.shape), a.tobytes()


def serialize(tensors, metadata=None):
    """tensors: {name: (dtype, array)}; metadata: {str: str}.  Returns the file bytes."""
    items = []
    for name, (dtype, value) in tensors.items():
        shape, raw = to_bytes(value, dtype)
        items.append((name, dtype, shape, raw))
    items.sort(key=lambda it: (-DTYPES[it[1]][2], it[0].encode("utf-8")))
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    off = 0
    for name, dtype, shape, raw in items:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * (-len(hj) % 8)
    return struct.pack("<Q", len(hj)) + hj + b"".join(it[3] for it in items)


def save(path, tensors, metadata=None):
    data = serialize(tensors, metadata)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def load(path):
    """Returns (metadata, {name: (dtype, shape, raw bytes)}) with basic checks."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n <= len(data) - 8, "header length beyond the file"
    header = json.loads(data[8 : 8 + n])
    buf = data[8 + n :]
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        assert 0 <= b <= e <= len(buf)
        out[name] = (info["dtype"], info["shape"], buf[b:e])
    return meta, out


def to_numpy(dtype, shape, raw):
    if dtype == "BF16":
        u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return u.view(np.float32).reshape(shape)
    return np.frombuffer(raw, dtype=DTYPES[dtype][0]).reshape(shape)
