"""At start-up, a real maintenance or rollback provider nobody restricted is one warning line
(issue 29): anyone in an incident channel may use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.process import BotProcess
from bot.sandbox.server import SlackSandbox
from bot.sandbox.stack import SIGNING_SECRET

pytestmark = pytest.mark.slow  # starts `outagebot run` as a process

CONFIG = """
[maintenance.targets.web]
provider = "heroku"
app = "acme-web"
token_env = "HEROKU_API_TOKEN"
api_url = "http://127.0.0.1:9"

[maintenance.targets.preview]
provider = "dryrun"

[changes.sources.web]
provider = "heroku"
app = "acme-web"
token_env = "HEROKU_API_TOKEN"
api_url = "http://127.0.0.1:9"
service = "web"

[permissions]
"""


@pytest.mark.parametrize(
    ("restricted", "warned"),
    [
        ("rollback", "no [permissions] maintenance: anyone in an incident channel may switch"
         " maintenance for web"),
        ("maintenance", "no [permissions] rollback: anyone in an incident channel may roll back"
         " web"),
    ],
)  # fmt: skip
async def test_an_unrestricted_real_provider_is_one_warning(
    tmp_path: Path, restricted: str, warned: str
) -> None:
    config = tmp_path / "outagebot.toml"
    config.write_text(CONFIG + f'{restricted} = ["U01MARCO"]\n')
    async with SlackSandbox(signing_secret=SIGNING_SECRET) as sandbox:
        bot = BotProcess(
            tmp_path,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            api_url=sandbox.api_url,
            signing_secret=SIGNING_SECRET,
            env={"OUTAGEBOT_CONFIG": str(config), "HEROKU_API_TOKEN": "hrku-0123456789"},
        )
        await bot.start()
        await bot.stop()
    warnings = [line for line in bot.log_path.read_text().splitlines() if "[permissions]" in line]
    assert len(warnings) == 1
    assert warnings[0].endswith(f"WARNING outagebot: {warned}")
