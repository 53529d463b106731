"""Type stubs of the Rust extension ``neurocore._core`` (PyO3 glue; use the ``neurocore`` API)."""

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal, TypeAlias, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "bombieri_weights",
    "closest_search",
    "ClosestRecord",
    "CriticalPointRecord",
    "critical_points",
    "critical_points_many",
    "param_critical_functions",
    "ParamCriticalRecord",
    "degree",
    "fiber",
    "ed_degree",
    "CriticalSetRecord",
    "EdDegreeRecord",
    "MonodromyRunRecord",
    "ProgressCounter",
    "cnn_realizability",
    "coefficients",
    "dimension",
    "evaluate",
    "evaluation_jacobian",
    "is_prime",
    "jacobian",
    "memory_limit",
    "set_memory_limit",
    "DimensionRecord",
    "TrialRecord",
    "CertificationError",
    "IntegerOverflowError",
    "InternalError",
    "NeurocoreError",
    "kernel",
    "rank",
    "ExactMatrix",
    "ActivationLayer",
    "AttentionLayer",
    "ConvLayer",
    "DenseLayer",
    "NetworkCore",
    "RankResult",
    "ResourceLimitError",
    "BATCH_ERROR_KINDS",
    "BatchError",
    "BatchOutcome",
    "dimension_batch",
    "HilbertRecord",
    "EquationsRecord",
    "hilbert_function",
    "equations",
    "scan_prime",
    "check_sampler",
    "scan_points",
    "scan_ranks",
    "scan_ranks_at",
    "symmetry_tangents_exact",
    "symmetry_tangents_float",
    "symmetry_tangents_mod_p",
    "DEFAULT_PRIME",
    "__version__",
    "EXACT_JACOBIAN_LIMIT",
    "point_rank",
    "point_stratum",
    "PointRankRecord",
    "StratumRecord",
    "small_jacobian_float",
    "symmetry_greedy_extension",
    "TrainRecord",
    "TrainRunRecord",
    "train",
    "degree",
]

__version__: str
DEFAULT_PRIME: int
EXACT_JACOBIAN_LIMIT: int

class NeurocoreError(Exception): ...
class ResourceLimitError(MemoryError, NeurocoreError): ...
class InternalError(NeurocoreError): ...
class IntegerOverflowError(NeurocoreError): ...
class CertificationError(NeurocoreError): ...

_U64 = npt.NDArray[np.uint64]
_F64 = npt.NDArray[np.float64]
_Ints = Sequence[int]
_Field = Literal["QQ", "float"] | int

@final
class TrialRecord:
    def __new__(cls, prime: int, rank: int, points: int, rows: int, error_bound: float) -> TrialRecord: ...
    def __getnewargs__(self) -> tuple[int, int, int, int, float]: ...
    @property
    def prime(self) -> int: ...
    @property
    def rank(self) -> int: ...
    @property
    def points(self) -> int: ...
    @property
    def rows(self) -> int: ...
    @property
    def error_bound(self) -> float: ...

@final
class DimensionRecord:
    def __new__(
        cls,
        dim: int,
        expected_dim: int,
        ambient_dim: int,
        n_params: int,
        symmetry_dim: int,
        upper_bound: int,
        upper_bound_source: str,
        certified: bool,
        error_bound: float,
        seed: int,
        trials: Sequence[TrialRecord],
    ) -> DimensionRecord: ...
    def __getnewargs__(self) -> tuple[int, int, int, int, int, int, str, bool, float, int, list[TrialRecord]]: ...
    @property
    def dim(self) -> int: ...
    @property
    def expected_dim(self) -> int: ...
    @property
    def ambient_dim(self) -> int: ...
    @property
    def n_params(self) -> int: ...
    @property
    def symmetry_dim(self) -> int: ...
    @property
    def upper_bound(self) -> int: ...
    @property
    def upper_bound_source(self) -> str: ...
    @property
    def certified(self) -> bool: ...
    @property
    def error_bound(self) -> float: ...
    @property
    def seed(self) -> int: ...
    @property
    def trials(self) -> list[TrialRecord]: ...

