"""Type stubs of the Rust extension ``neurocore._core`` (PyO3 glue; use the ``neurocore`` API)."""

from collections.abc import Sequence
from typing import Any, Literal, TypeAlias, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "bombieri_weights",
    "closest_hessian",
    "closest_search",
    "closest_sq_distance",
    "cnn_realizability",
    "cnn_shared_roots",
    "coefficient_jacobian_exact",
    "coefficient_jacobian_float",
    "coefficient_jacobian_mod_p",
    "coefficients_exact",
    "coefficients_float",
    "coefficients_mod_p",
    "dimension",
    "evaluate_exact",
    "evaluate_float",
    "evaluate_mod_p",
    "evaluation_jacobian_float",
    "evaluation_jacobian_mod_p",
    "is_prime",
    "kernel_mod_p",
    "memory_limit",
    "rank_mod_p",
    "set_memory_limit",
    "CertificationError",
    "IntegerOverflowError",
    "InternalError",
    "NeurocoreError",
    "ResourceLimitError",
    "kernel_qq",
    "rank_qq",
    "NetworkCore",
    "BatchError",
    "dimension_batch",
    "scan_points",
    "scan_ranks",
    "scan_ranks_at",
    "symmetry_tangents_exact",
    "symmetry_tangents_float",
    "symmetry_tangents_mod_p",
    "DEFAULT_PRIME",
    "__version__",
]

__version__: str
DEFAULT_PRIME: int

class NeurocoreError(Exception): ...
class ResourceLimitError(MemoryError, NeurocoreError): ...
class InternalError(NeurocoreError): ...
class IntegerOverflowError(NeurocoreError): ...
class CertificationError(NeurocoreError): ...

_U64 = npt.NDArray[np.uint64]
_F64 = npt.NDArray[np.float64]
_Ints = Sequence[int]
_Sampler: TypeAlias = Literal["uniform", "integer", "sparse"]
_BatchErrorKind: TypeAlias = Literal[
    "ValueError",
    "TypeError",
    "ZeroDivisionError",
    "IntegerOverflowError",
    "ResourceLimitError",
    "CertificationError",
    "InternalError",
]

@final
class BatchError:
    def __new__(cls, kind: _BatchErrorKind, message: str) -> BatchError: ...
    @property
    def kind(self) -> _BatchErrorKind: ...
    @property
    def message(self) -> str: ...
    def __getnewargs__(self) -> tuple[str, str]: ...

@final
class NetworkCore:
    def __new__(cls, layers: Sequence[tuple[Any, ...]]) -> NetworkCore: ...
    @property
    def n_params(self) -> int: ...
    @property
    def input_dim(self) -> int: ...
    @property
    def output_dim(self) -> int: ...
    def degree_intervals(self) -> list[tuple[int, int]]: ...
    def parameter_degree(self) -> int: ...
    def ambient_dim(self) -> int: ...
    def symmetry_dim(self, threads: int = 0) -> int: ...
    def monomials(self) -> npt.NDArray[np.uint32]: ...

