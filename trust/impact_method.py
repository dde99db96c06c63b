"""What goes with the adverse-impact report: the method note for an independent auditor (Markdown)
and the per-stage chart (inline SVG; colours and sizes are attributes, as the CSP requires)."""

from __future__ import annotations

from markupsafe import Markup, escape

from trust.impact import AI_VERDICTS, METHOD_VERSION, ImpactFilters, ImpactReport, StageImpact
from trust.impact_stats import FOUR_FIFTHS, MIN_GROUP_SIZE, SIGNIFICANCE
from trust.self_id import CATEGORIES, DECLINED_LABEL, INTERSECTION_LABEL, NOT_RECORDED_LABEL

WIDTH = 760
LABEL_WIDTH = 250
BAR_AREA = 300
ROW = 26
INK = "#1d2330"
MUTED = "#6b7280"
BAR = "#6b93ec"
REFERENCE_BAR = "#1e3a8a"
FLAGGED_BAR = "#b42318"
OTHER_BAR = "#c4c9d4"  # declined / not recorded
LINE = "#b42318"


def stage_chart(stage: StageImpact, chart_id: str) -> Markup:
    """Horizontal bars of selection rate per group, with the four-fifths line of the reference."""
    height = 34 + ROW * len(stage.groups)
    scope = "AI-touched decisions" if stage.ai_only else "all decisions"
    chart_id = str(escape(chart_id))
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="system-ui, sans-serif" font-size="13" fill="{INK}">',
        f'<title id="{chart_id}-t">Selection rate by group at {escape(stage.stage)} ({scope})</title>',
        f'<desc id="{chart_id}-d">{escape(_description(stage))}</desc>',
    ]
    x0 = LABEL_WIDTH
    for index, group in enumerate(stage.groups):
        y = 10 + index * ROW
        parts.append(
            f'<text x="{x0 - 8}" y="{y + 14}" text-anchor="end">{escape(_short(group.label))}</text>'
        )
        if group.rate is None:
            parts.append(
                f'<text x="{x0 + 4}" y="{y + 14}" fill="{MUTED}">not enough data (n = {group.n})</text>'
            )
            continue
        width = max(1.0, BAR_AREA * group.rate)
        fill = (
            REFERENCE_BAR
            if group.reference
            else FLAGGED_BAR
            if group.flagged
            else BAR
            if group.comparable
            else OTHER_BAR
        )
        parts.append(f'<rect x="{x0}" y="{y + 2}" width="{width:.1f}" height="16" fill="{fill}"/>')
        text = f"{group.rate:.0%} ({group.selected}/{group.n})"
        if group.reference:
            text += " · reference"
        elif group.impact_ratio is not None:
            text += f" · ratio {group.impact_ratio:.2f}" + (" · below 4/5" if group.flagged else "")
        parts.append(f'<text x="{x0 + width + 6:.1f}" y="{y + 14}">{escape(text)}</text>')
    bottom = 10 + ROW * len(stage.groups)
    parts.append(f'<line x1="{x0}" y1="6" x2="{x0}" y2="{bottom}" stroke="{MUTED}" stroke-width="1"/>')
    if stage.reference is not None and stage.reference.rate:
        x = x0 + BAR_AREA * FOUR_FIFTHS * stage.reference.rate
        parts.append(
            f'<line x1="{x:.1f}" y1="6" x2="{x:.1f}" y2="{bottom}" stroke="{LINE}" '
            'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        label = f"4/5 of the highest rate: {FOUR_FIFTHS * stage.reference.rate:.0%}"
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" fill="{LINE}" font-size="12" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _description(stage: StageImpact) -> str:
    rows = [
        f"{g.label}: {g.rate:.0%} of {g.n}" if g.rate is not None else f"{g.label}: not enough data"
        for g in stage.groups
    ]
    return "; ".join(rows) + (f". {stage.note}" if stage.note else "")


def _short(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def method_note(report: ImpactReport) -> str:
    """The method note as Markdown: definitions, tests, thresholds, provenance and limitations."""
    filters: ImpactFilters = report.filters
    provenance = report.provenance
    sources = ", ".join(f"{k}: {v}" for k, v in sorted(provenance.by_source.items())) or "none"
    categories = "\n".join(
        f"- **{c.label}** (`{c.key}`): " + "; ".join(label for _v, label in c.options)
        for c in CATEGORIES.values()
    )
    dates = f"{filters.date_from or 'any'} to {filters.date_to or 'any'}"
    verdicts = ", ".join(status.value for status in AI_VERDICTS)
    return f"""# Adverse-impact report: method note

Method version `{METHOD_VERSION}`, generated {provenance.generated_at:%Y-%m-%d %H:%M} UTC by Loopwise.

## Scope of this export

- Roles: {report.scope}
- Applications that entered the pipeline (UTC days): {dates}
- Applications in scope: {provenance.applications}, of {provenance.candidates} candidate(s)
- Candidates with a self-identification record: {provenance.with_self_id} (by source: {sources})
- Applications with at least one AI-touched decision: {provenance.ai_scored_applications}

## Data provenance

Groups come only from **voluntary self-identification**, stored in the `self_identifications` table,
separate from candidate profiles. It is recorded by the candidate's own form (`candidate_form`) or by
staff on the candidate's behalf from what the candidate stated (`recruiter`); it is never inferred
from names, photos or other data. Interviewers and scorers cannot read it; every read of it (this
report, its exports, a candidate's self-identification page) is written to the audit log.

Categories (EEO-1 style, as reported in NYC Local Law 144 bias audits), each with an explicit
"{DECLINED_LABEL}":

{categories}
- **{INTERSECTION_LABEL}** (`gender_race`): the intersection of the two; a candidate who declined
  either question is in "{DECLINED_LABEL}".

Candidates with no record, or who left a question unanswered, are in "{NOT_RECORDED_LABEL}".

Stage movements come from each application's stage history (`stage_changes`).

## Definitions

- **Reached.** An application reached every stage it was moved into. A forward move between active
  stages that skips stages also reaches the skipped ones, and a move from an active stage into
  Hired reaches every active stage after the one it left. Stages before its entry stage are not
  reached. (The same rule as the funnel analytics.)
- **Outcome at a stage S it reached.** *Selected* when it also reached a later active stage or
  Hired, at any time. Otherwise: *pending* while it is still in an active stage; *withdrawn* when
  its current stage is a Withdrawn stage (the candidate's choice, not a selection decision);
  *rejected* when its current stage is a Rejected stage.
- **Decided (n)** = selected + rejected. Pending and withdrawn applications are counted and shown
  but left out of n, so that open pipelines and withdrawals do not pass for rejections.
- **Selection rate** of a group at S = selected ÷ decided, among that group's applications.
- Across roles, stages are matched by name.
- **AI-touched decisions.** The decision at S of an application is AI-touched when an AI verdict
  (status {verdicts}) on one of its interview transcript answers existed before the decision: the
  verdict's time is the later of the score's creation and the transcript's upload (a verdict can be
  reused for an identical answer text). The decision's time is the first move beyond S after the
  application reached S (selected), or its latest move into its Rejected stage (rejected). The
  AI-touched tables repeat the analysis on those decisions only.

## Impact ratio, four-fifths rule and tests

- The **reference group** at a stage is the self-identified group with the highest selection rate
  among groups with at least {MIN_GROUP_SIZE} decisions (ties: the larger group). "{DECLINED_LABEL}"
  and "{NOT_RECORDED_LABEL}" are never the reference; their ratios are shown for information only.
- **Impact ratio** = the group's selection rate ÷ the reference group's rate.
- A group is **flagged** when its impact ratio is below {FOUR_FIFTHS} (the four-fifths rule of the
  US Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D)).
- **Significance**: each group against the reference group, on the 2×2 table (selected, not
  selected) × (group, reference): Fisher's exact test, two-sided (`scipy.stats.fisher_exact`), and
  the pooled two-proportion z-test, two-sided (not given when everyone or no one was selected).
  p < {SIGNIFICANCE} is marked as significant; no correction for multiple comparisons is applied.
- **Small samples.** A group with fewer than {MIN_GROUP_SIZE} decisions at a stage gets "not enough
  data (n = …)" instead of a rate or ratio; a stage with fewer than two such self-identified groups
  gets no comparison. Counts are still given in the CSV so that periods can be pooled.

## CSV columns

`category, scope (all_decisions | ai_touched), stage, group, group_label, decided, selected,
selection_rate, impact_ratio, four_fifths_flag, fisher_p, z_test_p, reference_group, status,
pending, withdrawn` — one row per category × scope × stage × group. No row identifies a candidate.

## Limitations

- Self-identification is voluntary: groups who decline more often, or candidates who were never
  asked, are under-represented, and the rates of the "{DECLINED_LABEL}" group are not interpretable.
- With small groups the four-fifths rule is unstable and the tests have little power: a flag
  without significance, or no flag, is not evidence either way. Pool periods or roles to gain
  power; report the counts with the ratios.
- The stage history records when an application moved, not why; a stage where many applications
  are still pending may change as they are decided.
- Stage-by-stage ratios do not add up to the ratio of the whole funnel; an adverse effect at one
  stage can be hidden by the others.
- The AI-touched tables describe decisions taken after an AI score existed; they do not show that
  the AI score caused the decision.
"""