@final
class RankResult:
    def __new__(
        cls,
        *,
        rank: int,
        field: _Field,
        certified: bool,
        lower_bound: int,
        upper_bound: int,
        method: str,
        shape: tuple[int, int],
        primes: Sequence[int] = ...,
        tolerance: float | None = None,
        singular_value_gap: float | None = None,
    ) -> RankResult: ...
    @property
    def rank(self) -> int: ...
    @property
    def field(self) -> _Field: ...
    @property
    def certified(self) -> bool: ...
    @property
    def lower_bound(self) -> int: ...
    @property
    def upper_bound(self) -> int: ...
    @property
    def method(self) -> str: ...
    @property
    def shape(self) -> tuple[int, int]: ...
    @property
    def primes(self) -> tuple[int, ...]: ...
    @property
    def tolerance(self) -> float | None: ...
    @property
    def singular_value_gap(self) -> float | None: ...
    def __int__(self) -> int: ...
    def __index__(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class ExactMatrix:
    @staticmethod
    def from_fractions(rows: int, cols: int, values: Sequence[Any]) -> ExactMatrix: ...
    @staticmethod
    def from_integers(rows: int, cols: int, numerators: Sequence[int], denominator: int = ...) -> ExactMatrix: ...
    @staticmethod
    def from_int64(array: npt.NDArray[np.int64]) -> ExactMatrix: ...
    @property
    def shape(self) -> tuple[int, int]: ...
    @property
    def denominator(self) -> int: ...
    @property
    def numerators(self) -> npt.NDArray[np.object_]: ...
    def numer_denom(self) -> tuple[npt.NDArray[np.object_], int]: ...
    def to_fractions(self) -> list[list[Any]]: ...
    def to_numpy(self) -> npt.NDArray[np.object_]: ...
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> npt.NDArray[Any]: ...
    def to_flint(self) -> Any: ...
    def rank(self, *, seed: int = 0, threads: int = 0) -> RankResult: ...
    def kernel(self, *, seed: int = 0, threads: int = 0) -> ExactMatrix: ...
    def rref(self) -> tuple[ExactMatrix, int]: ...
    def residues(self, prime: int) -> _U64: ...
    def __getitem__(self, key: tuple[int, int], /) -> Any: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]: ...

@final
class DenseLayer:
    def __new__(cls, *, input_dim: int, output_dim: int, bias: bool) -> DenseLayer: ...
    @property
    def output_dim(self) -> int: ...

@final
class ActivationLayer:
    def __new__(cls, *, dim: int, coefficients: Sequence[Any]) -> ActivationLayer: ...
    @property
    def output_dim(self) -> int: ...

@final
class ConvLayer:
    def __new__(
        cls,
        *,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, int],
        stride: tuple[int, int],
        input_size: tuple[int, int],
        bias: bool,
    ) -> ConvLayer: ...
    @property
    def output_dim(self) -> int: ...

@final
class AttentionLayer:
    def __new__(
        cls, *, input_width: int, output_width: int, key_dim: int, tokens: int, heads: int, residual: bool
    ) -> AttentionLayer: ...
    @property
    def output_dim(self) -> int: ...

_Layer = DenseLayer | ActivationLayer | ConvLayer | AttentionLayer
_Matrix = ExactMatrix | npt.NDArray[np.int64] | _U64
_Sampler: TypeAlias = Literal["uniform", "integer", "sparse"]
_BatchErrorKind: TypeAlias = Literal[
    "ValueError",
    "TypeError",
    "ZeroDivisionError",
    "IntegerOverflowError",
    "ResourceLimitError",
    "CertificationError",
    "InternalError",
    "WorkerError",
]

@final
class BatchError:
    def __new__(cls, kind: _BatchErrorKind, message: str) -> BatchError: ...
    @property
    def kind(self) -> _BatchErrorKind: ...
    @property
    def message(self) -> str: ...
    def __getnewargs__(self) -> tuple[str, str]: ...

_BatchStatus: TypeAlias = Literal["ok", "timeout", "error"]
BATCH_ERROR_KINDS: tuple[_BatchErrorKind, ...]

@final
class BatchOutcome:
    def __new__(
        cls,
        status: _BatchStatus,
        seconds: float,
        report: DimensionRecord | None = None,
        error: BatchError | None = None,
    ) -> BatchOutcome: ...
    @property
    def status(self) -> _BatchStatus: ...
    @property
    def seconds(self) -> float: ...
    @property
    def report(self) -> DimensionRecord | None: ...
    @property
    def error(self) -> BatchError | None: ...
    def __getnewargs__(self) -> tuple[_BatchStatus, float, DimensionRecord | None, BatchError | None]: ...

@final
class NetworkCore:
    def __new__(cls, layers: Sequence[_Layer]) -> NetworkCore: ...
    def layer_output_dims(self) -> list[int]: ...
    def param_offsets(self) -> list[int]: ...
    def expected_dim(self, threads: int = 0) -> int: ...
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

_Metric: TypeAlias = Literal["euclidean", "bombieri", "weights"]
_MetricName: TypeAlias = Literal["euclidean", "bombieri", "weights", "data"]
_SearchStatus: TypeAlias = Literal["converged", "max_iter", "stalled", "non_finite"]

