"""Documents: validating one document's data against its kind's model, and a learner as validated."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..diagnostics import CODES, Diagnostic, did_you_mean
from .models import KINDS, LearnerDoc, Model
from .positions import Path, SourceMap


@dataclass(frozen=True)
class Learner:
    """A validated learner document, with where it came from."""

    doc: LearnerDoc
    origin: Loaded
    # the bytes of each `verifiable:` holding given as a path, in the order of ``doc.verifiable`` (None: inline)
    badges: tuple[bytes | None, ...] = ()
    # once its credentials are verified: the source of each holding a verified credential added (the last of ``doc.holdings``)
    verified_from: tuple[str, ...] = ()
    # once verified: (catalogue credential, source, reason) for each credential that did not verify but names one the
    # trust list maps (a plan that adds that credential says the learner has a badge for it)
    unverified_claims: tuple[tuple[str, str, str], ...] = ()

    @property
    def id(self) -> str:
        return self.doc.id

    def holding_places(self) -> tuple[str, ...]:
        """Where each of ``doc.holdings`` comes from, as a person finds it.

        ``FILE:LINE`` for a holding written in a learner file, ``holdings[i]``
        (its index in the data given) for a learner given as data, and the
        credential's source (a badge file, or ``FILE:LINE (inline)``) for one
        a verified credential added.
        """
        held = self.doc.holdings
        own = len(held) - len(self.verified_from)
        smap = self.origin.smap
        out = []
        for i in range(own):
            path = ("holdings", i)
            # a learner given as data (`<learner>`, `<request>`) has no lines a person could look up, only synthetic ones
            written = path in smap.values and not smap.file.startswith("<")
            out.append(f"{smap.file}:{smap.span(path).line}" if written else f"holdings[{i}]")
        return (*out, *(f"the verified credential `{source}`" for source in self.verified_from))


def _tupled(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _tupled(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return tuple(_tupled(v) for v in value)
    if isinstance(value, float):
        from decimal import Decimal

        return Decimal(repr(value))
    return value


_CODE_BY_TYPE = {
    "unknown_key": "SR2001",
    "extra_forbidden": "SR2001",
    "missing": "SR2002",
    "missing_key": "SR2002",
    "wrong_type": "SR2003",
    "invalid_value": "SR2004",
    "literal_error": "SR2004",
    "invalid_quantity": "SR2006",
    "invalid_id": "SR2007",
    "invalid_node": "SR2008",
    "invalid_date": "SR2009",
    "invalid_filter": "SR2010",
    "unknown_grade": "SR3012",
    "number_too_large": "SR2011",
    "number_too_precise": "SR2012",
    "date_out_of_range": "SR2013",
}


_TYPE_NAMES = {
    "int": "a whole number",
    "string": "text",
    "tuple": "a list",
    "dict": "a mapping",
    "model": "a mapping",
    "bool": "true or false",
    "float": "a number",
}


@dataclass(frozen=True)
class Loaded:
    """One validated document, where it came from, and its source map."""

    doc: Any
    smap: SourceMap
    # files a document names and stackrules reads with it (an issuer's status lists): as written, then bytes or why not
    attachments: tuple[tuple[str, bytes | str], ...] = ()
    # refused, and validated again without its unknown keys (:func:`parse_recovering`): checked for what it names,
    # never part of a rule base
    recovered: bool = False

    @property
    def file(self) -> str:
        return self.smap.file


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, tuple | list):
        return "a list"
    if isinstance(value, str):
        return f"text `{value}`"
    return f"`{value}`"


def _data_path(data: Any, loc: Sequence[Any]) -> Path:
    """The part of a pydantic ``loc`` that exists in the data (skips union tags)."""
    path: list[str | int] = []
    cur: Any = data
    for el in loc:
        if _has(cur, el):
            path.append(el)
            cur = cur[el]
    return tuple(path)


def _has(container: Any, el: Any) -> bool:
    if isinstance(container, dict):
        return isinstance(el, str) and el in container
    if isinstance(container, tuple | list):
        return isinstance(el, int) and 0 <= el < len(container)
    return False


def validation_diagnostics(exc: ValidationError, data: Any, smap: SourceMap, only: Callable[[Any], bool] | None = None) -> list[Diagnostic]:
    """Turn pydantic's errors into positioned diagnostics, one per place (``only``: of the errors it accepts)."""
    out: list[Diagnostic] = []
    seen: set[Path] = set()
    for err in exc.errors(include_url=False):
        if only is not None and not only(err):
            continue
        etype = str(err["type"])
        ctx: dict[str, Any] = dict(err.get("ctx") or {})
        path = _data_path(data, err["loc"])
        on_key = bool(ctx.get("on_key"))
        given = err.get("input")
        if etype == "too_short" and isinstance(given, list | tuple) and len(given) >= int(ctx.get("min_length", 0)):
            continue  # the list is long enough as written: its items' own errors say what is wrong
        if etype in ("unknown_key", "extra_forbidden"):
            key = ctx.get("key", err["loc"][-1] if err["loc"] else "")
            path = path + (str(key),) if etype == "unknown_key" else path
            on_key = True
            close = ctx.get("suggest") or ()
            help_ = (
                ("did you mean " + " or ".join(f"`{c}`" for c in close) + "?")
                if close
                else ("allowed keys: " + ", ".join(f"`{k}`" for k in ctx.get("allowed", ())) if ctx.get("allowed") else None)
            )
            message = f"unknown key `{key}`"
        elif etype == "missing":
            key = err["loc"][-1]
            message = f"missing key `{key}`"
            help_ = f"add `{key}:`"
        elif etype == "missing_key":
            message = str(err["msg"])
            help_ = f"add `{ctx.get('key')}:`"
        elif etype == "literal_error":
            message = f"{_describe(err.get('input'))} is not allowed here"
            help_ = f"expected {ctx.get('expected')}"
        elif etype == "wrong_type":
            message = str(err["msg"])  # the models' own wording ("an id must be text, `provider:code`", ...)
            help_ = None
        elif etype.endswith("_type") or etype.endswith("_parsing") or etype in ("int_from_float",):
            base = etype.split("_")[0]
            want = _TYPE_NAMES.get(base, base)
            if etype == "int_from_float":
                want = "a whole number"
            message = f"expected {want}, got {_describe(err.get('input'))}"
            help_ = None
            etype = "wrong_type"
        elif etype == "string_too_short":
            message = "the text is empty" if int(ctx.get("min_length", 1)) <= 1 else f"the text is shorter than {ctx.get('min_length')} characters"
            help_ = "write the text here"
            etype = "invalid_value"
        elif etype in ("greater_than_equal", "greater_than", "less_than_equal", "less_than", "too_short", "too_long"):
            message = str(err["msg"]).replace("Input should", "the value should").replace("List should", "the list should")
            help_ = None
            etype = "invalid_value"
        else:
            message = str(err["msg"])
            help_ = None
        at = ctx.get("at")
        if isinstance(at, tuple):
            path = path + at
        close = ctx.get("suggest")
        if etype == "invalid_filter" and close:
            help_ = "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
        code = _CODE_BY_TYPE.get(etype, "SR2004")
        if help_ is None:
            help_ = CODES[code].fix
        if path in seen:
            continue
        seen.add(path)
        out.append(smap.diag(path, code, message, help_, on_key=on_key))
    return out


