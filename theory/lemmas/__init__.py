"""The claims of the draft, one module per section, registered in the draft's order on import."""

# The import order is the registry's order, the draft's: never sort it (ruff's I001 is off for this file).

from theory.lemmas import (  # noqa: F401  (each module registers its lemmas)
    notations,
    gradient_ascent,
    ascent_conclusions,
    ascent_reversal,
    single_step_inversion,
    fixed_point,
    commutation,
    order_dependence,
    poisoned_batches,
    unlearning_scope,
    second_order,
    poisoning,
    delta_influence,
    side_remarks,
    aggregation,
)
