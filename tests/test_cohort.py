"""Cohorts: inputs with error rows, batches in input order, resume after a killed worker, impact, cohort figures."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main
from stackrules.cohort import batch, output
from stackrules.cohort.impact import comparable
from stackrules.cohort.inputs import read_cohort
from stackrules.cohort.report import cohort_report, credit_rows, render_text

ROOT = Path(__file__).resolve().parent.parent
COHORT = ROOT / "examples" / "cohort" / "cohort.jsonl"
AS_OF = dt.date(2026, 10, 15)
LINES = COHORT.read_text(encoding="utf-8").splitlines()


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 60 learners of the example cohort, with three bad lines among them."""
    path = tmp_path_factory.mktemp("cohort") / "small.jsonl"
    lines = LINES[:60]
    lines.insert(5, "{not json")
    lines.insert(20, "[1, 2]")
    lines.insert(40, json.dumps({"id": "BAD-1", "holdings": [{"credential": "exu:COMP1010", "grade": "HD", "awarded": "2026-13-01"}]}))
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def one_by_one(engine: stackrules.Engine, command: str, target: str, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for doc in docs:
        learner = stackrules.load_learner(doc)
        decision = getattr(engine, command)(learner, target, AS_OF)
        out.append(decision.to_json())
    return out


# --- inputs


def test_the_three_cohort_inputs_and_their_error_rows(small: Path, write) -> None:  # type: ignore[no-untyped-def]
    items = read_cohort(small)
    assert len(items) == 63 and [i.index for i in items] == list(range(63))
    bad = [i for i in items if i.errors]
    assert [(i.key, i.errors[0].code, i.errors[0].line) for i in bad] == [("line 6", "SR1001", 6), ("line 21", "SR1011", 21)]
    assert items[40].key == "BAD-1" and isinstance(items[40].source, dict)  # parsed where it is decided
    folder = write(
        {
            "a.yaml": (ROOT / "examples/learners/ben.yaml").read_text(),
            "sub/b.yaml": (ROOT / "examples/learners/tariq.yaml").read_text(),
            "c.yaml": "kind: learner\nid: [oops\n",
            "notes.txt": "not a learner",
        }
    )
    found = read_cohort(folder)
    assert [(i.key, bool(i.errors)) for i in found] == [("L-0002", False), ("c", True), ("L-0005", False)]
    assert found[1].errors[0].code == "SR1001"
    csv_file = folder / "h.csv"
    csv_file.write_text(
        "learner_id,credential,awarded,grade,status\n"
        "S1,exu:COMP1010,2025-06-30,CR,\n"
        "S2,exu:COMP1010,2025-06-30,HD,\n"
        "S1,exu:MATH1010,2025-06-30,DN,\n"
        ",exu:MATH1010,2025-06-30,DN,\n"
        "S3,,2025-06-30,DN,\n"
        "S2,exu:COMP3010,,,in_progress\n",
        encoding="utf-8",
    )
    rows = read_cohort(csv_file)
    assert [(r.key, r.where.rsplit(":", 1)[1], bool(r.errors)) for r in rows] == [
        ("S1", "2-4", False),
        ("S2", "3-7", False),
        ("row 5", "5", True),
        ("S3", "6", True),
    ]
    assert rows[0].source == {"kind": "learner", "id": "S1", "holdings": [
        {"credential": "exu:COMP1010", "awarded": "2025-06-30", "grade": "CR"},
        {"credential": "exu:MATH1010", "awarded": "2025-06-30", "grade": "DN"},
    ]}  # fmt: skip
    assert rows[1].source is not None and rows[1].source["holdings"][1] == {"credential": "exu:COMP3010", "status": "in_progress"}  # type: ignore[index]
    assert [d.code for d in rows[2].errors] == ["SR2002"] and [d.code for d in rows[3].errors] == ["SR2002"]
    (folder / "x.csv").write_text("learner,credential\nS1,exu:COMP1010\n", encoding="utf-8")
    with pytest.raises(stackrules.RequestError, match="missing column learner_id"):
        read_cohort(folder / "x.csv")


# --- batch


def test_batch_equals_the_api_one_by_one_and_bad_learners_do_not_stop_it(engine: stackrules.Engine, small: Path) -> None:
    items = read_cohort(small)
    job = batch.Job("audit", "exu:BIT", AS_OF)
    results = list(batch.run(engine, job, items, workers=2, chunk=4))
    assert [r.index for r in results] == list(range(len(items)))
    rows = [json.loads(r.line) for r in results]
    errors = {row["learner"] for row in rows if "error" in row}
    assert errors == {"line 6", "line 21", "BAD-1"}
    bad = next(row for row in rows if row["learner"] == "BAD-1")
    assert bad["error"]["diagnostics"][0]["file"] == str(small) and bad["error"]["diagnostics"][0]["line"] == 41
    good = [row for row in rows if "decision" in row]
    docs = [json.loads(LINES[i]) for i in range(60)]
    assert [row["decision"] for row in good] == one_by_one(engine, "audit", "exu:BIT", docs)
    assert [r.status for r in results if r.status != "error"] == [d["decision"]["status"] for d in good]


def test_output_is_the_same_bytes_for_any_worker_count(engine: stackrules.Engine, small: Path, tmp_path: Path) -> None:
    items = read_cohort(small)
    job = batch.Job("assess", "exu:BIT", AS_OF)
    outs = []
    for workers, chunk in ((1, None), (2, 1), (3, 7)):
        out = tmp_path / f"w{workers}.jsonl"
        tally = output.write_batch(engine, job, items, out, workers=workers, chunk=chunk)
        assert tally.done == len(items) and tally.statuses["error"] == 3
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    assert outs[0].count(b'"kind":"assess"') == len(items)


def test_cli_batch_summary_resume_and_progress(small: Path, tmp_path: Path) -> None:
    out, summary = tmp_path / "out.jsonl", tmp_path / "s.csv"
    args = ["batch", "--learners", str(small), "--target", "exu:BIT", "--as-of", "2026-10-15", "--out", str(out), "--workers", "2"]
    code, _, err = cli(*args, "--summary", str(summary))
    assert code == 3, err  # some learners could not be read; the rest were decided
    assert (
        "60 learners decided (" in err
        and ", 3 could not be read (error rows)" in err
        and "could not be decided" not in err
        and "p50" in err
        and "p99" in err
        and "s on 2 local workers" in err
    )
    full = out.read_bytes()
    rows = summary.read_text().splitlines()
    assert rows[0] == "index,learner,status,proof,counted,remaining,granted,seconds" and len(rows) == 64
    first = rows[1].split(",")
    assert first[:7] == ["0", "C-00001", "not_met", "optimal", "0", "144", "0"] and float(first[7]) > 0
    # a run stopped part-way (its last line cut short) resumes to the same bytes, deciding only the rest
    lines = full.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:30]) + lines[30][:50])
    code, _, err = cli(*args, "--resume", "--progress")
    assert code == 3 and "32 learners decided (" in err and "1 could not be read" in err and "30 already in the output" in err
    assert "\r[" in err and "63/63 learners" in err and "/s" in err and "ETA" in err
    assert out.read_bytes() == full
    # gaps (as a run stopped by a dead worker leaves them) are filled, and the file put back in order
    out.write_bytes(b"".join(lines[:10] + lines[12:20]))
    code, _, err = cli(*args, "--resume")
    assert code == 3 and "43 learners decided (" in err and "2 could not be read" in err and out.read_bytes() == full
    # lines out of input order (no batch leaves them so) are refused, the file untouched
    shuffled = b"".join(lines[:10] + lines[12:20] + [lines[11]])
    out.write_bytes(shuffled)
    code, _, err = cli(*args, "--resume")
    assert code == 3 and "out of input order" in err and out.read_bytes() == shuffled
    out.write_bytes(full)
    # resuming another cohort's output is refused
    other = tmp_path / "other.jsonl"
    other.write_text("\n".join(LINES[100:110]) + "\n")
    code, _, err = cli("batch", "--learners", str(other), "--target", "exu:BIT", "--as-of", "2026-10-15", "--out", str(out), "--resume")
    assert code == 3 and "not one of this cohort" in err
    assert out.read_bytes() == full


