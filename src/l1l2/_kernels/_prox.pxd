# Scalar helpers shared by the kernels.
from cython cimport floating


cdef inline floating soft_threshold(floating z, floating t) noexcept nogil:
    """Return sign(z) * max(|z| - t, 0), the proximal map of t*|.|."""
    if z > t:
        return z - t
    if z < -t:
        return z + t
    return 0


cdef inline floating positive_threshold(floating z, floating t) noexcept nogil:
    """Return max(z - t, 0), the proximal map of t*|.| plus the constraint w >= 0."""
    return z - t if z > t else 0
