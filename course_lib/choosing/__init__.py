"""Choosing an approach (lessons 03 and 11): the decision guide, the evidence behind it, cost, literature.

Modules: ``rules`` (the questionnaire's questions, points and claims, as data); ``evidence`` (what the
course measured for each rule and claim); ``decide`` (the recommendation and the questionnaire);
``cost`` (long-term cost from measured timings); ``literature`` (published results beside the course's).
"""
