"""Fuzz target: the command line's file reader (src/l1l2/_cli.py: load_data, and fit / path on a file).

The bytes choose a file name extension (.csv, .npy, .npz, or another), a --target, and the file's
contents: either the remaining bytes as they are (raw mode, where libFuzzer mutates the valid files
of the seed corpus) or a file built from the bytes (structured mode): a CSV of fuzzed header names,
cells (numbers, missing markers, text, quotes, NUL bytes, bad UTF-8), delimiters and line endings,
or an array saved by np.save / np.savez in any dtype and shape, then perhaps truncated or with a byte
flipped. Some inputs also run ``l1l2 fit`` or ``l1l2 path`` on the file, in process.

The property (check_load, check_main): load_data returns a valid finite problem (X 2-D real and
finite with at least one sample and one feature, y 1-D of X's samples, a name per feature) or raises
CliError, the reader's own clean error, in one line; main() never lets an exception escape, returns
0, 1 or 2, and on failure prints exactly one ``l1l2: error: ...`` line to stderr. Anything else
raises Finding.
"""
import atexit
import contextlib
import io
import os
import shutil
import tempfile
import traceback
import warnings

import numpy as np

from byte_reader import ByteReader
from l1l2._cli import CliError, load_data, main

EXTENSIONS = (".csv", ".npy", ".npz", ".csv", ".npy", ".npz", ".CSV", ".NPZ", ".txt", "")
RAW_MODE_BELOW = 96                    # mode byte below this: the file is the remaining bytes
CSV_TARGETS = ("y", "x1", "", " y", "Y", "y ", "\ufeffy", "a;b", "nan")
NPY_TARGETS = ("0", "-1", "1", "2", "-3", "9", "x", "1.5", " 1", "0x1", "", "99999999999999999999")
NPZ_TARGETS = ("y", "X", "a", "b", "missing", "", "y.npy")
HEADER_NAMES = ("y", "x1", "x2", "", " y ", "a;b", "\ufeffy", "x\ny", "\"q\"", "nan", "1", "y", "é")
CELLS = ("1", "-2.5", "0", "3e2", "nan", "NaN", "", " ", "na", "?", "inf", "-inf", "1e400", "1e-400",
         "abc", "0x10", "1_000", " 3 ", "\"4\"", "\"5,5\"", "\u22121", "\u0661", "1,5", "True",
         "1e308", "-1e308", "5e-324", "\"\"", "\"x\ny\"", "\x00", "1 2", "+7", ".5", "5.")
DTYPES = ("<f8", "<f4", "<f2", "<i8", "<u1", "|b1", "<c16", "<U3", "|S3", "<M8[s]", "<m8[s]", ">f8",
          "<f16", "object", "[('a','<f8'),('b','<i4')]")
NPZ_KEYS = ("X", "y", "a", "b", "x0", "y.npy", "X")
SHAPES = ("nk", "nk", "n", "n1", "scalar", "nk2", "0k", "n0", "mk")
COMMAND_NONE_BELOW = 160                # command byte below this: load_data only, no fit or path

_folder = None


class Finding(AssertionError):
    """A violation of the property: what the reader or main() did and why it is wrong."""


# ------------------------------------------------------------------------------------------ files