def bombieri_weights(net: NetworkCore) -> _F64: ...
def closest_hessian(
    net: NetworkCore,
    theta: _F64,
    *,
    target: _F64 | None = None,
    metric: str = "euclidean",
    weights: _F64 | None = None,
    x: _F64 | None = None,
    y: _F64 | None = None,
    threads: int = 0,
) -> _F64: ...
def closest_search(
    net: NetworkCore,
    *,
    target: _F64 | None = None,
    metric: str = "euclidean",
    weights: _F64 | None = None,
    x: _F64 | None = None,
    y: _F64 | None = None,
    starts: int = 64,
    seed: int = 0,
    max_iter: int = 1000,
    gtol: float = 1e-10,
    scale: float | None = None,
    initial: _F64 | None = None,
    threads: int = 0,
) -> dict[str, Any]: ...
def closest_sq_distance(
    net: NetworkCore,
    theta: _F64,
    *,
    target: _F64 | None = None,
    metric: str = "euclidean",
    weights: _F64 | None = None,
    x: _F64 | None = None,
    y: _F64 | None = None,
) -> float: ...
def cnn_realizability(filter_sizes: _Ints, nums: _Ints, dens: _Ints) -> dict[str, Any]: ...
def cnn_shared_roots(
    filters: Sequence[tuple[_Ints, _Ints]], cumulative_strides: _Ints
) -> list[tuple[int, int, list[int], list[int]]]: ...
def coefficient_jacobian_exact(
    net: NetworkCore, nums: _Ints, dens: _Ints, threads: int = 0
) -> tuple[int, int, list[int], list[int]]: ...
def coefficient_jacobian_float(net: NetworkCore, theta: _F64, threads: int = 0) -> _F64: ...
def coefficient_jacobian_mod_p(net: NetworkCore, theta: _U64, prime: int, threads: int = 0) -> _U64: ...
def coefficients_exact(net: NetworkCore, nums: _Ints, dens: _Ints) -> tuple[list[int], list[int]]: ...
def coefficients_float(net: NetworkCore, theta: _F64) -> _F64: ...
def coefficients_mod_p(net: NetworkCore, theta: _U64, prime: int) -> _U64: ...
def dimension(
    net: NetworkCore, seed: int = 0, primes: Sequence[int] | None = None, trials: int = 2, threads: int = 0
) -> dict[str, Any]: ...
def dimension_batch(
    nets: Sequence[NetworkCore], seed: int, *, timeout: float | None = None, threads: int = 0
) -> list[dict[str, Any]]: ...
def evaluate_exact(
    net: NetworkCore, nums: _Ints, dens: _Ints, point_nums: _Ints, point_dens: _Ints
) -> tuple[list[int], list[int]]: ...
def evaluate_float(net: NetworkCore, theta: _F64, points: _F64, threads: int = 0) -> _F64: ...
def evaluate_mod_p(net: NetworkCore, theta: _U64, points: _U64, prime: int, threads: int = 0) -> _U64: ...
def evaluation_jacobian_float(net: NetworkCore, theta: _F64, points: _F64, threads: int = 0) -> _F64: ...
def evaluation_jacobian_mod_p(net: NetworkCore, theta: _U64, points: _U64, prime: int, threads: int = 0) -> _U64: ...
def is_prime(n: int) -> bool: ...
def kernel_mod_p(matrix: _U64, prime: int, threads: int = 0) -> _U64: ...
def kernel_qq(
    rows: int, cols: int, entries: Any, seed: int = 0, threads: int = 0
) -> tuple[int, int, list[int], list[int]]: ...
def memory_limit() -> int: ...
def rank_mod_p(matrix: _U64, prime: int, threads: int = 0) -> int: ...
def rank_qq(
    rows: int, cols: int, entries: Any, seed: int = 0, threads: int = 0
) -> tuple[int, int, int, bool, list[int]]: ...
def scan_points(
    net: NetworkCore,
    prime: int,
    seed: int,
    sampler: _Sampler,
    indices: npt.NDArray[np.uint64] | _Ints,
    *,
    sparsity: float = 0.5,
    integer_bound: int = 3,
) -> _U64: ...
def scan_ranks(
    net: NetworkCore,
    prime: int,
    seed: int,
    sampler: _Sampler,
    start: int,
    count: int,
    *,
    sparsity: float = 0.5,
    integer_bound: int = 3,
    threads: int = 0,
) -> dict[str, Any]: ...
def scan_ranks_at(
    net: NetworkCore, prime: int, seed: int, thetas: _U64, start: int, *, threads: int = 0
) -> dict[str, Any]: ...
def set_memory_limit(bytes: int) -> None: ...
def symmetry_tangents_exact(
    net: NetworkCore, nums: _Ints, dens: _Ints, hidden: bool = False
) -> tuple[int, int, list[int], list[int]]: ...
def symmetry_tangents_float(net: NetworkCore, theta: _F64, hidden: bool = False) -> _F64: ...
def symmetry_tangents_mod_p(net: NetworkCore, theta: _U64, prime: int, hidden: bool = False) -> _U64: ...
