"""dlbench's learning-rate schedules against ``torch.optim.lr_scheduler`` (tests/fixtures/torch_schedules.json).

Every case trains the fixture problem full batch for 200 epochs with ``dlbench.train`` and checks
the loss after every epoch (relative 1e-9) and the rate used in every epoch (relative 1e-12).
"""

from __future__ import annotations

import numpy as np
import pytest
from reference_fixtures import load, replay

DATA = load("torch_schedules")


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["id"] for c in DATA["cases"]])
def test_matches_torch(case):
    result = replay(DATA, case)
    assert result.epochs_run == case["epochs"]
    np.testing.assert_allclose(result.learning_rates, case["lrs"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(result.losses, case["losses"], rtol=1e-9, atol=0)
