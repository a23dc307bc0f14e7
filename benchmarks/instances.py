"""Generated, realistic benchmark instances: a university catalogue, degrees, learners.

Everything is generated from a seed, so a run is repeatable. The degrees look
like real ones: a core of named units, a choice of majors (named units plus a
tagged pool), tagged and free elective pools, a first-year cap and an
upper-level minimum. ``requirements`` counts the leaves of the tree.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

TAGS = ["computing", "data", "security", "maths", "business", "design", "health", "law", "science", "arts", "media", "engineering"]


def _dump(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(doc, sort_keys=False, width=200), encoding="utf-8")


def catalogue(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    units = []
    for i in range(n):
        level = 1 + i % 4 if i % 4 else 1 + rng.randrange(3)
        tags = sorted(rng.sample(TAGS, 2))
        credits = 12 if rng.random() < 0.05 else 6
        unit: dict[str, Any] = {
            "id": f"bu:U{level}{i:05d}",
            "title": f"Unit {i}",
            "credits": credits,
            "level": level,
            "tags": tags,
            "cost": {"amount": 900 + 100 * level + rng.randrange(0, 400, 50), "currency": "AUD"},
            "offered": sorted(rng.sample(["S1", "S2", "T3"], rng.choice([1, 2]))),
        }
        units.append(unit)
    # prerequisites: some upper-level units need one lower-level unit with a shared tag
    by_level: dict[int, list[dict[str, Any]]] = {}
    for u in units:
        by_level.setdefault(u["level"], []).append(u)
    for u in units:
        if u["level"] > 1 and rng.random() < 0.3:
            lower = [v for v in by_level.get(u["level"] - 1, []) if set(v["tags"]) & set(u["tags"])]
            if lower:
                u["prerequisites"] = rng.choice(lower)["id"]
    return units


def degree(units: list[dict[str, Any]], requirements: int, seed: int = 11) -> dict[str, Any]:
    """A degree whose tree has ``requirements`` leaves (24 or 60 in the benchmarks)."""
    rng = random.Random(seed)
    pool = [u for u in units if u["credits"] == 6]
    rng.shuffle(pool)
    take = iter(pool)
    n_majors = 3 if requirements <= 30 else 4
    per_major = 3 if requirements <= 30 else 7
    n_pools = 2 if requirements <= 30 else 6
    n_core = requirements - n_majors * (per_major + 1) - n_pools
    core = [next(take)["id"] for _ in range(n_core)]
    majors = []
    for m in range(n_majors):
        tag = TAGS[m]
        named = [next(take)["id"] for _ in range(per_major)]
        majors.append({"id": f"major-{tag}", "all": named, "credits": 12, "where": {"tags": tag}})
    pools = [{"id": f"elective-{TAGS[4 + k]}", "credits": 12, "where": {"tags": TAGS[4 + k]}} for k in range(n_pools - 1)]
    pools.append({"id": "electives", "credits": 24})
    named_credit = 6 * (n_core + per_major) + 12
    total = named_credit + 12 * (n_pools - 1) + 24
    return {
        "kind": "qualification",
        "id": f"bu:DEG{requirements}",
        "title": f"Bachelor with {requirements} requirements",
        "provider": "bu",
        "credits": total,
        "requires": {"all": [{"id": "core", "all": core}, {"id": "major", "any": majors}, *pools]},
        "limits": [
            {"id": "first-year-cap", "max_credits": total // 2, "where": {"level": 1}},
            {"id": "upper-level", "min_credits": 24, "where": {"level": {"gte": 3}}},
        ],
    }


def learner(units: list[dict[str, Any]], deg: dict[str, Any], holdings: int, seed: int) -> dict[str, Any]:
    """A learner holding ``holdings`` units: mostly the degree's own, some from elsewhere."""
    rng = random.Random(seed)
    named = list(deg["requires"]["all"][0]["all"])
    for major in deg["requires"]["all"][1]["any"]:
        named += major["all"]
    other = [u["id"] for u in units if u["id"] not in set(named)]
    chosen: list[str] = []
    for _ in range(holdings):
        src = named if (rng.random() < 0.6 and len(set(named) - set(chosen)) > 0) else other
        options = [x for x in src if x not in chosen]
        if options:
            chosen.append(rng.choice(options))
    holdings = [{"credential": c, "grade": rng.choice(["PS", "CR", "DN", "HD"])} for c in sorted(chosen)]
    # prior learning from the college: some precedent sources, some stacking ones
    for i in sorted(rng.sample(range(60), rng.randrange(0, 6))):
        holdings.append({"credential": f"cc:C{i:03d}", "grade": rng.choice(["D", "C", "B", "A"])})
    return {"kind": "learner", "id": f"B-{seed}", "holdings": holdings}


def write_rule_base(folder: Path, n_units: int, requirements: tuple[int, ...] = (24, 60)) -> dict[int, dict[str, Any]]:
    folder.mkdir(parents=True, exist_ok=True)
    units = catalogue(n_units)
    _dump(
        folder / "catalog.yaml",
        {
            "kind": "catalog",
            "provider": {"id": "bu", "name": "Bench University"},
            "credit_system": {"id": "bu-cp", "full_time_year": 48},
            "grade_scale": {"order": ["FL", "PS", "CR", "DN", "HD"], "pass": "PS", "points": {"FL": 0, "PS": 4, "CR": 5, "DN": 6, "HD": 7}},
            "credentials": units,
        },
    )
    degrees = {}
    for r in requirements:
        deg = degree(units, r, seed=r)
        _dump(folder / f"degree-{r}.yaml", deg)
        degrees[r] = deg
    write_credit_rules(folder, degrees)
    return degrees


def college() -> list[dict[str, Any]]:
    """A community college whose courses earn credit by precedent or by stacking."""
    return [{"id": f"cc:C{i:03d}", "title": f"Course {i}", "credits": 3, "tags": ["cc-series"] if i % 3 == 0 else ["general"]} for i in range(60)]


def write_credit_rules(folder: Path, degrees: dict[int, dict[str, Any]]) -> None:
    """Course-to-course precedents into each degree's named units, and a stacking rule."""
    _dump(
        folder / "college.yaml",
        {
            "kind": "catalog",
            "provider": {"id": "cc", "name": "Community College"},
            "credit_system": {"id": "cc-sch", "full_time_year": 30},
            "grade_scale": {"order": ["F", "D", "C", "B", "A"], "pass": "D"},
            "credentials": college(),
        },
    )
    for r, deg in degrees.items():
        named = list(deg["requires"]["all"][0]["all"])
        for k in range(min(20, len(named))):
            _dump(
                folder / f"precedent-{r}-{k}.yaml",
                {
                    "kind": "credit_rule",
                    "id": f"prec-{r}-{k}",
                    "type": "precedent",
                    "into": deg["id"],
                    "from": f"cc:C{(k * 3 + 1) % 60:03d}",
                    "when": {"min_grade": "C"},
                    "grant": [named[k]],
                },
            )
    _dump(
        folder / "stacking.yaml",
        {
            "kind": "credit_rule",
            "id": "cc-stack",
            "type": "stacking",
            "into": {"where": {"provider": "bu"}},
            "from": {"count": 3, "where": {"tags": "cc-series"}},
            "grant": [{"unspecified": 6, "tags": ["computing"], "level": 1}],
        },
    )


def pct(values: list[float], q: float) -> float:
    """The q-quantile of measured times (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]
