"""The long runs that fill ``results/``, one per lesson that shows them (``python -m course_lib.runs.<name>``).

``lesson06_sweeps`` (``make sweeps``), ``lesson07_evaluation`` (``make evaluation``), ``lesson09_rag`` and
``lesson10_retrieval`` (``make rag-evaluation``), ``lesson11_benchmark`` (``make benchmark``). Each writes a
committed JSON file that the notebook reads with the run's date and command; learners read the concept
packages, not these drivers.
"""
