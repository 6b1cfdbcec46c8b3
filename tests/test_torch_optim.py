"""dlbench's first-order optimizers against ``torch.optim`` trajectories (tests/fixtures/torch_optim.json).

Each case trains from the fixture's ``theta0`` for 200 full-batch epochs; losses must agree with
torch's to a relative 1e-9 at every epoch. A few cases amplify rounding errors (the fixture
records, for each, how much a one-ulp change of ``theta0`` moves the losses and for how many
epochs they stay within 1e-10): past that stable prefix, such a case may differ from torch by at
most twice its own one-ulp sensitivity, the most any float64 implementation can promise.
L-BFGS cases are tested with L-BFGS.
"""

import numpy as np
import pytest
from reference_fixtures import load, replay

DATA = load("torch_optim")
CASES = [case for case in DATA["cases"] if case["optimizer"] != "lbfgs"]
RTOL = 1e-9


def test_fixture_covers_every_torch_optimizer():
    covered = {case["optimizer"] for case in CASES}
    assert {"adagrad", "rmsprop", "adadelta", "adam", "amsgrad", "adamw", "adamax", "nadam", "radam", "rprop"} <= covered


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matches_torch(case):
    result = replay(DATA, case)
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
