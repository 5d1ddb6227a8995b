"""Summary reports: profile, ranked findings with their SQL and charts, text sections, a checked summary.

``build_report(ws, table)`` makes a :class:`Report`; ``write_report(report, path)`` renders it as one
self-contained HTML file, Markdown with PNG charts beside it, or PDF (by the file's suffix).
"""

from insightchat.tools.report.build import build_report
from insightchat.tools.report.model import Finding, Report

__all__ = ["Finding", "Report", "build_report"]
