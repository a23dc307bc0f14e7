"""Batch output: JSON lines in input order, resuming, the CSV summary, the end summary and the progress line.

The output file holds one JSON document a line, ``{"index", "learner", "source",
"decision" | "error"}``, in input order. Lines are written and flushed as results
arrive, so a batch that stops (a dead worker, Ctrl-C, a full disk) keeps every
finished result. ``--resume`` reads the lines back (a last line cut short is
dropped), decides only the learners not there, and leaves the file as an
uninterrupted run would have written it: the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import time
from collections import Counter
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

from ..engine import Engine
from ..errors import RequestError, StackrulesError
from . import batch
from .batch import Job, Result, granted
from .inputs import Item
from .report import status_of


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (symbolic links and hard links resolved)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_outputs(cohort: Path, outputs: Sequence[tuple[str, Path | None]]) -> None:
    """Refuse output files that would overwrite the cohort or each other, or cannot be written, before anything is decided.

    ``outputs`` are ``(option, path)`` pairs such as ``("--out", out)``.
    """
    given = [(name, path) for name, path in outputs if path is not None]
    for i, (name, path) in enumerate(given):
        if cohort.exists() and (
            same_file(path, cohort) or (cohort.is_dir() and path.resolve().is_relative_to(cohort.resolve()) and path.suffix in (".yaml", ".yml"))
        ):
            raise RequestError("SR5002", f"`{name} {path}` is the cohort input `{cohort}`: it would be overwritten", f"write {name} to another file")
        for other_name, other in given[:i]:
            if same_file(path, other):
                raise RequestError("SR5002", f"`{name} {path}` is the same file as `{other_name} {other}`", f"write {name} to another file")
    for name, path in given:
        check_writable(path, name)


def check_writable(path: Path, name: str) -> None:
    """Refuse a file that cannot be written (no such folder, a folder, a device, a read-only place) without changing it."""
    what = f"`{name} {path}`"
    if path.exists() and not path.is_file():
        raise RequestError("SR5002", f"{what} is not a regular file", f"give {name} a file path")
    if not path.parent.is_dir():
        raise RequestError("SR5002", f"{what}: the folder `{path.parent}` does not exist", "create the folder first, or write somewhere else")
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
    except OSError as exc:
        raise RequestError("SR5002", f"{what} cannot be written: {exc.strerror or exc}", "write somewhere you may write") from None
    finally:
        if not existed:
            with contextlib.suppress(OSError):
                path.unlink()


def check_folder(folder: Path, name: str) -> None:
    """Refuse a folder for output files that cannot be made or written, before anything is decided."""
    what = f"`{name} {folder}`"
    if folder.exists() and not folder.is_dir():
        raise RequestError("SR5002", f"{what} is not a folder", f"give {name} a folder path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".stackrules-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RequestError("SR5002", f"{what} cannot be written: {exc.strerror or exc}", "write somewhere you may write") from None


def write_failed(path: Path, exc: OSError, kept: str) -> RequestError:
    """The error for a write that failed mid-run (a full disk, a file removed): exit 3, saying what was kept."""
    return RequestError("SR5002", f"writing `{path}` failed: {exc.strerror or exc}; {kept}", "free space or write somewhere else, then run again")


def read_done(path: Path, items: Sequence[Item], expected: dict[str, Any] | None = None) -> dict[int, str]:
    """The results already in ``path`` (index to line), after dropping a last line cut short.

    Refuses a file whose lines do not belong to this run: another cohort's
    learner at a place, a learner whose input changed since, a line decided
    under another command, target, day, look-ahead or rule base (``expected``:
    the ``kind`` and ``run`` of this run's lines), an index given twice or out
    of input order.
    """
    if not path.exists():
        return {}
    data = path.read_bytes()
    good = data.rfind(b"\n") + 1
    done: dict[int, str] = {}
    last = -1
    hint = "resume with the same cohort, command, --target, --as-of, --look-ahead and rules, or write to a new --out file"
    for offset, raw in enumerate(data[:good].splitlines(), start=1):
        try:
            row = json.loads(raw)
            index, key = row["index"], row["learner"]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise RequestError("SR5002", f"`{path}` line {offset} is not a batch result", "resume only into a file that an earlier batch wrote") from None
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(items) or items[index].key != key:
            raise RequestError("SR5002", f"`{path}` line {offset} is learner {key!r}, not one of this cohort at that place", hint)
        if index in done:
            raise RequestError(
                "SR5002", f"`{path}` line {offset} gives learner {key!r} (#{index}) a second time", "resume only into a file that an earlier batch wrote"
            )
        if index < last:
            raise RequestError(
                "SR5002",
                f"`{path}` line {offset} (#{index}) comes after #{last}: the lines are out of input order",
                "resume only into a file that an earlier batch wrote",
            )
        last = index
        if row.get("input") != items[index].digest:
            raise RequestError("SR5002", f"`{path}` line {offset}: learner {key!r} changed in the cohort input since it was decided", hint)
        if expected is not None:
            run = row.get("run") if isinstance(row.get("run"), dict) else {}
            got = {"command": row.get("kind"), **{name: run.get(name) for name in expected["run"]}}
            want = {"command": expected["kind"], **expected["run"]}
            differs = [f"{_NAMES.get(name, name)} {_shown(got[name])} (this run: {_shown(want[name])})" for name in want if got[name] != want[name]]
            if differs:
                raise RequestError("SR5002", f"`{path}` line {offset} was decided under another {'; '.join(differs)}", hint)
        done[index] = raw.decode("utf-8")
    if good < len(data):  # a line cut short by the stop: decided again
        with path.open("r+b") as fh:
            fh.truncate(good)
    return done


_NAMES = {"as_of": "--as-of", "look_ahead": "--look-ahead", "rules": "rule base", "target": "--target", "command": "--command"}


def _shown(value: Any) -> str:
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def put_in_order(path: Path) -> None:
    """Rewrite ``path`` with its lines sorted by input index, when they are not (after a resumed run, or one that stopped)."""
    data = path.read_bytes()
    lines = data[: data.rfind(b"\n") + 1].splitlines()  # a last line cut short is decided again by a resumed run
    try:
        indexes = [json.loads(raw)["index"] for raw in lines]
    except (ValueError, KeyError, TypeError, RecursionError):
        return  # not all this run's lines: left as it is (a resumed run refuses it, saying why)
    if indexes == sorted(indexes):
        return
    ordered = [raw for _, raw in sorted(zip(indexes, lines, strict=True))]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(b"".join(raw + b"\n" for raw in ordered))
    os.replace(tmp, path)


class Stopped(Exception):
    """The batch was interrupted (Ctrl-C, SIGTERM); every finished result is in the output, in input order."""

    def __init__(self, tally: Tally) -> None:
        super().__init__("interrupted")
        self.tally = tally


@dataclass
class Tally:
    """Counts and times of one run, for the summary at the end."""

    total: int
    skipped: int = 0
    where: str = "in this process"  # what decided: in this process, on N local workers, on Dask at ADDRESS
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: dict[int, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def add(self, result: Result) -> None:
        self.statuses[result.status] += 1
        self.seconds[result.index] = result.seconds

    @property
    def done(self) -> int:
        return self.skipped + sum(self.statuses.values())

    def text(self) -> str:
        done = sum(self.statuses.values())  # results of this run, error rows included
        errors = self.statuses.get("error", 0)
        decided = done - errors
        elapsed = time.perf_counter() - self.started
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items(), key=lambda kv: (-kv[1], kv[0])) if s != "error")
        lines = [
            f"{decided} learner{'s' * (decided != 1)} decided"
            + (f" ({counts})" if counts else "")
            + (f", {errors} could not be read (error rows)" if errors else "")
            + (f", {self.skipped} already in the output" if self.skipped else "")
        ]
        times = sorted(self.seconds.values())
        if times:
            p50, p99 = percentile(times, 50), percentile(times, 99)
            rate = done / elapsed if elapsed > 0 else 0.0
            lines.append(f"time per learner: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; {rate:.1f} learners/s over {elapsed:.1f} s {self.where}")
        if errors:
            lines.append(
                f"the {errors} error row{'s' * (errors != 1)} in the output {'say' if errors != 1 else 'says'} why {'each learner' if errors != 1 else 'the learner'} could not be read"
            )
        return "\n".join(lines) + "\n"


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile of sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


SUMMARY_COLUMNS = ("index", "learner", "status", "proof", "counted", "remaining", "granted", "seconds")


def summary_rows(lines: Iterable[str], seconds: dict[int, float]) -> list[dict[str, Any]]:
    """One summary row per result line (``seconds`` empty for a learner decided by an earlier run)."""
    rows = []
    for raw in lines:
        row = json.loads(raw)
        doc = row.get("decision")
        credits = (doc or {}).get("credits") or {}
        status = "error" if doc is None else status_of(doc)
        took = seconds.get(row["index"])
        rows.append(
            {
                "index": row["index"],
                "learner": inert(str(row["learner"])),
                "learner_id": str(row["learner"]),  # as given (the Parquet summary's), not a CSV column
                "status": status,
                # what the solver proved: `optimal`, or a plan the time limit stopped before its proof (`time_limit`),
                # which the status alone says as `planned` (blank for an error and for an exploration, which has none)
                "proof": str((doc or {}).get("proof") or ""),
                "counted": credits.get("counted", ""),
                "remaining": credits.get("remaining", "") or "",
                # an exploration ranks targets (its figures are per target): no credit granted to sum, as no counted or remaining
                "granted": "" if doc is None or "credits" not in doc else str(granted(doc)),
                "seconds": "" if took is None else f"{took:.4f}",
            }
        )
    return rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula: one starting with = + - @ tab or CR gets a leading apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def is_parquet(path: Path) -> bool:
    """Whether a ``--summary`` file is written as Parquet (its name ends in ``.parquet``) rather than CSV."""
    return path.suffix.lower() == ".parquet"


def parquet() -> Any:
    """pyarrow's Parquet writer, or the error that says how to install it (checked before anything is decided)."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise StackrulesError(f"a Parquet summary needs pyarrow: pip install -e '.[parquet]' in the project's folder ({exc})") from None
    return pyarrow


def write_summary(path: Path, rows: list[dict[str, Any]]) -> None:
    """The summary as CSV, or as Parquet when ``path`` ends in ``.parquet``; written whole to a temporary file, then renamed into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if is_parquet(path):
            _write_parquet(tmp, rows)
        else:
            with tmp.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=SUMMARY_COLUMNS, lineterminator="\r\n", extrasaction="ignore")  # RFC 4180: a CR in a cell is quoted too
                writer.writeheader()
                writer.writerows(rows)
        os.replace(tmp, path)
    except OSError as exc:
        raise write_failed(path, exc, "the decisions are in the --out file") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _number(text: str) -> float | None:
    """A summary cell's exact quantity (``144``, ``15/2``) as a float for Parquet; blank is null."""
    return None if text == "" else float(Fraction(text))


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    """Typed columns: index int64; learner (as given, no apostrophe: Parquet runs no formulas), status and proof strings;
    counted, remaining, granted and seconds float64, null where the CSV cell is blank."""
    pa = parquet()
    columns = {
        "index": pa.array([r["index"] for r in rows], type=pa.int64()),
        "learner": pa.array([r["learner_id"] for r in rows], type=pa.string()),
        "status": pa.array([r["status"] for r in rows], type=pa.string()),
        "proof": pa.array([r["proof"] or None for r in rows], type=pa.string()),
        **{name: pa.array([_number(r[name]) for r in rows], type=pa.float64()) for name in ("counted", "remaining", "granted", "seconds")},
    }
    pa.parquet.write_table(pa.table(columns), path)


class Progress:
    """One line on a terminal: done of total, rate and ETA; redrawn at most ten times a second."""

    def __init__(self, stream: IO[str], total: int, done: int = 0, unit: str = "learners") -> None:
        self.stream, self.total, self.first, self.unit = stream, total, done, unit
        self.started = time.perf_counter()
        self.drawn = 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.drawn < 0.1:
            return
        self.drawn = now
        elapsed = now - self.started
        rate = (done - self.first) / elapsed if elapsed > 0 else 0.0
        left = self.total - done
        eta = f"{int(left / rate) // 60}:{int(left / rate) % 60:02d}" if rate > 0 else "-:--"
        width = 30
        filled = width * done // self.total if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total} {self.unit}  {rate:.1f}/s  ETA {eta} ")
        self.stream.flush()

    def close(self, done: int) -> None:
        self.update(done, force=True)
        self.stream.write("\n")
        self.stream.flush()


def shown(results: Iterable[Result], stream: IO[str] | None, total: int, unit: str = "learners", done: int = 0) -> Generator[Result, None, None]:
    """``results`` as they come, drawing a progress bar on ``stream`` (none when it is None) that counts them up to ``total``."""
    if stream is None:
        yield from results
        return
    bar = Progress(stream, total, done, unit)
    try:
        for result in results:
            done += 1
            bar.update(done)
            yield result
    finally:
        bar.close(done)


def fraction_text(value: Fraction | None) -> str:
    if value is None:
        return ""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def write_batch(
    engine: Engine,
    job: Job,
    items: Sequence[Item],
    out: Path,
    *,
    resume: bool = False,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    progress: IO[str] | None = None,
) -> Tally:
    """Decide ``items`` into ``out`` (JSON lines in input order), resuming from what is there when asked.

    Each line is written and flushed as its result arrives (in input order);
    when the run stops early every finished result is in the file. A run that
    completes leaves the file in input order, resumed or not.
    """
    done = read_done(out, items, {"kind": job.command, "run": batch.run_of(engine, job)}) if resume else {}
    try:
        if not resume or not out.exists():
            out.write_bytes(b"")
        return _write(engine, job, items, out, done, executor, workers, scheduler, chunk, progress)
    except OSError as exc:
        raise write_failed(out, exc, "every line written before is kept: run again with --resume") from None


def _write(
    engine: Engine,
    job: Job,
    items: Sequence[Item],
    out: Path,
    done: dict[int, str],
    executor: str,
    workers: int | None,
    scheduler: str | None,
    chunk: int | None,
    progress: IO[str] | None,
) -> Tally:
    todo = [item for item in items if item.index not in done]
    tally = Tally(total=len(items), skipped=len(done), where=batch.where(len(todo), executor=executor, workers=workers, scheduler=scheduler))
    bar = Progress(progress, len(items), len(done)) if progress is not None else None
    try:
        with out.open("ab") as fh:
            for result in batch.run(engine, job, todo, executor=executor, workers=workers, scheduler=scheduler, chunk=chunk):
                fh.write(result.line.encode("utf-8") + b"\n")
                fh.flush()
                tally.add(result)
                if bar is not None:
                    bar.update(tally.done)
    except BaseException as exc:  # stopped (Ctrl-C, SIGTERM, a dead worker, a full disk): what is kept is left in input order too
        with contextlib.suppress(OSError):
            put_in_order(out)
        if isinstance(exc, KeyboardInterrupt):
            raise Stopped(tally) from None
        raise
    finally:
        if bar is not None:
            bar.close(tally.done)
    put_in_order(out)
    return tally
