"""The builders behind scripts/build_datasets.py, one module per thing they build.

Read in build order: profile, nutrition, canteen (shared facts and calendar), guides, menus,
questions (+ question_tables), dialogues (+ dialogue_tables); common holds the writers.
"""
