"""Closed incidents that look like this one: shared features first, then shared words.

Each closed incident's title, description, root cause, resolution, notes, key messages and
features are stemmed (bot/similar/stem.py) into `incident_search` when it closes. A lookup is
one full-text query (SQLite FTS5 `bm25`, PostgreSQL `ts_rank`) plus one query for incidents
that had the same features out; below the threshold nothing is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, text

from bot.features import Features
from bot.features.service import measured_until, summarize
from bot.followups.models import FollowUp
from bot.followups.service import Followups
from bot.incidents.service import Incidents
from bot.models import EntryKind, FeatureInterval, FeatureState, Incident
from bot.similar.stem import document, stems
from bot.store import tables
from bot.store.database import Database
from bot.time.clock import Clock
from bot.timeline import Timeline

CANDIDATES = 50
# The most stems a lookup asks for: a long description must not make the query slow.
QUERY_TERMS = 24
OUT = (FeatureState.down.value, FeatureState.degraded.value)

_SQLITE = text(
    "SELECT f.rowid AS incident_id, -bm25(incident_fts) AS score FROM incident_fts AS f"
    " JOIN incidents AS i ON i.id = f.rowid"
    " WHERE incident_fts MATCH :query AND i.closed_at IS NOT NULL AND i.id != :own"
    " ORDER BY bm25(incident_fts) LIMIT :limit"
)
_POSTGRES = text(
    "SELECT s.incident_id, ts_rank(to_tsvector('simple', s.body), q) AS score"
    " FROM incident_search AS s JOIN incidents AS i ON i.id = s.incident_id,"
    " to_tsquery('simple', :query) AS q"
    " WHERE to_tsvector('simple', s.body) @@ q AND i.closed_at IS NOT NULL AND i.id != :own"
    " ORDER BY score DESC LIMIT :limit"
)


@dataclass(frozen=True)
class Threshold:
    """What "looks alike" means: enough shared words, or a shared feature and a word."""

    min_terms: int = 2
    min_coverage: float = 0.3


@dataclass(frozen=True)
class Candidate:
    incident_id: int
    shared_features: tuple[str, ...]
    score: float  # text rank, higher is closer
    shared_terms: int
    coverage: float  # share of the query's stems found in the incident

    def passes(self, threshold: Threshold) -> bool:
        if self.shared_features and self.shared_terms >= 1:
            return True
        return self.shared_terms >= threshold.min_terms and self.coverage >= threshold.min_coverage


@dataclass(frozen=True)
class Match:
    incident: Incident
    shared_features: tuple[str, ...]
    downtime: dict[str, timedelta]  # per feature, merged, as the drafts compute it
    root_cause: str
    followups: list[FollowUp]


class SimilarIncidents:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        incidents: Incidents,
        features: Features,
        followups: Followups,
        timeline: Timeline,
        *,
        threshold: Threshold | None = None,
    ) -> None:
        self.db, self.clock, self.incidents, self.features = db, clock, incidents, features
        self.followups, self.timeline = followups, timeline
        self.threshold = threshold or Threshold()

    # Indexing

    async def _texts(self, incident: Incident) -> list[str]:
        """What an incident is about, in people's words."""
        entries = await self.timeline.entries(incident.id)
        said = [
            e.text
            for e in entries
            if not e.deleted
            and (e.kind is EntryKind.note or (e.kind is EntryKind.message and e.is_key))
        ]
        names = [i.feature for i in await self.features.intervals(incident.id)]
        return [incident.title, incident.description, *said, *names]

    async def index(self, incident_id: int) -> None:
        """(Re)write the incident's searchable body; called when it closes."""
        incident = await self.incidents.get(incident_id)
        inputs = await self._inputs(incident_id)
        parts = await self._texts(incident)
        parts += [str(inputs.get("root_cause") or ""), str(inputs.get("resolution") or "")]
        s = tables.incident_search
        async with self.db.begin() as conn:
            await conn.execute(delete(s).where(s.c.incident_id == incident_id))
            await conn.execute(
                s.insert().values(
                    incident_id=incident_id, body=document(parts), updated_at=self.clock.now()
                )
            )

    async def _inputs(self, incident_id: int) -> dict[str, Any]:
        p = tables.postmortem_inputs
        async with self.db.connect() as conn:
            data = await conn.scalar(select(p.c.data).where(p.c.incident_id == incident_id))
        return data if isinstance(data, dict) else {}

    # Looking up

    async def find(self, incident: Incident, limit: int = 3) -> list[Match]:
        """Up to `limit` closed incidents over the threshold; one trip to the database."""
        now = self.clock.now()
        return await self.db.run_read(lambda conn: self._find(conn, incident, limit, now))

    def _find(self, conn: Connection, incident: Incident, limit: int, now: datetime) -> list[Match]:
        t, f = tables.timeline_entries, tables.feature_intervals
        said = conn.execute(
            select(t.c.text).where(
                t.c.incident_id == incident.id,
                t.c.deleted.is_(False),
                or_(t.c.kind == EntryKind.note.value, and_(t.c.kind == "message", t.c.is_key)),
            )
        ).scalars()
        features = sorted(
            set(conn.execute(select(f.c.feature).where(f.c.incident_id == incident.id)).scalars())
        )
        words = " ".join([incident.title, incident.description, *said, *features])
        terms = list(dict.fromkeys(stems(words)))[:QUERY_TERMS]
        candidates = self.rank(conn, incident.id, terms, features)[:limit]
        return self._matches(conn, candidates, now)

    def rank(
        self, conn: Connection, own: int, terms: Sequence[str], features: Sequence[str]
    ) -> list[Candidate]:
        """Candidates over the threshold: most shared features first, then closest text."""
        scores = self._text_scores(conn, own, terms)
        shared = self._shared_features(conn, own, features)
        ids = set(scores) | set(shared)
        if not ids:
            return []
        s = tables.incident_search
        bodies = {
            row.incident_id: set(row.body.split())
            for row in conn.execute(
                select(s.c.incident_id, s.c.body).where(s.c.incident_id.in_(ids))
            )
        }
        wanted = set(terms)
        candidates = []
        for incident_id in ids:
            common = len(wanted & bodies.get(incident_id, set()))
            candidate = Candidate(
                incident_id=incident_id,
                shared_features=tuple(sorted(shared.get(incident_id, ()))),
                score=scores.get(incident_id, 0.0),
                shared_terms=common,
                coverage=common / len(wanted) if wanted else 0.0,
            )
            if candidate.passes(self.threshold):
                candidates.append(candidate)
        candidates.sort(key=lambda c: (-len(c.shared_features), -c.score, -c.incident_id))
        return candidates

    def _text_scores(self, conn: Connection, own: int, terms: Sequence[str]) -> dict[int, float]:
        if not terms:
            return {}
        if self.db.is_sqlite:
            query, statement = " OR ".join(f'"{t}"' for t in terms), _SQLITE
        else:
            query, statement = " | ".join(terms), _POSTGRES
        rows = conn.execute(statement, {"query": query, "own": own, "limit": CANDIDATES})
        return {int(row.incident_id): float(row.score) for row in rows}

    def _shared_features(
        self, conn: Connection, own: int, features: Sequence[str]
    ) -> dict[int, set[str]]:
        if not features:
            return {}
        f, i = tables.feature_intervals, tables.incidents
        query = (
            select(f.c.incident_id, f.c.feature)
            .join(i, i.c.id == f.c.incident_id)
            .where(
                f.c.feature.in_(list(features)),
                f.c.state.in_(OUT),
                i.c.closed_at.is_not(None),
                i.c.id != own,
            )
            .distinct()
        )
        shared: dict[int, set[str]] = {}
        for row in conn.execute(query):
            shared.setdefault(int(row.incident_id), set()).add(str(row.feature))
        return shared

    def _matches(
        self, conn: Connection, candidates: Sequence[Candidate], now: datetime
    ) -> list[Match]:
        """The details of each candidate: four queries for all of them."""
        ids = [c.incident_id for c in candidates]
        if not ids:
            return []
        i, f = tables.incidents, tables.feature_intervals
        p, u = tables.postmortem_inputs, tables.followups
        incidents = {
            row["id"]: Incident.model_validate(dict(row))
            for row in conn.execute(select(i).where(i.c.id.in_(ids))).mappings()
        }
        intervals: dict[int, list[FeatureInterval]] = {n: [] for n in ids}
        query = select(f).where(f.c.incident_id.in_(ids)).order_by(f.c.started_at, f.c.id)
        for row in conn.execute(query).mappings():
            intervals[row["incident_id"]].append(FeatureInterval.model_validate(dict(row)))
        inputs = {
            row.incident_id: row.data
            for row in conn.execute(
                select(p.c.incident_id, p.c.data).where(p.c.incident_id.in_(ids))
            )
        }
        followups: dict[int, list[FollowUp]] = {n: [] for n in ids}
        query = select(u).where(u.c.incident_id.in_(ids)).order_by(u.c.seq)
        for row in conn.execute(query).mappings():
            followups[row["incident_id"]].append(FollowUp.model_validate(dict(row)))
        matches = []
        for candidate in candidates:
            incident = incidents[candidate.incident_id]
            statuses = summarize(intervals[incident.id], measured_until(incident, now))
            data = inputs.get(incident.id)
            cause = str(data.get("root_cause") or "") if isinstance(data, dict) else ""
            matches.append(
                Match(
                    incident=incident,
                    shared_features=candidate.shared_features,
                    downtime={s.feature: s.down + s.degraded for s in statuses},
                    root_cause=" ".join(cause.split()),
                    followups=followups[incident.id],
                )
            )
        return matches
