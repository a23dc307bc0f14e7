"""stackrules: an exact engine for stackable credentials and credit transfer.

>>> import stackrules, datetime
>>> engine = stackrules.load()                          # the shipped rule base
>>> learner = stackrules.load_learner("examples/learners/amira.yaml")
>>> engine.audit(learner, "exu:BIT", as_of=datetime.date(2026, 11, 28)).status
'met'
"""

from ._version import __version__
from .compile.graph import Towards, TowardsRow
from .decision import Decision
from .diagnostics import Diagnostic
from .engine import Engine, load
from .errors import LearnerError, RequestError, RuleBaseError, StackrulesError, VerificationError
from .language.documents import Learner
from .language.models import CatalogDoc, Credential, CreditRuleDoc, CreditSystemsDoc, CrosswalkDoc, FrameworkDoc, LearnerDoc, QualificationDoc, Requirement
from .language.quantity import Quantity
from .source.learners import load_learner

__all__ = [
    "CatalogDoc",
    "Credential",
    "CreditRuleDoc",
    "CreditSystemsDoc",
    "CrosswalkDoc",
    "Decision",
    "Diagnostic",
    "Engine",
    "FrameworkDoc",
    "Learner",
    "LearnerDoc",
    "LearnerError",
    "QualificationDoc",
    "Quantity",
    "RequestError",
    "Requirement",
    "RuleBaseError",
    "StackrulesError",
    "Towards",
    "TowardsRow",
    "VerificationError",
    "__version__",
    "load",
    "load_learner",
]
