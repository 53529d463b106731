"""The examples in the public docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "neurocore",
    "neurocore.network",
    "neurocore.maps",
    "neurocore.rank",
    "neurocore.dimension",
    "neurocore.strata",
    "neurocore.convolution",
    "neurocore.comparison",
    "neurocore.equations",
    "neurocore.critical",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_extension_docstring_examples():
    # Classes defined in Rust carry their `///` docs as __doc__; doctest.testmod does not look
    # inside extension modules, so their examples are run here.
    import neurocore as nc

    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    attempted = 0
    for obj in (nc.ExactMatrix,):
        for test in finder.find(obj, obj.__name__, globs={}):
            runner.run(test)
            attempted += len(test.examples)
    assert runner.failures == 0 and attempted >= 3


def test_tutorial_runs():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
    result = doctest.testfile(
        str(path), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0 and result.attempted >= 10


MODULES_ADDED = ["neurocore.approximation", "neurocore.inspection"]


@pytest.mark.parametrize("name", MODULES_ADDED)
def test_docstring_examples_approximation_inspection(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 1


def test_from_torch_tutorial_runs():
    from pathlib import Path

    try:
        import torch  # noqa: F401
    except Exception as exc:
        pytest.skip(f"docs/from-torch.md needs torch ({type(exc).__name__}); not installed in CI")
    path = Path(__file__).resolve().parents[1] / "docs" / "from-torch.md"
    result = doctest.testfile(
        str(path), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0 and result.attempted >= 15
