"""The command line: ``stackrules check|audit|assess|plan|explore|batch|impact|cohort-report|graph|towards|verify|keygen|import|schema|serve``.

Exit codes (docs/language.md sections 12 and 16; docs/language.md): 0 success;
2 only from ``audit`` (not met), ``plan`` (no plan), ``impact`` (some
decision changes) and ``verify`` (a credential refused); 3 invalid input (``batch``: some learner could not be read),
usage errors included (a missing or unknown option, a value out of range);
4 indeterminate (``audit`` and ``plan``: the time limit); 1 internal error.
``assess``, ``explore``, ``graph``, ``towards`` and ``schema`` exit 0 whenever
they print their output. Human diagnostics go to stderr as
``file:line:column: error[CODE]: message`` with the source line and a caret;
with ``--format json`` any failure on input, a usage error too, prints
``{"diagnostics": [...]}`` to stdout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import io
import json
import math
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ._version import __version__
from .decision import Decision
from .diagnostics import Diagnostic, escape_text
from .errors import LearnerError, RequestError, RuleBaseError, StackrulesError, VerificationError
from .language.models import KINDS, no_such_day

EXIT_OK, EXIT_INTERNAL, EXIT_NOT_MET, EXIT_INVALID, EXIT_INDETERMINATE = 0, 1, 2, 3, 4
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away, as a shell reports a process ended by SIGPIPE

F = TypeVar("F", bound=Callable[..., Any])


SHOWN_REPEATS = 3  # the same mistake shown in full this many times in text; the rest listed by place


def _mistake(d: Diagnostic) -> tuple[str, str]:
    """What makes two diagnostics the same mistake: the code and the first thing the message names."""
    named = re.search(r"`([^`]*)`", d.message)
    return d.code, named.group(1) if named else d.message


def _echo(text: str, nl: bool = True) -> None:
    """Write ``text`` to standard output whole, or raise (``BrokenPipeError`` when the reader went away).

    CPython takes a write that a signal cut short (the reader of a pipe closing part-way: ``| head``) as done and
    drops the rest, so a long output was cut and the command still said success. Here each write goes to the
    file descriptor until all of it is written; one that cannot be is an error the command reports (exit 141, a
    full disk SR5002). Without a file descriptor (a test's captured output) it is click's echo.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        click.echo(text, nl=nl)
        return
    sys.stdout.flush()
    data = memoryview((text + ("\n" if nl else "")).encode(sys.stdout.encoding or "utf-8", sys.stdout.errors or "strict"))
    while data:
        data = data[os.write(fd, data) :]


def emit_diagnostics(diags: Sequence[Diagnostic], fmt: str, roots: Sequence[Sequence[str]] = (), summary: bool = True) -> None:
    """Print ``diags``; ``roots`` are the lists of paths the files were read from (names are relative to them).

    JSON lists every diagnostic. Text shows the same mistake (one code about the same first
    named thing, e.g. SR3013 about framework `aqf`) in full SHOWN_REPEATS times, then one line
    naming where else it occurs: a missing framework otherwise repeats itself once per
    catalogue line and hides every other error.
    """
    if fmt == "json":
        _echo(json.dumps({"diagnostics": [d.to_json() for d in diags]}, indent=2))
        return
    from .source.files import quote_lines, source_path

    seen: dict[tuple[str, str], list[Diagnostic]] = {}
    shown: list[Diagnostic] = []
    for d in diags:
        same = seen.setdefault(_mistake(d), [])
        same.append(d)
        if len(same) <= SHOWN_REPEATS:
            shown.append(d)
    wanted: dict[str, list[tuple[int, int]]] = {}
    for d in shown:
        wanted.setdefault(d.file, []).append((d.line, d.column))
    quoted: dict[str, dict[int, str]] = {}
    for file, lines in wanted.items():  # each file read once, only up to the last line quoted
        quoted[file] = quote_lines(source_path(file, *roots), lines)
    for d in shown:
        click.echo(d.render(line_text=quoted[d.file].get(d.line)), err=True)
        same = seen[_mistake(d)]
        if len(same) > SHOWN_REPEATS and d is same[SHOWN_REPEATS - 1]:
            rest = same[SHOWN_REPEATS:]
            by_file: dict[str, list[int]] = {}
            for x in rest:
                by_file.setdefault(x.file, []).append(x.line)
            places = "; ".join(
                f"{f} line{'s' * (len(ls) != 1)} {', '.join(map(str, ls[:10]))}{f' and {len(ls) - 10} more' if len(ls) > 10 else ''}"
                for f, ls in by_file.items()
            )
            thing = _mistake(d)[1]
            what = f" (`{thing}`)" if thing != d.message else ""
            click.echo(f"{d.severity}[{d.code}]: {len(rest)} more like this{what}: {places}\n", err=True)
    errors = sum(1 for d in diags if d.severity == "error")
    warnings = len(diags) - errors
    if summary and (errors or warnings):
        click.echo(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}", err=True)


# errors of writing the output that are the machine's, not a bug's: a full disk or quota, a file too large, a device error
_CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _cannot_write(exc: OSError) -> int:
    """The output could not be written (stdout on a full disk, /dev/full): no bug, and nothing more can be written
    there, so the error goes to stderr whatever the format, and stdout to devnull (the interpreter's own flush at exit
    would fail again)."""
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    with contextlib.suppress(OSError):  # stderr may be as full as stdout: the exit code says it then
        click.echo(f"error[SR5002]: cannot write the output: {exc.strerror}\n  = help: free some space, or write the output elsewhere", err=True)
    return EXIT_INVALID


def _guard(fmt_of: Callable[[dict[str, Any]], str]) -> Callable[[F], F]:
    """Turn every failure into a diagnostic and an exit code; never a traceback."""

    def deco(fn: F) -> F:
        def wrapper(**kwargs: Any) -> None:
            try:
                code = guarded(**kwargs)
                sys.stdout.flush()
            except OSError as exc:  # an error's own output (a JSON diagnostic on stdout) could not be written either
                if exc.errno not in _CANNOT_WRITE:
                    raise
                code = _cannot_write(exc)
            sys.exit(code or 0)

        def guarded(**kwargs: Any) -> int | None:
            fmt = fmt_of(kwargs)
            try:
                code = fn(**kwargs)
                sys.stdout.flush()  # a full disk or a failing device shows here, not at the interpreter's exit
            except (RuleBaseError, LearnerError) as exc:
                emit_diagnostics(exc.diagnostics, fmt, [list(kwargs.get("rules") or ())])
                code = EXIT_INVALID
            except RequestError as exc:
                diag = exc.diagnostic()
                if diag.help is not None and "COMMAND" in diag.help:  # the code's own help, said for this command
                    diag = dataclasses.replace(diag, help=diag.help.replace("COMMAND", click.get_current_context().info_name or "COMMAND"))
                emit_diagnostics([diag], fmt)
                code = EXIT_INVALID
            except VerificationError as exc:
                click.echo(escape_text(f"internal error: {exc}"), err=True)
                code = EXIT_INTERNAL
            except StackrulesError as exc:
                click.echo(escape_text(f"error: {exc}"), err=True)
                code = EXIT_INVALID
            except (KeyboardInterrupt, click.exceptions.Exit, click.exceptions.Abort, click.UsageError):
                raise
            except BrokenPipeError:
                # the reader went away (`| head`): nothing is wrong with the input, and nothing more can be written;
                # stdout is pointed at devnull so that the interpreter's own flush at exit does not fail again
                with contextlib.suppress(OSError):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                code = EXIT_BROKEN_PIPE
            except OSError as exc:
                if exc.errno not in _CANNOT_WRITE:
                    click.echo(escape_text(f"internal error: {type(exc).__name__}: {exc}\nplease report this with the command and input files"), err=True)
                    code = EXIT_INTERNAL
                else:
                    code = _cannot_write(exc)
            except Exception as exc:  # the last line of defence: report, never a traceback
                click.echo(escape_text(f"internal error: {type(exc).__name__}: {exc}\nplease report this with the command and input files"), err=True)
                code = EXIT_INTERNAL
            return int(code or 0)

        wrapper.__name__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        return wrapper  # type: ignore[return-value]

    return deco


def _fmt(kwargs: dict[str, Any]) -> str:
    """The format diagnostics follow: JSON when the command's output is JSON, else text."""
    return "json" if kwargs.get("fmt") == "json" else "text"


def _asks_for_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for ``--format json`` (the last ``--format`` wins, as in click)."""
    fmt = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--format" and i + 1 < len(argv):
            fmt = argv[i + 1]
        elif arg.startswith("--format="):
            fmt = arg.split("=", 1)[1]
    return fmt == "json"


class _Commands(click.Group):
    """The command group: usage errors are input errors (exit 3) and follow ``--format json``.

    click reports a usage error (a missing or unknown option, a value out of
    range, a missing argument) with exit 2, which stackrules reserves for "not
    met"; here it exits 3 like every other bad input, as a SR5002 diagnostic
    on stdout when ``--format json`` was asked for, else click's usage message
    on stderr.
    """

    def main(
        self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True, **extra: Any
    ) -> Any:
        if not standalone_mode:  # the caller handles click's exceptions itself
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            try:
                if _asks_for_json(argv):
                    where = f"`{exc.ctx.command_path} --help`" if exc.ctx is not None else "`stackrules --help`"
                    emit_diagnostics([Diagnostic("<request>", 1, 1, "SR5002", exc.format_message(), f"see {where}")], "json")
                    sys.stdout.flush()
                else:
                    exc.show()
            except OSError as problem:
                if problem.errno not in _CANNOT_WRITE:
                    raise
                _cannot_write(problem)
            sys.exit(EXIT_INVALID)
        except click.ClickException as exc:  # click's other input errors (an unreadable file it opened)
            exc.show()
            sys.exit(EXIT_INVALID)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(EXIT_INTERNAL)
        except BrokenPipeError:  # click's own output (`--help`, `--version`) to a reader that went away
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except OSError as exc:  # click's own output to a full disk (`--help > /dev/full`)
            if exc.errno not in _CANNOT_WRITE:
                raise
            sys.exit(_cannot_write(exc))
        sys.exit(result if isinstance(result, int) else EXIT_OK)


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    from .language.models import FIRST_DAY, LAST_DAY, iso_day

    try:
        day = iso_day(value)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise RequestError("SR5002", f"`--as-of {value}` is not a day of the calendar", no_such_day(value)) from None
        raise RequestError("SR5002", f"`--as-of {value}` is not a date", "write it as YYYY-MM-DD") from None

    if not FIRST_DAY <= day <= LAST_DAY:  # said with the flag's name, before the engine says it with the API's
        raise RequestError(
            "SR5002", f"`--as-of {value}` is outside the years {FIRST_DAY.year} to {LAST_DAY.year}", f"give a day from {FIRST_DAY} to {LAST_DAY}"
        )
    return day


def cache_folder() -> str | None:
    """Where the CLI keeps checked rule bases: STACKRULES_CACHE, else the user's cache folder; None when off."""
    raw = os.environ.get("STACKRULES_CACHE")
    if raw is not None:
        return None if raw.strip().lower() in ("", "off", "0", "no", "false") else raw
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "stackrules")


