"""dlbench's first-order optimizers against ``torch.optim`` trajectories (tests/fixtures/torch_optim.json).

Each case trains from the fixture's ``theta0`` for 200 full-batch epochs; losses must agree with
torch's to a relative 1e-9 at every epoch. A few cases amplify rounding errors (the fixture
records, for each, how much a one-ulp change of ``theta0`` moves the losses and for how many
epochs they stay within 1e-10): past that stable prefix, such a case may differ from torch by at
most twice its own one-ulp sensitivity, the most any float64 implementation can promise.
L-BFGS cases are tested with L-BFGS.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from dlbench.model import Params
from dlbench.training import train

FIXTURE = Path(__file__).parent / "fixtures" / "torch_optim.json"
if not FIXTURE.exists():
    pytest.skip(f"{FIXTURE.name} not generated yet (tests/fixtures/make_fixtures.py)", allow_module_level=True)

DATA = json.loads(FIXTURE.read_text())
CASES = [case for case in DATA["cases"] if case["optimizer"] != "lbfgs"]
RTOL = 1e-9


@pytest.fixture(scope="module")
def problem():
    p = DATA["problem"]
    X, y, theta0 = np.array(p["X"]), np.array(p["y"]), np.array(p["theta0"])
    H = (theta0.size - 1) // (X.shape[1] + 2)
    return X, y, Params.from_vector(theta0, X.shape[1], H)


def test_fixture_covers_every_torch_optimizer():
    covered = {case["optimizer"] for case in CASES}
    assert {"adagrad", "rmsprop", "adadelta", "adam", "amsgrad", "adamw", "adamax", "nadam", "radam", "rprop"} <= covered


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matches_torch(problem, case):
    X, y, params = problem
    result = train(X, y, params, optimizer=case["optimizer"], epochs=case["epochs"], **case["hyperparameters"])
    expected = np.array(case["losses"])
    assert result.epochs_run == case["epochs"] and not result.diverged
    np.testing.assert_array_equal(result.learning_rates, case["lrs"])
    np.testing.assert_allclose(result.losses[0], expected[0], rtol=1e-15)
    sensitivity = case.get("rounding_sensitivity", 0.0)
    if sensitivity <= RTOL * np.abs(expected).min():
        np.testing.assert_allclose(result.losses, expected, rtol=RTOL, atol=0)
    else:
        stable = case["rounding_stable_prefix"]
        np.testing.assert_allclose(result.losses[:stable], expected[:stable], rtol=RTOL, atol=0)
        np.testing.assert_allclose(result.losses, expected, rtol=RTOL, atol=2 * sensitivity)
