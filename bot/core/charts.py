"""Small PNG charts for admins: a channel's participation over the last days.

Rendered with matplotlib's Agg backend (no screen); labels are ASCII so no CJK font is
needed. Imported lazily: matplotlib costs start-up time the bot does not need otherwise.
"""

from __future__ import annotations

import io
from datetime import date


def participation_png(rows: list[tuple[date, int, int]], title: str) -> bytes:
    """Bars of answers per day and a line of distinct people per day."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3), dpi=100)
    axes = figure.add_subplot()
    labels = [day.strftime("%m-%d") for day, _, _ in rows]
    axes.bar(range(len(rows)), [answers for _, answers, _ in rows], color="#4a90d9", label="answers")
    axes.plot(range(len(rows)), [people for _, _, people in rows], color="#d9534f", marker="o",
              markersize=3, label="people")
    axes.set_xticks(range(0, len(rows), max(1, len(rows) // 10)))
    axes.set_xticklabels(labels[:: max(1, len(rows) // 10)], fontsize=8)
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8, loc="upper left")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
