"""users.*, usergroups.* and files_upload_v2 end to end."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackSandbox


async def test_users(client: AsyncWebClient, sandbox: SlackSandbox, error_of):
    marco = await client.users_info(user="U01MARCO")
    assert marco["user"]["real_name"] == "Marco Rossi"
    assert marco["user"]["profile"]["display_name"] == "Marco"
    assert await error_of(client.users_info(user="U404")) == "user_not_found"

    sandbox.state.add_user("chiara", "Chiara Romano", id="U05CHIARA")
    listed = await client.users_list()
    assert {"U0BOT", "U01MARCO", "U05CHIARA"} <= {u["id"] for u in listed["members"]}

    group = await client.usergroups_users_list(usergroup="S0ONCALL")
    assert group["users"] == ["U01MARCO", "U02GIULIA"]
    assert await error_of(client.usergroups_users_list(usergroup="S404")) == "no_such_subteam"


async def test_files_upload_v2_lands_in_the_channel(client: AsyncWebClient, sandbox: SlackSandbox):
    draft = "# Scuse per il disservizio\nOfferte: 10:40–17:30 (6 h 50 min)\n"
    response = await client.files_upload_v2(
        channel="C0INCIDENTS",
        content=draft,
        filename="postmortem.md",
        title="Draft apology",
        initial_comment="Draft ready for review",
    )

    file_id = response["file"]["id"]
    assert sandbox.state.files[file_id].content == draft.encode()
    assert sandbox.state.files[file_id].title == "Draft apology"
    [message] = sandbox.messages("C0INCIDENTS")
    assert message.text == "Draft ready for review"
    assert message.files == [file_id]
    info = await client.files_info(file=file_id)
    assert info["file"]["channels"] == ["C0INCIDENTS"]
    assert info["file"]["size"] == len(draft.encode())
    history = await client.conversations_history(channel="C0INCIDENTS")
    assert history["messages"][0]["files"][0]["id"] == file_id

    url = info["file"]["url_private"]
    async with aiohttp.ClientSession() as http:
        auth = {"Authorization": "Bearer xoxb-sandbox"}
        async with http.get(url, headers=auth) as got:
            assert await got.read() == draft.encode()
        async with http.get(url) as refused:
            assert refused.status == 403


async def test_complete_upload_refuses_unknown_files(client: AsyncWebClient, error_of):
    done = client.files_completeUploadExternal(files=[{"id": "F404"}], channel_id="C0INCIDENTS")
    assert await error_of(done) == "file_not_found"
