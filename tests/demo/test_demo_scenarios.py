"""Both example scenarios replayed end to end in-process, and the drafts they produce checked.

The outage report's numbers are the report's own timeline: offline 10:45-13:15 (2 h 30 min),
Quotes ("Offerte") down 10:40-17:30 (6 h 50 min), Purchases down since yesterday 14:00.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.demo import demo
from bot.demo.demo import DemoOutcome, run_demo
from bot.demo.scenario import DEFAULT_SCENARIO, load_scenario
from bot.timeline.export import read_json

EXAMPLES = DEFAULT_SCENARIO.parent


def replay(path: Path, out: Path, language: str | None = None) -> tuple[DemoOutcome, str]:
    lines: list[str] = []
    outcome = asyncio.run(run_demo(load_scenario(path), out, language, lines.append))
    return outcome, "\n".join(lines)


def failures(outcome: DemoOutcome) -> list[str]:
    return [f"steps[{r.index}] {r.summary}: {r.problems}" for r in outcome.failed]


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoOutcome, str]:
    return replay(EXAMPLES / "outage-report.yml", tmp_path_factory.mktemp("outage"))


def test_outage_report_every_step_does_what_it_expects(outage: tuple[DemoOutcome, str]) -> None:
    outcome, log = outage
    assert failures(outcome) == []
    assert f"All {len(outcome.results)} steps did what the scenario expects." in log


def test_outage_report_customer_draft_has_the_reports_numbers(
    outage: tuple[DemoOutcome, str],
) -> None:
    draft = outage[0].customer_draft
    assert draft is not None
    assert re.search(r"offline per 2 ore e 30 minuti", draft)
    assert re.search(r"Offerte[^\n]*6 ore e 50 minuti", draft)
    assert "rilasciato senza le modifiche dello strumento di distribuzione" in draft
    assert "Implementare ulteriori controlli automatizzati" in draft
    assert "Nicolai" in draft
    for leak in ("<@", "<!", "<#", "U01MARCO", "@marco"):
        assert leak not in draft


def test_outage_report_writes_drafts_and_timeline(outage: tuple[DemoOutcome, str]) -> None:
    written = {path.name: path for path in outage[0].written}
    assert set(written) == {
        "INC-1-customer-it.md",
        "INC-1-internal.md",
        "INC-1-impact.png",
        "INC-1-timeline.md",
        "INC-1-timeline.json",
    }
    internal = written["INC-1-internal.md"].read_text()
    assert "2 ore e 30 minuti" in internal
    assert "6 ore e 50 minuti" in internal
    entries = read_json(written["INC-1-timeline.json"].read_text())
    notes = [e.text for e in entries if e.kind.value == "note"]
    assert "Due sviluppatori eseguono l'aggiornamento del sistema di produzione" in notes
    messages = [e for e in entries if e.kind.value == "message"]
    assert sum(e.is_key for e in messages) == 3  # :pushpin:, pin and :loudspeaker:
    public = [e.text for e in entries if e.is_public]
    assert public == [
        "Due sviluppatori eseguono l'aggiornamento del sistema di produzione",
        "Verifichiamo che nessun dato sia stato danneggiato",
        "Correzione degli Acquisti rilasciata in produzione.",
    ]
    customer = written["INC-1-customer-it.md"].read_text()
    for chatter in ("Correzione delle Offerte", "Nei log", "Anche gli Acquisti"):
        assert chatter not in customer  # notes and key messages nobody marked public
    assert customer.count("Applicazione messa offline") == 1


def test_outage_report_chat_log_reads_like_the_channel(outage: tuple[DemoOutcome, str]) -> None:
    log = outage[1]
    for seen in (
        "10:40 Marco: Aggiornamento in produzione fatto con Giulia",
        "10:41 outagebot: == INC-1: Offerte sparite dopo l'aggiornamento ==",
        "10:45 outagebot (only visible to Marco): :warning: Vuoi attivare la manutenzione",
        "[Attiva la manutenzione] [Annulla]",
        "10:45 Marco pressed [Attiva la manutenzione]",
        "11:06 Marco reacted :pushpin: to “Nei log:",
        "11:10   ↳ Luca: Con quale versione",
        "13:42 Giulia: /incident feature down Acquisti at ieri 14:00",
        "📎 INC-1-customer-it.md",
        "Manutenzione su web: 10:45–13:15 (2 h 30 min)",  # the pinned board at the end
    ):
        assert seen in log
    assert "<@U0" not in log


def test_lang_chooses_the_drafts_language(tmp_path: Path) -> None:
    outcome, _ = replay(EXAMPLES / "outage-report.yml", tmp_path, "en")
    assert failures(outcome) == []
    draft = outcome.customer_draft or ""
    assert (tmp_path / "INC-1-customer-en.md").exists()
    assert "offline for 2 hours and 30 minutes" in draft
    assert re.search(r"Offerte[^\n]*6 hours and 50 minutes", draft)


def test_a_different_outage_in_english(tmp_path: Path) -> None:
    outcome, log = replay(EXAMPLES / "search-failover.yml", tmp_path)
    assert failures(outcome) == []
    draft = outcome.customer_draft or ""
    assert "unavailable for 40 minutes" in draft
    assert "degraded for 57 minutes" in draft
    assert "offline" not in draft  # the maintenance was a dry run: nothing went offline
    assert "=== Monday, March 10, 2025 ===" in log
    assert "22:40 Dana:" in log
    assert "(only visible to Dana): :warning: 04:00 is in the future" in log


def test_steps_that_do_not_do_what_they_should_fail_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "broken-day.yml"
    scenario.write_text(
        "title: t\ntimezone: UTC\nlanguage: en\ndate: 2025-04-30\n"
        "people: [{name: Ann, id: U0ANN}]\nsteps:\n"
        '  - {at: "09:00", by: Ann, command: declare Login down}\n'
        '  - {at: "09:01", by: Ann, command: "feature down Nothing"}\n'
        '  - {at: "09:02", by: Ann, command: "status identified", expect: {contains: zzz}}\n'
        '  - {at: "09:03", by: Ann, click: no_such_button}\n'
    )
    assert demo.main(str(scenario), str(tmp_path / "out"), None) == 1
    out = capsys.readouterr().out
    summary = out[out.index("3 of 4 steps did not do what the scenario expects") :]
    assert (
        "steps[1] (09:01 Ann: /incident feature down Nothing): the bot said: :warning:" in summary
    )
    assert "steps[2] (09:02 Ann: /incident status identified): no reply contains 'zzz'" in summary
    assert (
        "steps[3] (09:03 Ann: press no_such_button): Ann sees no button 'no_such_button'" in summary
    )


@pytest.mark.slow
def test_cli_demo_reports_a_broken_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "typo.yml"
    scenario.write_text(
        (EXAMPLES / "outage-report.yml").read_text().replace('at: "10:43"', 'at: "1043"')
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--scenario", str(scenario)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert re.fullmatch(r"typo\.yml:\d+: steps\[7\]\.at: .+\n", result.stderr)
    assert not (tmp_path / "demo-output").exists()


SCENARIOS = sorted(EXAMPLES.glob("*.yml"))
SLACK_MARKUP = re.compile(r"<@|<!|<#|&lt;|&gt;|\\`|:[a-z0-9_+-]+:")


@pytest.mark.slow
@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_no_draft_of_any_scenario_carries_slack_markup(
    tmp_path: Path, scenario: Path, language: str
) -> None:
    outcome, _ = replay(scenario, tmp_path, language)
    drafts = [p for p in outcome.written if p.suffix == ".md" and "timeline" not in p.name]
    assert len(drafts) == 2
    for draft in drafts:
        text = draft.read_text()
        # `http://x:80:` and times like 10:40: are not emoji codes; strip URLs first.
        prose = re.sub(r"\(https?://[^)]*\)|https?://\S+", "", text)
        assert not SLACK_MARKUP.findall(prose), (draft.name, SLACK_MARKUP.findall(prose))


def test_outage_report_prints_the_status_page_at_three_moments(
    outage: tuple[DemoOutcome, str],
) -> None:
    """Read over HTTP from the bot's server: Quotes down, then maintenance, then all clear."""
    log = outage[1]
    url = re.search(r"🌐 Pagina di stato: (http://127\.0\.0\.1:\d+/status)\n", log)
    assert url is not None
    moments = re.findall(r"\n(\d\d:\d\d) 🌐 .+ \((.+?)\): (\w+), .+\n((?:     .+\n)+)", log)
    seen = {
        (at, moment, indicator): dict(
            line.strip().split(": ") for line in states.strip("\n").splitlines()
        )
        for at, moment, indicator, states in moments
    }
    assert seen == {
        ("10:44", "Offerte fuori uso", "major"): {
            "Applicazione": "partial_outage",
            "Offerte": "major_outage",
            "Acquisti": "operational",
        },
        ("11:15", "in manutenzione", "maintenance"): {
            "Applicazione": "under_maintenance",
            "Offerte": "under_maintenance",
            "Acquisti": "under_maintenance",
        },
        ("17:50", "risolto", "none"): {
            "Applicazione": "operational",
            "Offerte": "operational",
            "Acquisti": "operational",
        },
    }
    assert "10:44 🌐 Giulia apre la pagina di stato (Offerte fuori uso): major," in log
    assert "10:42 Marco pressed [Pubblica]" in log


def test_found_in_minutes_the_check_finds_the_broken_deploy(tmp_path: Path) -> None:
    """The report's previous day with a check: v119 is named at 14:03, not found the next day."""
    outcome, log = replay(EXAMPLES / "found-in-minutes.yml", tmp_path)

    assert failures(outcome) == []
    signal = "14:03 outagebot: :rotating_light: Il controllo di *Acquisti* fallisce dalle 14:01"
    assert signal in log
    assert "*v119* web, rilasciata alle 14:00 da Marco, 1 min prima che *Acquisti*" in log
    assert ":red_circle: *Acquisti* fuori servizio dalle 14:01" in log  # declared from the signal
    internal = (tmp_path / "INC-1-internal.md").read_text()
    assert (
        "| Ritardo di rilevamento: Acquisti, fuori servizio dalle 14:01,"
        " scoperto dal suo controllo | 14:03 | 2 minuti |"
    ) in internal
