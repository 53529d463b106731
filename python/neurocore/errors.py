"""Exceptions raised by neurocore.

Bad arguments raise the standard ``ValueError``, ``TypeError`` or ``ZeroDivisionError`` with a
message naming the argument. neurocore's own failures derive from :class:`NeurocoreError`:

- :class:`ResourceLimitError` (also a ``MemoryError``): the memory a call needs, estimated
  before anything is allocated, is above the limit;
- :class:`CertificationError`: a randomized step was unlucky repeatedly; retry with another seed;
- :class:`IntegerOverflowError`: an exact integer does not fit the requested machine type;
- :class:`InternalError`: a bug in neurocore; please report it with its message (never a
  reason to retry).
"""

from neurocore._core import (
    CertificationError,
    IntegerOverflowError,
    InternalError,
    NeurocoreError,
    ResourceLimitError,
)

__all__ = [
    "CertificationError",
    "IntegerOverflowError",
    "InternalError",
    "NeurocoreError",
    "ResourceLimitError",
]