def _engine(rules: Sequence[str]) -> Any:
    from .engine import load
    from .source.cache import Cache

    # unchanged rule bases load from the cache (see stackrules.source.cache); a cache that cannot be written is skipped,
    # one that is unsafe to read is skipped with a warning
    folder = cache_folder()
    return load(*rules, cache=None if folder is None else Cache(Path(folder), warn=lambda m: click.echo(f"warning: {escape_text(m)}", err=True)))


def _learner(path: str) -> Any:
    from .source.learners import load_learner

    if not Path(path).exists():
        raise LearnerError([Diagnostic(path, 1, 1, "SR1012", f"`{path}` does not exist", "check the path")])
    return load_learner(path)


def _print(decision: Decision, fmt: str) -> None:
    if fmt == "json":
        _echo(decision.dumps())
    else:
        _echo(decision.text(), nl=False)


def common(fn: F) -> F:
    fn = click.option("--rules", "rules", multiple=True, type=click.Path(), help="Rule-base file or folder (repeatable). Default: the shipped base.")(fn)
    fn = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)(fn)
    fn = click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds per decision before it is indeterminate.")(fn)
    return fn


def decide_options(fn: F) -> F:
    fn = click.option("--learner", "learner", required=True, type=click.Path(), help="The learner's YAML file.")(fn)
    fn = click.option("--as-of", "as_of", default=None, help="The day of the decision (YYYY-MM-DD). Default: today.")(fn)
    fn = click.option("--look-ahead", is_flag=True, help="Count in-progress and planned study (marked pending).")(fn)
    return common(fn)


