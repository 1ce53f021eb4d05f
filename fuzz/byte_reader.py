"""Decode fuzz bytes into choices, numbers and arrays, without atheris.

The fuzz targets draw every input from a ByteReader, so the same bytes always give the same call, and
the replay test (tests/test_fuzz_replay.py) can run corpus files without atheris installed. When the
bytes run out every draw returns its first choice (zeros): short inputs stay valid calls.
"""
import struct

import numpy as np

# Values that sit on the edges of float arithmetic and of the validation rules.
SPECIAL_FLOATS = (0.0, 1.0, -1.0, 0.5, 2.0, -0.5, 3.0, 1e-3, 10.0, 100.0, np.nan, np.inf, -np.inf,
                  1e308, -1e308, 1.7e308, 1e-308, 5e-324, 3.4e38, 1e39, 1e-45, 1e154, 1e200, -0.0,
                  1e-20, 1e20, 0.1, 0.9, 1 - 1e-16, 1e-16)


class ByteReader:
    """Sequential reader of the fuzz input: each draw consumes a few bytes."""

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk.ljust(n, b"\0")

    def byte(self):
        return self.take(1)[0]

    def int_in(self, low, high):
        """An integer in [low, high], inclusive."""
        span = high - low + 1
        raw = int.from_bytes(self.take(1 if span <= 256 else 4), "little")
        return low + raw % span

    def pick(self, options):
        return options[self.int_in(0, len(options) - 1)]

    def coin(self, percent=50):
        """True with about `percent` % probability on random bytes (False when the bytes run out)."""
        return self.byte() * 100 >= (100 - percent) * 256

    def raw_float(self):
        return struct.unpack("<d", self.take(8))[0]

    def float(self):
        """A float: mostly a special value or a small integer, sometimes any bit pattern."""
        mode = self.byte() % 8
        if mode < 4:
            return float(self.int_in(-8, 8))
        if mode < 7:
            return self.pick(SPECIAL_FLOATS)
        return self.raw_float()

    def floats(self, count):
        return [self.float() for _ in range(count)]

    def text(self, max_length):
        length = self.int_in(0, max_length)
        return self.take(length).decode("latin-1")
