"""Sentences the drafts generate from data, per language.

Templates hold the fixed prose; these are the pieces that depend on facts (impact clauses,
timeline sentences, labels, placeholders). A dataclass rather than a dict so a language that
misses a phrase fails at import, not in the middle of an incident. `{...}` fields are filled
with `str.format`; user text only ever goes into the arguments, never into the pattern.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    # Babel date patterns (month and weekday names come from CLDR).
    date_pattern: str
    # Placeholders for facts nobody filled in.
    todo: str
    todo_labels: dict[str, str]
    # Labels.
    states: dict[str, str]
    statuses: dict[str, str]
    kinds: dict[str, str]
    ongoing: str
    offline_state: str
    dry_run_state: str
    dry_run_label: str
    maintenance_row: str
    gantt_features: str
    gantt_maintenance: str
    # Impact clauses: "full" starts a run of clauses, "short" continues it (verb left out).
    feature_subject: str
    clauses: dict[str, tuple[str, str]]
    # Timeline sentences.
    declared_customer: str
    declared_internal: str
    resolved_customer: str
    resolved_internal: str
    # Resolved while a feature was still out ("resolve anyway"): never "all working again".
    resolved_partly: str
    reopened_customer: str
    reopened_internal: str
    closed: str
    feature_change: dict[str, str]
    maintenance_customer: dict[bool, str]
    maintenance_internal: dict[bool, str]
    maintenance_failed: dict[bool, str]
    dry_run_suffix: str
    # Zone note when the span crosses a change of offset, by direction (True: forward).
    zone_change: dict[bool, str]
    # Entries the bot wrote, rendered from their data in the draft's language.
    nudge: str
    # A follow-up in the action items: its due day and its state.
    followup_due: str
    followup_states: dict[str, str]
    # A change marked by someone, by mark ("caused", "not_related").
    change_marks: dict[str, str]
    # What a corrected value was (the internal draft's Corrections section), by field.
    correction_fields: dict[str, str]


EN = Phrases(
    date_pattern="EEEE, d MMMM y",
    todo="_[to be completed: {what}]_",
    todo_labels={
        "impact": "impact",
        "root_cause": "root cause",
        "resolution": "how it was fixed",
        "action_items": "action items",
        "went_well": "what went well",
        "went_badly": "what went badly",
        "signer": "signature",
        "lead": "incident lead",
        "channel": "channel link",
        "declared": "time of declaration",
        "mitigated": "time of mitigation",
        "resolved": "time of resolution",
        "owner": "owner",
        "timeline": "timeline",
    },
    states={"down": "unavailable", "degraded": "degraded", "up": "available"},
    statuses={
        "investigating": "investigating",
        "identified": "identified",
        "monitoring": "monitoring",
        "resolved": "resolved",
        "closed": "closed",
    },
    kinds={
        "status": "Status",
        "severity": "Severity",
        "lead": "Lead",
        "rename": "Renamed",
        "nudge": "Reminder",
        "error": "Error",
        "page": "Page",
        "correction": "Correction",
        "signal": "Signal",
        "change": "Change",
        "followup": "Follow-up",
        "similar": "Similar incidents",
        "public": "Status page update",
    },
    ongoing="ongoing",
    offline_state="offline",
    dry_run_state="dry run (no change)",
    dry_run_label="dry run",
    maintenance_row="Maintenance: {target} ({provider})",
    gantt_features="Features",
    gantt_maintenance="Maintenance",
    feature_subject="the {feature} feature",
    clauses={
        "offline": ("the application was offline for {d}", "{s} for {d}"),
        "offline_still": ("the application is still offline after {d}", "{s} after {d}"),
        "down": ("{s} was unavailable for {d}", "{s} for {d}"),
        "degraded": ("{s} was degraded for {d}", "{s} for {d}"),
        "down_still": ("{s} is still unavailable after {d}", "{s} after {d}"),
        "degraded_still": ("{s} is still degraded after {d}", "{s} after {d}"),
    },
    declared_customer="We opened an incident and started investigating",
    declared_internal="Incident declared: {title}",
    resolved_customer="The issue was resolved and the service is working normally again",
    resolved_internal="Incident resolved",
    resolved_partly="The service was available again, but not yet every feature",
    reopened_customer="The issue came back and we resumed work on it",
    reopened_internal="Incident reopened",
    closed="Incident closed",
    feature_change={
        "down": "The {feature} feature is no longer available",
        "degraded": "The {feature} feature is degraded",
        "up": "The {feature} feature is available again",
    },
    maintenance_customer={
        True: "Application taken offline (maintenance)",
        False: "Application back online",
    },
    maintenance_internal={
        True: "Maintenance mode on for {target} ({provider})",
        False: "Maintenance mode off for {target} ({provider})",
    },
    maintenance_failed={
        True: "Turning maintenance mode on for {target} ({provider}) failed: {error}",
        False: "Turning maintenance mode off for {target} ({provider}) failed: {error}",
    },
    dry_run_suffix=" — dry run, nothing changed",
    zone_change={
        True: "clocks went forward {before} {after}",
        False: "clocks went back {before} {after}",
    },
    nudge="Reminder to {lead}: no status update for {quiet}",
    followup_due="due {day}",
    followup_states={"open": "open", "done": "done", "not_doing": "not doing"},
    change_marks={
        "caused": "{version} marked as the cause",
        "not_related": "{version} marked as not related",
    },
    correction_fields={
        "start": "start",
        "end": "end",
        "time": "time",
        "text": "text",
        "declared": "declared",
        "resolved": "resolved",
    },
)

IT = Phrases(
    date_pattern="EEEE d MMMM y",
    todo="_[da completare: {what}]_",
    todo_labels={
        "impact": "impatto",
        "root_cause": "causa principale",
        "resolution": "come è stato risolto",
        "action_items": "azioni correttive",
        "went_well": "cosa è andato bene",
        "went_badly": "cosa è andato male",
        "signer": "firma",
        "lead": "responsabile dell'incidente",
        "channel": "link al canale",
        "declared": "ora della dichiarazione",
        "mitigated": "ora della mitigazione",
        "resolved": "ora della risoluzione",
        "owner": "responsabile",
        "timeline": "cronologia",
    },
    states={"down": "fuori servizio", "degraded": "degradata", "up": "disponibile"},
    statuses={
        "investigating": "in analisi",
        "identified": "causa identificata",
        "monitoring": "in osservazione",
        "resolved": "risolto",
        "closed": "chiuso",
    },
    kinds={
        "status": "Stato",
        "severity": "Gravità",
        "lead": "Responsabile",
        "rename": "Nuovo titolo",
        "nudge": "Promemoria",
        "page": "Chiamata",
        "error": "Errore",
        "correction": "Correzione",
        "signal": "Segnalazione",
        "change": "Modifica",
        "followup": "Azione di follow-up",
        "similar": "Incidenti simili",
        "public": "Aggiornamento della pagina di stato",
    },
    ongoing="in corso",
    offline_state="offline",
    dry_run_state="prova (nessuna modifica)",
    dry_run_label="prova",
    maintenance_row="Manutenzione: {target} ({provider})",
    gantt_features="Funzioni",
    gantt_maintenance="Manutenzione",
    feature_subject="la funzione {feature}",
    clauses={
        "offline": ("l'applicazione è stata offline per {d}", "{s} per {d}"),
        "offline_still": ("l'applicazione risulta ancora offline dopo {d}", "{s} dopo {d}"),
        "down": ("{s} è stata fuori servizio per {d}", "{s} per {d}"),
        "degraded": ("{s} è stata degradata per {d}", "{s} per {d}"),
        "down_still": ("{s} risulta ancora fuori servizio dopo {d}", "{s} dopo {d}"),
        "degraded_still": ("{s} risulta ancora degradata dopo {d}", "{s} dopo {d}"),
    },
    declared_customer="Abbiamo aperto un incidente e avviato le verifiche",
    declared_internal="Incidente dichiarato: {title}",
    resolved_customer="Il problema è stato risolto e il servizio funziona di nuovo normalmente",
    resolved_internal="Incidente risolto",
    resolved_partly="Il servizio era di nuovo disponibile, ma non ancora tutte le funzioni",
    reopened_customer="Il problema si è ripresentato e abbiamo ripreso a lavorarci",
    reopened_internal="Incidente riaperto",
    closed="Incidente chiuso",
    feature_change={
        "down": "La funzione {feature} è fuori servizio",
        "degraded": "La funzione {feature} è degradata",
        "up": "La funzione {feature} è di nuovo disponibile",
    },
    maintenance_customer={
        True: "Applicazione messa offline (manutenzione)",
        False: "Applicazione di nuovo online",
    },
    maintenance_internal={
        True: "Manutenzione attivata su {target} ({provider})",
        False: "Manutenzione disattivata su {target} ({provider})",
    },
    maintenance_failed={
        True: "Attivazione della manutenzione su {target} ({provider}) non riuscita: {error}",
        False: "Disattivazione della manutenzione su {target} ({provider}) non riuscita: {error}",
    },
    dry_run_suffix=" — prova, nessuna modifica",
    zone_change={
        True: "gli orologi sono stati portati avanti {before} {after}",
        False: "gli orologi sono stati portati indietro {before} {after}",
    },
    nudge="Promemoria a {lead}: nessun aggiornamento di stato da {quiet}",
    followup_due="entro {day}",
    followup_states={"open": "aperta", "done": "fatta", "not_doing": "non si fa"},
    change_marks={
        "caused": "{version} segnata come causa",
        "not_related": "{version} segnata come non collegata",
    },
    correction_fields={
        "start": "inizio",
        "end": "fine",
        "time": "ora",
        "text": "testo",
        "declared": "dichiarazione",
        "resolved": "risoluzione",
    },
)

LANGUAGES: dict[str, Phrases] = {"en": EN, "it": IT}
