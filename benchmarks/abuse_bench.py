"""Abuse benchmark: hostile inputs through the CLI, each against its bound (issue 11, docs/language.md section 18).

Every case is generated in a temporary folder and run as its own
``python -m stackrules`` process; the table gives its wall time and the
child's peak memory (``ru_maxrss``) against the bounds (2 s, 200 MB), its
exit code and the first line of its diagnostics (or of its output).

    python benchmarks/abuse_bench.py            # every case
    python benchmarks/abuse_bench.py --quick    # the cases the test suite runs too

A case passes when it ends within its bounds with an exit code it may have
(3: invalid input, a positioned diagnostic; 2 for a decision printed
safely), the diagnostic it should give, and no traceback. When the machine
is oversubscribed (load average above the CPU count) the time bound is
judged on the child's CPU time, and the header says so. The CLI's
rule-base cache is warm, as it is after a first run (``--no-cache``: off).
The exit status is the number of failed cases.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_SECONDS = 2.0
MAX_MB = 200.0
MIB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], list[str]]  # writes its files under the folder, returns the CLI arguments
    quick: bool = False  # also run by the test suite (fast and small)
    exits: tuple[int, ...] = (3,)
    expect: str = ""  # text the first diagnostic line must hold ("" for a decision: no diagnostic)


def _learner(folder: Path, body: str, name: str = "learner.yaml") -> Path:
    path = folder / name
    path.write_text("kind: learner\nid: L-1\n" + body, encoding="utf-8")
    return path


def _audit(path: Path | str, *more: str) -> list[str]:
    return ["audit", "--learner", str(path), "--target", "exu:GCDS", "--as-of", "2026-11-28", *more]


def _holding(credits: str) -> str:
    return f"holdings:\n  - {{credential: 'zz:X1', title: X, provider: zz, credits: {credits}}}\n"


def _check(folder: Path, text: str, name: str = "bad.yaml") -> list[str]:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return ["check", str(path)]


def _fifo(folder: Path) -> list[str]:
    path = folder / "fifo.yaml"
    os.mkfifo(path)
    return _audit(path)


def _folder(folder: Path) -> list[str]:
    path = folder / "folder.yaml"
    path.mkdir()
    return _audit(path)


def _big_list(folder: Path) -> list[str]:
    n = (16 * MIB - 64) // 2
    path = folder / "list.yaml"
    path.write_bytes(b"kind: learner\nid: L-1\nx: [" + b"1," * (n - 1) + b"1]\n")
    return _audit(path)


def _over_size(folder: Path) -> list[str]:
    path = folder / "huge.yaml"
    with path.open("wb") as fh:
        fh.write(b"kind: learner\nid: L-1\n")
        fh.write(b"# padding\n" * (17 * MIB // 10))
    return _audit(path)


def _wide(folder: Path) -> list[str]:
    # billion-laughs shape without aliases: 1,500 lists of 1,500 items (2.25 million values)
    row = "  - [" + ",".join(["1"] * 1500) + "]\n"
    return _check(folder, "kind: catalog\nx:\n" + row * 1500)


def _many_maps(folder: Path) -> list[str]:
    # many small mappings, each legal: 1.1 million values in about 11 MiB
    return _check(folder, "kind: catalog\nx:\n" + "  - {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}\n" * 110_000)


def _long_line(folder: Path) -> list[str]:
    return _audit(_learner(folder, "name: " + "x" * (15 * MIB) + "\n"))


def _many_keys(folder: Path) -> list[str]:
    return _check(folder, "kind: catalog\n" + "".join(f"k{i}: 1\n" for i in range(150_000)))


def _deep(folder: Path) -> list[str]:
    return _check(folder, "kind: catalog\nx: " + "[" * 100_000 + "]" * 100_000 + "\n")


def _deep_block(folder: Path) -> list[str]:
    return _check(folder, "kind: catalog\n" + "".join(" " * i + f"k{i}:\n" for i in range(2_000)))


def _hostile_text(folder: Path) -> list[str]:
    # a learner id and name with ANSI colour, a NUL and a bidi override: printed escaped
    body = 'name: "\\e[2J\\e[31mStatus: MET.\\0\\u202e"\n'
    path = folder / "learner.yaml"
    path.write_text('kind: learner\nid: "L-1\\e[31m\\0\\u202e"\n' + body, encoding="utf-8")
    return _audit(path)


def _within(folder: Path) -> list[str]:
    text = "kind: credit_rule\nid: r\ntype: policy\ninto: exu:BIT\nfrom: {credential: exu:COMP1010}\nwhen: {within_years: 3000}\ngrant: [exu:COMP1010]\n"
    return _check(folder, text)


def _clr_of_copies(folder: Path, *, signed: bool) -> list[str]:
    """A 3.4 MB CLR holding 3,000 distinct copies of a shipped badge, audited with --time-limit 1.

    ``signed``: each copy keeps the badge's proof (by the trusted issuer's
    listed key), so each must be canonicalised before its signature fails;
    else the proofs are taken off and each copy is refused unsigned, without
    canonicalisation. Either way the bounds hold (200 nested credentials
    verified, the time limit): the decision lists the rest as `too_many` or
    `time_limit` (docs/credentials.md, "Bounds on the work").
    """
    badge = json.loads((ROOT / "examples/learners/badges/eva/ds-mc1.json").read_text(encoding="utf-8"))
    if not signed:
        badge.pop("proof")
        badge["name"] = badge["name"] + " " + "x" * 300  # the unsigned copies as large as the signed ones
    copies = [{**badge, "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}"} for i in range(3000)]
    clr = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000000",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": badge["issuer"],
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Transcript",
        "credentialSubject": {"id": "did:example:eva", "type": ["ClrSubject"], "verifiableCredential": copies},
    }
    (folder / "clr.json").write_text(json.dumps(clr), encoding="utf-8")
    path = _learner(folder, "identities: ['did:example:eva']\nholdings:\n  - verifiable: clr.json\n")
    return _audit(path, "--time-limit", "1", "--format", "json")


CASES: tuple[Case, ...] = (
    Case("credits: 1e999999999", lambda d: _audit(_learner(d, _holding("1e999999999"))), True, expect="SR2011"),
    Case("credits: 1e308", lambda d: _audit(_learner(d, _holding("1e308"))), True, expect="SR2011"),
    Case("credits: 5,001-digit integer", lambda d: _audit(_learner(d, _holding("9" * 5001))), True, expect="SR2011"),
    Case('credits: "1/<13 digits>"', lambda d: _audit(_learner(d, _holding('"1/3000000000000"'))), True, expect="SR2012"),
    Case("credits: 1e-999999999", lambda d: _audit(_learner(d, _holding("1e-999999999"))), True, expect="SR2012"),
    Case("within_years: 3000", _within, True, expect="SR2011"),
    Case("awarded: 0001-01-01", lambda d: _audit(_learner(d, "holdings:\n  - {credential: exu:COMP1010, awarded: 0001-01-01}\n")), True, expect="SR2013"),
    Case(
        "--max-load 1e999999999",
        lambda d: ["plan", "--learner", str(ROOT / "examples/learners/eva.yaml"), "--target", "exu:GCDS", "--max-load", "1e999999999"],
        True,
        expect="SR5002",
    ),
    Case("learner: /dev/zero", lambda d: _audit("/dev/zero"), True, expect="SR1013"),
    Case("learner: a FIFO", _fifo, True, expect="SR1013"),
    Case("learner: a folder", _folder, True, expect="SR1013"),
    Case("deep flow nesting (100,000)", _deep, True, expect="SR1008"),
    Case("deep block nesting (2,000)", _deep_block, expect="SR1008"),
    Case("control characters in id and name", _hostile_text, True, exits=(2,), expect=""),
    Case("16 MiB list of 8 million items", _big_list, expect="SR1016"),
    Case("17 MiB file", _over_size, expect="SR1007"),
    Case("wide lists: 1,500 x 1,500 (no alias)", _wide, expect="SR1015"),
    Case("1.1 million values in small maps", _many_maps, expect="SR1015"),
    Case("one 15 MiB line", _long_line, expect="SR1017"),
    Case("150,000 keys in one mapping", _many_keys, expect="SR1016"),
    Case("CLR, 3,000 unsigned copies (3.4 MB)", lambda d: _clr_of_copies(d, signed=False), exits=(2, 4), expect=""),
    Case("CLR, 3,000 copies with proofs (3.4 MB)", lambda d: _clr_of_copies(d, signed=True), exits=(2, 4), expect=""),
)


@dataclass(frozen=True)
class Result:
    case: Case
    seconds: float
    cpu: float
    mb: float
    code: int
    first: str
    traceback: bool

    def ok(self, by_cpu: bool = False) -> bool:
        """Within the bounds (time: wall, or the child's CPU time when the machine is oversubscribed) and answered cleanly."""
        within = (self.cpu if by_cpu else self.seconds) < MAX_SECONDS and self.mb < MAX_MB
        return self.clean and within

    @property
    def clean(self) -> bool:
        """The exit code the case may have, no traceback, and the diagnostic it should give."""
        return self.code in self.case.exits and not self.traceback and self.case.expect in self.first


def run(case: Case, cache: Path | None = None, timeout: float = 60.0) -> Result:
    """Run one case in its own process; wall time, and the child's own CPU time and peak memory (os.wait4)."""
    with tempfile.TemporaryDirectory(prefix="abuse-") as tmp:
        folder = Path(tmp)
        args = case.make(folder)
        env = {**os.environ, "STACKRULES_CACHE": str(cache) if cache else "off"}
        out, err = folder / "stdout", folder / "stderr"
        with out.open("wb") as o, err.open("wb") as e:
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "stackrules", *args], stdout=o, stderr=e, env=env, cwd=ROOT)
            deadline = start + timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    proc.kill()
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.005)
            seconds = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
        stderr = err.read_text(encoding="utf-8", errors="replace")
        stdout = out.read_text(encoding="utf-8", errors="replace")
        lines = [line for line in stderr.splitlines() if "error[" in line or "warning[" in line] or (stderr or stdout).splitlines()[:1]
        first = lines[0] if lines else ""
        if len(first) > 110:
            first = first[:107] + "..."
        tb = "Traceback" in stderr or "internal error" in stderr
        cpu = usage.ru_utime + usage.ru_stime
        return Result(case, seconds, cpu, usage.ru_maxrss / 1024, proc.returncode, first.replace(str(folder) + "/", ""), tb)


