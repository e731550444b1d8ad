"""The scenario format: valid files load, broken ones name the line, the step and the field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.demo.scenario import (
    DEFAULT_SCENARIO,
    MessageStep,
    ScenarioError,
    load_scenario,
    parse_scenario,
)

HEAD = """\
title: t
timezone: Europe/Copenhagen
language: it
date: 2025-04-30
people:
  - {name: Marco, id: U01MARCO}
steps:
"""


def errors(steps: str, head: str = HEAD) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(head + steps, "x.yml")
    return info.value.lines


def test_the_examples_load() -> None:
    for path in DEFAULT_SCENARIO.parent.glob("*.yml"):
        assert load_scenario(path).steps


def test_steps_happen_at_local_times_on_the_scenario_day() -> None:
    scenario = parse_scenario(
        HEAD
        + '  - {at: "14:00", day: -1, by: Marco, channel: general, message: ieri}\n'
        + '  - {at: "10:40", by: Marco, message: deploy, label: d}\n'
    )
    yesterday, today = (scenario.instant(step) for step in scenario.steps)
    assert yesterday == datetime(2025, 4, 29, 12, 0, tzinfo=UTC)
    assert today == datetime(2025, 4, 30, 8, 40, tzinfo=UTC)
    assert isinstance(scenario.steps[1], MessageStep)
    assert scenario.steps[1].label == "d"


def test_a_wrong_time_names_the_line_step_and_field() -> None:
    lines = errors(
        '  - {at: "10:40", by: Marco, command: declare x}\n'
        '  - {at: "25:00", by: Marco, command: resolve}\n'
    )
    assert len(lines) == 1
    assert lines[0].startswith("x.yml:9: steps[1].at: ")


def test_an_unquoted_time_says_to_quote_it() -> None:
    (line,) = errors("  - {at: 10:40, by: Marco, command: resolve}\n")
    assert line.startswith("x.yml:8: steps[0].at:")
    assert 'at: "10:40"' in line


def test_a_misspelt_key_gets_a_suggestion() -> None:
    (line,) = errors('  - {at: "10:40", by: Marco, message: hi, lable: x}\n')
    assert "steps[0].lable: unknown key (did you mean 'label'?)" in line


def test_a_step_needs_exactly_one_action() -> None:
    lines = errors(
        '  - {at: "10:40", by: Marco}\n  - {at: "10:41", by: Marco, message: a, pin: b}\n'
    )
    assert [line.split(": ", 1)[0] for line in lines] == ["x.yml:8", "x.yml:9"]
    assert all("steps[" in line and "exactly one of: command, message" in line for line in lines)


def test_references_across_steps_are_checked() -> None:
    lines = errors(
        '  - {at: "10:40", by: Luca, message: hi}\n'
        '  - {at: "10:41", by: Marco, thread: nope, message: hi}\n'
        '  - {at: "10:30", by: Marco, react: {label: nope, emoji: pushpin}}\n'
    )
    assert lines == [
        "x.yml:8: steps[0].by: 'Luca' is not in people (people: Marco)",
        "x.yml:9: steps[1].thread: no earlier message has label 'nope' (labels: none yet)",
        "x.yml:10: steps[2].at: is earlier than the step before it",
        "x.yml:10: steps[2].react.label: no earlier message has label 'nope' (labels: none yet)",
    ]


def test_top_level_problems_are_reported_too() -> None:
    head = HEAD.replace("Europe/Copenhagen", "Mars/Base").replace("U01MARCO", "marco")
    lines = errors('  - {at: "10:40", by: Marco, command: resolve}\n', head)
    assert lines[0].startswith("x.yml:2: timezone: 'Mars/Base' is not an IANA timezone")
    assert lines[1].startswith("x.yml:6: people[0].id: ")


def test_not_yaml_or_not_a_file() -> None:
    (line,) = errors('  - {at: "10:40", by: Marco, command: [resolve}\n')
    assert line.startswith("x.yml:8: not valid YAML")
    with pytest.raises(ScenarioError, match="cannot read it"):
        load_scenario(Path("/nonexistent/scenario.yml"))


def test_a_status_page_step_needs_the_page_enabled() -> None:
    step = '  - {at: "10:00", by: Marco, status_page: ora}\n'
    assert errors(step) == [
        "x.yml:8: steps[0].status_page: the status page is off"
        " (set config.status_page.enabled: true)"
    ]
    head = HEAD.replace("steps:", "config: {status_page: {enabled: true}}\nsteps:")
    scenario = parse_scenario(head + step)
    assert scenario.config.status_page.enabled
    assert errors(step, head.replace("enabled:", "enabeld:")) == [
        "x.yml:7: config.status_page.enabeld: unknown key (did you mean 'enabled'?)"
    ]


def test_an_app_step_names_a_checked_feature() -> None:
    head = HEAD.replace(
        "steps:\n",
        "config:\n  features: [{name: Acquisti}]\n  checks:\n    Offerte: {failures: 2}\nsteps:\n",
    )
    found = errors('  - {at: "14:00", by: Marco, app: {feature: Acquisti, broken: true}}\n', head)
    assert any("config.checks.Offerte" in line and "not in config.feat" in line for line in found)
    assert any("steps[0].app.feature" in line and "has no check" in line for line in found)
