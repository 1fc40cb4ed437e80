"""The command line: argument parsing and printing only; the work is in run.py and friends.

Exit status everywhere: 0 success, 1 a document (or a check) failed, 2 usage error.
"""
from __future__ import annotations

import sys

import click

from . import __version__


class _Group(click.Group):
    def main(self, *args, **kwargs):  # Ctrl-C: a clean message, no traceback
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Abort:
            click.echo("vanban: interrupted; the previous output is unchanged", err=True)
            sys.exit(130)
        except KeyboardInterrupt:
            click.echo("vanban: interrupted; the previous output is unchanged", err=True)
            sys.exit(130)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vanban")
def main() -> None:
    """vanban: Vietnamese government documents -> Parquet tables of assignments, deadlines,
    numeric targets and legal citations."""


@main.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="output folder for the tables")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="worker processes for the local engine (default: number of cores)")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: a process pool on this machine; dask: an existing dask.distributed cluster "
                   "(inputs and --out must be on a filesystem the workers share, at the same paths)")
@click.option("--scheduler", default=None,
              help="Dask scheduler address, e.g. tcp://HOST:8786 (with --engine dask; default "
                   "$DASK_SCHEDULER_ADDRESS, else a local cluster)")
@click.option("--ocr", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="OCR pages without a text layer (auto), every page (always) or none (never)")
@click.option("--force", is_flag=True, help="re-process every document instead of re-using unchanged ones")
@click.option("--time-limit", type=click.FloatRange(0.1, None), default=300.0, show_default=True,
              help="seconds one document may take before it is stopped and recorded as an error")
@click.option("--no-progress", is_flag=True, help="no progress bar on stderr")
def run_cmd(inputs, out, workers, engine, scheduler, ocr, force, time_limit, no_progress) -> None:
    """Process INPUT files and folders into the tables in --out.

    Unchanged documents are re-used from the cache in OUT/.vanban-cache; every table is
    replaced atomically (an interrupted run leaves the previous tables). Exit status: 0 all
    documents processed, 1 some failed (see OUT/errors.parquet), 2 usage error, 130 interrupted."""
    from pathlib import Path

    from .run import UsageError, run

    try:
        summary = run(list(inputs), out, workers=workers, engine=engine, scheduler=scheduler, ocr=ocr, force=force,
                      time_limit=time_limit, progress=not no_progress)
    except UsageError as e:
        raise click.UsageError(str(e))
    except KeyboardInterrupt:
        click.echo(f"vanban: interrupted; {out} holds the tables of the last complete run "
                   "(documents finished so far are cached: run again to continue)", err=True)
        sys.exit(130)
    click.echo(summary.line())
    if summary.errors:
        click.echo(f"vanban: {summary.errors} input(s) failed; see {Path(out) / 'errors.parquet'} "
                   f"(vanban query --data {out} \"SELECT source_path, message FROM errors\")", err=True)
    sys.exit(summary.exit_status)


@main.command("eval")
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="folder holding NAME.gold.json next to the sources")
@click.option("--pred", "pred_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="output folder of `vanban run` over the same sources")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--details", is_flag=True, help="list the unmatched gold and predicted rows")
def eval_cmd(gold_dir, pred_dir, fmt, details) -> None:
    """Score predicted tables against gold annotations (P/R/F1 per table, field accuracy)."""
    from .evaluate import evaluate, format_report

    report = evaluate(gold_dir, pred_dir)
    if fmt == "json":
        import json

        click.echo(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    else:
        click.echo(format_report(report, details=details))
    sys.exit(0 if report["documents_matched"] else 1)


def _register_optional() -> None:
    """Commands that live in their own modules (query, show, export, graph)."""
    import importlib

    for mod in ("query", "show", "export", "graph"):
        try:
            module = importlib.import_module(f".{mod}", __package__)
        except ModuleNotFoundError as e:
            if e.name and e.name.endswith(f"pipeline.{mod}"):
                continue
            raise
        cmd = getattr(module, "command", None)
        if cmd is not None:
            main.add_command(cmd)


_register_optional()

if __name__ == "__main__":  # pragma: no cover
    main()
