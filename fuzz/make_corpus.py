"""Write the seed corpora fuzz/corpus/validation and fuzz/corpus/cli_reader (deterministic).

    python fuzz/make_corpus.py

validation: for each public function, the first inputs of a seeded random stream whose call
succeeds, and whose call raises a ValueError or TypeError (valid and near-valid calls).
cli_reader: hand-written files (valid CSV, .npy and .npz data, and near misses: a missing value, a
semicolon CSV, a 1-D .npy, an .npz without features) in raw mode, plus a few structured inputs.
"""
import io
import os
import random
import warnings

import numpy as np

import cli_reader_target
import validation_target
from byte_reader import ByteReader

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS_PER_OUTCOME = 1


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def outcome(data):
    """(function name, 'ok' or the exception type) of a validation input."""
    name, X, y, args, options, _ = validation_target.build_call(ByteReader(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(validation_target.l1l2, name)(X, y, *args, **options)
        except (ValueError, TypeError) as exc:
            return name, type(exc).__name__
    return name, "ok"


def validation_seeds():
    rng = random.Random(0)
    wanted = {(name, kind) for name in set(validation_target.FUNCTIONS) for kind in ("ok", "ValueError")}
    while wanted:
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(20, 200)))
        try:
            key = outcome(data)
        except Exception:
            continue
        if key in wanted:
            wanted.discard(key)
            write("validation", f"{key[0]}-{key[1]}", data)


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def cli_reader_seeds():
    rng = np.random.default_rng(0)
    X, y = rng.integers(-5, 5, (6, 3)).astype(float), rng.integers(-5, 5, 6).astype(float)
    rows = "\n".join(",".join(map(repr, row)) for row in np.c_[X, y])
    files = {
        "valid.csv": (".csv", "y", f"x1,x2,x3,y\n{rows}\n".encode()),
        "crlf-quoted.csv": (".csv", "y", b'"x1",y\r\n1,2\r\n"3",4\r\n5,6\r\n'),
        "missing.csv": (".csv", "y", b"x1,x2,y\n1,,3\n4,5,6\n"),
        "semicolon.csv": (".csv", "y", b"x1;y\n1;2\n3;4\n"),
        "header-only.csv": (".csv", "y", b"x1,y\n"),
        "valid.npy": (".npy", "-1", npy(np.c_[X, y])),
        "int.npy": (".npy", "0", npy(np.arange(12).reshape(4, 3))),
        "one-d.npy": (".npy", "0", npy(y)),
        "valid.npz": (".npz", "y", npz(X=X, y=y)),
        "columns.npz": (".npz", "y", npz(y=y, a=X[:, 0], b=X[:, 1:])),
        "target-only.npz": (".npz", "y", npz(y=y)),
        "rows-differ.npz": (".npz", "y", npz(X=X[:4], y=y)),
    }
    for name, (extension, target, content) in files.items():
        write("cli_reader", name, cli_reader_target.encode_raw(extension, target, content))
        write("cli_reader", "fit-" + name, cli_reader_target.encode_raw(extension, target, content, 255))
    rng = random.Random(1)
    for k in range(6):                          # structured inputs: mode byte >= RAW_MODE_BELOW
        data = bytes([k % 3, 200, rng.randrange(256)]) + bytes(rng.randrange(256) for _ in range(120))
        write("cli_reader", f"structured-{k}", data)


if __name__ == "__main__":
    validation_seeds()
    cli_reader_seeds()