def csv_bytes(reader):
    """A CSV file: header, rows of cells, a delimiter and line ending, perhaps a BOM or bad UTF-8."""
    n_columns = reader.int_in(1, 5)
    delimiter = reader.pick((",", ",", ",", ";", "\t"))
    newline = reader.pick(("\n", "\n", "\r\n", "\r"))
    header = [reader.pick(HEADER_NAMES) for _ in range(n_columns)]
    lines = [delimiter.join(header)]
    for _ in range(reader.int_in(0, 6)):
        width = n_columns + reader.pick((0, 0, 0, 0, 1, -1))
        lines.append(delimiter.join(reader.pick(CELLS) if reader.coin(30) else str(reader.int_in(-9, 9))
                                    for _ in range(max(width, 0))))
    if reader.coin(10):
        lines.insert(reader.int_in(1, len(lines)), "")                      # a blank line
    text = newline.join(lines) + reader.pick((newline, "", newline * 2))
    content = text.encode("utf-8")
    if reader.coin(10):
        content = b"\xef\xbb\xbf" + content                                  # a byte order mark
    if reader.coin(5):
        at = reader.int_in(0, len(content))
        content = content[:at] + reader.pick((b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80")) + content[at:]
    return content


def fuzzed_array(reader, n_samples, n_columns):
    shape = {"nk": (n_samples, n_columns), "n": (n_samples,), "n1": (n_samples, 1), "scalar": (),
             "nk2": (n_samples, n_columns, 2), "0k": (0, n_columns), "n0": (n_samples, 0),
             "mk": (n_samples + 1, n_columns)}[reader.pick(SHAPES)]
    values = np.array(reader.floats(int(np.prod(shape))), dtype=np.float64).reshape(shape)
    dtype = reader.pick(DTYPES)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype == "object":
            return values.astype(object)
        if dtype.startswith("["):
            table = np.zeros(shape, dtype=[("a", "<f8"), ("b", "<i4")])
            table["a"] = values
            return table
        if dtype[1] in "USMm":
            return np.nan_to_num(values).astype(np.int64).astype(dtype)
        return values.astype(dtype)


def npy_bytes(reader):
    buffer = io.BytesIO()
    np.save(buffer, fuzzed_array(reader, reader.int_in(1, 5), reader.int_in(1, 4)), allow_pickle=True)
    return buffer.getvalue()


def npz_bytes(reader):
    n_samples, n_columns = reader.int_in(1, 5), reader.int_in(1, 3)
    arrays = {reader.pick(NPZ_KEYS): fuzzed_array(reader, n_samples, n_columns)
              for _ in range(reader.int_in(1, 3))}
    buffer = io.BytesIO()
    (np.savez_compressed if reader.coin(30) else np.savez)(buffer, allow_pickle=True, **arrays)
    return buffer.getvalue()


def damaged(reader, content):
    """The content, or with a byte changed or the end cut off (as by a failed download)."""
    what = reader.pick(("none", "none", "none", "flip", "truncate", "append"))
    if what == "flip" and content:
        at = reader.int_in(0, len(content) - 1)
        return content[:at] + bytes([content[at] ^ (1 << reader.int_in(0, 7))]) + content[at + 1:]
    if what == "truncate":
        return content[:reader.int_in(0, len(content))]
    if what == "append":
        return content + reader.take(reader.int_in(1, 16))
    return content


def build_file(reader):
    """(extension, target, command byte, file content) decoded from the input."""
    extension = reader.pick(EXTENSIONS)
    mode = reader.byte()
    command = reader.byte()
    targets = {".npy": NPY_TARGETS, ".npz": NPZ_TARGETS, ".NPZ": NPZ_TARGETS}.get(extension, CSV_TARGETS)
    target = reader.pick(targets)
    if mode < RAW_MODE_BELOW:
        return extension, target, command, reader.data[reader.pos:]
    kind = extension.lower() if extension.lower() in (".csv", ".npy", ".npz") and reader.coin(85) \
        else reader.pick((".csv", ".npy", ".npz"))
    content = {".csv": csv_bytes, ".npy": npy_bytes, ".npz": npz_bytes}[kind](reader)
    return extension, target, command, damaged(reader, content)


def encode_raw(extension, target, content, command=0):
    """The fuzz input that decodes to this raw file (for seeding the corpus): see build_file."""
    targets = {".npy": NPY_TARGETS, ".npz": NPZ_TARGETS, ".NPZ": NPZ_TARGETS}.get(extension, CSV_TARGETS)
    return bytes([EXTENSIONS.index(extension), 0, command, targets.index(target)]) + content


# -------------------------------------------------------------------------------------- property

def check_problem(X, y, names, target, where):
    """A problem the library can fit: X (n, p) real and finite, y (n,) finite, p names."""
    for name, a in (("X", X), ("y", y)):
        if not isinstance(a, np.ndarray) or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool) \
                or np.issubdtype(a.dtype, np.complexfloating):
            raise Finding(f"{where}: load_data returned a non-real {name}: {a!r}")
        if not np.isfinite(a.astype(np.float64)).all():
            raise Finding(f"{where}: load_data returned a non-finite {name}: {a!r}")
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0] or X.shape[0] < 1 or X.shape[1] < 1:
        raise Finding(f"{where}: load_data returned shapes X {X.shape}, y {y.shape}")
    if len(names) != X.shape[1] or not all(isinstance(name, str) for name in names):
        raise Finding(f"{where}: load_data returned {len(names)} names for {X.shape[1]} features")
    if not isinstance(target, str):
        raise Finding(f"{where}: load_data returned the target name {target!r}")


def check_load(file, target, where):
    """load_data's property; return whether the file loaded."""
    try:
        X, y, names, target_name = load_data(file, target)
    except CliError as exc:
        if "\n" in str(exc) or "\r" in str(exc) or not str(exc):
            raise Finding(f"{where}: load_data's error is not one line: {str(exc)!r}") from exc
        return False
    except Exception as exc:             # the property decides which exceptions are findings
        raise Finding(f"{where}: load_data raised {type(exc).__name__}, not CliError: {exc}\n"
                      f"{''.join(traceback.format_tb(exc.__traceback__)[-3:])}") from exc
    check_problem(X, y, names, target_name, where)
    return True


def command_line(command, file, target):
    """fit or path with a model and options chosen by the command byte (tiny grids: speed)."""
    model = ("lasso", "enet", "ridge", "lad", "quantile")[command % 5]
    if command % 2:
        options = ["--alpha", ("0.1", "0", "cv", "1e300")[command // 5 % 4]]
        return ["fit", file, "--target", target, "--model", model, *options]
    return ["path", file, "--target", target, "--model", model, "--n-alphas", "3"]


def check_main(argv, where):
    """main()'s property: a status, and on failure exactly one error line on stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    except BaseException as exc:
        raise Finding(f"{where}: main({argv}) let {type(exc).__name__} escape: {exc}") from exc
    errors = [line for line in err.getvalue().splitlines() if not line.startswith("l1l2: warning:")]
    if status not in (0, 1, 2):
        raise Finding(f"{where}: main({argv}) returned {status!r}")
    if status and (len(errors) != 1 or not errors[0].startswith("l1l2: error: ")):
        raise Finding(f"{where}: main({argv}) failed with status {status} and stderr {err.getvalue()!r}")
    if not status and errors:
        raise Finding(f"{where}: main({argv}) succeeded but wrote to stderr {err.getvalue()!r}")


def folder():
    """One temporary folder per process for the fuzzed files, removed at exit."""
    global _folder
    if _folder is None:
        _folder = tempfile.mkdtemp(prefix="l1l2-fuzz-cli-")
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return _folder


def test_one_input(data):
    """The harness entry point: decode `data` into a file (and perhaps a command) and check."""
    reader = ByteReader(data)
    extension, target, command, content = build_file(reader)
    file = os.path.join(folder(), "data" + extension)
    with open(file, "wb") as f:
        f.write(content)
    where = f"{extension or 'no extension'} file {content[:300]!r}, --target {target!r}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # numpy's warnings on odd dtypes are not the point here
        check_load(file, target, where)
        if command >= COMMAND_NONE_BELOW:        # also on files load_data refused: one error line
            check_main(command_line(command, file, target), where)
