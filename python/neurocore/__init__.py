"""neurocore: the algebraic geometry of polynomial neural networks.

A network with polynomial activations is a polynomial map from its weights to the coefficients
of the functions it computes; its image is the neuromanifold, whose Zariski closure is the
neurovariety. neurocore computes exactly (over Q or modulo primes, with certificates) the
dimension, fibers, symmetries and singular strata of these maps for multilayer perceptrons,
convolutional networks and lightning self-attention networks.

>>> import neurocore as nc
>>> nc.dimension(nc.mlp([3, 2, 1], degree=2)).dim
5
"""

from neurocore._core import DEFAULT_PRIME, ExactMatrix, __version__, memory_limit, set_memory_limit
from neurocore.approximation import Approximation, approximate
from neurocore.closest import ClosestPointResult, CriticalPoint, closest_point
from neurocore.comparison import CompareReport, compare
from neurocore.convolution import Realizability, contains, end_to_end_filter
from neurocore.critical import (
    CriticalFunction,
    CriticalPoints,
    EDDegree,
    MonodromyRun,
    ParamCriticalPoint,
    ParamGlobalMinimum,
    critical_points,
    critical_points_many,
    ed_degree,
    param_critical_functions,
    param_global_minimum,
)
from neurocore.degree import DegreeResult, degree
from neurocore.dimension import DimensionReport, Trial, dimension
from neurocore.equations import Equations, HilbertFunction, Polynomial, equations, hilbert_function
from neurocore.errors import (
    CertificationError,
    IntegerOverflowError,
    InternalError,
    NeurocoreError,
    ResourceLimitError,
)
from neurocore.fiber import FiberResult, Identifiability, fiber, identifiability
from neurocore.grids import mlp_grid, mlp_widths
from neurocore.inspection import Inspection, inspect
from neurocore.maps import coefficients, evaluate, jacobian, monomials
from neurocore.network import Activation, Attention, Conv, Dense, Network, attention, conv1d, conv2d, mlp
from neurocore.rank import RankResult, kernel, rank
from neurocore.scanning import ScanResult, scan
from neurocore.spec import architecture_spec
from neurocore.strata import KINDS, Stratum, SymmetryReport, classify, symmetries
from neurocore.sweeping import SweepResult, sweep
from neurocore.torch_bridge import TorchConversion, from_torch, to_torch
from neurocore.training import CriticalMatch, StepsSummary, TrainingResult, TrainingRun, train

__all__ = [
    "DEFAULT_PRIME",
    "KINDS",
    "Activation",
    "Attention",
    "CertificationError",
    "CompareReport",
    "ClosestPointResult",
    "Conv",
    "CriticalPoint",
    "Dense",
    "DimensionReport",
    "ExactMatrix",
    "IntegerOverflowError",
    "InternalError",
    "Network",
    "NeurocoreError",
    "RankResult",
    "Realizability",
    "ResourceLimitError",
    "ScanResult",
    "Stratum",
    "SymmetryReport",
    "SweepResult",
    "Trial",
    "CriticalFunction",
    "CriticalPoints",
    "EDDegree",
    "MonodromyRun",
    "critical_points",
    "ed_degree",
    "__version__",
    "architecture_spec",
    "attention",
    "closest_point",
    "classify",
    "coefficients",
    "compare",
    "conv1d",
    "contains",
    "conv2d",
    "dimension",
    "end_to_end_filter",
    "evaluate",
    "jacobian",
    "kernel",
    "memory_limit",
    "mlp",
    "mlp_grid",
    "mlp_widths",
    "monomials",
    "rank",
    "scan",
    "set_memory_limit",
    "sweep",
    "symmetries",
    "Approximation",
    "approximate",
    "Inspection",
    "inspect",
    "TorchConversion",
    "from_torch",
    "to_torch",
    "Equations",
    "HilbertFunction",
    "Polynomial",
    "equations",
    "hilbert_function",
    "CriticalMatch",
    "StepsSummary",
    "TrainingResult",
    "TrainingRun",
    "train",
    "critical_points_many",
    "param_critical_functions",
    "DegreeResult",
    "fiber",
    "FiberResult",
    "Identifiability",
    "identifiability",
    "degree",
    "ParamCriticalPoint",
    "ParamGlobalMinimum",
    "param_global_minimum",
]
