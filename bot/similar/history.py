"""A synthetic history of closed incidents, written straight into the store.

For the similar-incident tests and `make bench`: a thousand past incidents in Italian and
English, on features other than the ones a test plants its own incidents on, so the expected
matches are known.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.models import Severity, Status
from bot.similar.stem import document
from bot.store import tables
from bot.store.database import Database

START = datetime(2022, 1, 3, 9, 0, tzinfo=UTC)
FILLER_FEATURES = ("Login", "Search", "Invoices", "Notifications", "Reports", "Exports")
TOPICS = (
    ("Login slow for some customers", "Accesso lento per alcuni clienti", "session store latency"),
    ("Search results missing", "Risultati di ricerca mancanti", "index rebuild stuck"),
    ("Invoices not generated", "Fatture non generate", "scheduler queue stalled"),
    ("Emails delayed", "Email in ritardo", "mail provider throttling"),
    ("Reports time out", "I report vanno in timeout", "missing database index"),
    ("Exports fail with an error", "Le esportazioni falliscono", "disk full on the worker"),
    ("Certificate expired", "Certificato scaduto", "renewal job disabled"),
    ("DNS change broke the API", "Cambio DNS ha rotto le API", "wrong record TTL"),
)
FILLER = (
    "customers", "clienti", "morning", "mattina", "error", "errore", "slow", "lento",
    "page", "pagina", "retry", "timeout", "queue", "coda", "worker", "cache",
)  # fmt: skip


@dataclass(frozen=True)
class Past:
    """One planted incident: what a test expects to find again."""

    title: str
    features: Sequence[str] = ()
    root_cause: str = ""
    description: str = ""
    language: str = "en"
    down: timedelta = timedelta(hours=1)
    extra: dict[str, str] = field(default_factory=dict)


def _filler(rng: random.Random, n: int) -> Past:
    en, it, cause = rng.choice(TOPICS)
    italian = rng.random() < 0.5
    words = " ".join(rng.sample(FILLER, 3))
    return Past(
        title=f"{it if italian else en} {n}",
        features=rng.sample(FILLER_FEATURES, rng.randint(0, 2)),
        root_cause=cause,
        description=words,
        language="it" if italian else "en",
        down=timedelta(minutes=rng.randint(5, 600)),
    )


async def seed(
    db: Database, count: int, planted: Sequence[Past] = (), *, seed: int = 18
) -> list[int]:
    """`count` closed incidents (planted ones first); their ids, planted first."""
    rng = random.Random(seed)
    pasts = [*planted, *(_filler(rng, n) for n in range(count - len(planted)))]
    ids: list[int] = []
    async with db.begin() as conn:
        for n, past in enumerate(pasts):
            declared = START + timedelta(hours=20 * n)
            resolved = declared + past.down
            row = {
                "title": past.title[:200],
                "severity": rng.choice(list(Severity)).value,
                "status": Status.closed.value,
                "declared_at": declared,
                "declared_by": "U01MARCO",
                "lead": "U01MARCO",
                "timezone": "Europe/Copenhagen",
                "language": past.language,
                "description": past.description,
                "resolved_at": resolved,
                "closed_at": resolved + timedelta(minutes=30),
                "last_update_at": resolved,
            }
            key = (await conn.execute(tables.incidents.insert().values(**row))).inserted_primary_key
            assert key is not None
            incident_id = int(key[0])
            ids.append(incident_id)
            for feature in past.features:
                await conn.execute(
                    tables.feature_intervals.insert().values(
                        incident_id=incident_id,
                        feature=feature,
                        state="down",
                        started_at=declared,
                        ended_at=resolved,
                    )
                )
            inputs = {"root_cause": past.root_cause, **past.extra}
            await conn.execute(
                tables.postmortem_inputs.insert().values(
                    incident_id=incident_id, data=inputs, updated_at=resolved
                )
            )
            body = document([past.title, past.description, past.root_cause, *past.features])
            await conn.execute(
                tables.incident_search.insert().values(
                    incident_id=incident_id, body=body, updated_at=resolved
                )
            )
    return ids
