"""Multi-label graph cuts: alpha-expansion on SciPy's maximum flow.

Minimizes the Potts energy over labels ``x`` of ``N`` nodes::

    E(x) = sum_i unary[i, x_i] + sum_(i,j) w_ij [x_i != x_j]

by alpha-expansion (Boykov, Veksler and Zabih 2001): for each label alpha
in turn, one binary min cut decides which nodes switch to alpha; every move
lowers the energy, and the result is within a factor 2 of the optimum for
Potts. Each binary move is built as in Kolmogorov and Zabih (2004) and
solved with :func:`scipy.sparse.csgraph.maximum_flow` (Dinic), which needs
integer capacities: energies are shifted per node and scaled to integers
with at least 2^24 steps across the whole energy, and ``inf`` (a forbidden
label) becomes a capacity above any finite cut.

This is the permissive (BSD) replacement for PyMaxflow (GPL), which the
project uses only as a benchmark baseline.

References
----------
Y. Boykov, O. Veksler, R. Zabih. Fast approximate energy minimization via
graph cuts. IEEE TPAMI 23(11), 2001.
V. Kolmogorov, R. Zabih. What energy functions can be minimized via graph
cuts? IEEE TPAMI 26(2), 2004.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

_FINITE_BUDGET = float(1 << 28)  # all finite capacities of one cut sum below this
_INF_CAP = (1 << 30)  # a forbidden label: more than every finite cut together


def potts_energy(labels: np.ndarray, unary: np.ndarray, edges: np.ndarray, weights: np.ndarray) -> float:
    """The Potts energy of ``labels (N,) int`` (see module docstring); ``inf`` if a label is forbidden."""
    labels = np.asarray(labels)
    u = float(np.asarray(unary)[np.arange(len(labels)), labels].sum())
    if len(edges) == 0:
        return u
    e = np.asarray(edges)
    return u + float(np.asarray(weights)[labels[e[:, 0]] != labels[e[:, 1]]].sum())


def alpha_expansion(unary: np.ndarray, edges: np.ndarray, weights: np.ndarray,
                    init: np.ndarray | None = None, max_sweeps: int = 5) -> np.ndarray:
    """Label nodes by Potts-model alpha-expansion.

    Parameters
    ----------
    unary : (N, K) float, cost of giving node i label k; ``np.inf`` forbids it.
        Every node needs at least one finite label.
    edges : (E, 2) int, node pairs (undirected; each pair once, no self loops).
    weights : (E,) float >= 0, cost paid when the two nodes of an edge differ.
    init : (N,) int or None, a starting labelling with finite cost; default
        the per-node cheapest label.
    max_sweeps : sweeps over all labels; stops earlier when a sweep changes nothing.

    Returns
    -------
    (N,) int64 labels in ``[0, K)``.
    """
    unary = np.asarray(unary, dtype=np.float64)
    if unary.ndim != 2:
        raise ValueError(f"unary must be (N, K), got shape {unary.shape}")
    n, k = unary.shape
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(weights) != len(edges):
        raise ValueError(f"weights must be (E,) = ({len(edges)},), got {weights.shape}")
    if len(edges) and (edges.min() < 0 or edges.max() >= n):
        raise ValueError(f"edges must index nodes in [0, {n})")
    if len(edges) and (edges[:, 0] == edges[:, 1]).any():
        raise ValueError("edges must not be self loops")
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError("weights must be finite and >= 0")
    if np.isnan(unary).any() or (unary == -np.inf).any():
        raise ValueError("unary must not hold NaN or -inf")
    finite = np.isfinite(unary)
    if n and not finite.any(axis=1).all():
        raise ValueError("every node needs at least one finite (allowed) label")
    if n == 0:
        return np.zeros(0, np.int64)
    if init is None:
        labels = np.argmin(unary, axis=1).astype(np.int64)
    else:
        labels = np.asarray(init, dtype=np.int64).copy()
        if labels.shape != (n,) or labels.min() < 0 or labels.max() >= k:
            raise ValueError(f"init must be (N,) = ({n},) labels in [0, {k})")
        if not finite[np.arange(n), labels].all():
            raise ValueError("init gives a node a forbidden (inf) label")
    if k == 1 or len(edges) == 0:
        return np.argmin(unary, axis=1).astype(np.int64) if len(edges) == 0 else labels

    # Shift each node's unaries to start at 0 (argmin unchanged), then pick one
    # integer scale for the whole problem so that every finite cut fits the budget.
    shifted = unary - np.where(finite, unary, np.inf).min(axis=1, keepdims=True)
    span = np.where(finite, shifted, 0.0).max(axis=1)
    total = float(span.sum() + 2.0 * weights.sum())
    scale = _FINITE_BUDGET / total if total > 0 else 1.0
    u_int = np.where(finite, np.rint(shifted * scale), _INF_CAP).astype(np.int64)
    w_int = np.rint(weights * scale).astype(np.int64)
    keep = w_int > 0
    edges, w_int = edges[keep], w_int[keep]

    for _ in range(max_sweeps):
        changed = False
        for alpha in range(k):
            if not finite[:, alpha].any():
                continue
            new = _expand(labels, alpha, u_int, finite, edges, w_int)
            if new is not None:
                labels = new
                changed = True
        if not changed:
            break
    return labels


def _expand(labels: np.ndarray, alpha: int, u_int: np.ndarray, finite: np.ndarray,
            edges: np.ndarray, w_int: np.ndarray) -> np.ndarray | None:
    """One alpha-expansion move; returns the new labels, or None if nothing changes.

    Only nodes that may take alpha enter the flow graph; the others keep
    their label, so their edges become unary costs of their free neighbours.
    Binary variable per free node: source side = keep the current label, sink
    side = switch to alpha. The s->i capacity is the cost of switching, i->t
    the cost of keeping, so a cut pays exactly the move's energy (plus a constant).
    """
    free = finite[:, alpha] & (labels != alpha)
    if not free.any():
        return None
    n = len(labels)
    # Nodes labelled alpha already stay alpha (switching is a no-op for them).
    nodes = np.flatnonzero(free)
    local = np.full(n, -1, np.int64)
    local[nodes] = np.arange(len(nodes))
    m = len(nodes)
    cost_keep = u_int[nodes, labels[nodes]].astype(np.int64)
    cost_alpha = u_int[nodes, alpha].astype(np.int64)

    i, j = edges[:, 0], edges[:, 1]
    fi, fj = free[i], free[j]
    li, lj = labels[i], labels[j]
    # Edges with one free end: the other end is fixed (at alpha or at its own label).
    for end, f_end, f_other, l_end, l_other in ((i, fi, fj, li, lj), (j, fj, fi, lj, li)):
        one = f_end & ~f_other
        if one.any():
            fixed_lab = l_other[one]
            cost_keep += np.bincount(local[end[one]], weights=np.where(l_end[one] != fixed_lab, w_int[one], 0),
                                     minlength=m).astype(np.int64)
            cost_alpha += np.bincount(local[end[one]], weights=np.where(fixed_lab != alpha, w_int[one], 0),
                                      minlength=m).astype(np.int64)
    both = fi & fj
    pi, pj, w = local[i[both]], local[j[both]], w_int[both]
    a = np.where(li[both] != lj[both], w, 0)  # E(keep, keep); E(alpha, alpha) = 0
    b = w                                     # E(keep_i, alpha_j): li != alpha for free nodes
    c = w                                     # E(alpha_i, keep_j)
    # E = A + (C - A) x_i - C x_j + (B + C - A)(1 - x_i) x_j, x = 1 means "switch"
    pair = b + c - a                          # >= 0 for Potts (submodular)
    cost_alpha += np.bincount(pi, weights=c - a, minlength=m).astype(np.int64)
    cost_keep += np.bincount(pj, weights=c, minlength=m).astype(np.int64)

    d = np.minimum(cost_keep, cost_alpha)
    cap_s = cost_alpha - d                    # s -> i: cut when i switches
    cap_t = cost_keep - d                     # i -> t: cut when i keeps
    if not (cap_t > 0).any():
        return None                           # nothing prefers alpha by itself: keeping all is optimal
    src, snk = m, m + 1
    idx = np.arange(m)
    sel_s, sel_t, sel_p = cap_s > 0, cap_t > 0, pair > 0
    rows = np.concatenate([np.full(int(sel_s.sum()), src), idx[sel_t], pi[sel_p]])
    cols = np.concatenate([idx[sel_s], np.full(int(sel_t.sum()), snk), pj[sel_p]])
    caps = np.concatenate([cap_s[sel_s], cap_t[sel_t], pair[sel_p]])
    caps = np.minimum(caps, np.iinfo(np.int32).max).astype(np.int32)
    graph = sparse.csr_array((caps, (rows, cols)), shape=(m + 2, m + 2))
    graph.sum_duplicates()
    res = maximum_flow(graph, src, snk, method="dinic")
    residual = (graph - res.flow).tocsr()
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    reach = breadth_first_order(residual, src, directed=True, return_predecessors=False)
    on_source = np.zeros(m + 2, bool)
    on_source[reach] = True
    switch = ~on_source[:m]
    if not switch.any():
        return None
    out = labels.copy()
    out[nodes[switch]] = alpha
    return out
