"""The claims of the draft, one module per section, registered in the draft's order on import."""

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
