"""dlbench's ``invscaling`` and ``adaptive`` schedules against scikit-learn's ``MLPClassifier(solver="sgd")``
(tests/fixtures/sklearn_mlp.json).

scikit-learn's loss curve holds the loss at the start of each epoch, i.e. dlbench's
``losses[:epochs]``; the last entry is the loss after the last epoch. Losses agree to relative
1e-9 and rates (where recorded) to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference_fixtures import load, replay

DATA = load("sklearn_mlp")


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["id"] for c in DATA["cases"]])
def test_matches_sklearn(case):
    result = replay(DATA, case)
    n = len(case["losses"])
    assert result.losses.shape[0] == n
    np.testing.assert_allclose(result.losses, case["losses"], rtol=1e-9, atol=0)
    if case.get("lrs") is not None:
        np.testing.assert_allclose(result.learning_rates, case["lrs"], rtol=1e-12, atol=0)
