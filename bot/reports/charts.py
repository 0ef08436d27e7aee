"""The report's charts as PNG files, drawn headless (matplotlib's Agg backend) with DejaVu Sans
from bot/assets/fonts, which has every Vietnamese diacritic.

Each function returns the chart's path and the labels it drew (titles, axes, ticks, legend; the
count axis' ticks as "tick:2"),
so that tests can check the words really carry their diacritics; or no path and the sentence
the document prints instead, when there is nothing to draw. Counts have whole-number ticks.
"""

from __future__ import annotations

from pathlib import Path

from bot.reports.numbers import Report
from bot.vocabulary import quarter_name, vietnamese

FONT_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_FAMILY = "DejaVu Sans"
TOP_CATEGORIES = 5
OTHER = "Loại khác"
_ready = False
NO_TIPS = "Trong kỳ không có tin báo nên không có biểu đồ tin báo theo tháng."
NO_HOUSEHOLDS = "Chưa có danh sách hộ gia đình nên chưa có biểu đồ tỷ lệ ký cam kết."
NO_MEETINGS = "Trong kỳ chưa có buổi sinh hoạt tổ nào được ghi biên bản nên không có biểu đồ."
Drawn = tuple[Path | None, list[str]]


def _pyplot():  # type: ignore[no-untyped-def]
    """pyplot on Agg with the bundled font, set up once per process."""
    global _ready
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot

    if not _ready:
        for font in sorted(FONT_DIR.glob("*.ttf")):
            font_manager.fontManager.addfont(str(font))
        matplotlib.rcParams["font.family"] = FONT_FAMILY
        matplotlib.rcParams["axes.unicode_minus"] = False
        _ready = True
    return pyplot


def _save(figure, path: Path) -> Path:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path


def _whole_numbers(axis) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _tick_labels(axis) -> list[str]:  # type: ignore[no-untyped-def]
    """The count axis' tick labels as drawn (the figure is saved, so they are set)."""
    return [f"tick:{label.get_text()}" for label in axis.get_ticklabels()]


def tips_by_month(report: Report, path: Path) -> Drawn:
    """Stacked bars: tips received each month, the most frequent categories apart."""
    tips = report.tips
    if tips is None or not tips.received:
        return None, [NO_TIPS]
    plt = _pyplot()
    months = report.period.months()
    totals: dict[str, int] = {}
    for counts in tips.per_month.values() if tips else []:
        for key, count in counts.items():
            totals[key] = totals.get(key, 0) + count
    top = sorted(totals, key=lambda key: (-totals[key], key))[:TOP_CATEGORIES]
    series: dict[str, list[int]] = {report.categories.get(key, key): [] for key in top}
    rest: list[int] = []
    for month in months:
        counts = tips.per_month.get(month, {}) if tips else {}
        for key in top:
            series[report.categories.get(key, key)].append(counts.get(key, 0))
        rest.append(sum(count for key, count in counts.items() if key not in top))
    if any(rest):
        series[OTHER] = rest
    ticks = [f"T{month}/{year}" for year, month in months]
    title, ylabel = "Tin báo theo tháng và theo loại", "Số tin báo"
    figure, axes = plt.subplots(figsize=(7.5, 3.8))
    bottom = [0] * len(months)
    for label, values in series.items():
        axes.bar(ticks, values, bottom=bottom, label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    _whole_numbers(axes.yaxis)
    axes.tick_params(axis="x", labelrotation=45 if len(months) > 6 else 0)
    axes.legend(fontsize=8)
    _save(figure, path)
    counts = _tick_labels(axes.yaxis)
    plt.close(figure)
    return path, [title, ylabel, *ticks, *series, *counts]


def coverage_by_village(report: Report, path: Path) -> Drawn:
    """Horizontal bars: the share of resident households that pledged, per village."""
    if not report.pledges.coverage.counts.resident:
        return None, [NO_HOUSEHOLDS]
    plt = _pyplot()
    villages = report.pledges.coverage.villages
    names = [v.name for v in villages]
    values = [
        v.counts.pledged * 100 / v.counts.resident if v.counts.resident else 0 for v in villages
    ]
    title = f"Tỷ lệ hộ ký cam kết theo {report.unit_lower}, năm {report.pledges.year}"
    xlabel = "Tỷ lệ hộ đã ký cam kết (%)"
    figure, axes = plt.subplots(figsize=(7.5, max(2.5, 0.45 * len(names) + 1.2)))
    axes.barh(names[::-1], values[::-1], color="#2e7d32")
    axes.set_xlim(0, 100)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    _save(figure, path)
    plt.close(figure)
    return path, [title, xlabel, *names]


def meetings_by_quarter(report: Report, path: Path) -> Drawn:
    """Bars: meetings held per quarter, with the number the quarterly rule asks for."""
    if not report.meetings.held:
        return None, [NO_MEETINGS]
    plt = _pyplot()
    held = report.meetings.held_per_quarter()
    ticks = [quarter_name(vietnamese(), year, number) for year, number in held]
    title, ylabel = "Số buổi sinh hoạt tổ theo quý", "Số buổi"
    rule = f"Yêu cầu: {len(report.meetings.groups)} tổ × 1 buổi/quý"
    figure, axes = plt.subplots(figsize=(7.5, 3.5))
    axes.bar(ticks, list(held.values()), color="#1565c0", label="Đã sinh hoạt")
    axes.axhline(len(report.meetings.groups), color="#c62828", linestyle="--", label=rule)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    _whole_numbers(axes.yaxis)
    axes.legend(fontsize=8)
    _save(figure, path)
    counts = _tick_labels(axes.yaxis)
    plt.close(figure)
    return path, [title, ylabel, *ticks, "Đã sinh hoạt", rule, *counts]


def draw_charts(report: Report, directory: Path, stem: str) -> list[Drawn]:
    return [
        tips_by_month(report, directory / f"{stem}-tin-bao.png"),
        coverage_by_village(report, directory / f"{stem}-cam-ket.png"),
        meetings_by_quarter(report, directory / f"{stem}-sinh-hoat.png"),
    ]
