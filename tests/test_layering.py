"""Imports run one way: the core and the reference toolkit never import the methods."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "irodori"


def _imports(path: Path) -> list[str]:
    """Modules a file imports, resolved to ``irodori.…`` names for relative imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = ".".join(("irodori",) + path.relative_to(SRC).parent.parts)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = pkg.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append(name)
            out += [f"{name}.{a.name}" for a in node.names]
    return out


def test_reference_toolkit_does_not_import_methods():
    for path in sorted((SRC / "reference").glob("*.py")):
        bad = [m for m in _imports(path) if m.startswith("irodori.methods")]
        assert not bad, f"{path.name} imports {bad}"


def test_finetune_reads_the_model_path_from_the_core():
    bad = [m for m in _imports(SRC / "train" / "finetune.py") if m.startswith("irodori.methods.neural")]
    assert not bad


def test_reference_type_is_the_same_everywhere():
    import irodori
    from irodori.methods import Reference as FromMethods
    from irodori.reference_image import Reference

    assert irodori.Reference is Reference is FromMethods
