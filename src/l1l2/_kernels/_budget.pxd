# When a kernel stops before it converges: a deadline (max_seconds), a stop flag, Ctrl-C.
#
# One Budget per kernel call; the deadline and the flag come from the public call's
# l1l2._limits.Budget, shared by all its kernels (threads, folds, targets). Kernels charge their work
# with spend(budget, units): every POLL_WORK units (about as many flops) it polls:
# - the clock against the deadline (out of time: the kernel returns what it has, not converged);
# - the stop flag, set by the thread that caught Ctrl-C so that kernels in other threads stop too;
# - in the main thread, at most every SIGNAL_PERIOD_MS, Python's pending signals
#   (PyErr_CheckSignals): the only place a kernel takes the GIL, and only in the main thread (signals
#   are its alone; other threads would wait for the GIL behind Python code). A raised
#   KeyboardInterrupt stays set, the kernel unwinds (its arrays stay consistent), and the entry point
#   raises it (raise_if_interrupted). A signal that came before the kernel was raised by Python
#   already, so the first look is SIGNAL_PERIOD_MS in.
# A poll costs some 30 ns, so the polls cost nothing measurable, and a stop is seen within about a
# millisecond of work, or of one pass over X (a duality gap, which is not cut short). The C functions
# exported to other extensions run on an unlimited() budget: it never stops and never takes the GIL.
from libc.math cimport INFINITY

cdef extern from "l1l2_budget.h":
    double l1l2_now() noexcept nogil
    int l1l2_flag_is_set(const int* flag) noexcept nogil
    void l1l2_set_flag(int* flag) noexcept nogil

cdef extern from "Python.h":
    # Declared without `except -1`: the exception it raises (KeyboardInterrupt) stays pending until
    # the entry point, holding the GIL again, raises it.
    int check_signals "PyErr_CheckSignals" () noexcept
    void* PyErr_Occurred() noexcept

cdef enum:
    POLL_WORK = 100000
    SIGNAL_PERIOD_MS = 20    # between two looks at Python's signals
    RUNNING = 0
    PAST_DEADLINE = 1
    INTERRUPTED = 2

cdef struct Budget:
    double deadline          # l1l2_now() seconds; INFINITY: none
    int* stop                # the public call's flag: nonzero = every kernel of the call stops
    double next_signals      # when to look at Python's signals next
    Py_ssize_t countdown     # work units until the next poll
    int reason               # RUNNING, then PAST_DEADLINE or INTERRUPTED


cdef inline Budget make_budget(double deadline, int[::1] flag):
    """A kernel's Budget from a public call's _limits.Budget (its deadline and its stop flag, a
    view the caller keeps alive). Its first spend polls: a kernel called past the deadline, or
    after Ctrl-C in another thread, stops at once."""
    import threading
    main = threading.get_ident() == threading.main_thread().ident
    return Budget(deadline=deadline, stop=&flag[0],
                  next_signals=l1l2_now() + SIGNAL_PERIOD_MS * 1e-3 if main else INFINITY,
                  countdown=0, reason=RUNNING)


cdef inline Budget unlimited(int* flag) noexcept nogil:
    """A Budget that never stops; flag: an int 0 that outlives it."""
    return Budget(deadline=INFINITY, stop=flag, next_signals=INFINITY, countdown=POLL_WORK,
                  reason=RUNNING)


cdef inline bint poll(Budget* b) noexcept nogil:
    """Look at the clock, the flag and (main thread) Python's signals; True once stopped."""
    cdef double now
    if b.reason != RUNNING:
        return True
    if l1l2_flag_is_set(b.stop):
        b.reason = INTERRUPTED
        return True
    now = l1l2_now()
    if now >= b.deadline:
        b.reason = PAST_DEADLINE
    elif now >= b.next_signals:
        b.next_signals = now + SIGNAL_PERIOD_MS * 1e-3
        with gil:
            if check_signals() != 0:
                b.reason = INTERRUPTED
                l1l2_set_flag(b.stop)
    return b.reason != RUNNING


cdef inline bint spend(Budget* b, Py_ssize_t work) noexcept nogil:
    """Charge `work` units; poll when they add up to POLL_WORK. True once the kernel must stop."""
    b.countdown -= work
    if b.countdown > 0:
        return b.reason != RUNNING
    b.countdown = POLL_WORK
    return poll(b)


cdef inline int raise_if_interrupted(const Budget* b) except -1:
    """After the nogil part: re-raise the pending KeyboardInterrupt (or raise one, in a thread
    stopped by the flag)."""
    if b.reason != INTERRUPTED:
        return 0
    if PyErr_Occurred() == NULL:
        raise KeyboardInterrupt
    return -1
