"""The claims of the draft, one module per section, registered in the draft's order on import."""

from theory.lemmas import gradient_ascent  # noqa: F401
