"""Reading a learner: from a YAML file or from a dict (as JSON would give)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from ..errors import LearnerError
from ..language.documents import Learner, Loaded, _tupled, parse_document
from ..language.positions import SourceMap
from .files import read_document


def load_learner(source: str | os.PathLike[str] | dict[str, Any]) -> Learner:
    """A learner from a YAML file or from a dict (as JSON would give)."""
    if isinstance(source, dict):
        data = _tupled(source)
        data.setdefault("kind", "learner")
        smap = SourceMap("<learner>", ())
        doc, diags = parse_document(data, smap, ("learner",))
        if doc is None:
            raise LearnerError(diags)
        return Learner(doc, Loaded(doc, smap))
    loaded, diags = read_document(Path(source), ("learner",))
    if loaded is None:
        raise LearnerError(diags or [Diagnostic(str(source), 1, 1, "SR1011", "not a learner document", None)])
    return Learner(loaded.doc, loaded)