def warm_cache(folder: Path) -> Path:
    """A rule-base cache holding the shipped base, as the CLI keeps by default after its first run."""
    cache = folder / "cache"
    env = {**os.environ, "STACKRULES_CACHE": str(cache)}
    subprocess.run([sys.executable, "-m", "stackrules", "check"], env=env, capture_output=True, check=False, cwd=ROOT)
    learner = ROOT / "examples" / "learners" / "eva.yaml"
    subprocess.run([sys.executable, "-m", "stackrules", *_audit(learner)], env=env, capture_output=True, check=False, cwd=ROOT)
    return cache


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the cases the test suite runs")
    parser.add_argument("--no-cache", action="store_true", help="load the shipped rule base afresh in every case (the CLI's cache off)")
    args = parser.parse_args()
    cases = [c for c in CASES if c.quick or not args.quick]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpus = os.cpu_count() or 1
    by_cpu = load > cpus  # other processes hold the CPUs: wall time measures them, the child's CPU time measures the case
    print(f"python {sys.version.split()[0]}, {cpus} CPUs, load average {load:.1f}; rule-base cache {'off' if args.no_cache else 'warm'}")
    print(f"time bound judged on {'CPU time (the machine is oversubscribed)' if by_cpu else 'wall time'}")
    print(f"{'case':38} {'wall':>6} {'cpu':>6} {'peak':>8}  exit  first diagnostic (bounds: {MAX_SECONDS:g} s, {MAX_MB:g} MB)")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="abuse-cache-") as tmp:
        cache = None if args.no_cache else warm_cache(Path(tmp))
        for case in cases:
            r = run(case, cache)
            failed += not r.ok(by_cpu)
            mark = "ok  " if r.ok(by_cpu) else "FAIL"
            print(f"{case.name:38} {r.seconds:5.2f}s {r.cpu:5.2f}s {r.mb:6.1f}MB  {r.code:>4}  {mark} {r.first}", flush=True)
    print(f"{len(cases) - failed} of {len(cases)} cases within their bounds")
    return failed


if __name__ == "__main__":
    sys.exit(main())
