"""The ``darkrecon`` command line: one subcommand per stage of the chain.

Stages register themselves in :data:`COMMANDS`; ``darkrecon run`` runs what exists of the
chain on the built-in sample and writes a report folder.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from darkrecon import __version__

AddArguments = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]

#: name -> (help, function that adds the arguments, function that runs it and returns an exit code)
COMMANDS: dict[str, tuple[str, AddArguments, Run]] = {}


def command(name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Decorator that registers a subcommand."""

    def wrap(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = (help, add_arguments, fn)
        return fn

    return wrap


class CommandError(Exception):
    """A user error: printed as one line, exit code 2."""


def derived_output(input_path: str, output: str | None, tag: str, strip: str = "") -> Path:
    """The output file of a stage: ``output`` if given, else the input's name with ``tag``
    (``run.parquet`` -> ``run-sim.parquet``; ``strip`` drops the previous stage's tag first).
    Writing over the input is refused."""
    src = Path(input_path)
    if output is None:
        stem = src.stem[: -len(strip)] if strip and src.stem.endswith(strip) else src.stem
        out = src.with_name(f"{stem}{tag}.parquet")
    else:
        out = Path(output)
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise CommandError(f"the output {out} is the input file; give another --output")
    return out


def file_stage(name: str, source: str, read: Callable, compute: Callable, write: Callable):
    """Read, compute, write: the steps of a file-to-file stage, with a progress bar (on a
    terminal) over them. A ValueError or TypeError of ``compute`` (bad content) becomes a
    :class:`CommandError` naming ``source``. Returns (what was read, what was computed)."""
    from darkrecon.progress import progress

    with progress(3, f"{name}: read") as bar:
        data = read()
        bar.advance()
        bar.update(description=f"{name}: {name}")
        try:
            result = compute(data)
        except (ValueError, TypeError) as err:
            raise CommandError(f"{source}: {err}") from None
        bar.advance()
        bar.update(description=f"{name}: write")
        write(result)
        bar.advance()
        bar.update(description=name)
    return data, result


def report_validation(as_json: object | None, table: str, disagreements: Sequence[str]) -> int:
    """Print a validation's JSON (if ``as_json`` is not None) or its table, then one line per
    disagreement with the published values; exit code 1 if there is any, else 0."""
    import json

    print(json.dumps(as_json, indent=2) if as_json is not None else table)
    for line in disagreements:
        print("DISAGREES:", line)
    return 1 if disagreements else 0


def build_parser() -> argparse.ArgumentParser:
    from darkrecon import commands  # noqa: F401 (registers the subcommands)

    parser = argparse.ArgumentParser(
        prog="darkrecon", description="Belle II-style reconstruction for dark-sector searches."
    )
    parser.add_argument("--version", action="version", version=f"darkrecon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_arguments, fn) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        p.set_defaults(func=fn)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from darkrecon.io import SchemaError

    try:
        return int(args.func(args) or 0)
    except (CommandError, FileNotFoundError, SchemaError) as err:
        # Bad input: one line, no traceback. Stages write their files atomically, so what was
        # already written is left as it was.
        print(f"darkrecon {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    # `python -m darkrecon.cli`: the subcommands register in the imported module, not __main__.
    from darkrecon.cli import main as _main

    sys.exit(_main())
