"""The outage report's day, built by hand as recorded facts.

Wednesday 30 April 2025, Europe/Copenhagen. Feature names are the team's catalog names, which
the drafts print as recorded: the Italian run models a team whose catalog says "Offerte" and
"Acquisti", the English run one whose catalog says "Quotes" and "Purchases". Typed texts follow
the same language, so each draft reads as one language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.models import (
    EntryKind,
    FeatureInterval,
    FeatureState,
    Incident,
    MaintenanceWindow,
    Revision,
    Severity,
    Status,
    TimelineEntry,
)
from bot.postmortem import CloseInputs, PostmortemFacts

ZONE = ZoneInfo("Europe/Copenhagen")
MARKUP = "<@U01MARCO> <!here> <#C1|general> <https://x.io|dashboard> {{ 7*7 }}"
NAMES = {"U01MARCO": "Marco Rossi", "U02GIULIA": "Giulia Bianchi", "U03NICO": "Nicolai Kollner"}

TEXTS: dict[str, dict[str, str]] = {
    "it": {
        "quotes": "Offerte",
        "purchases": "Acquisti",
        "title": "Offerte sparite dopo l'aggiornamento",
        "deploy": "Aggiornamento in produzione eseguito: la funzione Offerte non si apre più",
        "chatter": "qualcuno guarda i log?",
        "deleted": "password del db: hunter2",
        "edited_before": "Il rollback risolve",
        "edited": "Il rollback non risolve il problema",
        "note": "Anche Acquisti presenta lo stesso sintomo, causato dall'aggiornamento di ieri",
        "internal": "riavvio del worker, cache svuotata",
        "root_cause": "Un aggiornamento è stato rilasciato senza le modifiche dello strumento "
        "di distribuzione.",
        "resolution": "Abbiamo rilasciato la correzione per Acquisti e poi per Offerte.",
        "actions": "- Migliorare le procedure manuali <@U01MARCO>\n"
        "- Aggiungere controlli automatici @giulia",
        "went_well": "Il problema è stato notato in pochi minuti.",
        "went_badly": "La verifica è stata fatta con la versione sbagliata dello strumento.",
        "commitment": "Il nostro obiettivo è che l'applicazione sia disponibile 24 ore su 24.",
    },
    "en": {
        "quotes": "Quotes",
        "purchases": "Purchases",
        "title": "Quotes gone after the deploy",
        "deploy": "Production deploy done: the Quotes feature no longer opens",
        "chatter": "anyone looking at the logs?",
        "deleted": "db password: hunter2",
        "edited_before": "The rollback fixes it",
        "edited": "The rollback does not fix it",
        "note": "Purchases shows the same symptom, caused by yesterday's deploy",
        "internal": "worker restarted, cache flushed",
        "root_cause": "A deploy was released without the matching deploy-tool change.",
        "resolution": "We shipped the Purchases fix, then the Quotes fix.",
        "actions": "- Improve the manual procedures <@U01MARCO>\n- Add automated checks @giulia",
        "went_well": "The problem was noticed within minutes.",
        "went_badly": "The review ran with the wrong deploy-tool version.",
        "commitment": "Our goal is for the application to be available around the clock.",
    },
}


def at(day: int, hour: int, minute: int) -> datetime:
    """A local Copenhagen time in April 2025, as the UTC instant the store would hold."""
    return datetime(2025, 4, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def incident(**changes: Any) -> Incident:
    values: dict[str, Any] = {
        "id": 3,
        "title": "Quotes gone",
        "severity": Severity.sev2,
        "status": Status.closed,
        "declared_at": at(30, 10, 42),
        "declared_by": "U03NICO",
        "lead": "U03NICO",
        "timezone": "Europe/Copenhagen",
        "language": "it",
        "channel_name": "inc-3-quotes",
        "resolved_at": at(30, 17, 32),
        "closed_at": at(30, 18, 0),
        "last_update_at": at(30, 18, 0),
    }
    return Incident(**(values | changes))


class _Entries:
    """Numbers entries in the order they are added, like the store would."""

    def __init__(self) -> None:
        self.items: list[TimelineEntry] = []

    def add(self, kind: EntryKind, when: datetime, actor: str | None = None, **fields: Any) -> None:
        fields.setdefault("recorded_at", when)
        entry = TimelineEntry(
            id=len(self.items) + 1,
            incident_id=3,
            kind=kind,
            occurred_at=when,
            actor=actor,
            **fields,
        )
        self.items.append(entry)


# Marked for the customer post: a message with someone's :loudspeaker:, a `note public`.
PUBLIC_MESSAGE = {"marks": ["public:U03NICO"]}
PUBLIC_NOTE = {"public": True}


def _maintenance(enabled: bool, **more: Any) -> dict[str, Any]:
    data = {"target": "web", "provider": "heroku", "enabled": enabled, "ok": True}
    return data | {"dry_run": False, "error": None} | more


def build_story(language: str) -> PostmortemFacts:
    t = TEXTS[language]
    quotes, purchases = t["quotes"], t["purchases"]
    log = _Entries()
    down, up = FeatureState.down.value, FeatureState.up.value
    log.add(
        EntryKind.feature,
        at(29, 14, 0),
        "U02GIULIA",
        recorded_at=at(30, 13, 41),
        data={"feature": purchases, "state": down, "backdated": True},
    )
    log.add(
        EntryKind.message,
        at(30, 10, 40),
        "U01MARCO",
        text=t["deploy"],
        is_key=True,
        data=PUBLIC_MESSAGE,
    )
    log.add(
        EntryKind.feature,
        at(30, 10, 40),
        "U01MARCO",
        recorded_at=at(30, 10, 41),
        data={"feature": quotes, "state": down, "backdated": True},
    )
    log.add(EntryKind.declared, at(30, 10, 42), "U03NICO", text=t["title"])
    log.add(EntryKind.lead, at(30, 10, 42), "U03NICO", text="U03NICO")
    log.add(EntryKind.message, at(30, 10, 43), "U02GIULIA", text=t["chatter"])
    log.add(EntryKind.message, at(30, 10, 44), "U02GIULIA", text=t["deleted"], deleted=True)
    log.add(EntryKind.maintenance, at(30, 10, 45), "U03NICO", data=_maintenance(True))
    # The same switch recorded twice (a second confirmation): customers read it once.
    log.add(EntryKind.maintenance, at(30, 10, 45), "U03NICO", data=_maintenance(True))
    # Internal chatter: a note and a key message nobody marked public.
    log.add(EntryKind.note, at(30, 10, 50), "U01MARCO", text=t["internal"])
    log.add(EntryKind.message, at(30, 10, 51), "U01MARCO", text=t["internal"], is_key=True)
    log.add(
        EntryKind.maintenance,
        at(30, 11, 0),
        "U03NICO",
        data=_maintenance(True, target="quotes", provider="dryrun", dry_run=True),
    )
    log.add(
        EntryKind.message,
        at(30, 11, 30),
        "U01MARCO",
        text=t["edited"],
        is_key=True,
        data=PUBLIC_MESSAGE,
        revisions=[Revision(text=t["edited_before"], replaced_at=at(30, 11, 31))],
    )
    log.add(
        EntryKind.message, at(30, 12, 0), "U02GIULIA", text=MARKUP, is_key=True, data=PUBLIC_MESSAGE
    )
    log.add(
        EntryKind.maintenance,
        at(30, 13, 10),
        "U03NICO",
        data=_maintenance(False, ok=False, error="HTTP 503 <!channel>"),
    )
    log.add(EntryKind.maintenance, at(30, 13, 15), "U03NICO", data=_maintenance(False))
    log.add(EntryKind.status, at(30, 13, 41), "U03NICO", text="identified")
    log.add(EntryKind.note, at(30, 13, 41), "U02GIULIA", text=t["note"], data=PUBLIC_NOTE)
    log.add(
        EntryKind.feature, at(30, 14, 30), "U02GIULIA", data={"feature": purchases, "state": up}
    )
    log.add(EntryKind.feature, at(30, 17, 30), "U01MARCO", data={"feature": quotes, "state": up})
    log.add(EntryKind.resolved, at(30, 17, 32), "U03NICO")
    log.add(EntryKind.closed, at(30, 18, 0), "U03NICO")
    return PostmortemFacts(
        incident=incident(title=t["title"], language=language),
        entries=log.items,
        intervals=[
            FeatureInterval(
                id=1,
                incident_id=3,
                feature=purchases,
                state=FeatureState.down,
                started_at=at(29, 14, 0),
                ended_at=at(30, 14, 30),
            ),
            FeatureInterval(
                id=2,
                incident_id=3,
                feature=quotes,
                state=FeatureState.down,
                started_at=at(30, 10, 40),
                ended_at=at(30, 17, 30),
            ),
        ],
        windows=[
            MaintenanceWindow(
                id=1,
                incident_id=3,
                target="web",
                provider="heroku",
                dry_run=False,
                started_at=at(30, 10, 45),
                ended_at=at(30, 13, 15),
            ),
            MaintenanceWindow(
                id=2,
                incident_id=3,
                target="quotes",
                provider="dryrun",
                dry_run=True,
                started_at=at(30, 11, 0),
                ended_at=at(30, 11, 5),
            ),
        ],
        inputs=CloseInputs(
            root_cause=t["root_cause"],
            resolution=t["resolution"],
            action_items=t["actions"],
            went_well=t["went_well"],
            went_badly=t["went_badly"],
            language=language,
        ),
        user_names=NAMES,
        channel_url="https://acme.slack.com/archives/C0INC3",
        now=at(30, 18, 5),
        commitment=t["commitment"],
    )


def bare_facts() -> PostmortemFacts:
    """An incident declared and closed with nothing recorded or typed."""
    return PostmortemFacts(
        incident=incident(lead="U09NOBODY", resolved_at=None, channel_name=None),
        entries=[],
        intervals=[],
        windows=[],
        inputs=CloseInputs(),
        user_names={},
        channel_url=None,
        now=at(30, 18, 5),
    )