def test_cli_batch_refuses_bad_requests(small: Path, tmp_path: Path) -> None:
    base = ["batch", "--learners", str(small), "--out", str(tmp_path / "o.jsonl")]
    assert "unknown target `exu:BTI`" in cli(*base, "--target", "exu:BTI")[2]
    assert "needs `--target`" in cli(*base)[2]
    assert "needs `--scheduler" in cli(*base, "--target", "exu:BIT", "--executor", "dask")[2]
    code, _, err = cli("batch", "--learners", str(tmp_path / "none.jsonl"), "--target", "exu:BIT", "--out", str(tmp_path / "o.jsonl"))
    assert code == 3 and "does not exist" in err
    assert not (tmp_path / "o.jsonl").exists()


def _workers_of(pid: int) -> list[Any]:
    """The pool's worker processes: the grandchildren of the batch (forkserver's children) or spawned children."""
    import psutil

    procs = psutil.Process(pid).children(recursive=True)
    return [p for p in procs if p.ppid() != pid or "spawn_main" in " ".join(p.cmdline())]


def test_a_killed_worker_loses_no_finished_result_and_resume_completes(engine: stackrules.Engine, tmp_path: Path) -> None:
    cohort = tmp_path / "c.jsonl"
    cohort.write_text("\n".join(LINES[:120]) + "\n")
    reference = tmp_path / "ref.jsonl"
    output.write_batch(engine, batch.Job("audit", "exu:BIT", AS_OF), read_cohort(cohort), reference, workers=1)
    want = reference.read_bytes().splitlines()
    out = tmp_path / "out.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "stackrules",
        "batch",
        "--learners",
        str(cohort),
        "--target",
        "exu:BIT",
        "--as-of",
        "2026-10-15",
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    env = {**os.environ, "STACKRULES_CACHE": "off"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    killed = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 8:
            workers = _workers_of(proc.pid)
            if workers:
                os.kill(workers[0].pid, signal.SIGKILL)
                killed = True
                break
        time.sleep(0.01)
    _, err = proc.communicate(timeout=60)
    assert killed, "the batch finished before a worker could be killed"
    assert proc.returncode == 1, err
    assert b"a worker process died" in err and b"--resume" in err
    kept = out.read_bytes().splitlines()
    assert 8 <= len(kept) < len(want)
    by_index = {json.loads(x)["index"]: x for x in kept}
    assert len(by_index) == len(kept) and all(want[i] == line for i, line in by_index.items())  # every kept line is a finished, correct result
    done = subprocess.run([*cmd, "--resume"], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{len(kept)} already in the output".encode() in done.stderr
    assert out.read_bytes() == reference.read_bytes()


# --- impact


@pytest.fixture(scope="module")
def changed_base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the shipped rules, and a copy with two changes: TAFE diploma articulation for awards of the
    last 5 years only (the AQF pathway default then applies to older ones), and uscc:CS101 credited from grade A."""
    root = tmp_path_factory.mktemp("bases")
    same, changed = root / "same", root / "changed"
    shutil.copytree(ROOT / "rules", same)
    shutil.copytree(ROOT / "rules", changed)
    for name, old, new in (
        ("tafe-nsw/articulation-bit.yaml", "within_years: 10", "within_years: 5"),
        ("us-community-college/precedent-cs101.yaml", "min_grade: C", "min_grade: A"),
    ):
        rule = changed / name
        text = rule.read_text()
        assert old in text
        rule.write_text(text.replace(old, new))
    return same, changed


def test_impact_finds_exactly_the_learners_whose_decisions_differ(changed_base: tuple[Path, Path], tmp_path: Path) -> None:
    same, changed = changed_base
    cohort = tmp_path / "c.jsonl"
    cohort.write_text("\n".join(LINES[:120]) + "\n")
    before = stackrules.load(ROOT / "rules", ROOT / "frameworks")
    after = stackrules.load(changed, ROOT / "frameworks")
    expected = []
    for i, raw in enumerate(LINES[:120]):
        learner = stackrules.load_learner(json.loads(raw))
        a = before.audit(learner, "exu:BIT", AS_OF).to_json()
        b = after.audit(learner, "exu:BIT", AS_OF).to_json()
        if comparable(a) != comparable(b):
            expected.append((i, a, b))
    assert expected, "the change affects no learner of the sample: the test would prove nothing"
    code, out, err = cli(
        "impact", "--before", str(ROOT / "rules"), "--after", str(changed), "--rules", str(ROOT / "frameworks"),
        "--learners", str(cohort), "--target", "exu:BIT", "--as-of", "2026-10-15", "--format", "json", "--workers", "2",
    )  # fmt: skip
    assert code == 2, err
    found = json.loads(out)
    assert [c["index"] for c in found["changes"]] == [i for i, _, _ in expected]
    tafe, uscc = str(changed / "tafe-nsw" / "articulation-bit.yaml"), str(changed / "us-community-college" / "precedent-cs101.yaml")
    assert found["files"] == [{"file": tafe, "change": "changed"}, {"file": uscc, "change": "changed"}]
    providers = set()
    for change, (i, a, b) in zip(found["changes"], expected, strict=True):
        assert change["before"]["status"] == a["status"] and change["after"]["status"] == b["status"]
        assert change["before"]["remaining"] == a["credits"]["remaining"] and change["after"]["remaining"] == b["credits"]["remaining"]
        assert Fraction(change["before"]["granted"]) == sum(x for _, _, x in credit_rows(a)) and Fraction(change["after"]["granted"]) == sum(
            x for _, _, x in credit_rows(b)
        )
        # each learner cites the one changed file of the provider it holds credentials of
        held = {h["credential"].split(":")[0] for h in json.loads(LINES[i])["holdings"]}
        assert change["files"] == [tafe if "tafe-nsw" in held else uscc] and len(held & {"tafe-nsw", "uscc"}) == 1
        providers.add("tafe-nsw" if "tafe-nsw" in held else "uscc")
    assert providers == {"tafe-nsw", "uscc"}
    ups = sum(1 for _, a, b in expected if Fraction(b["credits"]["remaining"]) > Fraction(a["credits"]["remaining"]))
    assert found["summary"]["changed"] == len(expected) and found["summary"].get("remaining up", 0) == ups
    few = tmp_path / "few.jsonl"  # the text report on the first learners only (one of them changes)
    few.write_text("\n".join(LINES[:3]) + "\n")
    code, text, _ = cli(
        "impact", "--before", str(ROOT / "rules"), "--after", str(changed), "--rules", str(ROOT / "frameworks"),
        "--learners", str(few), "--target", "exu:BIT", "--as-of", "2026-10-15", "--workers", "1",
    )  # fmt: skip
    assert code == 2 and "Learners whose decision changes: 1 of 3" in text
    assert f"C-00002 (#1): remaining {expected[0][1]['credits']['remaining']} -> {expected[0][2]['credits']['remaining']} [{tafe}]" in text
    assert "Rule files that differ: 2" in text and "\n  remaining down     1\n" in text and "\n  could not compare  0\n" in text
    # a copy with nothing changed (other paths, same text): exit 0, nothing reported
    code, text, err = cli(
        "impact", "--before", str(ROOT / "rules"), "--after", str(same), "--rules", str(ROOT / "frameworks"),
        "--learners", str(few), "--target", "exu:BIT", "--as-of", "2026-10-15", "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "Rule files that differ: 0" in text and "changes: 0 of 3" in text


# --- cohort report


def test_report_figures_equal_those_computed_from_the_decisions(engine: stackrules.Engine, tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = []
    gcds = [x for x in LINES if '"exu:GCDS"' in x][:40]
    for command, target, lines in (("audit", "exu:BIT", LINES[:120]), ("plan", "exu:BIT", LINES[:16]), ("audit", "exu:GCDS", gcds)):
        cohort = tmp_path / f"{command}-{target}.in.jsonl"
        cohort.write_text("\n".join(lines) + "\n{bad\n")
        out = tmp_path / f"{command}-{target}.jsonl"
        output.write_batch(engine, batch.Job(command, target, AS_OF), read_cohort(cohort), out, workers=2)
        rows += [json.loads(x) for x in out.read_text().splitlines()]
    report = cohort_report(rows).to_json()
    decided = [r for r in rows if "decision" in r]
    assert report["learners"] == len(rows) and report["errors"] == 3
    # blocking nodes: learners whose target is not met and whose audit has the node not met, under no met node
    nodes: Counter[tuple[str, str]] = Counter()
    limits: Counter[tuple[str, str]] = Counter()
    under_met = 0
    for r in decided:
        d = r["decision"]
        status = {n["id"]: n["status"] for n in d.get("nodes", [])}
        parent = {n["id"]: n["parent"] for n in d.get("nodes", [])}

        def ancestors(node: str, parent: dict[str, Any] = parent) -> list[str]:
            up = []
            while parent[node] is not None:
                node = parent[node]
                up.append(node)
            return up

        for n in d.get("nodes", []):
            if n["status"] == "not_met" and any(status[a] in ("met", "met_pending") for a in ancestors(n["id"])):
                under_met += d["status"] == "not_met"
        if d["status"] == "not_met":
            nodes.update((d["target"], n["id"]) for n in d["nodes"] if n["status"] == "not_met" and all(status[a] == "not_met" for a in ancestors(n["id"])))
        limits.update((d["target"], x["id"]) for x in d.get("limits", []) if x["status"] != "ok")
    assert {(b["target"], b["node"]): b["learners"] for b in report["blocking_nodes"]} == dict(nodes)
    assert under_met > 0  # a major not met beside a met one was among them, and is not counted
    assert {(b["target"], b["limit"]): b["learners"] for b in report["blocking_limits"]} == dict(limits)
    counts = [b["learners"] for b in report["blocking_nodes"]]
    assert counts == sorted(counts, reverse=True)
    # credit by rule and provider
    by_rule: dict[str, Fraction] = {}
    by_provider: dict[str, Fraction] = {}
    for r in decided:
        for c in r["decision"].get("credit", []):
            if set(c["sources"]) & set(r["decision"].get("added", [])):
                continue  # a plan's proposed study is not credit transfer
            amount = sum(Fraction(g["credits"]) for g in c["granted"])
            by_rule[c["rule"]] = by_rule.get(c["rule"], Fraction(0)) + amount
            providers = {s.split(":")[0] for s in c["sources"]}
            for p in providers:
                by_provider[p] = by_provider.get(p, Fraction(0)) + amount / len(providers)
    assert {t["rule"]: Fraction(t["credits"]) for t in report["credit_by_rule"]} == by_rule
    assert {t["provider"]: Fraction(t["credits"]) for t in report["credit_by_provider"]} == by_provider
    assert {"tafe-nsw", "uscc", "eux", "exu"} <= set(by_provider)
    # remaining and planned terms
    remaining = Counter(Fraction(r["decision"]["credits"]["remaining"]) for r in decided if r["decision"].get("credits", {}).get("remaining") is not None)
    assert {Fraction(x["credits"]): x["learners"] for x in report["remaining"]} == dict(remaining)
    terms = Counter(len(r["decision"]["terms"]) for r in decided if r["kind"] == "plan" and r["decision"]["status"] == "planned")
    assert {x["terms"]: x["learners"] for x in report["planned_terms"]} == dict(terms) and terms
    # stacks: every met audit counted once, under the prior learning it rests on
    met = [r["decision"] for r in decided if r["kind"] == "audit" and r["decision"]["status"] in ("met", "met_pending")]
    assert sum(s["learners"] for s in report["stacks"]) == len(met)
    stacks = [s for s in report["stacks"] if s["target"] == "exu:GCDS"]
    assert any(any(c.startswith("eux:DS-MC") for c in s["credentials"]) for s in stacks)
    for s in report["stacks"]:
        holders = [d for d in met if d["target"] == s["target"] and _prior(d) == s["credentials"]]
        assert len(holders) == s["learners"]
    text = render_text(cohort_report(rows))
    top = report["blocking_nodes"][0]
    rows_shown = [line.split() for line in text.splitlines()]
    assert [top["target"], top["node"]] in [r[:2] for r in rows_shown]
    assert next(r for r in rows_shown if r[:2] == [top["target"], top["node"]])[-2] == str(top["learners"])
    assert "Credit transfer by source provider" in text and "Stacks that lead to completion" in text


def _prior(d: dict[str, Any]) -> list[str]:
    home = d["target"].split(":")[0]
    found = {s for _, sources, _ in credit_rows(d) for s in sources}
    found |= {c for n in d.get("nodes", []) for c in n["claimed"] if not c.startswith("credit:") and c.split(":")[0] != home}
    return sorted(found) or ["(no prior learning)"]


def test_cli_cohort_report_tables_json_and_charts(tmp_path: Path) -> None:
    cohort = tmp_path / "c.jsonl"
    cohort.write_text("\n".join(LINES[:40]) + "\n")
    out = tmp_path / "a.jsonl"
    assert cli("batch", "--learners", str(cohort), "--target", "exu:BIT", "--as-of", "2026-10-15", "--out", str(out), "--workers", "1")[0] == 0
    code, text, err = cli("cohort-report", "--decisions", str(out), "--charts", str(tmp_path / "png"))
    assert code == 0, err
    assert text.startswith("Cohort: 40 learners, 40 decided, 0 error rows") and "Blocking requirement nodes" in text
    pngs = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert "blocking-nodes.png" in pngs and "remaining.png" in pngs and "planned-terms.png" not in pngs  # no plans: no chart
    assert all((tmp_path / "png" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    svgs = []
    for n in (1, 2):
        assert cli("cohort-report", "--decisions", str(out), "--charts", str(tmp_path / f"svg{n}"), "--chart-format", "svg", "--format", "json")[0] == 0
        svgs.append((tmp_path / f"svg{n}" / "blocking-nodes.svg").read_bytes())
    assert svgs[0] == svgs[1] and b"<svg" in svgs[0]  # the same figures draw the same bytes
    code, js, _ = cli("cohort-report", "--learners", str(cohort), "--target", "exu:BIT", "--as-of", "2026-10-15", "--format", "json", "--workers", "1")
    assert code == 0 and json.loads(js) == cohort_report(json.loads(x) for x in out.read_text().splitlines()).to_json()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"x": 1}\n')
    code, _, err = cli("cohort-report", "--decisions", str(bad))
    assert code == 3 and "not a batch result" in err
    assert cli("cohort-report")[0] == 3


# --- Dask


@pytest.fixture(scope="module")
def cluster() -> Any:
    """A real Dask cluster on this machine: a scheduler and two single-threaded worker processes.

    On 127.0.0.1, its HTTP server on a free port: with ``dashboard_address=None`` distributed
    still binds its default 8787 and warns (an error under -W error) when another cluster holds it.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=40
    ) as found:
        yield found


def test_dask_gives_the_same_bytes_as_local_workers(engine: stackrules.Engine, small: Path, tmp_path: Path, cluster: Any) -> None:
    items = read_cohort(small)
    job = batch.Job("audit", "exu:BIT", AS_OF)
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    output.write_batch(engine, job, items, local, workers=2)
    tally = output.write_batch(engine, job, items, dask, executor="dask", scheduler=cluster.scheduler_address, chunk=5)
    assert tally.done == len(items) and tally.statuses["error"] == 3
    assert dask.read_bytes() == local.read_bytes()
    # and through the command line, resuming part of a run made locally
    out = tmp_path / "cli.jsonl"
    out.write_bytes(b"".join(local.read_bytes().splitlines(keepends=True)[:20]))
    code, _, err = cli(
        "batch", "--learners", str(small), "--target", "exu:BIT", "--as-of", "2026-10-15", "--out", str(out),
        "--executor", "dask", "--scheduler", cluster.scheduler_address, "--resume",
    )  # fmt: skip
    assert code == 3 and f"on Dask at {cluster.scheduler_address}" in err and "20 already in the output" in err
    assert out.read_bytes() == local.read_bytes()


def test_a_change_only_in_the_refusals_says_which() -> None:
    # it said "decision differs in refused", and a rule author could not tell which refusal
    from stackrules.cohort.impact import compare

    base = {"status": "not_met", "credits": {"remaining": "24"}, "credit": [], "unused": [{"holding": "uscc:CS102", "cause": "refused"}]}
    before = {"decision": {**base, "refused": [{"rule": "exu-uscc-cs102", "sources": ["uscc:CS102"], "reason": "condition"}]}}
    after = {"decision": {**base, "refused": [{"rule": "exu-uscc-cs102", "sources": ["uscc:CS102"], "reason": "not_needed"}]}}
    change = compare(1, "L", before, after, [])
    assert change is not None and change.parts == ("refused",)
    assert change.details == ("refused: - exu-uscc-cs102 uscc:CS102 condition", "refused: + exu-uscc-cs102 uscc:CS102 not_needed")
    assert "decision differs in refused (refused: - exu-uscc-cs102 uscc:CS102 condition; refused: + exu-uscc-cs102 uscc:CS102 not_needed)" in change.text()
    assert change.to_json()["details"] == list(change.details)
