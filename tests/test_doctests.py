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
    "neurocore.exact_matrix",
    "neurocore.strata",
    "neurocore.convolution",
    "neurocore.comparison",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_tutorial_runs():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
    result = doctest.testfile(
        str(path), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0 and result.attempted >= 10
