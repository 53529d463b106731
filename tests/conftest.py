"""Shared fixtures: the gold cases (copied from the published-results folder into tests/data)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

import neurocore as nc

DATA = Path(__file__).parent / "data"


def load_jsonl(name: str) -> list[dict[str, Any]]:
    with open(DATA / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def build_network(row: dict[str, Any]) -> nc.Network:
    """The network of a gold row (``family`` names the builder, ``arch`` its keyword arguments)."""
    arch = dict(row["arch"])
    family = row["family"]
    if family == "mlp":
        return nc.mlp(arch.pop("widths"), **arch)
    if family == "conv1d":
        return nc.conv1d(arch.pop("filters"), arch.pop("strides", None), **arch)
    if family == "conv2d":
        return nc.conv2d(arch.pop("filters"), arch.pop("strides", None), **arch)
    if family == "attention":
        return nc.attention(arch.pop("widths"), arch.pop("key_dims"), arch.pop("tokens"), **arch)
    raise ValueError(f"unknown family {family}")


@pytest.fixture(scope="session")
def gold_dimensions() -> list[dict[str, Any]]:
    return load_jsonl("dimensions.jsonl")


@pytest.fixture(scope="session")
def dask_client():
    """A local dask cluster of two single-threaded worker processes (skips without distributed)."""
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        )
        client = distributed.Client(cluster)
    yield client
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.close()
        cluster.close()
