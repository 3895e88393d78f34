"""Speed of ``fill`` at 1 MP: this checkout against another (``--baseline SRC``), in one run.

Times ``fill_flats`` (region graph, cut, paint) on a synthetic 1000x1000
page (:func:`irodori.synthetic.make_lineart`, about 200 regions, one dot in
each of 100) and on its rough sketch (:func:`irodori.data.rough.roughen`),
each in fresh worker processes that alternate between the two code trees,
best of ``--repeat`` per process, median over processes. Prints seconds and
the ratio this / baseline.

Run (baseline = main's sources exported to a folder)::

    git archive main src | tar -x -C /tmp/base
    PYTHONPATH=src .venv/bin/python benchmarks/bench_rough_speed.py --baseline /tmp/base/src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

_WORKER = r"""
import json, sys, time
import numpy as np
from irodori.methods.fill import fill_flats
from irodori.hints import Hints
pages = np.load(sys.argv[1])
hints = Hints.from_json_text(open(sys.argv[2]).read())
out = {}
for name in ("clean", "rough"):
    ink = pages[name]
    fill_flats(ink, hints)  # warm up imports and caches
    best = 1e9
    for _ in range(int(sys.argv[3])):
        t = time.perf_counter()
        fill_flats(ink, hints)
        best = min(best, time.perf_counter() - t)
    out[name] = best
print(json.dumps(out))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True, help="the src/ folder of the code to compare with")
    ap.add_argument("--size", type=int, default=1000, help="page side in pixels")
    ap.add_argument("--rounds", type=int, default=3, help="worker processes per code tree")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per worker (best kept)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from irodori.data.rough import roughen
    from irodori.synthetic import make_lineart

    d = make_lineart(args.size, args.size, n_shapes=40, gap=2.0, seed=1)
    hints = d.hints(n=100, seed=0, radius=2.0)
    rough = roughen(d.ink, seed=1)
    tmp = Path(tempfile.mkdtemp(prefix="bench_rough_speed."))
    np.savez(tmp / "pages.npz", clean=d.ink, rough=rough)
    (tmp / "hints.json").write_text(hints.to_json_text())
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    times: dict[str, list[dict]] = {"this": [], "baseline": []}
    for _ in range(args.rounds):
        for name, src in (("this", str(ROOT / "src")), ("baseline", args.baseline)):
            res = subprocess.run([sys.executable, "-c", _WORKER, str(tmp / "pages.npz"), str(tmp / "hints.json"),
                                  str(args.repeat)], env=dict(env, PYTHONPATH=src), capture_output=True,
                                 text=True, check=True)
            times[name].append(json.loads(res.stdout.strip().splitlines()[-1]))
    print(f"fill_flats at {args.size}x{args.size}, {len(hints)} dots; median over {args.rounds} processes "
          f"of the best of {args.repeat}")
    for page in ("clean", "rough"):
        a = float(np.median([t[page] for t in times["this"]]))
        b = float(np.median([t[page] for t in times["baseline"]]))
        print(f"{page:6} this {a:.3f} s  baseline {b:.3f} s  ratio {a / b:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
