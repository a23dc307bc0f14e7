"""A generated institution: 1,500 qualifications over 20,000 credentials, as a rule-base folder.

    python benchmarks/institution.py OUT [--quick] [--seed N]

Writes, deterministically from the seed, a rule base the way a US-style
university would publish one:

- ``catalogs/iu.yaml``: the university (``iu``), about 17,000 courses in 120
  subjects with four-digit course numbers (``iu:CSCI3120``, subject and
  number derived by the catalogue's ``id_pattern``), letter grades, some
  prerequisites; ``catalogs/cc-north.yaml`` and ``catalogs/cc-south.yaml``: two
  community colleges (about 1,500 courses each, three-digit numbers);
- ``qualifications/SUBJ/*.yaml``: one university-wide general-education core
  (``iu:GENED``) nested in every bachelor's major; majors (BA and BS, some with
  emphases, some without a credit total), minors and certificates per subject,
  each with blocks defined once under ``define:`` and used by ``ref``, course
  ranges (``number: {gte: 3000, lt: 5000}``), ``subject:`` lists, ``id: {glob:
  ...}`` patterns, breadth and upper-division limits;
- ``credit_rules/*.yaml``: course-to-course articulation from the colleges and
  a policy rule for unmatched sophomore courses;
- and, beside the rule base, ``learners/*.yaml``: learners part-way through a
  major, a minor or a certificate (some complete).

``--quick`` writes a small institution (the same shapes, 12 subjects) for the
test suite. The module is also imported by ``load_bench.py``.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROVIDER = "iu"
SCHOOLS = {
    "stem": ["natural-science", "quantitative"],
    "humanities": ["humanities", "writing"],
    "social": ["social-science"],
    "arts": ["arts", "humanities"],
    "professional": ["professional"],
}
# the subjects every general-education core draws from come first
CORE_SUBJECTS = [("ENGL", "humanities"), ("MATH", "stem"), ("STAT", "stem"), ("BIOL", "stem"), ("CHEM", "stem"), ("PHYS", "stem"), ("HIST", "humanities")]
CORE_SUBJECTS += [("PSYC", "social"), ("ECON", "social"), ("SOCI", "social"), ("PHIL", "humanities"), ("ARTH", "arts"), ("CSCI", "stem")]
GRADES = ["A", "A", "A-", "B+", "B", "B", "B-", "C+", "C", "C", "D"]
CC_GRADES = ["A", "B", "B", "C", "C", "D"]
AS_OF = "2026-06-30"


@dataclass(frozen=True)
class Size:
    subjects: int
    courses_per_subject: int
    college_courses: int  # per college
    majors: int
    minors: int
    certificates: int
    learners: int

    @property
    def qualifications(self) -> int:
        return 1 + self.majors + self.minors + self.certificates


FULL = Size(subjects=120, courses_per_subject=142, college_courses=1480, majors=500, minors=600, certificates=399, learners=200)
QUICK = Size(subjects=14, courses_per_subject=40, college_courses=120, majors=50, minors=20, certificates=14, learners=12)


@dataclass
class Institution:
    """What was written, kept in memory for generating learners."""

    size: Size
    subjects: list[tuple[str, str]]  # (code, school)
    courses: dict[str, list[dict[str, Any]]]  # subject -> its courses
    quals: list[dict[str, Any]] = field(default_factory=list)
    articulations: dict[str, str] = field(default_factory=dict)  # college course -> university course
    college: dict[str, list[str]] = field(default_factory=dict)  # college -> course ids


def _subject_codes(n: int, rng: random.Random) -> list[tuple[str, str]]:
    codes = list(CORE_SUBJECTS[:n])
    seen = {c for c, _ in codes}
    letters = "ABCDEFGHIJKLMNOPRSTUVWY"
    schools = sorted(SCHOOLS)
    while len(codes) < n:
        code = "".join(rng.choice(letters) for _ in range(4))
        if code not in seen:
            seen.add(code)
            codes.append((code, schools[len(codes) % len(schools)]))
    return codes


def _courses(subject: str, school: str, n: int, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` courses numbered 1000-4999, about a quarter at each level."""
    out = []
    per_level = max(1, n // 4)
    for k in range(n):
        level = min(4, 1 + k // per_level)
        number = level * 1000 + 10 + 10 * (k - (level - 1) * per_level) + rng.randrange(0, 10, 5)
        tags = [t for t in SCHOOLS[school] if rng.random() < 0.7] or [SCHOOLS[school][0]]
        if rng.random() < 0.08:
            tags.append("writing-intensive")
        if rng.random() < 0.05:
            tags.append("global")
        credits = 4 if school == "stem" and rng.random() < 0.3 else 1 if rng.random() < 0.04 else 3
        course: dict[str, Any] = {
            "id": f"{PROVIDER}:{subject}{number}",
            "title": f"{subject} {number}",
            "credits": credits,
            "level": level,
            "tags": sorted(set(tags)),
        }
        out.append(course)
    # unique numbers (the random offset can collide at a level's end)
    seen: set[str] = set()
    unique = []
    for c in out:
        if c["id"] not in seen:
            seen.add(c["id"])
            unique.append(c)
    for c in unique:
        if c["level"] > 1 and rng.random() < 0.3:
            lower = [d["id"] for d in unique if d["level"] == c["level"] - 1]
            if lower:
                c["prerequisites"] = rng.choice(lower)
        if rng.random() < 0.6:
            c["offered"] = sorted(rng.sample(["FA", "SP", "SU"], rng.choice([1, 2])))
    return unique


def _dump(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, width=240, default_flow_style=None), encoding="utf-8")


def _named(inst: Institution, subject: str, level: int, k: int, rng: random.Random) -> list[str]:
    pool = [c["id"] for c in inst.courses[subject] if c["level"] == level]
    return sorted(rng.sample(pool, min(k, len(pool))))


def _gened() -> dict[str, Any]:
    return {
        "kind": "qualification",
        "id": f"{PROVIDER}:GENED",
        "title": "General education core",
        "provider": PROVIDER,
        "credits": 33,
        "define": {
            "writing": {"all": [f"{PROVIDER}:ENGL1010", f"{PROVIDER}:ENGL1020"]},
            "distribution": {"credits": 6, "where": {"number": {"lt": 3000}}},
        },
        "requires": {
            "all": [
                {"id": "composition", "ref": "writing"},
                {"id": "quantitative", "credits": 3, "where": {"subject": ["MATH", "STAT"], "number": {"gte": 1000, "lt": 3000}}},
                {"id": "natural-science", "credits": 6, "where": {"tags": "natural-science", "subject": {"in": ["BIOL", "CHEM", "PHYS"]}}},
                {"id": "humanities", "credits": 6, "where": {"tags": "humanities", "number": {"lt": 3000}}},
                {"id": "social-science", "credits": 6, "where": {"tags": "social-science", "number": {"lt": 3000}}},
                {"id": "breadth", "ref": "distribution"},
            ]
        },
        "limits": [{"id": "breadth-subjects", "min_distinct": {"count": 4, "of": "subject"}}],
    }


def _major(inst: Institution, subject: str, variant: int, rng: random.Random) -> dict[str, Any]:
    degree = "BS" if variant % 2 else "BA"
    qid = f"{PROVIDER}:{degree}-{subject}" + (f"-{variant}" if variant > 1 else "")
    others = [s for s, _ in inst.subjects if s != subject]
    cognates = sorted(rng.sample(others, 2))
    intro = _named(inst, subject, 1, 2, rng)
    core = _named(inst, subject, 2, 3, rng) + _named(inst, subject, 3, 2, rng)
    capstone = _named(inst, subject, 4, 2, rng)
    emphases = []
    for e in range(3 if variant % 3 == 0 else 2):
        named = _named(inst, subject, 3, 2, rng) + _named(inst, subject, 4, 1, rng)
        emphases.append({"id": f"emphasis-{e + 1}", "all": named, "credits": 3, "where": {"subject": subject, "number": {"gte": 3000, "lt": 5000}}})
    requires: list[dict[str, Any]] = [
        {"qualification": f"{PROVIDER}:GENED"},
        {"id": "foundations", "ref": "foundations"},
        {"id": "core", "all": core},
        {"id": "emphasis", "any": emphases},
        {"id": "upper-division", "ref": "upper"},
        {"id": "cognate", "credits": 6, "where": {"subject": cognates}},
        {"id": "methods", "count": 1, "where": {"id": {"glob": f"{PROVIDER}:{cognates[0]}2*"}}},
        {"id": "capstone", "any": capstone},
    ]
    with_total = variant < 3
    if with_total:
        requires.append({"id": "electives", "credits": 30})
    doc: dict[str, Any] = {
        "kind": "qualification",
        "id": qid,
        "title": f"{'Bachelor of Science' if degree == 'BS' else 'Bachelor of Arts'} in {subject}" + (f" (track {variant})" if variant > 1 else ""),
        "provider": PROVIDER,
    }
    if with_total:
        doc["credits"] = 120
    doc["define"] = {
        "foundations": {"all": intro},
        "upper": {"credits": 9, "where": {"subject": subject, "number": {"gte": 3000, "lt": 5000}}},
    }
    doc["requires"] = {"all": requires}
    limits: list[dict[str, Any]] = [{"id": "writing", "min_count": 1, "where": {"tags": "writing-intensive"}}]
    if with_total:
        limits += [
            {"id": "upper-division-credit", "min_credits": 30, "where": {"number": {"gte": 3000}}},
            {"id": "transfer-cap", "max_share": "1/2", "where": {"source": "credit"}},
        ]
    doc["limits"] = limits
    return doc


def _minor(inst: Institution, subject: str, variant: int, rng: random.Random) -> dict[str, Any]:
    qid = f"{PROVIDER}:MIN-{subject}" + (f"-{variant}" if variant else "")
    intro = _named(inst, subject, 1, 1, rng) + _named(inst, subject, 2, 1, rng)
    return {
        "kind": "qualification",
        "id": qid,
        "title": f"Minor in {subject}" + (f" ({variant})" if variant else ""),
        "provider": PROVIDER,
        "credits": 18,
        "define": {"advanced": {"credits": 9, "where": {"subject": subject, "number": {"gte": 2000 + 1000 * (variant % 2), "lt": 5000}}}},
        "requires": {
            "all": [
                {"id": "introduction", "all": intro},
                {"id": "advanced", "ref": "advanced"},
                {"id": "any-level", "credits": 3, "where": {"subject": subject}},
            ]
        },
        "limits": [{"id": "upper", "min_credits": 6, "where": {"number": {"gte": 3000}}}],
    }


def _certificate(inst: Institution, subject: str, variant: int, rng: random.Random) -> dict[str, Any]:
    qid = f"{PROVIDER}:CERT-{subject}" + (f"-{variant}" if variant else "")
    second = inst.subjects[(inst.subjects.index(next(s for s in inst.subjects if s[0] == subject)) + 1 + variant) % len(inst.subjects)][0]
    options = _named(inst, subject, 2, 3, rng) + _named(inst, subject, 3, 2, rng)
    return {
        "kind": "qualification",
        "id": qid,
        "title": f"Certificate in {subject} and {second}" + (f" ({variant})" if variant else ""),
        "provider": PROVIDER,
        "credits": 15,
        "define": {"applied": {"credits": 3, "where": {"any_of": [{"subject": second}, {"id": {"glob": f"{PROVIDER}:{subject}4*"}}]}}},
        "requires": {"all": [{"id": "options", "at_least": 3, "of": options}, {"id": "applied", "ref": "applied"}]},
    }


def generate(out: Path, size: Size = FULL, seed: int = 2026) -> Institution:
    """Write the institution's rule base under ``out/rules`` and its learners under ``out/learners``."""
    rng = random.Random(seed)
    subjects = _subject_codes(size.subjects, rng)
    inst = Institution(size, subjects, {s: _courses(s, school, size.courses_per_subject, rng) for s, school in subjects})
    for core in ("ENGL1010", "ENGL1020"):  # the general-education core names them
        if not any(c["id"] == f"{PROVIDER}:{core}" for c in inst.courses["ENGL"]):
            inst.courses["ENGL"].insert(
                0, {"id": f"{PROVIDER}:{core}", "title": f"ENGL {core[4:]}", "credits": 3, "level": 1, "tags": ["humanities", "writing"]}
            )
    rules = out / "rules"
    _dump(
        rules / "catalogs" / "iu.yaml",
        {
            "kind": "catalog",
            "provider": {"id": PROVIDER, "name": "Institution University", "country": "US"},
            "credit_system": {"id": "iu-sch", "full_time_year": 30},
            "grade_scale": {
                "order": ["F", "D", "C-", "C", "C+", "B-", "B", "B+", "A-", "A"],
                "pass": "D",
                "points": {"F": 0, "D": 1, "C-": "5/3", "C": 2, "C+": "7/3", "B-": "8/3", "B": 3, "B+": "10/3", "A-": "11/3", "A": 4},
            },
            "id_pattern": "{provider}:{subject}{number}",
            "credentials": [c for s, _ in subjects for c in inst.courses[s]],
        },
    )
    _colleges(inst, rules, rng)
    docs = [_gened()]
    makers = [(_major, size.majors, 5), (_minor, size.minors, 5), (_certificate, size.certificates, 4)]
    for make, count, variants in makers:
        for k in range(count):
            subject = subjects[k % len(subjects)][0]
            docs.append(make(inst, subject, (k // len(subjects)) % variants, rng))
    seen: set[str] = set()
    for doc in docs:
        assert doc["id"] not in seen, doc["id"]
        seen.add(doc["id"])
        code = doc["id"].partition(":")[2]
        _dump(rules / "qualifications" / code.split("-")[-1 if doc["id"].endswith("GENED") else 1] / f"{code}.yaml", doc)
    inst.quals = docs
    _learners(inst, out / "learners", rng)
    return inst


def _colleges(inst: Institution, rules: Path, rng: random.Random) -> None:
    """Two community colleges, their courses articulated course-to-course where the university has a match."""
    for college in ("cc-north", "cc-south"):
        creds = []
        ids = []
        for k in range(inst.size.college_courses):
            subject, _ = inst.subjects[k % min(len(inst.subjects), 30)]
            number = 101 + 4 * (k // min(len(inst.subjects), 30)) % 200
            cid = f"{college}:{subject}{number}"
            if cid in ids:
                continue
            ids.append(cid)
            creds.append({"id": cid, "title": f"{subject} {number}", "credits": rng.choice([3, 3, 3, 4]), "level": 1 + number // 200})
        inst.college[college] = ids
        _dump(
            rules / "catalogs" / f"{college}.yaml",
            {
                "kind": "catalog",
                "provider": {"id": college, "name": f"Community College {college[3:].title()}", "country": "US"},
                "credit_system": {"id": f"{college}-qh" if college == "cc-south" else "us-sch-cc", "full_time_year": 45 if college == "cc-south" else 30},
                "grade_scale": {"order": ["F", "D", "C", "B", "A"], "pass": "D"},
                "id_pattern": "{provider}:{subject}{number}",
                "credentials": creds,
            },
        )
        # course-to-course articulation: one college course in four has a university equivalent
        for cid in ids[::4]:
            subject = cid.partition(":")[2].rstrip("0123456789")
            number = int(cid.partition(":")[2][len(subject) :])
            level = 1 if number < 200 else 2
            match = [c["id"] for c in inst.courses[subject] if c["level"] == level]
            if not match:
                continue
            target = match[number % len(match)]
            inst.articulations[cid] = target
            rid = f"{college}-{cid.partition(':')[2].lower()}"
            _dump(
                rules / "credit_rules" / college / f"{rid}.yaml",
                {
                    "kind": "credit_rule",
                    "id": rid,
                    "type": "articulation",
                    "title": f"{cid} articulates to {target}",
                    "basis": {"reference": f"IU/{college} articulation table 2025"},
                    "into": {"where": {"provider": PROVIDER}},
                    "from": cid,
                    "when": {"min_grade": "C"},
                    "grant": [target],
                },
            )
        _dump(
            rules / "credit_rules" / college / f"{college}-sophomore.yaml",
            {
                "kind": "credit_rule",
                "id": f"{college}-sophomore",
                "type": "policy",
                "title": f"Unmatched sophomore courses from {college} as lower-division elective credit",
                "basis": {"reference": "IU transfer policy 4.2"},
                "into": {"where": {"provider": PROVIDER}},
                "from": {"count": 1, "where": {"provider": college, "number": {"gte": 200, "lt": 300}}},
                "grant": [{"unspecified": 3, "level": 2, "tags": ["transfer-elective"]}],
            },
        )


def _pick(pool: list[dict[str, Any]], credits: int, chosen: set[str], rng: random.Random) -> list[str]:
    """Courses from ``pool`` adding up to at least ``credits``, avoiding those already chosen."""
    options = [c for c in pool if c["id"] not in chosen]
    rng.shuffle(options)
    out, total = [], 0
    for c in options:
        if total >= credits:
            break
        out.append(c["id"])
        total += c["credits"]
    return out


def _learners(inst: Institution, folder: Path, rng: random.Random) -> None:
    """Learners enrolled in a major, a minor or a certificate, from just started to complete."""
    quals = [q for q in inst.quals if not q["id"].endswith("GENED")]
    for k in range(inst.size.learners):
        qual = quals[(k * 7919) % len(quals)]
        progress = [0.25, 0.5, 0.75, 0.9, 1.0][k % 5]
        chosen = _studied(inst, qual, progress, rng)
        holdings: list[dict[str, Any]] = []
        for n, cid in enumerate(chosen):
            year = 2022 + min(3, n * 4 // max(1, len(chosen)))
            holdings.append({"credential": cid, "grade": rng.choice(GRADES), "awarded": f"{year}-{rng.choice(['05-15', '12-15'])}"})
        if len(chosen) > 4 and progress < 1.0:  # this term's courses
            for n in (len(chosen) - 2, len(chosen) - 1):
                holdings[n] = {"credential": chosen[n], "status": "in_progress"}
        if k % 3 == 0:  # some began at a community college
            college = "cc-north" if k % 2 else "cc-south"
            for cid in rng.sample(inst.college[college], min(4, len(inst.college[college]))):
                holdings.append({"credential": cid, "grade": rng.choice(CC_GRADES), "awarded": "2021-05-20"})
        doc = {
            "kind": "learner",
            "id": f"IU-{k:04d}",
            "enrolments": [{"qualification": qual["id"], "commenced": "2022-08-22"}],
            "holdings": holdings,
        }
        _dump(folder / f"learner-{k:04d}.yaml", doc)


def _studied(inst: Institution, qual: dict[str, Any], progress: float, rng: random.Random) -> list[str]:
    """What a learner ``progress`` of the way through ``qual`` has taken, in order."""
    chosen: list[str] = []
    taken: set[str] = set()

    def add(ids: list[str]) -> None:
        for i in ids:
            if i not in taken and (progress >= 1.0 or rng.random() < progress):
                taken.add(i)
                chosen.append(i)

    code = qual["id"].partition(":")[2]
    own = inst.courses[code.split("-")[1]]
    if code.startswith(("BA-", "BS-")):
        add([f"{PROVIDER}:ENGL1010", f"{PROVIDER}:ENGL1020"])
        for subj, cr, lvl in (("MATH", 3, 1), ("BIOL", 4, 1), ("CHEM", 3, 1), ("HIST", 3, 1), ("PHIL", 3, 2), ("PSYC", 3, 1), ("ECON", 3, 2), ("ARTH", 3, 1)):
            if subj in inst.courses:
                add(_pick([c for c in inst.courses[subj] if c["level"] <= lvl], cr, taken, rng))
        nodes = {n.get("id"): n for n in qual["requires"]["all"]}
        add(qual["define"]["foundations"]["all"])
        add(nodes["core"]["all"])
        add(rng.choice(nodes["emphasis"]["any"])["all"])
        add(_pick([c for c in own if c["level"] >= 3], 12, taken, rng))
        for cog in nodes["cognate"]["where"]["subject"]:
            add(_pick([c for c in inst.courses[cog] if c["level"] == 2], 6, taken, rng))
        add([rng.choice(nodes["capstone"]["any"])])
        add(_pick([c for c in own if "writing-intensive" in c["tags"]], 1, taken, rng))
        every = [c for s in inst.courses.values() for c in s]
        add(_pick(every, 30 if "credits" in qual else 6, taken, rng))
    elif code.startswith("MIN-"):
        add(qual["requires"]["all"][0]["all"])
        add(_pick([c for c in own if c["level"] >= 3], 12, taken, rng))
    else:
        add(qual["requires"]["all"][0]["of"])
        add(_pick([c for c in own if c["level"] == 4], 3, taken, rng))
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    inst = generate(args.out, QUICK if args.quick else FULL, args.seed)
    n_creds = sum(len(v) for v in inst.courses.values()) + sum(len(v) for v in inst.college.values())
    print(f"wrote {len(inst.quals)} qualifications over {n_creds} credentials and {inst.size.learners} learners to {args.out}")


if __name__ == "__main__":
    main()
