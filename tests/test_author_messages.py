"""Messages a newcomer met on 2026-11-30 that named the wrong thing: each now says what is wrong and what to do."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from stackrules.cli import main

from .conftest import ROOT

BEN = str(ROOT / "examples" / "learners" / "ben.yaml")


def run(*args: str) -> tuple[int, dict[str, str]]:
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    [d] = json.loads(result.stdout)["diagnostics"]
    return result.exit_code, d


def _base(tmp_path: Path, rule: str, where: str) -> str:
    (tmp_path / "c.yaml").write_text(
        "kind: catalog\nprovider: {id: acme, name: Acme}\ncredit_system: {id: acme-cp, full_time_year: 48}\n"
        'credentials:\n  - {id: "acme:U1", title: U1, credits: 6}\n  - {id: "acme:U3", title: U3, credits: 6, tags: [elective]}\n',
        encoding="utf-8",
    )
    (tmp_path / "q.yaml").write_text(
        f'kind: qualification\nid: "acme:CERT"\ntitle: Cert\nprovider: acme\nrequires: {{all: ["acme:U1", {{id: p, credits: 6, where: {where}}}]}}\n',
        encoding="utf-8",
    )
    (tmp_path / "r.yaml").write_text(f"kind: credit_rule\nid: r1\ntype: rpl\ninto: {rule}\nfrom: acme:U3\ngrant: [acme:U1]\n", encoding="utf-8")
    return str(tmp_path)


def test_a_month_that_does_not_exist_is_named_as_the_month() -> None:
    code, d = run("audit", "--learner", BEN, "--target", "exu:BIT", "--as-of", "2026-13-01")
    assert code == 3 and d["help"] == "there is no month 13: months run from 01 to 12; did you mean 2026-01-13, 13 January?"
    _, d = run("audit", "--learner", BEN, "--target", "exu:BIT", "--as-of", "2026-02-30")
    assert d["help"] == "February 2026 has 28 days, not 30 (its last day is 2026-02-28)"
    _, d = run("audit", "--learner", BEN, "--target", "exu:BIT", "--as-of", "2026-13-40")
    assert d["help"] == "there is no month 13: months run from 01 to 12"  # no day-month swap makes a day of it


def test_the_cli_names_its_own_flags_for_days_and_years_out_of_range() -> None:
    _, d = run("audit", "--learner", BEN, "--target", "exu:BIT", "--as-of", "0001-01-01")
    assert d["message"] == "`--as-of 0001-01-01` is outside the years 1000 to 8999" and d["help"] == "give a day from 1000-01-01 to 8999-12-31"
    _, d = run("audit", "--learner", BEN, "--target", "exu:BIT", "--catalog-year", "0")
    assert "'--catalog-year'" in d["message"] and "1000<=x<=8999" in d["message"]


def test_a_credential_given_as_a_target_is_named_as_a_credential() -> None:
    code, d = run("audit", "--learner", BEN, "--target", "exu:COMP1010")
    assert code == 3 and d["message"] == "`exu:COMP1010` is a credential, not a qualification: a target is a qualification"
    assert d["help"] == "`towards exu:COMP1010` says which qualifications it counts towards"


def test_into_names_a_credential_or_offers_only_qualifications(tmp_path: Path) -> None:
    _, d = run("check", _base(tmp_path, "acme:U1", "{tags: elective}"))
    assert d["code"] == "SR3001" and d["help"] == "`acme:U1` is a credential in a catalogue, not a qualification: name a qualification here"
    _, d = run("check", _base(tmp_path, "acme:CRET", "{tags: elective}"))
    assert d["help"] == "did you mean `acme:CERT`?"  # not the units `acme:U1`, `acme:U3`


def test_a_quoted_number_and_a_tag_no_credential_carries_are_said(tmp_path: Path) -> None:
    _, d = run("check", _base(tmp_path, "acme:CERT", '{level: "1"}'))
    assert d["message"] == '`level` compares with a whole number, got the text `"1"`: write 1 without quotes'
    result = CliRunner().invoke(main, ["check", _base(tmp_path, "acme:CERT", "{tags: electve}"), "--format", "json"])
    [d] = json.loads(result.stdout)["diagnostics"]
    assert d["code"] == "SR4001" and d["help"] == "no credential or grant has tag `electve` (did you mean `elective`?)"


def test_the_codes_own_help_names_the_command_run() -> None:
    # it printed "see `stackrules COMMAND --help`" literally (a newcomer, 2026-11-30)
    _, d = run("audit", "--learner", BEN, "--target", "exu:BIT", "--time-limit", "0")
    assert d["help"] == "see `stackrules audit --help`"


def test_year_zero_and_a_tag_list_with_one_real_tag(tmp_path: Path) -> None:
    _, d = run("audit", "--learner", BEN, "--target", "exu:BIT", "--as-of", "0000-01-01")
    assert d["help"] == "there is no year 0000"
    # a tag list is any of its tags: with `elective` present, `zzq` is not why the pool falls short
    folder = _base(tmp_path, "acme:CERT", "{tags: [elective, zzq]}")
    q = tmp_path / "q.yaml"
    q.write_text(q.read_text(encoding="utf-8").replace("credits: 6", "credits: 12"), encoding="utf-8")  # more than U3 gives
    result = CliRunner().invoke(main, ["check", folder, "--format", "json"])
    [d] = json.loads(result.stdout)["diagnostics"]
    assert d["code"] == "SR4001" and d["help"] == "check the filter, or add credentials that match it"
