"""Generate the example cohort: learners over the shipped rule base with realistic progress.

    python examples/cohort/generate.py                  # the committed sample (1,000 learners)
    python examples/cohort/generate.py -n 10000 -o /tmp/big.jsonl

The same seed gives the same bytes. The cohort is a Bachelor of IT intake
seen on 2026-10-15 (semester 2 under way), plus graduate-certificate candidates:

- new students (first semester done or under way),
- mid-way students (one to four semesters, a failed unit retaken now and then),
- nearly done (final semester in progress) and completed students,
- transfer students (a TAFE NSW certificate, diploma or advanced diploma, or
  US community college courses),
- badge holders (the four AI Fundamentals micro-credentials, and an outside
  badge described inline),
- graduate-certificate candidates stacking European data-science
  micro-credentials with Example University units.

``--csv`` also writes the first learners' holdings as a CSV
(learner_id, credential, awarded, grade, status), the other cohort format.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

YEAR1 = [
    ["exu:COMP1010", "exu:COMP1030", "exu:MATH1010", "exu:MATH1020"],
    ["exu:COMP1020", "exu:COMP1040", "exu:INFO1020", "L1"],
]
MAJORS = {
    "data": [
        ["exu:COMP2010", "exu:COMP2020", "exu:COMP2040", "exu:DATA2001"],
        ["exu:COMP2030", "exu:DATA2002", "exu:BUS2001", "L1"],
        ["exu:COMP3010", "exu:COMP3020", "exu:DATA3001", "exu:INFO3010"],
        ["exu:COMP3030", "exu:DATA3002", "exu:COMP3040", "exu:SEC2002"],
    ],
    "security": [
        ["exu:COMP2010", "exu:COMP2020", "exu:COMP2040", "exu:SEC2001"],
        ["exu:COMP2030", "exu:SEC2002", "exu:BUS2001", "L1"],
        ["exu:COMP3010", "exu:COMP3020", "exu:SEC3002", "exu:INFO3010"],
        ["exu:COMP3030", "exu:SEC3001", "exu:DATA2002", "exu:COMP3040"],
    ],
}
FIRST_YEAR_ELECTIVES = ["exu:BUS1001", "exu:PSYC1001", "exu:ART1001", "exu:INFO1010"]
GRADES = ["PS", "CR", "CR", "DN", "DN", "HD"]
AS_OF_YEAR = 2026  # the cohort is seen on 2026-10-15 (semester 2 under way), at the end of semester 2


def _semester_end(year: int, sem: int) -> str:
    return f"{year}-06-30" if sem == 1 else f"{year}-11-28"


def _bit_student(rng: random.Random, n: int, semesters_done: int, in_progress: bool, transfer: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A Bachelor of IT student who finished ``semesters_done`` semesters by the end of 2026."""
    major = rng.choice(sorted(MAJORS))
    sequence = [list(s) for s in YEAR1 + MAJORS[major]]
    for sem in sequence:
        for i, unit in enumerate(sem):
            if unit == "L1":
                sem[i] = rng.choice(FIRST_YEAR_ELECTIVES)
    holdings: list[dict[str, Any]] = list(transfer or [])
    skip = set()
    if transfer:  # articulating students skip what the agreement credits (first-year programming and systems)
        skip = {"exu:COMP1010", "exu:COMP1030"}
    total = semesters_done + (1 if in_progress else 0)
    # the last finished semester is semester 1 of 2026; count back
    start = (AS_OF_YEAR * 2 + 1) - semesters_done  # half-years: 2*year + (sem-1)
    commenced_year = start // 2
    commenced = f"{commenced_year}-02-23" if start % 2 == 0 else f"{commenced_year}-07-20"
    retake: list[str] = []
    for k in range(min(total, len(sequence))):
        half = start + k
        year, sem = half // 2, half % 2 + 1
        current = k >= semesters_done
        units = [u for u in sequence[k] if u not in skip] + retake
        retake = []
        for unit in units:
            if current:
                holdings.append({"credential": unit, "status": "in_progress"})
                continue
            grade = "FL" if rng.random() < 0.06 else rng.choice(GRADES)
            holdings.append({"credential": unit, "awarded": _semester_end(year, sem), "grade": grade})
            if grade == "FL":
                retake.append(unit)
    for unit in retake:  # failed in the last finished semester: planned for the next
        holdings.append({"credential": unit, "status": "planned"})
    return {"kind": "learner", "id": f"C-{n:05d}", "enrolments": [{"qualification": "exu:BIT", "commenced": commenced}], "holdings": holdings}


