"""The demo of issue 18: INC-1 closed with follow-ups, the same symptom a week later."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.demo.demo import run_demo
from bot.demo.scenario import DEFAULT_SCENARIO, load_scenario

SCENARIO = DEFAULT_SCENARIO.parent / "a-week-later.yml"


def test_a_week_later_the_bot_recalls_inc_1_and_its_open_followup(tmp_path: Path) -> None:
    lines: list[str] = []
    outcome = asyncio.run(run_demo(load_scenario(SCENARIO), tmp_path, None, lines.append))
    problems = [f"steps[{r.index}] {r.summary}: {r.problems}" for r in outcome.failed]
    assert problems == []
    log = "\n".join(lines)
    # Giulia was reminded on the due day, Friday 2 May at 09:00, in the team's Italian.
    assert "09:00 outagebot: :alarm_clock: La tua azione di follow-up di INC-1 scade oggi" in log
    notice = log[log.index(":repeat: INC-1 era simile") :]
    assert notice.startswith(
        ":repeat: INC-1 era simile: la sua azione di follow-up “Controlli automatici sulla"
        " versione dello strumento di distribuzione” è ancora aperta, responsabile @Giulia,"
        " scaduta da 5 giorni."
    )
    assert "• *INC-1* Offerte sparite dopo l'aggiornamento · mer 30 apr 2025" in notice
    assert "Offerte fuori servizio per 6 h 50 min" in notice
    assert "#2* Migliorare le procedure manuali per questi cambiamenti · @Marco · completata" in (
        notice
    )
