"""The lemma registry of the draft and the exact checks behind each lemma's status.

``theory.registry`` holds the lemmas, ``theory.lemmas`` the claims of the draft (one module per
section), ``theory.linear_regression`` and ``theory.logistic_regression`` the step maps they are about.
"""
