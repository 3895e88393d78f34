"""alpha_expansion against brute force on tiny graphs."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from irodori.graphcut import alpha_expansion, potts_energy


def _brute(unary, edges, weights):
    n, k = unary.shape
    best, best_e = None, np.inf
    for lab in itertools.product(range(k), repeat=n):
        e = potts_energy(np.array(lab), unary, edges, weights)
        if e < best_e:
            best, best_e = np.array(lab), e
    return best, best_e


def _random_problem(rng, n, k, p_edge=0.5, p_inf=0.0):
    unary = rng.uniform(0, 10, (n, k))
    if p_inf:
        forbid = rng.random((n, k)) < p_inf
        forbid[np.arange(n), rng.integers(0, k, n)] = False
        unary[forbid] = np.inf
    edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p_edge],
                     np.int64).reshape(-1, 2)
    weights = rng.uniform(0, 8, len(edges))
    return unary, edges, weights


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 7), k=st.integers(2, 3))
def test_two_and_three_labels_near_optimal(seed, n, k):
    rng = np.random.default_rng(seed)
    unary, edges, weights = _random_problem(rng, n, k, p_inf=0.2)
    lab = alpha_expansion(unary, edges, weights)
    _, best = _brute(unary, edges, weights)
    e = potts_energy(lab, unary, edges, weights)
    assert lab.dtype == np.int64 and lab.shape == (n,)
    assert np.isfinite(e)
    if k == 2:  # a single expansion is an exact binary min cut
        assert e <= best + 1e-5 * (1 + abs(best))
    else:  # Potts alpha-expansion: within a factor 2 of the optimum
        assert e <= 2 * best + 1e-5 * (1 + abs(best))


def test_matches_optimum_on_most_random_problems():
    rng = np.random.default_rng(0)
    exact = 0
    for _ in range(30):
        unary, edges, weights = _random_problem(rng, 7, 4)
        lab = alpha_expansion(unary, edges, weights)
        _, best = _brute(unary, edges, weights)
        exact += potts_energy(lab, unary, edges, weights) <= best + 1e-6 * (1 + best)
    assert exact >= 25  # in practice expansion is almost always optimal here


def test_hard_constraints_and_smoothing():
    # a chain 0-1-2-3-4: ends forced to labels 0 and 1, middle free; strong edges
    # except one weak link between 2 and 3, where the cut must go
    unary = np.zeros((5, 2))
    unary[0, 1] = np.inf
    unary[4, 0] = np.inf
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4]])
    weights = np.array([5.0, 5.0, 0.5, 5.0])
    assert alpha_expansion(unary, edges, weights).tolist() == [0, 0, 0, 1, 1]


def test_respects_init_and_forbidden_labels():
    rng = np.random.default_rng(1)
    unary, edges, weights = _random_problem(rng, 30, 5, p_edge=0.2, p_inf=0.5)
    lab = alpha_expansion(unary, edges, weights, init=np.argmin(unary, 1))
    assert np.isfinite(unary[np.arange(30), lab]).all()
    assert potts_energy(lab, unary, edges, weights) <= potts_energy(np.argmin(unary, 1), unary, edges, weights)


def test_large_weights_scale_to_integers():
    # weights spanning 1e-3..1e6 must not overflow the int32 capacities
    unary = np.array([[0.0, np.inf], [1e-3, 0.0], [np.inf, 0.0]])
    edges = np.array([[0, 1], [1, 2]])
    assert alpha_expansion(unary, edges, np.array([1e6, 1.0])).tolist() == [0, 0, 1]
    assert alpha_expansion(unary, edges, np.array([1.0, 1e6])).tolist() == [0, 1, 1]


@pytest.mark.parametrize("bad", [
    dict(unary=np.full((2, 2), np.inf)),
    dict(edges=np.array([[0, 5]])),
    dict(edges=np.array([[1, 1]])),
    dict(weights=np.array([-1.0])),
])
def test_bad_input(bad):
    args = dict(unary=np.zeros((2, 2)), edges=np.array([[0, 1]]), weights=np.array([1.0]))
    args.update(bad)
    if "edges" in bad:
        args["weights"] = np.ones(len(bad["edges"]))
    with pytest.raises(ValueError):
        alpha_expansion(**args)
