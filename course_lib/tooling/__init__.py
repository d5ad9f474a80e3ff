"""Tooling around the course, not part of what a lesson teaches.

``doctor`` (check a machine), ``launch`` (Binder and Colab links, the Colab set-up cell), ``classroom``
(JupyterHub configs and limits from the measured budgets), ``editions`` (learner and instructor
editions) and ``runtime`` (process settings the notebooks' first cell applies).
"""