def parse_document(data: Any, smap: SourceMap, allowed_kinds: Iterable[str] | None = None) -> tuple[Any | None, list[Diagnostic]]:
    """Validate one document's data against the model of its ``kind``."""
    kinds = tuple(allowed_kinds) if allowed_kinds is not None else tuple(KINDS)
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in kinds:
        if kind is None:
            return None, [smap.diag((), "SR2005", "the document has no `kind:`", "add `kind:` with one of " + ", ".join(f"`{k}`" for k in kinds))]
        close = did_you_mean(str(kind), kinds)
        help_ = ("did you mean " + " or ".join(f"`{c}`" for c in close) + "?") if close else "use one of " + ", ".join(f"`{k}`" for k in kinds)
        return None, [smap.diag(("kind",), "SR2005", f"unknown document kind `{kind}`", help_)]
    model: type[Model] = KINDS[str(kind)]
    if kind == "learner":
        if "verifiable" in data:
            return None, [
                smap.diag(
                    ("verifiable",), "SR2001", "unknown key `verifiable`", "a verifiable credential is a holding: `holdings: [{verifiable: PATH}]`", on_key=True
                )
            ]
        data = split_verifiable(data, smap)
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, validation_diagnostics(exc, data, smap)


RECOVERY_ROUNDS = 20  # a node reports one unknown key at a time: rounds of pruning, each finding the next


def parse_recovering(data: Any, smap: SourceMap, allowed_kinds: Iterable[str] | None = None) -> tuple[Any | None, list[Diagnostic], Any | None]:
    """:func:`parse_document`, and for a rule document refused only for unknown keys (a misspelt key, an unknown
    filter attribute), the document validated again without them: ``(None, diagnostics, recovered)``.

    The keys a model does not know are never read, so leaving them out changes nothing the document says. The
    recovered document lets the rule base's checks report, in the same round, what else the document gets wrong
    (an unknown credential, type or level it names: :func:`stackrules.rulebase.checks.recovered_findings`);
    before, those came only once the unknown keys were fixed. A node reports its first unknown key only, and
    fields beside it are validated once it is gone: each round's new errors are reported too (they are in the
    document as written), and recovery stops at the first error that leaving out a key cannot mend.
    """
    kinds = tuple(allowed_kinds) if allowed_kinds is not None else tuple(KINDS)
    doc, diags = parse_document(data, smap, kinds)
    if doc is not None or not isinstance(data, dict) or data.get("kind") not in kinds or data.get("kind") == "learner":
        return doc, diags, None
    model: type[Model] = KINDS[str(data["kind"])]
    seen = {(d.line, d.column, d.code) for d in diags}
    for round_ in range(RECOVERY_ROUNDS):
        try:
            recovered = model.model_validate(data)
        except ValidationError as exc:
            paths = _prunable(exc, data)
            if round_:  # (the first round's errors are parse_document's)
                # with keys still to leave out, every error is one; else only errors in a value as written
                for d in validation_diagnostics(exc, data, smap, None if paths else _as_written(data)):
                    if (d.line, d.column, d.code) not in seen:
                        seen.add((d.line, d.column, d.code))
                        diags.append(d)
            if not paths:
                return None, diags, None
            data = _without(data, paths)
            continue
        # (valid as written: parse_document refused it for a reason of its own, not the model's)
        return None, diags, recovered if round_ else None
    return None, diags, None


