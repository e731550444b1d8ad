"""Pollable sources against loopback servers: Heroku (checked against its published schema)
and GitHub deployments."""

from __future__ import annotations

from aiohttp import web

from .conftest import TOKEN, at


async def test_heroku_releases_are_read_with_range_and_only_succeeded_count(
    heroku, heroku_source, make_changes
) -> None:
    heroku.add(119, at(13, 58, day=29), email="marco@acme.example")
    heroku.add(120, at(9, 0), status="failed")
    v121 = heroku.add(121, at(10, 38), description="Deploy 4f2c1e0")
    changes = await make_changes(web=heroku_source)

    poll = await changes.poll()

    assert poll.failures == {}
    assert [(c.version, c.service, c.author) for c in poll.new] == [
        ("v121", "web", "giulia@acme.example"),
        ("v119", "web", "marco@acme.example"),
    ]
    newest = poll.new[0]
    assert newest.external_id == v121.id
    assert newest.deployed_at == at(10, 38)
    assert newest.description == "Deploy 4f2c1e0"
    assert newest.author_name == "giulia"
    [get] = heroku.seen
    assert (get.method, get.path) == ("GET", "/apps/acme-web/releases")
    assert get.headers["Range"] == "version ..; order=desc, max=20"
    assert get.headers["Accept"] == "application/vnd.heroku+json; version=3"
    assert get.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_release_seen_at_every_poll_is_recorded_once(
    heroku, heroku_source, make_changes
) -> None:
    heroku.add(121, at(10, 38))
    changes = await make_changes(web=heroku_source)

    first, second = await changes.poll(), await changes.poll()

    assert len(first.new) == 1
    assert second.new == []
    assert len(await changes.store.of_source("web")) == 1


async def test_heroku_5xx_is_retried_and_401_is_reported_in_its_words(
    heroku, heroku_source, make_changes
) -> None:
    heroku.add(121, at(10, 38))
    changes = await make_changes(web=heroku_source)
    heroku.answer("GET", web.Response(status=503, text="try later"))

    assert [c.version for c in (await changes.poll()).new] == ["v121"]
    assert len(heroku.requests("GET")) == 2

    heroku.answer(
        "GET",
        web.json_response(
            {"id": "unauthorized", "message": "Invalid credentials provided."}, status=401
        ),
    )
    poll = await changes.poll()
    assert poll.failures == {"web": "401 from Heroku: Invalid credentials provided. (unauthorized)"}


async def test_a_missing_token_fails_without_sending(heroku, heroku_source, make_changes, env):
    del env["HEROKU_API_TOKEN"]
    changes = await make_changes(web=heroku_source)

    poll = await changes.poll()

    assert "HEROKU_API_TOKEN is not set" in poll.failures["web"]
    assert heroku.seen == []


async def test_github_deployments_count_when_their_latest_status_is_success(
    github, github_source, make_changes
) -> None:
    github.deploy("v120", at(9, 0), "failure")
    github.deploy("v121", at(10, 38), "success", login="giulia")
    github.deploy("v122", at(10, 50), "in_progress")
    changes = await make_changes(web=github_source)

    poll = await changes.poll()

    assert poll.failures == {}
    [v121] = poll.new
    assert (v121.version, v121.service, v121.author) == ("v121", "web", "giulia")
    assert v121.url == "https://ci.example/runs/2"
    assert v121.deployed_at == at(10, 38)
    listed = github.seen[0]
    assert listed.path == "/repos/acme/web/deployments"
    assert listed.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert {s.path for s in github.seen[1:]} == {
        f"/repos/acme/web/deployments/{n}/statuses" for n in (1, 2, 3)
    }


async def test_one_failing_source_does_not_hide_another(
    heroku, heroku_source, github, github_source, make_changes
) -> None:
    github.deploy("v121", at(10, 38), "success")
    heroku.answer("GET", *(web.Response(status=500) for _ in range(3)))
    changes = await make_changes(web=heroku_source, site=github_source)

    poll = await changes.poll()

    assert [c.source for c in poll.new] == ["site"]
    assert poll.failures["web"] == "500 from Heroku: (empty body) (after 3 attempts)"
