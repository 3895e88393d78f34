"""Build the installable Krita plugin zip: ``python make_zip.py OUT.zip`` (``make krita-plugin``).

The zip holds ``irodori_krita.desktop`` and the ``irodori_krita/`` package at its top, the layout
Krita's Tools > Scripts > Import Python Plugin from File expects.
"""

import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(out: str) -> None:
    files = [HERE / "irodori_krita.desktop"] + sorted(
        p for p in (HERE / "irodori_krita").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p in files:
            z.write(p, p.relative_to(HERE).as_posix())
    print(f"wrote {out} ({len(files)} files)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dist/irodori-krita.zip")
