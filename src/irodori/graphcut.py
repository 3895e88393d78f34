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
                    init: np.ndarray | None = None, max_sweeps: int = 5, reduce: bool = True,
                    neighbourhood: int | None = 4) -> np.ndarray:
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
    (N,) int64 labels in ``[0, K)``; never a higher energy than ``init``.
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
    if reduce:
        group, u_int, edges, w_int = _reduce(u_int, finite, edges, w_int)
        finite = u_int < _INF_CAP
        first = np.full(len(u_int), -1, np.int64)
        first[group[::-1]] = np.arange(n)[::-1]
        labels = labels[first]  # a group keeps the label of one member, allowed for all of them
        labels = np.where(finite[np.arange(len(labels)), labels], labels, np.argmin(u_int, axis=1))
    graph = _Graph(len(u_int), edges, w_int)
    for _ in range(max_sweeps):
        changed = False
        for alpha in range(k):
            if finite[:, alpha].any() and graph.expand(labels, alpha, u_int, finite, hops=neighbourhood):
                changed = True
        if not changed:
            break
    return labels[group] if reduce else labels


def _reduce(u_int: np.ndarray, finite: np.ndarray, edges: np.ndarray, w_int: np.ndarray,
            max_rounds: int = 30) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge nodes that some minimum-energy labelling gives one label (exact).

    Two rules, applied in rounds: nodes with a single allowed label are one
    node per label; and node ``i`` joins its neighbour ``j`` when their edge
    weighs at least as much as all of ``i``'s other edges together, ``j``'s
    allowed labels are allowed for ``i`` and ``i``'s cost is the same for all
    of its allowed labels: then giving ``i`` the label of ``j`` never raises
    the energy. Only nodes that join nobody this round receive others, so
    every merge of a round keeps its condition. Returns ``(group (N,) int64,
    unary, edges, weights)`` of the merged problem.
    """
    n, k = u_int.shape
    group = np.arange(n)
    allowed = finite.sum(axis=1)
    lo = np.where(finite, u_int, np.iinfo(np.int64).max).min(axis=1)
    hi = np.where(finite, u_int, -1).max(axis=1)
    flat = lo == hi
    # group: id of each node's current representative (a node index); root: the representative's row
    single = np.flatnonzero(allowed == 1)
    rep = np.arange(n)
    if len(single):
        lab = np.argmax(finite[single], axis=1)
        first = np.full(k, -1, np.int64)
        first[lab[::-1]] = single[::-1]
        rep[single] = first[lab]
    e = rep[edges]
    ok = e[:, 0] != e[:, 1]
    e, w = np.sort(e[ok], axis=1), w_int[ok]
    e, w = _merge_parallel(e, w, n)
    for _ in range(max_rounds):
        if not len(e):
            break
        both = np.concatenate([e, e[:, ::-1]])
        ww = np.concatenate([w, w])
        total = np.bincount(both[:, 0], weights=ww, minlength=n)
        order = np.argsort(ww, kind="stable")
        best_w = np.zeros(n)
        best_j = np.full(n, -1, np.int64)
        best_w[both[order, 0]] = ww[order]
        best_j[both[order, 0]] = both[order, 1]
        cand_i = np.flatnonzero((best_j >= 0) & (2 * best_w >= total) & flat)
        cand_j = best_j[cand_i]
        cand_i, cand_j = cand_i[~(finite[cand_j] & ~finite[cand_i]).any(axis=1)], \
            cand_j[~(finite[cand_j] & ~finite[cand_i]).any(axis=1)]
        is_cand = np.zeros(n, bool)
        is_cand[cand_i] = True
        target = np.full(n, -1, np.int64)
        target[cand_i] = cand_j
        accept = ~is_cand[cand_j] | ((target[cand_j] == cand_i) & (cand_i < cand_j))
        src, dst = cand_i[accept], cand_j[accept]
        if not len(src):
            break
        step = np.arange(n)
        step[src] = dst
        rep = step[rep]
        e = step[e]
        ok = e[:, 0] != e[:, 1]
        e, w = _merge_parallel(np.sort(e[ok], axis=1), w[ok], n)
    roots, group = np.unique(rep, return_inverse=True)
    m = len(roots)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(m))
    u_sum = np.add.reduceat(np.where(finite, u_int, 0)[order], starts, axis=0)
    u_new = np.where(finite[roots], u_sum, _INF_CAP)
    e_new = np.searchsorted(roots, e)
    return group.astype(np.int64), u_new.astype(np.int64), e_new.astype(np.int64), w.astype(np.int64)


def _merge_parallel(e: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum the weights of repeated node pairs ``(i < j)``."""
    key = e[:, 0] * n + e[:, 1]
    uniq, inv = np.unique(key, return_inverse=True)
    return np.stack([uniq // n, uniq % n], 1), np.bincount(inv, weights=w).astype(np.int64)


class _Graph:
    """The edges of one problem with an adjacency list, and the expansion move on it."""

    def __init__(self, n: int, edges: np.ndarray, w_int: np.ndarray) -> None:
        self.n = n
        self.i, self.j, self.w = edges[:, 0], edges[:, 1], w_int
        ends = np.concatenate([self.i, self.j])
        order = np.argsort(ends, kind="stable")
        self.nbr = np.concatenate([self.j, self.i])[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=n))])

    def _grow(self, inside: np.ndarray, frontier: np.ndarray, allowed: np.ndarray, hops: int) -> np.ndarray:
        """Add to ``inside`` (in place) the allowed nodes within ``hops`` of ``frontier``; returns the last frontier."""
        for _ in range(hops):
            if not len(frontier):
                break
            starts, stops = self.indptr[frontier], self.indptr[frontier + 1]
            counts = stops - starts
            idx = np.repeat(stops - np.cumsum(counts), counts) + np.arange(int(counts.sum()))
            nb = self.nbr[idx]
            nb = np.unique(nb[allowed[nb] & ~inside[nb]])
            inside[nb] = True
            frontier = nb
        return frontier

    def expand(self, labels: np.ndarray, alpha: int, u_int: np.ndarray, finite: np.ndarray,
               hops: int | None = 4) -> bool:
        """One alpha-expansion move, in place on ``labels``; True if any node switched.

        Binary variable per free node (may take alpha, does not have it): source
        side = keep its label, sink side = switch. The costs are doubled so the
        Potts term of an edge between two free nodes of different labels splits
        symmetrically: ``2w (1 - x_i x_j) = w (1 - x_i) + w (1 - x_j) + w [x_i != x_j]``,
        and the term of an edge to a fixed node is a unary cost. A node can only
        be pulled to alpha through a node that prefers alpha by itself (sink
        capacity > 0), so with none the move changes nothing; otherwise the cut is
        solved on the free nodes within ``hops`` of those (doubling ``hops`` while
        the switching set reaches the edge of that neighbourhood), with the free
        nodes beyond kept at their label. Only the nodes on the sink side of every
        minimum cut switch, so a move never trades one labelling for another of the
        same energy, and a sweep without a strict decrease ends the expansion.
        """
        free = finite[:, alpha] & (labels != alpha)
        if not free.any():
            return False
        n = self.n
        ar = np.arange(n)
        i, j, w = self.i, self.j, self.w
        li, lj = labels[i], labels[j]
        fi, fj = free[i], free[j]
        c_keep = 2 * u_int[ar, labels]
        c_alpha = 2 * u_int[:, alpha]
        both = fi & fj
        differ = li != lj
        # an edge with one free end: a unary cost of that end
        for end, f_end, f_other, l_end, l_other in ((i, fi, fj, li, lj), (j, fj, fi, lj, li)):
            one = f_end & ~f_other
            c_keep += np.bincount(end[one], weights=2 * w[one] * (l_end[one] != l_other[one]),
                                  minlength=n).astype(np.int64)
            c_alpha += np.bincount(end[one], weights=2 * w[one] * (l_other[one] != alpha),
                                   minlength=n).astype(np.int64)
        split = both & differ
        c_keep += (np.bincount(i[split], weights=w[split], minlength=n)
                   + np.bincount(j[split], weights=w[split], minlength=n)).astype(np.int64)
        want = free & (c_keep > c_alpha)
        if not want.any():
            return False  # no path to the sink: keeping every label is the only minimum cut
        # Look for the switching set around the nodes pulled to alpha by a neighbour
        # that has it or by their own cost (a node pulled only by the disagreement of
        # two free neighbours can switch only together with them).
        near = np.zeros(n, bool)
        has = labels == alpha
        near[i[has[j]]] = True
        near[j[has[i]]] = True
        seeds = want & (near | (u_int[:, alpha] < u_int[ar, labels]))
        if not seeds.any():
            return False
        n_free = int(free.sum())
        # start from the whole areas of the labels alpha would take nodes from:
        # the flow that keeps them comes from their own fixed nodes
        taken = np.zeros(u_int.shape[1], bool)
        taken[labels[seeds]] = True
        inside = free & taken[labels]
        frontier = np.flatnonzero(inside)
        if hops:
            frontier = self._grow(inside, frontier, free, 1)
        else:
            frontier = frontier[:0]
        while True:
            whole = len(frontier) == 0 or 2 * int(inside.sum()) > n_free
            if whole:
                inside = free
            switch, anchored = self._cut(inside, free, labels, alpha, c_keep, c_alpha, differ)
            if whole or not anchored:
                break
            hops *= 2
            frontier = self._grow(inside, frontier, free, hops)
        if not switch.any():
            return False
        labels[switch] = alpha
        return True

    def _cut(self, inside: np.ndarray, free: np.ndarray, labels: np.ndarray, alpha: int,
             c_keep: np.ndarray, c_alpha: np.ndarray, differ: np.ndarray) -> tuple[np.ndarray, bool]:
        """The move restricted to the free nodes ``inside``, the others kept at their label.

        Returns ``(switch (N,) bool, anchored)``: the nodes on the sink side of
        every minimum cut, and whether the maximum flow passed through an edge
        to a kept free node. When it did not, that flow is also a maximum flow
        of the whole move, which then switches the same nodes.
        """
        n = self.n
        i, j, w = self.i, self.j, self.w
        nodes = np.flatnonzero(inside)
        m = len(nodes)
        local = np.full(n, -1, np.int64)
        local[nodes] = np.arange(m)
        keep = c_keep[nodes].copy()
        alph = c_alpha[nodes].copy()
        anchor = np.zeros(m, np.int64)
        ii, ij = inside[i], inside[j]
        # free nodes outside stay at their label: their edges become unary costs, the
        # cost of switching through a separate source arc so its flow can be read
        for end, in_end, in_other, f_other, l_end, l_other in (
                (i, ii, ij, free[j], labels[i], labels[j]), (j, ij, ii, free[i], labels[j], labels[i])):
            cross = in_end & ~in_other & f_other
            if cross.any():
                d = l_end[cross] != l_other[cross]
                keep += np.bincount(local[end[cross]], weights=w[cross] * d, minlength=m).astype(np.int64)
                anchor += np.bincount(local[end[cross]], weights=2 * w[cross], minlength=m).astype(np.int64)
        pair = ii & ij
        pi, pj = local[i[pair]], local[j[pair]]
        cap = np.where(differ[pair], w[pair], 2 * w[pair])
        d = np.minimum(keep, alph)
        cap_s, cap_t = alph - d, keep - d
        src, snk, anc = m, m + 1, m + 2
        idx = np.arange(m)
        sel_s, sel_t, sel_a = cap_s > 0, cap_t > 0, anchor > 0
        n_a = int(sel_a.sum())
        rows = np.concatenate([np.full(int(sel_s.sum()), src), idx[sel_t], pi, pj, np.full(n_a, anc), [src]])
        cols = np.concatenate([idx[sel_s], np.full(int(sel_t.sum()), snk), pj, pi, idx[sel_a], [anc]])
        caps = np.concatenate([cap_s[sel_s], cap_t[sel_t], cap, cap, anchor[sel_a], [anchor.sum()]])
        caps = np.minimum(caps, np.iinfo(np.int32).max).astype(np.int32)
        graph = sparse.csr_array((caps, (rows, cols)), shape=(m + 3, m + 3))
        graph.sum_duplicates()
        res = maximum_flow(graph, src, snk, method="dinic")
        anchored = False
        if n_a:
            # Does the same flow pass without the kept nodes? Then it is a maximum
            # flow of the whole move too (it can only lie between the two).
            without = graph.copy()
            without.data[without.indices == anc] = 0
            without.eliminate_zeros()
            res0 = maximum_flow(without, src, snk, method="dinic")
            anchored = res0.flow_value < res.flow_value
            graph, res = without, res0
        flow = res.flow
        residual = (graph - flow).tocsr()
        residual.data = (residual.data > 0).astype(np.int8)
        residual.eliminate_zeros()
        # the nodes that still reach the sink lie on its side of every minimum cut
        reach = breadth_first_order(residual.T.tocsr(), snk, directed=True, return_predecessors=False)
        on_sink = np.zeros(m + 3, bool)
        on_sink[reach] = True
        out = np.zeros(n, bool)
        out[nodes[on_sink[:m]]] = True
        return out, anchored