@click.group(name="stackrules", cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stackrules")
def main() -> None:
    """stackrules: exact audits, credit transfer and pathway planning for stackable credentials."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--rules", "rules", multiple=True, type=click.Path(), help="Rule base that learner files among PATHS are checked against.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_guard(_fmt)
def check(paths: tuple[str, ...], rules: tuple[str, ...], fmt: str) -> int:
    """Check rule-base files (default: the shipped rule base). Exit 0 valid, 3 invalid."""
    from .language.documents import Loaded
    from .language.models import CreditSystemsDoc, FrameworkDoc, LearnerDoc
    from .rulebase.checks import build, recovered_findings
    from .source.files import parse_sources, read_sources, shipped_paths, without_consequences

    # `check --rules A --rules B` checks that base, as the other commands read `--rules` (it replaces the shipped one)
    roots = list(paths) or list(rules) or [str(p) for p in shipped_paths()]
    sources, diags = read_sources(roots)
    recovered: list[Loaded] = []
    loaded, parsed = parse_sources(sources, recovered)
    diags += parsed
    has_rules = any(not isinstance(x.doc, LearnerDoc) for x in loaded)
    if paths and (not has_rules or rules):
        more_sources, more = read_sources(list(rules) or [str(p) for p in shipped_paths()])
        base, more_parsed = parse_sources(more_sources, recovered)
        diags += more + more_parsed
        sources += more_sources
        parsed += more_parsed
        loaded = base + [x for x in loaded if isinstance(x.doc, LearnerDoc)] if not has_rules else base + loaded
    _, more = build(loaded)
    found = recovered_findings(loaded, recovered)
    diags += without_consequences(sources, parsed, more, found, (r.file for r in recovered))
    diags = sorted(set(diags), key=Diagnostic.order)
    errors = [d for d in diags if d.severity == "error"]
    if fmt == "json":
        emit_diagnostics(diags, "json")
    else:
        # without errors the "ok" line below is the summary: one summary, not two
        emit_diagnostics(diags, "text", [roots, list(rules)] if paths else [roots], summary=bool(errors))
        if not errors:
            n = len(loaded)
            _echo(f"ok: {n} document{'s' * (n != 1)} checked, {len(diags)} warning{'s' * (len(diags) != 1)}")
        elif any(d.code in _NEEDS_FRAMEWORKS for d in errors) and not any(isinstance(x.doc, (FrameworkDoc, CreditSystemsDoc)) for x in loaded):
            # the commonest newcomer mistake: a rule folder checked without the frameworks it names
            click.echo(
                "note: no framework or credit-system document was loaded; check the rules with the frameworks they use, e.g. `stackrules check rules frameworks`",
                err=True,
            )
    return EXIT_INVALID if errors else EXIT_OK


_NEEDS_FRAMEWORKS = frozenset({"SR3004", "SR3013"})  # unknown credit system, unknown framework


CATALOG_YEAR = click.option(
    "--catalog-year",
    "catalog_year",
    type=click.IntRange(1000, 8999),  # the years a rule base's dates may name (as the Python API's catalog_year=)
    default=None,
    help="What-if: use the version of the target in force in this catalogue year (1 January, else the first that year), not the learner's.",
)


@main.command()
@click.option("--target", required=True, help="The qualification to audit, e.g. exu:BIT.")
@CATALOG_YEAR
@decide_options
@_guard(_fmt)
def audit(target: str, catalog_year: int | None, learner: str, as_of: str | None, look_ahead: bool, rules: tuple[str, ...], fmt: str, time_limit: float) -> int:
    """Audit a learner against a qualification, with the explanation."""
    day = _as_of(as_of)
    engine = _engine(rules)
    who = _learner(learner)
    with _at_enrolment(who, target):
        decision = engine.audit(who, target, day, look_ahead=look_ahead, time_limit=time_limit, catalog_year=catalog_year)
    _print(decision, fmt)
    return {"met": EXIT_OK, "met_pending": EXIT_OK, "indeterminate": EXIT_INDETERMINATE}.get(decision.status, EXIT_NOT_MET)


@main.command()
@click.option("--target", required=True, help="The qualification credit is assessed towards.")
@click.option(
    "--sign", "sign", type=click.Path(dir_okay=False), default=None, help="Print the statement as a credential signed with this key file (stackrules keygen)."
)
@CATALOG_YEAR
@decide_options
@_guard(_fmt)
def assess(
    target: str,
    sign: str | None,
    catalog_year: int | None,
    learner: str,
    as_of: str | None,
    look_ahead: bool,
    rules: tuple[str, ...],
    fmt: str,
    time_limit: float,
) -> int:
    """Assess prior learning for credit: the advanced-standing statement (exit 0 whenever it is printed).

    With --sign KEYFILE the statement is printed as a verifiable credential
    (a CLR 2.0 ClrCredential signed with eddsa-rdfc-2022) that `stackrules
    verify`, given an issuer document for the signing office, accepts.
    """
    day = _as_of(as_of)
    key = _signing_key(sign) if sign is not None else None  # a bad key file fails before any work
    engine = _engine(rules)
    who = _learner(learner)
    with _at_enrolment(who, target):
        decision = engine.assess(who, target, day, look_ahead=look_ahead, time_limit=time_limit, catalog_year=catalog_year)
    if key is None:
        _print(decision, fmt)
    else:
        signed = engine.sign_statement(decision, key, dt.datetime.now(dt.UTC), identities=who.doc.identities)
        _echo(json.dumps(signed, ensure_ascii=False, indent=2))
    return EXIT_OK  # section 16: an indeterminate statement says so in its status, not in the exit code


@contextlib.contextmanager
def _at_enrolment(who: Any, target: str) -> Iterator[None]:
    """A target with no version in force on the day the learner commenced it (SR5001) is said at that enrolment's
    `commenced` in the learner file, where it is corrected, not at `<request>:1:1`."""
    try:
        yield
    except RequestError as exc:
        smap = who.origin.smap
        dated = [k for k, e in enumerate(who.doc.enrolments) if e.qualification == target and e.commenced is not None]
        path = ("enrolments", dated[-1], "commenced") if dated else None
        if exc.code != "SR5001" or "commenced" not in exc.message or path is None or path not in smap.values:
            raise
        raise LearnerError([smap.diag(path, exc.code, exc.message, exc.help)]) from None


def _signing_key(path: str) -> Any:
    from .source.badges import SigningKeyError, read_signing_key

    try:
        return read_signing_key(path)
    except SigningKeyError as exc:
        raise LearnerError([Diagnostic(path, 1, 1, "SR6006", str(exc), "make one with `stackrules keygen --issuer URL --out KEYFILE`")]) from None


@main.command()
@click.option("--target", required=True, help="The qualification to plan for.")
@click.option("--objective", type=click.Choice(["credits", "cost", "terms"]), default="credits", show_default=True)
@click.option("--alternatives", type=click.IntRange(0, 20), default=0, help="Also show the next K best distinct plans.")
@click.option("--max-load", type=str, default=None, help="Credit per term, in the target's system (default: half a full-time year).")
@click.option("--terms", "term_names", type=str, default=None, help="The term calendar, e.g. S1,S2 (default: the offering names of what the plan could add).")
@click.option("--allow-unpriced", is_flag=True, help="Objective cost: credentials without a price may be chosen (counted as unknown cost).")
@CATALOG_YEAR
@decide_options
@_guard(_fmt)
def plan(
    target: str,
    objective: str,
    alternatives: int,
    max_load: str | None,
    term_names: str | None,
    allow_unpriced: bool,
    catalog_year: int | None,
    learner: str,
    as_of: str | None,
    look_ahead: bool,
    rules: tuple[str, ...],
    fmt: str,
    time_limit: float,
) -> int:
    """The cheapest way to complete a target, term by term."""

    day = _as_of(as_of)
    load = None
    if max_load is not None:
        from .language.quantity import QuantityError, to_fraction

        try:
            load = to_fraction(max_load)  # bounded before any arithmetic: `1e999999999` is refused at once
        except QuantityError as exc:
            raise RequestError("SR5002", f"`--max-load {max_load}`: {exc}", "write e.g. 24") from None
        if load <= 0:
            raise RequestError("SR5002", "`--max-load` must be above zero", None)
    terms = tuple(t.strip() for t in term_names.split(",")) if term_names is not None else ()  # an empty name is refused
    engine = _engine(rules)  # (a rule base's errors before a learner file's, as before)
    who = _learner(learner)
    with _at_enrolment(who, target):
        decision = engine.plan(
            who,
            target,
            day,
            objective=objective,
            alternatives=alternatives,
            max_load=load,
            terms=terms,
            allow_unpriced=allow_unpriced,
            look_ahead=look_ahead,
            time_limit=time_limit,
            catalog_year=catalog_year,
        )
    _print(decision, fmt)
    if decision.to_json().get("proof") in ("indeterminate", "time_limit"):
        return EXIT_INDETERMINATE  # not decided, or a plan found and not proven the best within the time limit
    return EXIT_NOT_MET if decision.status == "no_plan" else EXIT_OK


@main.command()
@click.option("--no-plans", is_flag=True, help="Rank by remaining credit only (faster).")
@decide_options
@_guard(_fmt)
def explore(no_plans: bool, learner: str, as_of: str | None, look_ahead: bool, rules: tuple[str, ...], fmt: str, time_limit: float) -> int:
    """Every qualification ranked by what remains: "what can I finish with what I have?"."""
    day = _as_of(as_of)
    decision = _engine(rules).explore(_learner(learner), day, plans=not no_plans, look_ahead=look_ahead, time_limit=time_limit)
    _print(decision, fmt)
    return EXIT_OK


@main.command()
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid", "json"]), default="dot", show_default=True)
@click.option("--focus", default=None, help="Only the neighbourhood of this qualification or credential id.")
@click.option("--depth", type=click.IntRange(1, 10), default=None, help="With --focus: how many steps out (default 2).")
@click.option("--rules", "rules", multiple=True, type=click.Path())
@click.option("--as-of", "as_of", default=None)
@_guard(_fmt)
def graph(fmt: str, focus: str | None, depth: int | None, rules: tuple[str, ...], as_of: str | None) -> int:
    """Export the credential graph (DOT, Mermaid or JSON)."""
    from .compile.graph import neighbourhood, to_dot, to_json, to_mermaid

    if depth is not None and not focus:
        raise click.UsageError("`--depth` bounds the neighbourhood of `--focus`, and no `--focus` is given: add --focus ID, or leave --depth out")
    depth = 2 if depth is None else depth
    engine = _engine(rules)
    g = engine.graph(_as_of(as_of))
    if focus:
        key = next((k for k in (f"qualification:{focus}", f"credential:{focus}", focus) if k in g), None)
        if key is None:
            from .diagnostics import suggestion

            ids = [n.split(":", 1)[1] for n in g.nodes if n.startswith(("qualification:", "credential:"))]
            raise RequestError("SR5002", f"`{focus}` is not in the graph", suggestion(focus, ids))
        g = neighbourhood(g, key, depth)
    if fmt == "json":
        _echo(json.dumps(to_json(g), indent=2))
    else:
        _echo(escape_text(to_dot(g) if fmt == "dot" else to_mermaid(g)), nl=False)
    return EXIT_OK


@main.command()
@click.argument("credential")
@click.option("--rules", "rules", multiple=True, type=click.Path())
@click.option("--as-of", "as_of", default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_guard(_fmt)
def towards(credential: str, rules: tuple[str, ...], as_of: str | None, fmt: str) -> int:
    """Everything CREDENTIAL (or a qualification) can count towards, directly or through credit rules."""
    found = _engine(rules).counts_towards(credential, _as_of(as_of))
    _echo(found.dumps() if fmt == "json" else found.text(), nl=fmt == "json")
    return EXIT_OK


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--rules", "rules", multiple=True, type=click.Path(), help="Rule base whose `issuer` documents are trusted. Default: the shipped base.")
@click.option("--as-of", "as_of", default=None, help="The day of verification (YYYY-MM-DD). Default: today.")
@click.option("--identity", "identities", multiple=True, help="An identity of the learner the credentials must be about (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds of verifying; credentials left then are refused as time_limit.")
@_guard(_fmt)
def verify(files: tuple[str, ...], rules: tuple[str, ...], as_of: str | None, identities: tuple[str, ...], fmt: str, time_limit: float) -> int:
    """Verify Open Badges 3.0 / CLR 2.0 credentials offline (JSON, VC-JWT, baked PNG or SVG).

    Exit 0 when every credential verified, 2 when any was refused, 3 on bad input.
    """
    import time

    if not math.isfinite(time_limit):
        raise RequestError("SR5002", f"`--time-limit` must be a number of seconds, not {time_limit}", "e.g. --time-limit 10")
    if not time_limit > 0:
        raise RequestError("SR5002", "`--time-limit` must be above zero", "give the seconds verifying may take, e.g. --time-limit 10")
    from .credentials import UNCHECKED
    from .source.badges import BadgeFileError, read_badge

    day = _as_of(as_of)
    data: list[tuple[str, bytes]] = []
    problems: list[Diagnostic] = []
    for f in files:
        try:
            data.append((f, read_badge(f)))
        except BadgeFileError as exc:
            problems.append(Diagnostic(f, 1, 1, "SR6005", f"cannot read the credential file `{f}`: {exc}", "check the path"))
    if problems:
        raise LearnerError(problems)
    engine = _engine(rules)
    deadline = time.monotonic() + time_limit

    def stop() -> bool:
        return time.monotonic() > deadline

    results: list[Any] = []
    for name, raw in data:  # one request: at most the verifier's max_credentials in all, as for one learner
        counted = sum(1 for r in results if r.reason not in UNCHECKED)
        results.extend(engine.verifier.verify(raw, trust=engine.rules.issuers, as_of=day, identities=identities, source=name, counted=counted, stop=stop))
    if fmt == "json":
        out = {
            "as_of": day.isoformat(),
            "credentials": [_result_json(r) for r in results],
            "provenance": engine.provenance.to_json(),
        }
        _echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _echo(escape_text("".join(_result_text(r) for r in results)), nl=False)
    return EXIT_OK if all(r.outcome == "verified" for r in results) else EXIT_NOT_MET


def _result_json(r: Any) -> dict[str, Any]:
    return {
        "source": r.source,
        "outcome": r.outcome,
        "reason": r.reason,
        "message": r.message,
        "id": r.credential_id,
        "type": r.kind,
        "issuer": r.issuer,
        "trust_entry": r.trust_entry,
        "subject": r.subject,
        "achievement": r.achievement,
        "credential": r.credential,
        "awarded": None if r.awarded is None else r.awarded.isoformat(),
        "proof": r.proof_type,
        "part_of": r.part_of,
        "subject_checked": r.subject_checked,
    }


def _proof_text(r: Any) -> str | None:
    """The proof type, saying so when a refusal came before the proof was checked or because it failed."""
    if r.proof_type is None or r.outcome == "verified":
        return r.proof_type  # type: ignore[no-any-return]
    if r.reason in ("malformed", "unsupported_proof", "untrusted_issuer", "untrusted_key"):
        return f"{r.proof_type} (not checked)"
    if r.reason == "signature":
        return f"{r.proof_type} (does not verify)"
    return r.proof_type  # type: ignore[no-any-return]


def _result_text(r: Any) -> str:
    from .render.credentials import one_line, reason_words

    head = f"{one_line(r.source)}: {r.outcome.upper()}" + (f": {reason_words(r.reason)} ({one_line(r.message)})" if r.outcome == "refused" else "")
    facts = [
        f"{k} {v}"
        for k, v in (
            ("type", r.kind),
            ("issuer", r.issuer if r.trust_entry is None else f"{r.issuer} (trusted as {r.trust_entry})"),
            ("achievement", r.achievement),
            ("counts as", r.credential),
            ("awarded", None if r.awarded is None else r.awarded.isoformat()),
            ("proof", _proof_text(r)),
        )
        if v is not None
    ]
    if r.outcome == "verified" and not r.subject_checked:
        facts.append(f"subject not checked: no --identity given (subject {r.subject or 'none'})")
    return head + "\n" + "".join(f"    {one_line(f)}\n" for f in facts)


@main.command()
@click.option("--issuer", "issuer", required=True, help="The issuer id statements are signed as (a URL or DID the office controls).")
@click.option("--name", "name", default=None, help="The office's name, as signed statements show it.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The key file to write (owner-only; never overwritten).")
@click.option("--provider", "provider", default="PROVIDER", help="The provider to name in the printed issuer document.")
@_guard(lambda kw: "text")
def keygen(issuer: str, name: str | None, out: str, provider: str) -> int:
    """Make an Ed25519 key pair for `assess --sign`; print the issuer document that trusts it.

    The key file holds the secret key: keep it private. The printed `issuer`
    document (with the public multikey) is what another institution adds to
    its rule base to verify the statements this key signs.
    """
    from .credentials import is_absolute_iri
    from .source.badges import new_signing_key, write_signing_key

    if not is_absolute_iri(issuer):
        raise RequestError("SR5002", f"--issuer `{issuer}` is not an absolute IRI", "give a URL or DID the office controls, e.g. https://registrar.example.edu")
    key = new_signing_key(issuer, name)
    try:
        write_signing_key(out, key)
    except FileExistsError:
        raise RequestError("SR5002", f"`{out}` already exists: a key file is never overwritten", "choose another --out") from None
    except OSError as exc:
        raise RequestError("SR5002", f"cannot write `{out}`: {exc.strerror}", "check the folder") from None
    _echo(f"# key written to {out} (secret: keep it private)")
    _echo(f"# public multikey: {key.keys.public}")
    _echo("# the issuer document another institution adds to its rule base to trust statements signed with it:")
    _echo(escape_text(key.issuer_document("issuer:" + _slug(key.name), provider)), nl=False)
    # what the receiving institution fills in before `verify` accepts a statement (an adversarial newcomer followed
    # the printed document as it was: `provider: PROVIDER` is not a slug, and no achievement was mapped)
    _echo("# to fill in before it is added to a rule base:")
    if provider == "PROVIDER":
        _echo("#   provider: PROVIDER is a placeholder: the id of this office's provider in that rule base (or run keygen with --provider ID)")
    example = provider if provider != "PROVIDER" else "exu"
    _echo("#   achievements: one line for each credential the statements grant that the rule base accepts, e.g.")
    _echo("#     achievements:")
    _echo(escape_text(f'#       - {{achievement: "urn:stackrules:credential:{example}:COMP1010", credential: "{example}:COMP1010"}}'))
    _echo('#   (docs/credentials.md, "In the rule base: issuer documents")')
    return EXIT_OK


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "office"


@main.command(name="import")
@click.argument("folder", type=click.Path())
@click.option("--id", "learner_id", required=True, help="The learner's id in the learner file written.")
@click.option("--name", "name", default=None, help="The learner's name.")
@click.option("--identity", "identities", multiple=True, help="An identity of the learner (an id, email or DID; repeatable).")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="The learner file to write (default: print it).")
@click.option("--rules", "rules", multiple=True, type=click.Path(), help="Rule base used to note each credential's outcome. Default: the shipped base.")
@click.option("--as-of", "as_of", default=None, help="The day of the noted outcomes (YYYY-MM-DD). Default: today.")
@_guard(lambda kw: "text")
def import_(folder: str, learner_id: str, name: str | None, identities: tuple[str, ...], out: str | None, rules: tuple[str, ...], as_of: str | None) -> int:
    """Turn a folder of badge files (JSON, JWT, PNG, SVG) into a learner file with `verifiable:` holdings.

    Each file becomes a holding `{verifiable: PATH}` (relative to the learner
    file), with a comment giving its outcome on --as-of against the rule
    base's issuers; decisions verify them again on their own day.
    """
    from .credentials import UNCHECKED
    from .source.badges import BadgeFileError, badge_files, read_badge

    day = _as_of(as_of)
    base = Path(folder)
    if not base.is_dir():
        raise RequestError("SR5002", f"`{folder}` is not a folder", "name the folder that holds the badge files")
    found = badge_files(base)
    if not found:
        raise RequestError("SR5002", f"`{folder}` holds no badge file (*.json, *.jsonld, *.jwt, *.png, *.svg)", None)
    where = Path(out).resolve().parent if out else Path.cwd()
    if os.path.relpath(base.resolve(), where).split(os.sep)[0] == os.pardir:
        raise RequestError(
            "SR5002",
            f"`{folder}` is not inside the folder of the learner file written: its `verifiable:` paths may not lead outside that folder",
            "write the learner file (--out, or run from) in FOLDER or a folder above it",
        )
    engine = _engine(rules)
    lines = ["kind: learner", f"id: {json.dumps(learner_id)}"]
    if name:
        lines.append(f"name: {json.dumps(name)}")
    if identities:
        lines.append("identities: [" + ", ".join(json.dumps(i) for i in identities) + "]")
    else:
        click.echo("warning: no --identity given: the learner file lists no identities, so no credential's subject is checked", err=True)
    lines.append("holdings:")
    counted = 0  # the files are one learner's: verified against one bound, as decisions will
    for f in found:
        rel = os.path.relpath(f.resolve(), where)
        try:
            results = engine.verifier.verify(read_badge(f), trust=engine.rules.issuers, as_of=day, identities=identities, source=rel, counted=counted)
            counted += sum(1 for r in results if r.reason not in UNCHECKED)
            note = "; ".join(
                f"{r.credential} (verified)" if r.earns else (f"{r.reason} ({r.message})" if r.outcome == "refused" else "verified, earns nothing itself")
                for r in results
            )
        except BadgeFileError as exc:
            note = f"cannot be read: {exc}"
        lines.append(f"  - verifiable: {json.dumps(Path(rel).as_posix())}   # on {day.isoformat()}: {_one_line(note)}")
    text = "\n".join(lines) + "\n"
    if out is None:
        _echo(escape_text(text), nl=False)
        return EXIT_OK
    from .source.badges import write_new_file

    try:
        write_new_file(out, text)
    except FileExistsError:
        raise RequestError("SR5002", f"`{out}` already exists: it is never overwritten", "choose another --out") from None
    except OSError as exc:
        raise RequestError("SR5002", f"cannot write `{out}`: {exc.strerror}", "check the folder") from None
    _echo(f"wrote {out}: {len(found)} credential file{'s' * (len(found) != 1)}")
    return EXIT_OK


def _one_line(text: str) -> str:
    return escape_text(" ".join(text.split()))[:300]


@main.command()
@click.argument("kind", type=click.Choice(list(KINDS)))
@_guard(lambda kw: "json")
def schema(kind: str) -> int:
    """Print the JSON Schema of one document kind (for editors' YAML language servers)."""
    from .language.schema import json_schema

    _echo(json.dumps(json_schema(kind), indent=2, sort_keys=True))
    return EXIT_OK


def cohort_options(fn: F) -> F:
    fn = click.option("--as-of", "as_of", default=None, help="The day of the decisions (YYYY-MM-DD). Default: today.")(fn)
    fn = click.option("--look-ahead", is_flag=True, help="Count in-progress and planned study (marked pending).")(fn)
    fn = click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds per decision before it is indeterminate.")(fn)
    fn = click.option("--workers", type=click.IntRange(1, 512), default=None, help="Local worker processes (default: one per core).")(fn)
    fn = click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True, help="Where learners are decided.")(fn)
    fn = click.option("--scheduler", default=None, help="The Dask scheduler's address (tcp://HOST:8786), with --executor dask.")(fn)
    return fn


def _cohort_job(engine: Any, command: str, target: str | None, as_of: str | None, look_ahead: bool, time_limit: float) -> Any:
    from .cohort.batch import Job

    if not math.isfinite(time_limit):
        raise RequestError("SR5002", f"`--time-limit` must be a number of seconds, not {time_limit}", "e.g. --time-limit 10")
    if not time_limit > 0:
        raise RequestError("SR5002", "`--time-limit` must be above zero", None)
    if command != "explore" and target is None:
        raise RequestError("SR5002", f"`--command {command}` needs `--target`", "give --target, e.g. exu:BIT")
    if target is not None and target not in engine.qualifications():  # explore too: a target given is never ignored unchecked
        from .diagnostics import suggestion

        if target in engine.rules.credentials:
            raise RequestError(
                "SR5002", f"`{target}` is a credential, not a qualification: a target is a qualification", f"`towards {target}` says what it counts towards"
            )
        raise RequestError("SR5002", f"unknown target `{target}`", suggestion(target, engine.qualifications()))
    day = _as_of(as_of)
    from .language.models import FIRST_DAY, LAST_DAY

    if not FIRST_DAY.year <= day.year <= LAST_DAY.year:  # as audit refuses it, before any learner is decided
        raise RequestError("SR5002", f"`as_of` {day.isoformat()} is outside the years {FIRST_DAY.year} to {LAST_DAY.year}", None)
    return Job(command, target, day, look_ahead, time_limit)


def _scheduler(executor: str, scheduler: str | None) -> None:
    if executor == "dask" and not scheduler:
        raise RequestError("SR5002", "`--executor dask` needs `--scheduler ADDRESS`", "start one with `dask scheduler` and give its tcp:// address")
    if executor != "dask" and scheduler:
        raise RequestError("SR5002", "`--scheduler` is for `--executor dask`", None)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a batch as Ctrl-C does (finished results written, workers stopped), in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@contextlib.contextmanager
def _held_stops() -> Iterator[list[int]]:
    """While output is written, Ctrl-C and SIGTERM are held (the list gets each one that came): no output is cut half-way."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield came
        return
    before = {sig: signal.signal(sig, lambda signum, frame: came.append(signum)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield came
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _interrupted(what: str) -> int:
    """The message and exit code (1) of a command stopped by Ctrl-C or SIGTERM."""
    click.echo(escape_text(f"interrupted: {what}"), err=True)
    return EXIT_INTERNAL


def _progress_stream(progress: bool | None) -> Any:
    """stderr for a progress bar when asked, or by default when stderr is a terminal; else None (quiet)."""
    stderr = sys.stderr
    return stderr if (stderr.isatty() if progress is None else progress) else None


PROGRESS = click.option("--progress/--no-progress", "progress", default=None, help="A progress bar on stderr (default: when stderr is a terminal).")


@main.command()
@click.option("--learners", "learners", required=True, type=click.Path(), help="The cohort: a folder of learner files, a .jsonl file or a .csv of holdings.")
@click.option("--target", default=None, help="The qualification every learner is decided against, e.g. exu:BIT.")
@click.option("--command", "command", type=click.Choice(["audit", "assess", "plan", "explore"]), default="audit", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The JSON-lines file of decisions (one a learner, in input order).")
@click.option(
    "--summary",
    "summaries",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Also write a summary (status, counted, remaining, granted, seconds): CSV, or Parquet when FILE ends in .parquet (repeatable).",
)
@click.option("--resume", is_flag=True, help="Keep the decisions already in --out and decide only the rest.")
@PROGRESS
@click.option("--rules", "rules", multiple=True, type=click.Path(), help="Rule-base file or folder (repeatable). Default: the shipped base.")
@cohort_options
@_guard(lambda kw: "text")
def batch(
    learners: str,
    target: str | None,
    command: str,
    out: str,
    summaries: tuple[str, ...],
    resume: bool,
    progress: bool | None,
    rules: tuple[str, ...],
    as_of: str | None,
    look_ahead: bool,
    time_limit: float,
    workers: int | None,
    executor: str,
    scheduler: str | None,
) -> int:
    """Decide a whole cohort: JSON lines in input order, a summary at the end.

    Exit 0 when every learner was decided, 3 when some could not be (their
    error rows are in the output), 1 when a worker died or the run was stopped
    by Ctrl-C or SIGTERM (what finished is kept: run again with --resume).
    """
    from .cohort import output
    from .cohort.batch import WorkersLost
    from .cohort.inputs import read_cohort

    _scheduler(executor, scheduler)
    path = Path(out)
    summary_paths = [Path(name) for name in summaries]
    output.check_outputs(Path(learners), [("--out", path), *(("--summary", p) for p in summary_paths)])
    if any(output.is_parquet(p) for p in summary_paths):
        output.parquet()  # pyarrow is there, before anything is decided
    engine = _engine(rules)
    job = _cohort_job(engine, command, target, as_of, look_ahead, time_limit)
    items = read_cohort(learners)
    try:
        with _sigterm_as_interrupt():
            tally = output.write_batch(
                engine, job, items, path, resume=resume, executor=executor, workers=workers, scheduler=scheduler, progress=_progress_stream(progress)
            )
    except WorkersLost as exc:
        click.echo(escape_text(f"error: {exc}"), err=True)
        return EXIT_INTERNAL
    except output.Stopped as stop:
        click.echo(stop.tally.text(), err=True, nl=False)
        done = path.read_text(encoding="utf-8").splitlines()
        click.echo(escape_text(f"interrupted: {len(done)} of {len(items)} learners are in `{path}`; run again with --resume to decide the rest"), err=True)
        with _held_stops():
            for summary_path in summary_paths:
                output.write_summary(summary_path, output.summary_rows(done, stop.tally.seconds))
                click.echo(escape_text(f"the summary of those {len(done)} is in `{summary_path}`"), err=True)
        return EXIT_INTERNAL
    lines = path.read_text(encoding="utf-8").splitlines()
    for summary_path in summary_paths:
        output.write_summary(summary_path, output.summary_rows(lines, tally.seconds))
    with contextlib.suppress(OSError):
        # the tally is a report on stderr, after every output is written: a stderr that cannot take it (full, closed)
        # loses the report, not the run
        click.echo(tally.text(), err=True, nl=False)
    errors = sum(1 for raw in lines if '"error":' in raw and json.loads(raw).get("error") is not None)
    return EXIT_INVALID if errors else EXIT_OK


@main.command()
@click.option("--before", "before", multiple=True, required=True, type=click.Path(), help="The rule base before the change (repeatable).")
@click.option("--after", "after", multiple=True, required=True, type=click.Path(), help="The rule base after the change (repeatable, paired with --before).")
@click.option("--rules", "rules", multiple=True, type=click.Path(), help="Rule files both bases share (repeatable), e.g. frameworks.")
@click.option("--learners", "learners", required=True, type=click.Path(), help="The cohort: a folder of learner files, a .jsonl file or a .csv of holdings.")
@click.option("--target", default=None, help="The qualification decided, e.g. exu:BIT.")
@click.option("--command", "command", type=click.Choice(["audit", "assess", "plan"]), default="audit", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@PROGRESS
@cohort_options
@_guard(_fmt)
def impact(
    before: tuple[str, ...],
    after: tuple[str, ...],
    rules: tuple[str, ...],
    learners: str,
    target: str | None,
    command: str,
    fmt: str,
    progress: bool | None,
    as_of: str | None,
    look_ahead: bool,
    time_limit: float,
    workers: int | None,
    executor: str,
    scheduler: str | None,
) -> int:
    """Who a rule change affects: every learner decided under both bases.

    Exit 0 when every learner was compared and no decision changes, 2 when
    some do (a rule repository's CI can gate on it); otherwise 3 when some
    learner could not be read (an error row) and 4 when some decision was not
    made within the time limit (could not compare); 3 on invalid input; 1 when
    stopped (Ctrl-C, SIGTERM) before the report was written.
    """
    from .cohort.impact import impact as run_impact
    from .cohort.inputs import read_cohort

    if len(before) != len(after):
        raise RequestError("SR5002", "give as many --after paths as --before paths (they are paired in order)", None)
    _scheduler(executor, scheduler)
    old = _engine([*before, *rules])
    new = _engine([*after, *rules])
    job = _cohort_job(old, command, target, as_of, look_ahead, time_limit)
    if target is not None and target not in new.qualifications():
        raise RequestError("SR5002", f"the target `{target}` is not in the rule base after the change", None)
    items = read_cohort(learners)
    try:
        with _sigterm_as_interrupt():
            found = run_impact(
                old, new, before, after, job, items, executor=executor, workers=workers, scheduler=scheduler, progress=_progress_stream(progress)
            )
    except KeyboardInterrupt:
        return _interrupted(f"not every one of the {len(items)} learners was decided under both rule bases; no impact report was written")
    text = json.dumps(found.to_json(), indent=2, ensure_ascii=False) + "\n" if fmt == "json" else escape_text(found.text())
    with _held_stops() as stops:
        _echo(text, nl=False)
    if stops:
        return _interrupted("after the impact report was written in full")
    if found.changes:
        return EXIT_NOT_MET
    if found.unread:
        return EXIT_INVALID
    return EXIT_INDETERMINATE if found.uncompared else EXIT_OK


@main.command(name="cohort-report")
@click.option("--decisions", "decisions", multiple=True, type=click.Path(dir_okay=False), help="Batch output (JSON lines; repeatable, e.g. audits and plans).")
@click.option("--learners", "learners", default=None, type=click.Path(), help="Or decide this cohort first (see `stackrules batch`).")
@click.option("--target", default=None, help="With --learners: the qualification decided.")
@click.option(
    "--command",
    "commands",
    multiple=True,
    type=click.Choice(["audit", "assess", "plan"]),
    help="With --learners: what to decide (one command a report; default audit).",
)
@click.option("--rules", "rules", multiple=True, type=click.Path(), help="With --learners: the rule base (default: the shipped one).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--charts", "charts", default=None, type=click.Path(file_okay=False), help="Draw the charts into this folder (needs matplotlib).")
@click.option("--chart-format", type=click.Choice(["png", "svg"]), default="png", show_default=True)
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True, help="Rows per table and bars per chart.")
@click.option("--band", type=click.IntRange(1, 100_000), default=24, show_default=True, help="Width of the remaining-credit bands.")
@PROGRESS
@cohort_options
@_guard(_fmt)
def cohort_report(
    decisions: tuple[str, ...],
    learners: str | None,
    target: str | None,
    commands: tuple[str, ...],
    rules: tuple[str, ...],
    fmt: str,
    charts: str | None,
    chart_format: str,
    top: int,
    band: int,
    progress: bool | None,
    as_of: str | None,
    look_ahead: bool,
    time_limit: float,
    workers: int | None,
    executor: str,
    scheduler: str | None,
) -> int:
    """Cohort analytics: blocking requirements, credit transfer, remaining credit, planned terms, stacks.

    Exit 0 when the report is written, 3 on invalid input or (with --learners)
    when some learner could not be read; 1 when stopped (Ctrl-C, SIGTERM):
    before the report, nothing is written; while charts are drawn, those
    drawn are whole and the rest are not there.
    """
    from .cohort.charts import drawing
    from .cohort.report import cohort_report as figures
    from .cohort.report import render_text

    if bool(decisions) == (learners is not None):
        raise RequestError("SR5002", "give either --decisions FILE or --learners IN", None)
    if charts is not None:
        from .cohort.charts import pyplot
        from .cohort.output import check_folder

        pyplot()  # matplotlib is there, before anything is decided
        check_folder(Path(charts), "--charts")
    if len(set(commands)) > 1:
        raise RequestError("SR5002", "a cohort report is of one command's decisions", "run cohort-report once per --command")
    rows: list[dict[str, Any]] = []
    if decisions:
        seen: dict[tuple[Any, Any], str] = {}
        kinds: dict[str, str] = {}
        for name in decisions:
            for number, row in _result_rows(Path(name)):
                kind = str(row.get("kind") or "audit")
                kinds.setdefault(kind, f"`{name}` line {number}")
                if len(kinds) > 1:
                    first, where = next(iter(kinds.items()))
                    raise RequestError(
                        "SR5002",
                        f"`{name}` line {number} is a {kind} decision, {where} a {first} decision: a cohort report is of one command's decisions",
                        "run cohort-report once per command",
                    )
                # one learner once: by its id (a row that could not be read is known by its place in its input)
                key = (row.get("source"), row.get("learner")) if "error" in row else (None, row.get("learner"))
                if key in seen:
                    raise RequestError(
                        "SR5002",
                        f"`{name}` line {number} gives learner {row.get('learner')!r} of {row.get('source')} again ({seen[key]})",
                        "give each batch output once, and each learner once in a cohort (its id twice in the input decides it twice)",
                    )
                seen[key] = f"`{name}` line {number}"
                rows.append(row)
    else:
        from .cohort.batch import run
        from .cohort.inputs import read_cohort
        from .cohort.output import shown

        _scheduler(executor, scheduler)
        engine = _engine(rules)
        items = read_cohort(learners or "")
        job = _cohort_job(engine, (commands or ("audit",))[0], target, as_of, look_ahead, time_limit)
        try:
            with (
                _sigterm_as_interrupt(),
                contextlib.closing(run(engine, job, items, executor=executor, workers=workers, scheduler=scheduler)) as results,
                contextlib.closing(shown(results, _progress_stream(progress), len(items))) as counted,
            ):
                for result in counted:
                    rows.append(json.loads(result.line))
        except KeyboardInterrupt:
            return _interrupted(f"{len(rows)} of {len(items)} learners were decided; no report was written")
    report = figures(rows)
    text = json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n" if fmt == "json" else escape_text(render_text(report, top, band))
    with _held_stops() as stops:
        _echo(text, nl=False)
    if stops:
        return _interrupted("after the report was written in full; no chart was drawn" if charts is not None else "after the report was written in full")
    if charts is not None:
        drawn = 0
        try:
            with _sigterm_as_interrupt():
                for path in drawing(report, Path(charts), chart_format, top, band):
                    drawn += 1
                    click.echo(f"chart: {path}", err=True)
        except OSError as exc:
            raise RequestError("SR5002", f"writing the charts into `{charts}` failed: {exc.strerror or exc}", "free space or write somewhere else") from None
        except KeyboardInterrupt:
            return _interrupted(f"the report was written; {drawn} chart{'s' * (drawn != 1)} drawn into `{charts}` (each whole), the rest not")
    if report.errors and (learners is not None or report.errors == report.learners):
        click.echo(f"{report.errors} of {report.learners} learners could not be read: see the error rows", err=True)
        return EXIT_INVALID
    return EXIT_OK


def _result_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a batch output file with their line numbers; a line that is not a batch result is an input error."""
    from .cohort.report import check_shape
    from .cohort.report import cohort_report as figures

    if not path.is_file():
        raise RequestError("SR5002", f"`{path}` is not a file", "give the --out file of `stackrules batch`")
    rows = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except (ValueError, RecursionError):
                raise RequestError("SR5002", f"`{path}` line {number} is not JSON", "give the --out file of `stackrules batch`") from None
            bad = not isinstance(row, dict) or "learner" not in row or not isinstance(row.get("decision", row.get("error")), dict)
            if not bad:
                try:  # every figure of the row can be computed: its parts have the shapes a batch writes
                    if row.get("decision") is not None:
                        check_shape(row["decision"])
                    figures([row])
                except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, RecursionError):
                    bad = True
            if bad:
                raise RequestError("SR5002", f"`{path}` line {number} is not a batch result", "give the --out file of `stackrules batch`")
            rows.append((number, row))
    return rows


@main.command()
@click.option("--rules", "rules", multiple=True, type=click.Path(), help="Rule-base file or folder (repeatable). Default: the shipped base.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(0, 64), default=2, show_default=True, help="Worker processes that decide (0: in the server process).")
@click.option("--queue", type=click.IntRange(0, 10_000), default=64, show_default=True, help="Requests that may wait for a worker; more get 503.")
@click.option("--token-file", type=click.Path(dir_okay=False), default=None, help="A file holding the bearer token required on every route.")
@click.option("--decision-log", type=click.Path(dir_okay=False), default=None, help="Append one JSON line per decision to this file (one service per file).")
@click.option("--cors-origin", "cors_origins", multiple=True, help="An origin allowed to call the service from a browser (repeatable; CORS is off by default).")
@click.option("--max-body", type=click.IntRange(1024, 100_000_000), default=1_000_000, show_default=True, help="Largest request body, in bytes.")
@click.option("--max-time-limit", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True, help="Cap on a request's time limit, in seconds.")
@click.option(
    "--body-timeout",
    type=click.FloatRange(0.1, 3600),
    default=30.0,
    show_default=True,
    help="Seconds a request's body may take to arrive after its headers (then 408).",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True)
@_guard(lambda kw: "text")
def serve(
    rules: tuple[str, ...],
    host: str,
    port: int,
    workers: int,
    queue: int,
    token_file: str | None,
    decision_log: str | None,
    cors_origins: tuple[str, ...],
    max_body: int,
    max_time_limit: float,
    body_timeout: float,
    log_level: str,
) -> int:
    """Serve decisions over HTTP (needs the `serve` extra: pip install -e '.[serve]' in the project's folder)."""
    try:
        from .service.config import ServiceConfig
        from .service.server import TokenFileError, read_token
        from .service.server import serve as run_server
    except ImportError as exc:
        raise StackrulesError(f"the HTTP service needs FastAPI and uvicorn: pip install -e '.[serve]' in the project's folder ({exc})") from None
    try:
        token = read_token(token_file) if token_file else None
    except TokenFileError as exc:
        raise RequestError("SR5002", str(exc), "put a long random token on the file's first line") from None
    # an invalid rule base is reported here as `check` reports it (every diagnostic, positioned, with help), before
    # the server starts: the service's own load would fail inside its startup, as a traceback. (With the cache, the
    # service's load of the same files is then a cache read.)
    _engine(rules)
    config = ServiceConfig(
        rules=tuple(rules),
        workers=workers,
        queue=queue,
        token=token,
        decision_log=decision_log,
        cors_origins=tuple(cors_origins),
        max_body=max_body,
        max_time_limit=max_time_limit,
        body_timeout=body_timeout,
        default_time_limit=min(10.0, max_time_limit),
        cache=cache_folder(),
    )
    run_server(config, host=host, port=port, log_level=log_level)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    main()