def _tafe(rng: random.Random) -> list[dict[str, Any]]:
    award = rng.choice(["tafe-nsw:ICT50220", "tafe-nsw:ICT50220", "tafe-nsw:ICT60220", "tafe-nsw:ICT40120"])
    out = [{"credential": award, "awarded": f"{rng.choice([2019, 2021, 2022, 2023, 2024])}-12-01"}]
    if rng.random() < 0.2:
        out.append({"credential": "tafe-nsw:BSB50120", "awarded": "2020-12-01"})
    return out


def _uscc(rng: random.Random) -> list[dict[str, Any]]:
    courses = rng.sample(["uscc:CS101", "uscc:CS102", "uscc:STAT200", "uscc:ENGL101"], rng.randint(1, 4))
    return [
        {"credential": c, "awarded": f"{rng.choice([2023, 2024, 2025])}-05-15", "grade": rng.choice(["A", "B", "B", "C", "D", "F"])} for c in sorted(courses)
    ]


def _badges(rng: random.Random) -> list[dict[str, Any]]:
    count = rng.choice([2, 3, 4, 4, 4])
    out: list[dict[str, Any]] = [{"credential": f"exu:AI-M{i}", "awarded": f"2025-{3 + i:02d}-15"} for i in range(1, count + 1)]
    if rng.random() < 0.3:
        out.append(
            {
                "credential": "ext:python-basics",
                "title": "Python Basics",
                "provider": "ext",
                "credits": "4 us-sch",
                "type": "micro-credential",
                "awarded": "2024-09-01",
            }
        )
    return out


def _gcds(rng: random.Random, n: int) -> dict[str, Any]:
    """A graduate-certificate candidate: European data-science micro-credentials and Example University units."""
    holdings: list[dict[str, Any]] = []
    mcs = sorted(rng.sample(["eux:DS-MC1", "eux:DS-MC2", "eux:DS-MC3", "eux:DS-MC4"], rng.choice([0, 1, 2, 2, 3, 4, 4])))
    holdings += [{"credential": c, "awarded": "2025-06-30", "grade": rng.choice(["A", "B", "B", "C", "D", "E", "F"])} for c in mcs]
    units = sorted(rng.sample(["exu:DATA5001", "exu:DATA5002", "exu:DATA5003", "exu:DATA5004", "exu:AI501"], rng.choice([0, 1, 2, 3])))
    holdings += [{"credential": u, "awarded": "2026-06-30", "grade": rng.choice(GRADES)} for u in units]
    if rng.random() < 0.3:
        holdings += [{"credential": f"exu:AI-M{i}", "awarded": "2025-05-15"} for i in range(1, 5)]
    return {"kind": "learner", "id": f"C-{n:05d}", "enrolments": [{"qualification": "exu:GCDS", "commenced": "2026-02-23"}], "holdings": holdings}


def learner(rng: random.Random, n: int) -> dict[str, Any]:
    """Learner ``n``: its kind drawn with the cohort's shares."""
    roll = rng.random()
    if roll < 0.22:  # new
        return _bit_student(rng, n, rng.choice([0, 1]), True)
    if roll < 0.52:  # mid-way
        return _bit_student(rng, n, rng.randint(2, 4), rng.random() < 0.8)
    if roll < 0.64:  # nearly done
        return _bit_student(rng, n, 5, True)
    if roll < 0.70:  # completed
        return _bit_student(rng, n, 6, False)
    if roll < 0.78:  # TAFE transfer
        return _bit_student(rng, n, rng.randint(0, 3), True, _tafe(rng))
    if roll < 0.83:  # US community college transfer
        return _bit_student(rng, n, rng.randint(0, 3), True, _uscc(rng))
    if roll < 0.90:  # badge holder starting the degree
        return _bit_student(rng, n, rng.randint(0, 2), True, _badges(rng))
    return _gcds(rng, n)


def cohort(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [learner(rng, n) for n in range(1, count + 1)]


def write_jsonl(learners: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for doc in learners:
            fh.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_csv(learners: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["learner_id", "credential", "awarded", "grade", "status"])
        for doc in learners:
            for h in doc["holdings"]:
                if "title" in h:  # an inline description has no CSV columns
                    continue
                writer.writerow([doc["id"], h["credential"], h.get("awarded", ""), h.get("grade", ""), h.get("status", "")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="learners (default 1000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("-o", "--out", type=Path, default=HERE / "cohort.jsonl")
    parser.add_argument("--csv", type=Path, default=None, help="also write the first --csv-learners learners' holdings as CSV")
    parser.add_argument("--csv-learners", type=int, default=100)
    args = parser.parse_args()
    learners = cohort(args.n, args.seed)
    write_jsonl(learners, args.out)
    if args.csv is not None:
        write_csv(learners[: args.csv_learners], args.csv)


if __name__ == "__main__":
    main()
