"""Cohorts: many learners decided in one batch, a rule change's impact, cohort analytics.

Built on the public API only (:class:`~stackrules.engine.Engine`, :func:`~stackrules.engine.load`,
:func:`~stackrules.source.learners.load_learner`), above the facade and below the command line:

- :mod:`.inputs` reads a cohort (a folder of learner files, JSON lines, a CSV of holdings);
  a bad learner is an error row, never the end of the batch.
- :mod:`.batch` decides every learner on local worker processes or a Dask cluster and
  streams the results back in input order; :mod:`.output` writes and resumes them.
- :mod:`.impact` decides a cohort under two rule bases and reports who changes.
- :mod:`.report` computes cohort figures from decisions (pure); :mod:`.charts` draws them.
"""
