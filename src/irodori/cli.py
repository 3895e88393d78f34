"""The ``irodori`` command line: a thin adapter over the Python API.

Every command turns an IrodoriError (bad input) into a one-line
``error: ...`` on stderr and exit code 2; no traceback reaches the user.
Sub-command groups (``irodori data ...``) live beside the code they drive
and are attached here.
"""

from __future__ import annotations

import sys

import typer

from .errors import IrodoriError

app = typer.Typer(
    name="irodori",
    help="Line-art colourization for manga and anime artists: hints in, colours and layers out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Line-art colourization for manga and anime artists: hints in, colours and layers out."""


@app.command("methods")
def methods_cmd() -> None:
    """List the colourization methods, what they need and their options."""
    from .api import list_methods

    for m in list_methods():
        caps = m["capabilities"]
        needs = [k for k in ("needs_hints", "needs_reference") if caps[k]]
        typer.echo(f"{m['name']:<14} {m['description']}")
        if needs:
            typer.echo(f"{'':<14} needs: {', '.join(n.removeprefix('needs_') for n in needs)}")
        for o in m["options"]:
            typer.echo(f"{'':<14} --option {o['name']}={o['default']!r}  {o['help']}")


# --- command modules attach themselves below (one import line each) ---


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for bad input, as for usage errors)."""
    try:
        app(args=argv, prog_name="irodori")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except IrodoriError as e:
        typer.echo(f"error: {e}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
