"""gdprgraph diff: two versions of the data (folders, files, git revisions) and what changed for whom."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gdprgraph import diff, resources
from gdprgraph.cli import main

FWP = "Flexible Web Platform"
HMFWP = "Hébergement Mutualisé, version Flexible Web Publisher"


def copy_data(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(resources.data_dir(), target, ignore=shutil.ignore_patterns("sources"))
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} found {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def move_platform_sh_to_us(folder: Path) -> None:
    """The update as a vendor would publish it: the contract moves to Platform.sh's US entity, which
    the two Art. 28 descriptions list in place of Platform.sh SAS, still in the EU/EEA supplier row
    (no safeguard: that row says NA)."""
    entity = (
        '\nggo:platform-sh-inc a gg:Supplier ;\n    skos:prefLabel "Platform.sh Inc." ;\n    dpv:hasCountry loc:US .\n'
    )
    fwp = folder / "flexible-web-platform.ttl"
    edit(fwp, "gg:subProcessor ggo:platform-sh ;", "gg:subProcessor ggo:platform-sh-inc ;")
    edit(fwp, "Platform.sh SAS (France) NA", "Platform.sh Inc. (United States) NA", count=2)
    fwp.write_text(fwp.read_text(encoding="utf-8") + entity, encoding="utf-8")
    hm = folder / "hebergement-mutualise-flexible-web-publisher.ttl"
    edit(hm, "gg:subProcessor ggo:platform-sh ;", "gg:subProcessor ggo:platform-sh-inc ;")
    edit(hm, '"Platform.sh (France)"@fr', '"Platform.sh Inc. (États-Unis)"@fr')
    hm.write_text(hm.read_text(encoding="utf-8") + entity, encoding="utf-8")


@pytest.fixture(scope="module")
def old_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_data(tmp_path_factory.mktemp("diff"), "old")


@pytest.mark.slow
def test_identical_inputs_report_nothing(old_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    new = copy_data(tmp_path, "new")
    assert diff.diff(str(old_data), str(new)).changes == []
    assert main(["diff", str(old_data), str(new)]) == 0
    assert "No change" in capsys.readouterr().out


def test_platform_sh_moves_to_a_us_entity(old_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    new = copy_data(tmp_path, "new")
    move_platform_sh_to_us(new)
    result = diff.diff(str(old_data), str(new))
    transfers = [c for c in result.changes if c.new_third_country_transfer]
    assert sorted(s for c in transfers for s in c.services) == [FWP, HMFWP]
    for change in transfers:
        assert change.kind == "subprocessor-replaced" and change.subject == "Platform.sh Inc."
        assert change.countries == ("United States",)
        assert change.has_basis is False and change.needs_action
        assert change.customers == (f"Customer of {change.services[0]}",)
    assert {(c.document, c.line) for c in transfers} == {
        ("flexible-web-platform.art28.en.txt", 66),
        ("hebergement-mutualise-flexible-web-publisher.art28.fr.txt", 212),
    }
    assert main(["diff", str(old_data), str(new)]) == 1
    text = capsys.readouterr().out
    assert FWP in text and HMFWP in text and "WITHOUT a Chapter V basis" in text
    notice = diff.render(result, "markdown")
    assert notice.startswith("# ") and f"## {FWP}" in notice and f"## {HMFWP}" in notice
    assert "Platform.sh Inc." in notice and "United States" in notice and "object" in notice
    body = json.loads(diff.render(result, "json"))
    assert body["needs_action"] and body["services"] == [FWP, HMFWP]


def test_country_change_of_the_same_organisation_is_a_move(old_data: Path, tmp_path: Path) -> None:
    new = copy_data(tmp_path, "new")
    for name in ("flexible-web-platform.ttl", "hebergement-mutualise-flexible-web-publisher.ttl"):
        path = new / name
        text = path.read_text(encoding="utf-8")
        at = text.index("ggo:platform-sh a gg:Supplier")
        tail = text[at:].replace("dpv:hasCountry loc:FR", "dpv:hasCountry loc:US", 1)
        path.write_text(text[:at] + tail, encoding="utf-8")
    moved = [c for c in diff.diff(str(old_data), str(new)).changes if c.kind == "subprocessor-moved"]
    assert sorted(s for c in moved for s in c.services) == [FWP, HMFWP]
    assert all(c.new_third_country_transfer and c.has_basis is False for c in moved)


def test_flipped_line_removed_subprocessor_and_retention(old_data: Path, tmp_path: Path) -> None:
    new = copy_data(tmp_path, "new")
    fwp = new / "flexible-web-platform.ttl"
    edit(
        fwp,
        "gg:answers ggt:data-financial ;\n    gg:status gg:DeclaredNo ;",
        "gg:answers ggt:data-financial ;\n    gg:status gg:DeclaredYes ;",
    )
    hm = new / "hebergement-mutualise-flexible-web-publisher.ttl"
    text = hm.read_text(encoding="utf-8")
    start = text.index("ggd:hmfwp-eng-satel a")
    hm.write_text(text[:start] + text[text.index("ggd:hmfwp-eng-proservia a") :], encoding="utf-8")
    edit(
        new / "orange-pro-privacy-policy.ttl",
        'ggd:opp-dur-clients-entreprise a dpv:TemporalDuration ;\n    gg:period "P5Y"^^xsd:duration ;\n'
        '    gg:durationText "cinq (5) ans"@fr .',
        'ggd:opp-dur-clients-entreprise a dpv:TemporalDuration ;\n    gg:period "P6Y"^^xsd:duration ;\n'
        '    gg:durationText "six (6) ans"@fr .',
    )
    result = diff.diff(str(old_data), str(new))
    by_kind = {c.kind: c for c in result.changes}
    assert set(by_kind) == {"line-flipped", "subprocessor-removed", "retention-changed"}
    flipped = by_kind["line-flipped"]
    assert (flipped.subject, flipped.before, flipped.after, flipped.services) == ("Financial data", "No", "Yes", (FWP,))
    assert flipped.needs_action and flipped.line == 29
    removed = by_kind["subprocessor-removed"]
    assert (removed.subject, removed.services, removed.source_version) == ("Satel", (HMFWP,), "old")
    assert not removed.needs_action
    retention = by_kind["retention-changed"]
    assert "P5Y" in retention.before and "P6Y" in retention.after and retention.line == 327
    assert result.needs_action  # the flipped line


def test_only_changes_needing_no_action_exit_0(old_data: Path, tmp_path: Path) -> None:
    new = copy_data(tmp_path, "new")
    edit(
        new / "flexible-web-platform.ttl",
        "ggd:fwp-sg-group-bcr a gg:TransferSafeguard ;\n"
        "    gg:about ggs:flexible-web-platform ;\n    gg:instrument eu-gdpr:BindingCorporateRules ;\n"
        "    gg:transferBasis eu-gdpr:A46-2-b ;\n    gg:safeguardStatus gg:ApprovalRequested ;",
        "ggd:fwp-sg-group-bcr a gg:TransferSafeguard ;\n"
        "    gg:about ggs:flexible-web-platform ;\n    gg:instrument eu-gdpr:BindingCorporateRules ;\n"
        "    gg:transferBasis eu-gdpr:A46-2-b ;\n    gg:safeguardStatus gg:SafeguardInPlace ;",
    )
    result = diff.diff(str(old_data), str(new))
    assert [(c.kind, c.before, c.after) for c in result.changes] == [
        ("safeguard-strengthened", "approval requested", "in place")
    ]
    assert main(["diff", str(old_data), str(new)]) == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    repo = tmp_path / "repo"
    data = repo / "data"
    data.mkdir(parents=True)
    shutil.copy(resources.data_dir() / "flexible-web-platform.ttl", data)
    env = {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin",
    }

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q")
    git("add", "data")
    git("commit", "-q", "-m", "one")
    edit(
        data / "flexible-web-platform.ttl",
        "gg:answers ggt:data-financial ;\n    gg:status gg:DeclaredNo ;",
        "gg:answers ggt:data-financial ;\n    gg:status gg:DeclaredYes ;",
    )
    git("commit", "-q", "-am", "two")
    monkeypatch.chdir(data)
    result = diff.diff("HEAD~1", "HEAD:data")
    assert [(c.kind, c.subject, c.services) for c in result.changes] == [("line-flipped", "Financial data", (FWP,))]
    assert main(["diff", "HEAD~1", "HEAD"]) == 1
    assert "Financial data" in capsys.readouterr().out
    assert main(["diff", "HEAD~5", "HEAD"]) == 2
    err = capsys.readouterr().err.strip()
    assert "HEAD~5" in err and len(err.splitlines()) == 1


def test_bad_inputs_exit_2_with_one_line(old_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / "nowhere"
    assert main(["diff", str(missing), str(old_data)]) == 2
    err = capsys.readouterr().err.strip()
    assert "nowhere" in err and len(err.splitlines()) == 1
    broken = copy_data(tmp_path, "broken")
    (broken / "flexible-web-platform.ttl").write_text("@prefix gg: <x#> .\ngg:a gg:b ", encoding="utf-8")
    assert main(["diff", str(old_data), str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert "flexible-web-platform.ttl" in err and len(err.splitlines()) == 1


def test_single_files(tmp_path: Path) -> None:
    old = resources.data_dir() / "flexible-web-platform.ttl"
    new = tmp_path / "flexible-web-platform.ttl"
    shutil.copy(old, new)
    edit(
        new,
        "gg:answers ggt:data-financial ;\n    gg:status gg:DeclaredNo ;",
        "gg:answers ggt:data-financial ;\n    gg:status gg:NotStated ;",
    )
    result = diff.diff(str(old), str(new))
    assert [(c.kind, c.before, c.after, c.needs_action) for c in result.changes] == [
        ("line-flipped", "No", "not stated", False)
    ]
