"""Exceptions raised by neurocore.

Bad arguments raise the standard ``ValueError``, ``TypeError`` or ``ZeroDivisionError`` with a
message naming the argument. neurocore's own failures derive from :class:`NeurocoreError`.
"""

from neurocore._core import (
    CertificationError,
    IntegerOverflowError,
    NeurocoreError,
    ResourceLimitError,
)

__all__ = [
    "CertificationError",
    "IntegerOverflowError",
    "NeurocoreError",
    "ResourceLimitError",
]
