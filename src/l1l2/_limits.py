"""How long a public call may run beyond max_iter: max_seconds, and Ctrl-C (_kernels/_budget.pxd)."""
import math

import numpy as np

from l1l2._kernels._cd import now


class Budget:
    """The deadline of one public call (max_seconds from its start; None: none) and the stop flag
    that all its kernels poll. Ctrl-C caught in one of them, or in the main thread while workers
    run, sets the flag, and the kernels in every thread stop within a poll."""

    __slots__ = ("max_seconds", "deadline", "stop")

    def __init__(self, max_seconds=None):
        self.max_seconds = max_seconds
        self.deadline = math.inf if max_seconds is None else now() + max_seconds
        self.stop = np.zeros(1, dtype=np.intc)

    def out_of_time(self):
        return now() >= self.deadline

    def remaining(self):
        """max_seconds for a call that must end by this deadline (None: no limit)."""
        return None if self.deadline == math.inf else max(self.deadline - now(), 1e-9)

    def halted(self):
        return bool(self.stop[0])

    def halt(self):
        """Stop every kernel of the call (they raise KeyboardInterrupt, or return at once)."""
        self.stop[0] = 1
