"""What the LLM planner's rule tables share: which models a rule is for.

Why: the sanity checks (sanity.CHECKS) and the repairs (repair.REPAIRS) are tables of named rules
run in order by one loop each, the way sqlglot's optimizer runs its RULES. Some rules fit every
model; others catch mistakes only small models make and would refuse or rewrite a strong model's
deliberate choice (``'United States'`` for "American"), so each rule names its scope.
"""

from __future__ import annotations

from enum import Enum


class Scope(Enum):
    """The models a rule runs for."""

    EVERY_MODEL = "every model"
    SMALL_MODELS = "small models only"

    def runs_for(self, small_model: bool) -> bool:
        """Whether a rule of this scope runs for a model that is (or is not) small."""
        return self is Scope.EVERY_MODEL or small_model
