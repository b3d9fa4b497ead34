"""The claims of the draft, one module per section, registered in the draft's order on import."""

from theory.lemmas import (  # noqa: F401  (each module registers its lemmas)
    aggregation,
    ascent_conclusions,
    ascent_reversal,
    commutation,
    delta_influence,
    fixed_point,
    gradient_ascent,
    notations,
    order_dependence,
    poisoned_batches,
    poisoning,
    second_order,
    side_remarks,
    single_step_inversion,
    unlearning_scope,
)
