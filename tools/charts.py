"""Choose and draw charts from a result's shape.

``choose_chart`` picks a declarative :class:`ChartSpec` (bar for categories, line for time,
histogram for one numeric column); ``plotly_figure`` draws it for the UI and reports.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from insightchat.tools.results import ChartSpec

MAX_BAR_CATEGORIES = 40


def _is_time(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if series.dtype == object and len(series):
        sample = series.dropna().head(5)
        return bool(len(sample)) and all(hasattr(v, "isoformat") for v in sample)
    return False


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def choose_chart(df: pd.DataFrame | None, title: str = "") -> ChartSpec | None:
    """A chart that fits the result, or None when a table says it better (one row, many columns)."""
    if df is None or df.empty or len(df.columns) == 0:
        return None
    cols = list(df.columns)
    numbers = [c for c in cols if _is_number(df[c])]
    times = [
        c for c in cols if _is_time(df[c]) or str(c).lower() in ("year", "month", "day", "week", "quarter", "date")
    ]
    others = [c for c in cols if c not in numbers and c not in times]
    if len(cols) == 1 and numbers and len(df) >= 10:
        return ChartSpec("histogram", x=cols[0], title=title)
    if len(df) < 2:
        return None
    measures = [c for c in numbers if c not in times]
    if times and measures:
        color = others[0] if others and df[others[0]].nunique() <= 12 else None
        return ChartSpec("line", x=times[0], y=measures[0], color=color, title=title)
    if others and measures and df[others[0]].nunique() <= MAX_BAR_CATEGORIES:
        color = others[1] if len(others) > 1 and df[others[1]].nunique() <= 12 else None
        return ChartSpec("bar", x=others[0], y=measures[0], color=color, title=title)
    if len(measures) >= 2 and len(df) >= 10:
        return ChartSpec("scatter", x=measures[0], y=measures[1], title=title)
    return None


def plotly_figure(df: pd.DataFrame, spec: ChartSpec) -> Any:
    """A plotly figure for ``spec`` over ``df`` (imported lazily: plotly is only needed to draw)."""
    import plotly.express as px

    frame = df.copy()
    frame.columns = [str(c) for c in frame.columns]
    common: dict[str, Any] = {"title": spec.title or None, "template": "plotly_white"}
    if spec.kind == "waterfall":
        fig = _waterfall(frame, spec, common)
    elif spec.kind == "heatmap":
        grid = frame.pivot_table(index=spec.y, columns=spec.x, values=spec.color, aggfunc="sum", sort=False)
        fig = px.imshow(grid, text_auto=True, color_continuous_scale="Blues", aspect="auto", **common)
    elif spec.kind == "histogram":
        fig = px.histogram(frame, x=spec.x, **common)
    elif spec.kind == "line":
        fig = px.line(frame.sort_values(spec.x), x=spec.x, y=spec.y, color=spec.color, markers=True, **common)
    elif spec.kind == "scatter":
        fig = px.scatter(frame, x=spec.x, y=spec.y, color=spec.color, **common)
    elif spec.kind == "pie":
        fig = px.pie(frame, names=spec.x, values=spec.y, **common)
    else:
        frame[spec.x] = frame[spec.x].astype(str)
        fig = px.bar(frame, x=spec.x, y=spec.y, color=spec.color, barmode="group", **common)
    fig.update_layout(margin={"l": 40, "r": 20, "t": 50 if spec.title else 20, "b": 40})
    return fig


def _waterfall(frame: pd.DataFrame, spec: ChartSpec, common: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    steps = frame["step"].tolist() if "step" in frame.columns else ["relative"] * len(frame)
    fig = go.Figure(
        go.Waterfall(
            x=frame[spec.x].astype(str).tolist(),
            y=frame[spec.y].tolist(),
            measure=steps,
            connector={"line": {"color": "#999"}},
            decreasing={"marker": {"color": "#ef553b"}},
            increasing={"marker": {"color": "#00a86b"}},
            totals={"marker": {"color": "#636efa"}},
        )
    )
    fig.update_layout(title=common["title"], template=common["template"], showlegend=False)
    return fig
