"""Cython kernels: trusted, validated-elsewhere inputs; no Python module of the package is imported here."""
