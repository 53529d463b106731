"""from_torch / to_torch round trips; skipped when torch is not installed (CI does not install it)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import neurocore as nc

try:
    import torch
except Exception as exc:  # ImportError, or a torch build whose native libraries are missing
    pytest.skip(
        f"torch is not installed or does not import ({type(exc).__name__}): the bridge tests need it",
        allow_module_level=True,
    )

nn = torch.nn

NETWORKS = [
    nc.mlp([3, 4, 2], degree=2),
    nc.mlp([2, 3, 3, 1], activation=[1, -2, Fraction(1, 3)], bias=True),
    nc.mlp([4, 2, 3], degree=3, bias=True),
    nc.conv1d([3, 2], [2, 1], degree=2),
    nc.conv1d([2, 3], [1, 2], activation=[0, 1, 1], channels=[2, 3, 1], bias=True, output_length=2),
    nc.conv1d([4], [3], degree=1, channels=[3, 2], output_length=3),
    nc.conv2d([(2, 2), (2, 2)], [(1, 1), (1, 1)], degree=2),
    nc.conv2d([(2, 3), (2, 1)], [(2, 1), (1, 2)], activation=[0, 1, 0, 1], channels=[2, 3, 2], bias=True),
    nc.Network(
        [
            nc.Conv(2, 3, (1, 2), (1, 2), (1, 6), True),
            nc.Activation((Fraction(0), Fraction(1), Fraction(1))),
            nc.Dense(9, 2, True),
        ]
    ),
]


@pytest.mark.parametrize("net", NETWORKS, ids=repr)
def test_round_trip_and_forward_pass(net):
    rng = np.random.default_rng(0)
    theta = rng.normal(size=net.n_params)
    module = nc.to_torch(net, theta)
    conv = nc.from_torch(module)
    back, theta_back = conv
    assert back == net
    np.testing.assert_array_equal(theta_back, theta)
    assert conv.max_error == 0.0
    x = rng.normal(size=(16, net.input_dim))
    with torch.no_grad():
        y = module(torch.tensor(x, dtype=torch.float64)).numpy()
    ref = nc.evaluate(net, theta, x, field="float")
    assert np.max(np.abs(y - ref)) <= 1e-12 * max(1.0, np.max(np.abs(ref)))


def test_independent_torch_model_is_read_in_neurocore_order():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(2, 3, 3, stride=2), nn.Tanh(), nn.Flatten(), nn.Linear(9, 1)).double()
    conv = nc.from_torch(model, activation_degree=5, domain=(-3, 3), input_shape=(2, 7))
    net, theta = conv
    assert [a.module for a in conv.activations] == ["Tanh"]
    approx = conv.activations[0].approximation
    assert approx is not None and approx.degree == 5 and conv.max_error == approx.error
    # The surrogate network agrees with the torch model up to the activation error times the
    # last layer's row norm (a Lipschitz bound: |sum_i a_i (s(t_i) - p(t_i))| <= ||a||_1 E).
    x = torch.randn(20, 2, 7, dtype=torch.float64) * 0.3
    with torch.no_grad():
        y = model(x).numpy()
        pre = model[0](x)
    assert float(pre.abs().max()) <= 3  # the pre-activations lie in the domain
    ref = nc.evaluate(net, theta, x.reshape(20, -1).numpy(), field="float")
    bound = float(model[3].weight.detach().abs().sum()) * approx.error
    assert np.max(np.abs(y - ref)) <= bound * (1 + 1e-9)


@pytest.mark.parametrize(
    "layer, name",
    [
        (nn.MaxPool1d(2), "MaxPool1d"),
        (nn.BatchNorm1d(3), "BatchNorm1d"),
        (nn.LayerNorm(3), "LayerNorm"),
        (nn.Softmax(dim=1), "Softmax"),
        (nn.MultiheadAttention(4, 1), "MultiheadAttention"),
    ],
)
def test_unsupported_layers_are_named(layer, name):
    model = nn.Sequential(nn.Linear(3, 3), layer, nn.Linear(3, 1))
    with pytest.raises(ValueError, match=rf"'1' \({name}\).*supported layers: Linear"):
        nc.from_torch(model)


def test_padding_and_missing_shape_are_refused():
    with pytest.raises(ValueError, match="padding=0"):
        nc.from_torch(nn.Sequential(nn.Conv1d(1, 1, 2, padding=1)), input_shape=(1, 5))
    with pytest.raises(ValueError, match="input_shape"):
        nc.from_torch(nn.Sequential(nn.Conv1d(1, 1, 2)))
    with pytest.raises(ValueError, match="attention"):
        nc.to_torch(nc.attention([2, 2], [1], tokens=2), np.zeros(nc.attention([2, 2], [1], tokens=2).n_params))


def test_inspect_trained_module_and_cli(tmp_path):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1)).double()
    rep = nc.inspect(model, activation_degree=3, domain=(-2, 2))
    # 3*2 + 2 + 2 + 1 = 11 parameters, no symmetry (two nonzero coefficients), ambient 20 (cubics in 3 vars)
    assert rep.n_params == 11 and rep.ambient_dim == 20 and rep.dim == 11 and rep.rank == 11
    assert rep.kind == "generic"
    assert rep.max_activation_error == pytest.approx(nc.approximate("tanh", 3, domain=(-2, 2), method="minimax").error)
    path = tmp_path / "model.pt"
    torch.save(model, path)
    from neurocore.cli import main

    assert main(["inspect", str(path), "--degree", "3", "--domain=-2,2"]) == 0