def _as_written(data: Any) -> Callable[[Any], bool]:
    """Whether a validation error of ``data`` (a rule document less unknown keys) is in a value its author wrote.

    Such an error is an unknown key, or one of a value at a key the document has (a wrong type, a value not
    allowed), never a missing key nor an error of a whole mapping (a node's form): those may follow from a key
    left out, as a misspelt required key leaves its key missing.
    """

    def written(err: Any) -> bool:
        etype = str(err["type"])
        if etype in ("missing", "missing_key"):
            return False
        if etype in ("unknown_key", "extra_forbidden", "invalid_filter"):
            return True  # a key as written
        cur: Any = data
        last = False  # whether the error's last place is in the document (a union's tag names are skipped)
        for el in err["loc"]:
            last = _has(cur, el)
            if last:
                cur = cur[el]
        return last and not isinstance(cur, dict)

    return written


def _prunable(exc: ValidationError, data: Any) -> list[Path] | None:
    """The paths of the keys to leave out when every error of ``exc`` is an unknown key (else None)."""
    out: list[Path] = []
    for err in exc.errors(include_url=False):
        etype = str(err["type"])
        ctx: dict[str, Any] = dict(err.get("ctx") or {})
        path = _data_path(data, err["loc"])
        if etype == "unknown_key":
            key = ctx.get("key", err["loc"][-1] if err["loc"] else "")
            out.append(path + (str(key),))
        elif etype == "extra_forbidden" and path and isinstance(path[-1], str):
            out.append(path)
        elif etype == "invalid_filter" and ctx.get("on_key") and isinstance(ctx.get("at"), tuple) and ctx["at"]:
            out.append(path + ctx["at"])
        else:
            return None
    return out


def _without(data: Any, paths: list[Path]) -> Any:
    """A copy of ``data`` without the mapping keys at ``paths`` (a key's path ends with its name, compared as text)."""
    heads: dict[str | int, list[Path]] = {}
    drop: set[str] = set()
    for path in paths:
        if len(path) == 1:
            drop.add(str(path[0]))
        elif path:
            heads.setdefault(path[0], []).append(path[1:])
    if isinstance(data, dict):
        return {k: _without(v, heads[k]) if k in heads else v for k, v in data.items() if str(k) not in drop}
    if isinstance(data, list | tuple):
        items = [_without(v, heads[i]) if i in heads else v for i, v in enumerate(data)]
        return tuple(items) if isinstance(data, tuple) else items
    return data


def split_verifiable(data: dict[str, Any], smap: SourceMap) -> dict[str, Any]:
    """Move ``holdings`` entries that are ``{verifiable: ...}`` to the learner's ``verifiable`` list.

    The source map is changed in place to match, so every diagnostic about a
    holding still points at the line the author wrote: plain holdings keep
    ``("holdings", j)`` for their new index j, verifiable ones answer to
    ``("verifiable", k)``.
    """
    holdings = data.get("holdings")
    if not isinstance(holdings, tuple) or not any(isinstance(h, dict) and "verifiable" in h for h in holdings):
        return data
    moves: dict[Path, Path] = {}
    plain: list[Any] = []
    verifiable: list[Any] = []
    for i, h in enumerate(holdings):
        if isinstance(h, dict) and "verifiable" in h:
            moves[("holdings", i)] = ("verifiable", len(verifiable))
            verifiable.append(h)
        else:
            moves[("holdings", i)] = ("holdings", len(plain))
            plain.append(h)
    smap.values = {_moved(p, moves): v for p, v in smap.values.items()}
    smap.keys = {_moved(p, moves): v for p, v in smap.keys.items()}
    return {**data, "holdings": tuple(plain), "verifiable": tuple(verifiable)}


def _moved(path: Path, moves: dict[Path, Path]) -> Path:
    head = tuple(path[:2])
    return moves[head] + tuple(path[2:]) if head in moves else tuple(path)
