"""The SVG charts: well-formed XML, accessible, carrying their numbers, escaping every label."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from hiring.models import CandidateSource, StageKind
from hiring.services.analytics import (
    FunnelReport,
    Hire,
    SourceStats,
    StageStats,
    TimeToHire,
)
from hiring.services.charts import (
    Bar,
    Bin,
    Group,
    bar_chart,
    grouped_bar_chart,
    histogram,
    histogram_bins,
    report_charts,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    assert [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")] == ids
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_bar_chart_is_well_formed_with_values_and_proportional_bars():
    root = parse(
        bar_chart(
            "c1",
            "Reached per stage",
            "Counts",
            [Bar("Applied", 8, "8 reached · 75% passed"), Bar("Onsite loop", 2, "2 reached")],
        )
    )
    assert root.find(f"{SVG}title").text == "Reached per stage"
    assert root.find(f"{SVG}desc").text == "Counts"
    assert {"Applied", "Onsite loop", "8 reached · 75% passed", "2 reached"} <= set(texts(root))
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths == [360.0, 90.0]  # 8 fills the bar area, 2 is a quarter of it
    assert "style" not in str(bar_chart("c", "t", "d", [Bar("x", 1, "1")]))


def test_labels_are_escaped_even_a_script_stage():
    markup = str(bar_chart("c2", 'Role "<b>"', "<desc & more>", [Bar("<script>", 3, "3 <reached>")]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    root = parse(markup)  # still well-formed
    assert "<script>" in texts(root)
    assert root.find(f"{SVG}title").text == 'Role "<b>"'
    assert root.find(f"{SVG}desc").text == "<desc & more>"
    grouped = str(
        grouped_bar_chart("c3", "t", "d", ["<s1>", "Hired"], [Group("<img src=x>", (1, 0), ("1", "0"))])
    )
    assert "<img" not in grouped and "<s1>" not in grouped
    assert "<img src=x>" in texts(parse(grouped))


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip():
    name = "A very long stage name that goes on and on"
    root = parse(bar_chart("c4", "t", "d", [Bar(name, 1, "1")]))
    shown = texts(root)[0]
    assert shown.endswith("…") and len(shown) == 28
    assert root.find(f"{SVG}g/{SVG}title").text == f"{name}: 1"


def test_grouped_chart_has_a_legend_and_one_bar_per_series():
    root = parse(
        grouped_bar_chart(
            "c5",
            "Sources",
            "d",
            ["Applications", "Reached onsite", "Hired"],
            [Group("Referral", (4, 2, 1), ("4", "2 (50%)", "1 (25%)"))],
        )
    )
    labels = texts(root)
    assert {"Applications", "Reached onsite", "Hired", "Referral", "2 (50%)", "1 (25%)"} <= set(labels)
    fills = {rect.get("fill") for rect in root.iter(f"{SVG}rect")}
    assert len(fills) == 3  # three series, told apart by lightness and the legend


def test_histogram_bins_and_reference_line():
    bins = histogram_bins([11, 20, 50], reference=45)
    assert bins == tuple(
        Bin(start, start + 7, n)
        for start, n in zip(range(0, 56, 7), [0, 1, 1, 0, 0, 0, 0, 1], strict=True)
    )
    root = parse(
        histogram(
            "c6",
            "Time to hire",
            "d",
            bins,
            reference=45,
            reference_label="45-day reference",
            marker=20,
            marker_label="median 20 d",
        )  # fmt: skip
    )
    lines = list(root.iter(f"{SVG}line"))
    assert {line.get("stroke-dasharray") for line in lines} >= {"6 4", "2 3"}
    reference = next(line for line in lines if line.get("stroke-dasharray") == "6 4")
    # The plot spans x 40..740 for 0..56 days: 45 days sits at 40 + 700 * 45 / 56.
    assert float(reference.get("x1")) == round(40 + 700 * 45 / 56, 1)
    assert {"45-day reference", "median 20 d", "1"} <= set(texts(root))
    assert histogram_bins([200])[0].end == 30  # long cycles get month-wide bins


def report(**overrides) -> FunnelReport:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    fields = dict(
        role_id=7,
        title="<Role & Co>",
        roles=1,
        applications=3,
        in_progress=1,
        hired=2,
        rejected=0,
        withdrawn=0,
        stages=(
            StageStats("<script>", StageKind.ACTIVE, 1, 3, 2, 2 / 3, 1, 4.0, 2),
            StageStats("Hired", StageKind.HIRED, 1, 2, None, None, 2, None, 0),
        ),
        time_to_hire=TimeToHire(
            hires=(Hire(1, "A", "R", at, at, 10.0), Hire(2, "B", "R", at, at, 50.0)),
            median_days=30.0,
            mean_days=30.0,
        ),
        sources=tuple(SourceStats(source, 0, 0, None, 0, None) for source in CandidateSource),
        without_onsite_stage=0,
    )
    fields.update(overrides)
    return FunnelReport(**fields)


def test_report_charts_carry_the_report_numbers_and_escape_names():
    charts = report_charts(report())
    funnel = parse(charts.funnel)
    assert {"<script>", "3 reached · 67% passed", "2 hired"} <= set(texts(funnel))
    assert "&lt;Role &amp; Co&gt;" in str(charts.funnel) and "<script>" not in str(charts.funnel)
    assert "4 d (n=2) · 1 still there" in texts(parse(charts.stage_time))
    assert "45-day reference" in texts(parse(charts.time_to_hire))
    assert sum(b.count for b in charts.hire_bins) == 2
    assert "Applied" in texts(parse(charts.sources))


def test_report_charts_are_empty_without_data():
    empty = report_charts(report(applications=0, time_to_hire=TimeToHire((), None, None)))
    assert (empty.funnel, empty.stage_time, empty.time_to_hire, empty.sources) == (
        None,
        None,
        None,
        None,
    )
    no_hires = report_charts(report(time_to_hire=TimeToHire((), None, None)))
    assert no_hires.time_to_hire is None and no_hires.hire_bins == () and no_hires.funnel is not None
