"""Server-rendered SVG charts: pure functions from plain numbers to inline ``<svg>`` markup.

No JavaScript and no inline styles (the CSP forbids them): looks come from SVG presentation
attributes. Every chart has a <title> and a <desc>, writes its numbers as text next to the marks,
and tells series apart by lightness and labels, so it reads in greyscale too. Every piece of text
is escaped here, because labels are user text (stage, role and candidate names).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from hiring.services.analytics import FunnelReport, StageKind

WIDTH = 760
LABEL_WIDTH = 190  # left column for the category labels
BAR_AREA = 360  # leaves about 200 px for the numbers after the longest bar
INK = "#1d2330"
MUTED = "#6b7280"
BAR = "#2f5bd3"
SERIES = (("#1e3a8a", "#1e3a8a"), ("#6b93ec", "#1e3a8a"), ("#dbe5fd", "#1e3a8a"))  # fill, stroke
REFERENCE = "#b42318"
MAX_LABEL = 28


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the number(s) written after the bar


@dataclass(frozen=True)
class Group:
    label: str
    values: tuple[float, ...]  # one per series
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Bin:
    start: float
    end: float  # exclusive
    count: int


@dataclass(frozen=True)
class ReportCharts:
    """The four charts of a funnel report (None where there is nothing to draw)."""

    funnel: Markup | None
    stage_time: Markup | None
    time_to_hire: Markup | None
    sources: Markup | None
    hire_bins: tuple[Bin, ...]


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _open(chart_id: str, title: str, description: str, height: float) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'width="{WIDTH}" height="{_num(height)}" font-family="system-ui, sans-serif" '
        f'font-size="13" fill="{INK}">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]


def _label(x: float, y: float, text: str, anchor: str = "start", **attributes: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{escape(value)}"' for name, value in attributes.items())
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> Markup:
    """Draw horizontal bars, one per row, each labelled on the left and numbered on the right."""
    row, top = 28, 8
    height = top * 2 + row * len(bars)
    top_value = max((bar.value for bar in bars), default=0) or 1
    parts = _open(chart_id, title, description, height)
    for index, bar in enumerate(bars):
        y = top + index * row
        length = BAR_AREA * max(bar.value, 0) / top_value
        parts += [
            '<g class="bar">',
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title>",
            _label(LABEL_WIDTH - 8, y + 17, _short(bar.label), "end"),
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{_num(length)}" height="18" fill="{BAR}"/>',
            _label(LABEL_WIDTH + length + 6, y + 17, bar.text),
            "</g>",
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def grouped_bar_chart(
    chart_id: str, title: str, description: str, series: Sequence[str], groups: Sequence[Group]
) -> Markup:
    """Draw a block of horizontal bars per group, one bar per series, with a legend on top."""
    bar, gap, legend = 14, 16, 30
    block = bar * len(series) + gap
    height = legend + block * len(groups) + 4
    top_value = max((v for group in groups for v in group.values), default=0) or 1
    parts = _open(chart_id, title, description, height)
    x = LABEL_WIDTH
    for (fill, stroke), name in zip(SERIES, series, strict=False):
        parts.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{fill}" stroke="{stroke}"/>'
            + _label(x + 20, 18, name)
        )
        x += 40 + 8 * len(name)
    for index, group in enumerate(groups):
        y = legend + index * block
        parts += ['<g class="group">', _label(LABEL_WIDTH - 8, y + bar + 4, _short(group.label), "end")]
        for position, (value, text) in enumerate(zip(group.values, group.texts, strict=True)):
            fill, stroke = SERIES[position % len(SERIES)]
            length = BAR_AREA * max(value, 0) / top_value
            top = y + position * bar
            parts += [
                f'<rect x="{LABEL_WIDTH}" y="{top}" width="{_num(length)}" height="{bar - 2}" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="0.5">'
                f"<title>{escape(group.label)}, {escape(series[position])}: {escape(text)}</title>"
                "</rect>",
                _label(LABEL_WIDTH + length + 6, top + bar - 3, text, font_size="11"),
            ]
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram_bins(values: Sequence[float], reference: float | None = None) -> tuple[Bin, ...]:
    """Split ``values`` (days) into week, fortnight or month bins from 0 past the largest one."""
    top = max([*values, reference or 0, 1])
    width = 7 if top < 91 else 14 if top < 182 else 30
    count = math.floor(top / width) + 1
    bins = [[index * width, (index + 1) * width, 0] for index in range(count)]
    for value in values:
        bins[min(count - 1, max(0, math.floor(value / width)))][2] += 1
    return tuple(Bin(start, end, n) for start, end, n in bins)


def histogram(
    chart_id: str,
    title: str,
    description: str,
    bins: Sequence[Bin],
    *,
    reference: float | None = None,
    reference_label: str = "",
    marker: float | None = None,
    marker_label: str = "",
) -> Markup:
    """Draw vertical bars of counts per bin, with optional dashed reference and dotted marker lines."""
    left, right, top, bottom = 40, WIDTH - 20, 40, 210
    height = bottom + 40
    span = bins[-1].end - bins[0].start if bins else 1
    top_count = max((b.count for b in bins), default=0) or 1

    def x_of(days: float) -> float:
        return left + (right - left) * (days - (bins[0].start if bins else 0)) / span

    parts = _open(chart_id, title, description, height)
    for b in bins:
        x0, x1 = x_of(b.start), x_of(b.end)
        tall = (bottom - top) * b.count / top_count
        parts += [
            '<g class="bin">',
            f"<title>{_num(b.start)} to {_num(b.end)} days: {b.count}</title>",
            f'<rect x="{_num(x0 + 1)}" y="{_num(bottom - tall)}" width="{_num(x1 - x0 - 2)}" '
            f'height="{_num(tall)}" fill="{BAR}"/>',
            _label((x0 + x1) / 2, bottom - tall - 4, str(b.count)) if b.count else "",
            _label(x0, bottom + 16, _num(b.start), "middle", fill=MUTED, font_size="11"),
            "</g>",
        ]
    if bins:
        parts.append(_label(x_of(bins[-1].end), bottom + 16, _num(bins[-1].end), "middle", fill=MUTED))
    parts += [
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{MUTED}"/>',
        _label((left + right) / 2, bottom + 34, "days from entering the pipeline to hire", "middle"),
    ]
    for value, label, dashes, y in (
        (reference, reference_label, "6 4", 14),
        (marker, marker_label, "2 3", 30),
    ):
        if value is None:
            continue
        x = x_of(value)
        parts += [
            f'<line x1="{_num(x)}" y1="{y - 4}" x2="{_num(x)}" y2="{bottom}" stroke="{REFERENCE}" '
            f'stroke-width="2" stroke-dasharray="{dashes}"/>',
            _label(x + 4, y, label),
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


def report_charts(report: FunnelReport) -> ReportCharts:
    """Draw the charts of a funnel report: funnel, time in stage, time to hire, sources."""
    if not report.applications:
        return ReportCharts(None, None, None, None, ())
    suffix = "all roles" if report.role_id is None else report.title
    funnel = bar_chart(
        "chart-funnel",
        f"Applications reaching each stage, {suffix}",
        "Bars: applications that reached each stage, in funnel order; the text gives the count and "
        "the share that went on to a later stage (pass-through).",
        [
            Bar(
                s.name,
                s.reached,
                f"{s.reached} reached · {_percent(s.rate)} passed"
                if s.kind is StageKind.ACTIVE
                else f"{s.reached} hired",
            )
            for s in report.stages
        ],
    )
    timed = [s for s in report.stages if s.kind is StageKind.ACTIVE]
    stage_time = None
    if any(s.completed for s in timed):
        stage_time = bar_chart(
            "chart-stage-time",
            f"Median days in stage, {suffix}",
            "Bars: median days between entering a stage and leaving it, over completed stays; "
            "applications still in a stage are counted separately.",
            [
                Bar(
                    s.name,
                    s.median_days or 0,
                    (
                        f"{_num(s.median_days)} d (n={s.completed})"
                        if s.median_days is not None
                        else "no completed stays"
                    )
                    + (f" · {s.current} still there" if s.current else ""),
                )
                for s in timed
            ],
        )
    tth = report.time_to_hire
    bins = histogram_bins([h.days for h in tth.hires], tth.reference_days)
    time_to_hire = None
    if tth.count:
        time_to_hire = histogram(
            "chart-time-to-hire",
            f"Time to hire, {suffix}",
            f"Hires per {_num(bins[0].end)}-day bin of days from entering the pipeline to hire; "
            f"median {_num(tth.median_days or 0)} days, mean {_num(tth.mean_days or 0)} days over "
            f"{tth.count} hires; dashed line: the {tth.reference_days}-day reference.",
            bins,
            reference=tth.reference_days,
            reference_label=f"{tth.reference_days}-day reference",
            marker=tth.median_days,
            marker_label=f"median {_num(tth.median_days or 0)} d",
        )
    sources = grouped_bar_chart(
        "chart-sources",
        f"Source effectiveness, {suffix}",
        "Per candidate source: applications, those that reached the onsite loop, and hires, with "
        "onsite and hire rates.",
        ("Applications", "Reached onsite", "Hired"),
        [
            Group(
                s.source.label,
                (s.applications, s.reached_onsite, s.hires),
                (
                    str(s.applications),
                    f"{s.reached_onsite} ({_percent(s.onsite_rate)})",
                    f"{s.hires} ({_percent(s.hire_rate)})",
                ),
            )
            for s in report.sources
        ],
    )
    return ReportCharts(funnel, stage_time, time_to_hire, sources, bins if tth.count else ())
