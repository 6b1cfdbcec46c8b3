"""The kernels' sample orders (dlbench/kernels/rng.py) against fixed values and uniformity checks.

Expected values never come from dlbench's generator: the SplitMix64 outputs are published test
vectors, the permutations are literals computed with the independent pure-Python oracle of
``splitmix_oracle.py`` (itself pinned to the published vectors here), and the uniformity checks
compare counts to what a uniform shuffle implies.
"""

import itertools

import numpy as np
import pytest

from dlbench.kernels.rng import epoch_orders, next_u64, shuffle
from splitmix_oracle import GOLDEN_GAMMA, splitmix64
from splitmix_oracle import epoch_orders as oracle_orders

# Published SplitMix64 outputs (reference splitmix64.c, state = seed, output after each increment):
PUBLISHED = {
    # seed 0: the first four outputs of splitmix64.c from x = 0, the values that independent ports
    # (Go, C++, C#, Zig...) pin in their "reference sequence" tests
    0: [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC],
    # Rosetta Code, "Pseudo-random numbers/Splitmix64": the first five integers for seed 1234567
    1234567: [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431,
              16408922859458223821],
    # rand_xoshiro (rust-random/rngs, src/splitmix64.rs, test `reference`), "produced with the
    # reference implementation http://xoshiro.di.unimi.it/splitmix64.c": its first five values
    1477776061723855037: [1985237415132408290, 2979275885539914483, 13511426838097143398,
                          8488337342461049707, 15141737807933549159],
}

# Literals from splitmix_oracle.epoch_orders (pure Python, pinned above); not from dlbench.
EXPECTED_ORDERS = {
    (1234567, 10, 4): [
        [6, 9, 0, 7, 2, 5, 8, 4, 1, 3],
        [8, 4, 0, 6, 5, 9, 2, 3, 7, 1],
        [9, 4, 0, 5, 6, 1, 3, 7, 8, 2],
        [8, 3, 4, 2, 5, 6, 0, 7, 9, 1],
    ],
    (0, 7, 3): [
        [1, 5, 4, 3, 0, 2, 6],
        [1, 4, 2, 3, 6, 0, 5],
        [1, 6, 4, 2, 0, 5, 3],
    ],
}


# ------------------------------------------------------------------------------ fixed values


@pytest.mark.parametrize("seed", sorted(PUBLISHED))
def test_oracle_reproduces_the_published_splitmix64_outputs(seed):
    stream = splitmix64(seed)
    assert [next(stream) for _ in PUBLISHED[seed]] == PUBLISHED[seed]


@pytest.mark.parametrize("seed", sorted(PUBLISHED))
def test_kernel_generator_gives_the_published_splitmix64_outputs(seed):
    state = np.array([seed], dtype=np.uint64)
    assert [int(next_u64(state)) for _ in PUBLISHED[seed]] == PUBLISHED[seed]
    assert int(state[0]) == (seed + len(PUBLISHED[seed]) * GOLDEN_GAMMA) % 2**64


def test_first_epoch_by_hand_from_the_published_outputs():
    # Seed 1234567, N = 10. Fisher-Yates fills the last slot first: i = 9 takes the first output,
    # u = 6457827717110365317 / 2^64 = 0.35008, j = floor(10 u) = 3: slot 9 gets sample 3 for good.
    # i = 8: u = 3203168211198807973 / 2^64 = 0.17364, j = floor(9 u) = 1: slot 8 gets sample 1.
    # i = 7: u = 9817491932198370423 / 2^64 = 0.53221, j = floor(8 u) = 4: slot 7 gets sample 4.
    assert list(epoch_orders(1234567, 10, 1)[0][7:]) == [4, 1, 3]


