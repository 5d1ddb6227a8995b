"""Customer-support triage: intent, urgency, sentiment, language, duplicates, similar tickets and a queue per ticket.

``triage_table`` runs everything and stores the results as derived columns of the ticket table, so chat
questions such as "average urgency_score by channel" are plain SQL afterwards. The weights and the routing
live in a TOML file (``default.toml`` here; ``examples/routing.toml`` is a starting point).
"""

from insightchat.tools.triage.config import TriageConfig, TriageConfigError, load_config
from insightchat.tools.triage.learning import Evaluation, TriageModel, add_correction, load_corrections
from insightchat.tools.triage.run import TriageOptions, TriageResult, triage_table
from insightchat.tools.triage.summary import TriageSummary

__all__ = [
    "Evaluation",
    "TriageConfig",
    "TriageConfigError",
    "TriageModel",
    "TriageOptions",
    "TriageResult",
    "TriageSummary",
    "add_correction",
    "load_config",
    "load_corrections",
    "triage_table",
]
