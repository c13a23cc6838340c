#!/usr/bin/env python3
"""Converts facts.parquet (gen_data.py) into facts.raw, the column file the Rust bench reads.

Usage:
    python to_raw.py DATA_DIR        (writes DATA_DIR/facts.raw; not part of any timing)

Layout, little-endian:
    8 bytes   magic  b"GDFACT01"
    8 bytes   rows   u64
    rows x 4  region_id  i32
    rows x 2  period_id  i16
    rows x 2  element_id i16
    rows x 8  value      f64   (the parquet doubles, bit for bit; the bench converts them to
                                exact 4-decimal quantities itself and refuses any that is not one)
Row order is the parquet's (region, period, element).
"""
import hashlib
import json
import os
import sys

import numpy as np
import pyarrow.parquet as pq


def main(data):
    table = pq.read_table(os.path.join(data, "facts.parquet"))
    rows = table.num_rows
    tmp = os.path.join(data, "facts.raw.tmp")
    with open(tmp, "wb") as f:
        f.write(b"GDFACT01")
        f.write(np.uint64(rows).astype("<u8").tobytes())
        for name, dtype in (("region_id", "<i4"), ("period_id", "<i2"), ("element_id", "<i2"), ("value", "<f8")):
            column = table.column(name).to_numpy()
            f.write(np.ascontiguousarray(column).astype(dtype, copy=False).tobytes())
    # The columns are exactly the arrays gen_data.py hashed: check them against header.json.
    digest = hashlib.sha256()
    with open(tmp, "rb") as f:
        f.seek(16)
        for block in iter(lambda: f.read(1 << 24), b""):
            digest.update(block)
    with open(os.path.join(data, "header.json")) as f:
        expected = json.load(f)["sha256_raw_arrays"]
    if digest.hexdigest() != expected:
        os.remove(tmp)
        sys.exit(f"facts.raw: sha256 {digest.hexdigest()} differs from header.json {expected}")
    os.replace(tmp, os.path.join(data, "facts.raw"))
    print(f"facts.raw: {rows} rows, sha256 {expected} as in header.json")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
