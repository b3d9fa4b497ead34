"""The mathematics the lemmas are about, as code the checks and the simulations share.

* :mod:`~theory.models.linear_regression`, :mod:`~theory.models.logistic_regression` -- the step maps
  ``Phi_z = id - lambda g_z`` of the draft's models (draft, "Notations" and "The case of linear regression");
* :mod:`~theory.models.second_order` -- second-order forms of a step for any smooth loss;
* :mod:`~theory.models.aggregation` -- robust aggregators, the streaming median, median unlearning ("Poisoned batches").

May import :mod:`theory.support`; never the registry, the lemmas or the paper tools.
"""