@pytest.mark.parametrize("key", sorted(EXPECTED_ORDERS))
def test_epoch_orders_are_the_fixed_expected_permutations(key):
    seed, n, epochs = key
    assert oracle_orders(seed, n, epochs) == EXPECTED_ORDERS[key]  # the oracle is the one pinned above
    np.testing.assert_array_equal(epoch_orders(seed, n, epochs), np.array(EXPECTED_ORDERS[key]))


def test_one_shuffle_draws_n_minus_1_outputs_and_matches_the_oracle():
    state = np.array([1234567], dtype=np.uint64)
    order = np.arange(10)
    shuffle(order, state)
    assert order.tolist() == EXPECTED_ORDERS[(1234567, 10, 4)][0]
    assert int(state[0]) == (1234567 + 9 * GOLDEN_GAMMA) % 2**64  # one draw per i = 9, ..., 1
    shuffle(order, state)  # the next epoch continues from this order and this state
    assert order.tolist() == EXPECTED_ORDERS[(1234567, 10, 4)][1]


@pytest.mark.parametrize("seed,n,epochs", [(3, 100, 30), (11, 100, 3), (2**62 + 12345, 33, 40), (9, 2, 50), (5, 1, 3)])
def test_epoch_orders_equal_the_oracle_for_more_sizes(seed, n, epochs):
    expected = np.array(oracle_orders(seed, n, epochs)).reshape(epochs, n)
    np.testing.assert_array_equal(epoch_orders(seed, n, epochs), expected)


# ------------------------------------------------------------------------------- uniformity
# N = 5 over T = 20 000 epochs. A uniform shuffle makes every epoch's order uniform over the 120
# permutations and independent of the one before, whatever that was. Thresholds are upper
# quantiles of the asymptotic chi-square laws (values from mpmath's regularized incomplete gamma):
# chi2(4) > 45 has probability 4.0e-9 and chi2(119) > 230 has probability 4.5e-9, so a correct
# shuffle fails this section with probability below 2e-8 (Bonferroni over the 5 + 1 + 1 checks).
# The biased shuffles give statistics in the tens of thousands.
N, T = 5, 20_000
PERMUTATIONS = list(itertools.permutations(range(N)))


@pytest.fixture(scope="module")
def orders():
    out = np.asarray(epoch_orders(20240521, N, T))
    assert out.shape == (T, N) and np.all(np.sort(out, axis=1) == np.arange(N))
    return out


def _permutation_counts(perms):
    codes = perms @ (N ** np.arange(N))  # base-5 code of each permutation
    counts = np.bincount(codes, minlength=N**N)
    valid = np.array([np.dot(p, N ** np.arange(N)) for p in PERMUTATIONS])
    assert counts.sum() == counts[valid].sum()
    return counts[valid]


def _pearson(counts, expected):
    return float(((counts - expected) ** 2 / expected).sum())


def test_every_sample_is_equally_likely_in_every_slot(orders):
    for slot in range(N):
        counts = np.bincount(orders[:, slot], minlength=N)
        assert _pearson(counts, T / N) < 45.0, (slot, counts)


def test_every_permutation_is_equally_frequent_across_epochs(orders):
    counts = _permutation_counts(orders)
    assert counts.min() > 0 and _pearson(counts, T / len(PERMUTATIONS)) < 230.0, counts


def test_each_epoch_applies_a_uniform_permutation_to_the_previous_order(orders):
    # sigma_e with orders[e] = orders[e - 1][sigma_e]: the permutation the shuffle applied in epoch e.
    # A loop that skips a step (e.g. never swaps slots 0 and 1) reaches only half of the 120 from any
    # start; chained epochs hide that from the counts above, not from these.
    previous = np.vstack([np.arange(N), orders[:-1]])
    where = np.argsort(previous, axis=1)  # where[e, s] = slot of sample s before epoch e
    sigma = np.take_along_axis(where, orders, axis=1)
    counts = _permutation_counts(sigma)
    assert counts.min() > 0 and _pearson(counts, T / len(PERMUTATIONS)) < 230.0, counts