@final
class CriticalPointRecord:
    @property
    def start(self) -> int: ...
    @property
    def sq_distance(self) -> float: ...
    @property
    def theta(self) -> _F64: ...
    @property
    def function(self) -> _F64: ...
    @property
    def count(self) -> int: ...
    @property
    def grad_norm(self) -> float: ...
    @property
    def is_minimum(self) -> bool: ...
    @property
    def min_hessian_eigenvalue(self) -> float: ...

@final
class ClosestRecord:
    @property
    def sq_distance(self) -> float: ...
    @property
    def theta(self) -> _F64: ...
    @property
    def function(self) -> _F64: ...
    @property
    def best(self) -> int: ...
    @property
    def critical_points(self) -> list[CriticalPointRecord]: ...
    @property
    def saddles(self) -> list[CriticalPointRecord]: ...
    @property
    def metric(self) -> _MetricName: ...
    @property
    def starts(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def n_converged(self) -> int: ...
    @property
    def status_counts(self) -> list[tuple[_SearchStatus, int]]: ...
    @property
    def scale(self) -> float: ...
    @property
    def thetas(self) -> _F64: ...
    @property
    def sq_distances(self) -> _F64: ...
    @property
    def status(self) -> list[_SearchStatus]: ...

def closest_search(
    net: NetworkCore,
    *,
    target: _F64 | None = None,
    metric: _Metric = "euclidean",
    weights: _F64 | None = None,
    x: _F64 | None = None,
    y: _F64 | None = None,
    starts: int = 64,
    seed: int = 0,
    max_iter: int = 1000,
    gtol: float = 1e-10,
    scale: float | None = None,
    initial: _F64 | None = None,
    dedup_tol: float = 1e-5,
    threads: int = 0,
    memory_limit: int | None = None,
) -> ClosestRecord: ...

_CoefficientMetric: TypeAlias = Literal["euclidean", "bombieri", "weights"]

@final
class ProgressCounter:
    def __init__(self) -> None: ...
    def get(self) -> tuple[int, int]: ...

@final
class MonodromyRunRecord:
    @property
    def seed(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def loops(self) -> int: ...
    @property
    def loops_without_new(self) -> int: ...
    @property
    def paths(self) -> int: ...
    @property
    def failures(self) -> list[tuple[str, int]]: ...
    @property
    def rank_deficient(self) -> int: ...
    @property
    def history(self) -> list[int]: ...

@final
class EdDegreeRecord:
    @property
    def ed_degree(self) -> int: ...
    @property
    def certified(self) -> int: ...
    @property
    def certified_lower_bound(self) -> int: ...
    @property
    def runs_agree(self) -> bool: ...
    @property
    def dim(self) -> int: ...
    @property
    def n_params(self) -> int: ...
    @property
    def ambient_dim(self) -> int: ...
    @property
    def stable_loops(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def runs(self) -> list[MonodromyRunRecord]: ...

@final
class CriticalSetRecord:
    @property
    def ed(self) -> EdDegreeRecord: ...
    @property
    def paths(self) -> int: ...
    @property
    def failures(self) -> list[tuple[str, int]]: ...
    @property
    def rank_deficient(self) -> int: ...
    @property
    def merged(self) -> int: ...
    @property
    def certified_distinct(self) -> int: ...
    @property
    def real_tol(self) -> float: ...
    @property
    def function_re(self) -> _F64: ...
    @property
    def function_im(self) -> _F64: ...
    @property
    def theta_re(self) -> _F64: ...
    @property
    def theta_im(self) -> _F64: ...
    @property
    def residual(self) -> _F64: ...
    @property
    def rank_pivot(self) -> _F64: ...
    @property
    def imag_size(self) -> _F64: ...
    @property
    def sq_distance_re(self) -> _F64: ...
    @property
    def sq_distance_im(self) -> _F64: ...
    @property
    def is_real(self) -> list[bool]: ...
    @property
    def certified(self) -> list[bool]: ...
    @property
    def hessian_eigenvalues(self) -> list[list[float] | None]: ...

def critical_points(
    net: NetworkCore,
    target: _F64 | None = None,
    *,
    metric: _CoefficientMetric | Literal["data"] = "euclidean",
    weights: _F64 | None = None,
    x: _F64 | None = None,
    y: _F64 | None = None,
    seed: int = 0,
    runs: int = 2,
    stable_loops: int = 10,
    max_loops: int = 200,
    max_dim: int = 40,
    real_tol: float = 1e-8,
    certify: bool = True,
    threads: int = 0,
    progress: ProgressCounter | None = None,
) -> CriticalSetRecord: ...

@final
class ParamCriticalRecord:
    @property
    def functions_all(self) -> int: ...
    @property
    def functions_nonzero(self) -> int: ...
    @property
    def smooth(self) -> int: ...
    @property
    def spurious(self) -> int: ...
    @property
    def paths(self) -> int: ...
    @property
    def failures(self) -> list[tuple[str, int]]: ...
    @property
    def unknowns(self) -> int: ...
    @property
    def degree_bound(self) -> int: ...

def param_critical_functions(
    net: NetworkCore,
    *,
    metric: _CoefficientMetric = "euclidean",
    weights: _F64 | None = None,
    seed: int = 0,
    threads: int = 0,
) -> ParamCriticalRecord: ...
def critical_points_many(
    net: NetworkCore,
    targets: _F64,
    *,
    metric: _CoefficientMetric = "euclidean",
    weights: _F64 | None = None,
    seed: int = 0,
    runs: int = 2,
    stable_loops: int = 10,
    max_loops: int = 200,
    max_dim: int = 40,
    real_tol: float = 1e-8,
    certify: bool = True,
    threads: int = 0,
    progress: ProgressCounter | None = None,
) -> list[CriticalSetRecord]: ...
def ed_degree(
    net: NetworkCore,
    *,
    metric: _CoefficientMetric | Literal["data"] = "euclidean",
    weights: _F64 | None = None,
    x: _F64 | None = None,
    seed: int = 0,
    runs: int = 2,
    stable_loops: int = 10,
    max_loops: int = 200,
    max_dim: int = 40,
    certify: bool = True,
    threads: int = 0,
    progress: ProgressCounter | None = None,
) -> EdDegreeRecord: ...
def degree(
    net: NetworkCore,
    *,
    seed: int = 0,
    runs: int = 2,
    stable_loops: int = 20,
    max_loops: int = 200,
    max_dim: int = 40,
    certify: bool = True,
    threads: int = 0,
    memory_limit: int | None = None,
) -> dict[str, Any]: ...
def fiber(
    net: NetworkCore,
    theta: Sequence[float],
    *,
    seed: int = 0,
    stable_loops: int = 20,
    max_loops: int = 200,
    max_dim: int = 60,
    match_tol: float = 1e-6,
    modulo_symmetries: bool = True,
    threads: int = 0,
    memory_limit: int | None = None,
) -> dict[str, Any]: ...
def cnn_realizability(filter_sizes: _Ints, nums: _Ints, dens: _Ints) -> dict[str, Any]: ...
def coefficients(net: NetworkCore, theta: Any, field: _Field) -> ExactMatrix | _U64 | _F64: ...
def dimension(
    net: NetworkCore,
    seed: int = 0,
    primes: Sequence[int] | None = None,
    trials: int = 2,
    threads: int = 0,
    memory_limit: int | None = None,
) -> DimensionRecord: ...
def scan_prime(field: Any) -> int: ...
def check_sampler(sampler: str, prime: int, *, sparsity: float = 0.5, integer_bound: int = 3) -> None: ...

@final
class HilbertRecord:
    @property
    def degree(self) -> int: ...
    @property
    def coordinates(self) -> int: ...
    @property
    def monomials(self) -> int: ...
    @property
    def value(self) -> int: ...
    @property
    def certified(self) -> bool: ...
    @property
    def error_bound(self) -> float: ...
    @property
    def prime(self) -> int: ...
    @property
    def points(self) -> int: ...

@final
class EquationsRecord:
    @property
    def hilbert(self) -> HilbertRecord: ...
    @property
    def equations(self) -> list[list[tuple[int, list[tuple[int, int]]]]]: ...
    @property
    def lift_primes(self) -> list[int]: ...
    @property
    def check_primes(self) -> list[int]: ...
    @property
    def check_points(self) -> int: ...
    @property
    def error_bound(self) -> float: ...

def hilbert_function(
    net: NetworkCore, degree: int, seed: int = 0, threads: int = 0, memory_limit: int | None = None
) -> HilbertRecord: ...
def equations(
    net: NetworkCore,
    degree: int,
    seed: int = 0,
    check_primes: int = 2,
    check_points: int = 4,
    threads: int = 0,
    memory_limit: int | None = None,
) -> EquationsRecord: ...
def dimension_batch(
    nets: Sequence[NetworkCore], seed: int, *, timeout: float | None = None, threads: int = 0
) -> list[BatchOutcome]: ...
def evaluate(net: NetworkCore, theta: Any, x: Any, field: _Field, threads: int = 0) -> ExactMatrix | _U64 | _F64: ...
def evaluation_jacobian(
    net: NetworkCore, theta: Any, x: Any, field: _Field, threads: int = 0
) -> ExactMatrix | _U64 | _F64: ...
def is_prime(n: int) -> bool: ...
def jacobian(net: NetworkCore, theta: Any, field: _Field, threads: int = 0) -> ExactMatrix | _U64 | _F64: ...
def kernel(matrix: _Matrix, field: _Field, seed: int = 0, threads: int = 0) -> ExactMatrix | _U64: ...
def memory_limit() -> int: ...
def rank(matrix: _Matrix, field: _Field, seed: int = 0, threads: int = 0) -> RankResult: ...
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

# strata (classify / symmetries)
def point_rank(
    net: NetworkCore, theta: Sequence[int | Fraction], seed: int = 0, threads: int = 0, memory_limit: int | None = None
) -> PointRankRecord: ...
def point_stratum(
    net: NetworkCore,
    theta: Sequence[int | Fraction] | _F64,
    atol: float | None,
    phi_zero: bool,
    rank_drop: bool,
    threads: int = 0,
    memory_limit: int | None = None,
) -> StratumRecord: ...
def small_jacobian_float(net: NetworkCore, theta: _F64) -> _F64: ...
def symmetry_greedy_extension(known: _U64, candidates: _U64, prime: int, threads: int = 0) -> tuple[int, list[int]]: ...

@final
class PointRankRecord:
    @property
    def lower(self) -> int: ...
    @property
    def upper(self) -> int: ...
    @property
    def certified(self) -> bool: ...
    @property
    def phi_zero(self) -> bool: ...

@final
class StratumRecord:
    @property
    def kind(self) -> Literal["zero", "boundary", "subnetwork", "critical", "generic"]: ...
    @property
    def details(self) -> dict[str, Any]: ...

_Optimizer: TypeAlias = Literal["gd", "momentum", "adam"]
_RunStatus: TypeAlias = Literal["converged", "max_steps", "diverged"]

@final
class TrainRunRecord:
    @property
    def start(self) -> int: ...
    @property
    def theta0(self) -> list[float]: ...
    @property
    def theta(self) -> list[float]: ...
    @property
    def function(self) -> list[float]: ...
    @property
    def steps(self) -> int: ...
    @property
    def status(self) -> _RunStatus: ...
    @property
    def stop_step(self) -> int | None: ...
    @property
    def initial_loss(self) -> float: ...
    @property
    def final_loss(self) -> float: ...
    @property
    def final_grad_norm(self) -> float: ...
    @property
    def curve_steps(self) -> list[int]: ...
    @property
    def curve_loss(self) -> list[float]: ...
    @property
    def curve_ratio(self) -> list[float]: ...
    @property
    def fraction_steps(self) -> list[int | None]: ...
    @property
    def plateau_steps(self) -> int: ...
    @property
    def plateaus(self) -> int: ...

@final
class TrainRecord:
    @property
    def scale(self) -> float: ...
    @property
    def runs(self) -> list[TrainRunRecord]: ...
    @property
    def optimizer(self) -> _Optimizer: ...
    @property
    def lr(self) -> float: ...
    @property
    def steps(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def gtol(self) -> float: ...
    @property
    def ftol(self) -> float: ...
    @property
    def fractions(self) -> list[float]: ...
    @property
    def rank(self) -> int | None: ...
    @property
    def plateau_band(self) -> float: ...
    @property
    def plateau_grad(self) -> float: ...
    @property
    def plateau_min(self) -> int: ...
    @property
    def divergence(self) -> float: ...

def train(
    net: NetworkCore,
    *,
    target: _F64 | None = None,
    metric: Literal["euclidean", "bombieri", "weights"] = "euclidean",
    weights: _F64 | None = None,
    x: _F64 | None = None,
    y: _F64 | None = None,
    optimizer: _Optimizer = "gd",
    lr: float = 0.01,
    steps: int = 1000,
    starts: int = 16,
    first_start: int = 0,
    init: _F64 | None = None,
    init_scale: float | None = None,
    init_factor: float = 1.0,
    seed: int = 0,
    batch_size: int | None = None,
    rank: int | None = None,
    curve_points: int = 101,
    fractions: Sequence[float] = ...,
    gtol: float = 1e-08,
    ftol: float = 0.0,
    divergence: float = 1000000000000.0,
    plateau_band: float = 0.0001,
    plateau_grad: float = 0.01,
    plateau_min: int = 10,
    ratio_every: int = 1,
    threads: int = 0,
    memory_limit: int | None = None,
) -> TrainRecord: ...
