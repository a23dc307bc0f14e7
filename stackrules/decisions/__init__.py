"""Typed decision records: what deciding produces, frozen, with one ``to_json()`` each.

``base`` (quantities, provenance, the JSON type), ``audit`` (the audit and the
parts every other decision reuses), ``assess`` (the advanced-standing
statement), ``plan`` (plans, their steps, terms and alternatives), ``explore``
(the ranked rows), ``record`` (the union of them all).
"""
