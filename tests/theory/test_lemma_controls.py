"""Every check written for issue 19 can fail: on a perturbed statement (or the other side of its premise) the same
predicate gives the other answer. One test per check, next to the case it passes on."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy

from theory.checking.building_blocks import is_zero, symbolic_vector
from theory.lemmas import (
    ascent_reversal,
    commutation,
    delta_influence,
    fixed_point,
    gradient_ascent,
    poisoning,
    side_remarks,
    single_step_inversion,
)


def test_psi_modulus_rejects_the_unsigned_constant():
    case = fixed_point._NEGATIVE_LR_PAIR
    assert fixed_point._psi_modulus(case, absolute=True).holds
    assert not fixed_point._psi_modulus(case, absolute=False).holds
    assert fixed_point._psi_modulus({**case, "lr": 2.0}, absolute=False).holds  # lr > 0: the two statements agree


def test_contraction_criterion_rejects_the_unsigned_criterion():
    case = fixed_point._NEGATIVE_LR_CASE
    assert fixed_point._contraction_criterion(case, absolute=True).holds
    assert not fixed_point._contraction_criterion(case, absolute=False).holds
    assert fixed_point._contraction_criterion({**case, "lr": 0.5}, absolute=False).holds


def test_neumann_criterion_rejects_the_unsigned_criterion():
    case = single_step_inversion._NEGATIVE_LR_NEUMANN
    assert single_step_inversion._neumann_criterion(case, absolute=True).holds
    assert not single_step_inversion._neumann_criterion(case, absolute=False).holds
    assert single_step_inversion._neumann_criterion({**case, "lr": -0.5}, absolute=False).holds  # |q| < 1: converges


def test_continuity_probe_finds_the_relu_jump_and_refutes_only_through_linear_regression():
    found = fixed_point._psi_not_continuous(fixed_point.RELU_KINK)
    assert found.holds and found.premises_met and "jumps at a" in found.detail
    away = fixed_point._psi_not_continuous({**fixed_point.RELU_KINK, "theta": [1.0]})
    assert not away.premises_met  # a ReLU unit continuous at one point refutes nothing
    assert not fixed_point._psi_not_continuous(fixed_point._LINEAR_INSTANCE).holds


def test_l1_step_contracts_along_x_but_not_on_x_perp():
    assert fixed_point._l1_contracts(fixed_point.L1_PAIR_ALONG_X).holds
    assert not fixed_point._l1_contracts(fixed_point._L1_PAIR).holds


def test_draft_tilde_limit_holds_without_label_and_fails_with_one():
    case = single_step_inversion._DRAFT_TILDE_CASE
    assert single_step_inversion._draft_tilde_limit({**case, "y": 0.0}).holds
    assert not single_step_inversion._draft_tilde_limit(case).holds


def test_gradient_is_the_displacement_only_for_unit_inputs():
    assert commutation._gradient_is_displacement({"theta": [0.0], "x": [1.0], "y": 1.0, "lr": 1.0}).holds
    assert not commutation._gradient_is_displacement(commutation._SCALED_CASE).holds


def test_cross_example_bound_is_sharp_and_needs_stability():
    near_two = {"theta": [0.0], "x": [1.0], "y": 1.0, "lr": 1.99}
    assert gradient_ascent.ascent_error_within_loss_bound(near_two, stable=True).holds
    assert not gradient_ascent.ascent_error_within_loss_bound(near_two, stable=True, constant=3.9).holds  # perturbed
    assert not gradient_ascent.ascent_error_within_loss_bound(gradient_ascent.UNSTABLE_CASE, stable=True).premises_met
    assert not gradient_ascent.ascent_error_within_loss_bound(gradient_ascent.UNSTABLE_CASE, stable=False).holds


def test_replay_determinant_is_checked_against_its_formula():
    case = {"theta": [1.0, 2.0], "lr": 0.25, "xs": [[1.0, 0.0], [1.0, 1.0]], "ys": [0.0, 1.0]}
    assert ascent_reversal._replay_not_identity(case).holds
    with mpmath.workdps(60):
        c = ascent_reversal._mp_run(case)
        determinant = mpmath.det(ascent_reversal._replay_linear_part(c))
        wrong = mpmath.fprod([1 - c["lr"] * x.dot(x) for x in c["xs"]])  # a perturbed formula, prod (1 - q_t)
        assert abs(determinant - wrong) > mpmath.mpf(10) ** -10
    assert not ascent_reversal._replay_not_identity({**case, "lr": 2.0}).premises_met  # q_t outside (0, 1)


def test_copysign_mean_rejects_sign_at_a_zero_coordinate():
    assert poisoning._copysign_coordinate_mean({"g0": 0.0}).holds
    assert poisoning._copysign_coordinate_mean({"g0": -0.0}).holds
    assert not poisoning._copysign_coordinate_mean({"g0": 0.0}, np.sign).holds  # the statement before the premise
    assert poisoning._copysign_coordinate_mean({"g0": -2.0}, np.sign).holds  # agrees away from 0


def test_span_proof_rejects_a_vector_outside_the_span():
    a, b, c = (symbolic_vector(name, 3) for name in "abc")
    s, t = sympy.symbols("s t", real=True)
    assert fixed_point is not None and not is_zero(sympy.Matrix.hstack(a, b, s * a + t * b + c).det())
    from theory.lemmas.ascent_conclusions import _prove_span_at_most_two, _span_dimension_large

    assert _prove_span_at_most_two()
    assert _span_dimension_large({"g0": [1.0, 2.0, 3.0], "g1": [2.0, 4.0, 6.0]}).detail.startswith("dim V_z = 1")


def test_no_train_factor_predicate_passes_a_cost_without_train_factor():
    lissa = delta_influence._no_train_factor(lambda n, c: delta_influence.lissa_inverse_hvp_cost(5, 3, c["d"]), "d")
    cg = delta_influence._no_train_factor(lambda n, c: delta_influence.cg_inverse_hvp_cost(n, c["d"], c["k"]), "d")
    case = {"C": 100, "d": 10, "k": 2, "n_poison": 1}
    assert lissa(case).holds and not cg(case).holds


def test_maximiser_and_cosine_checks_hold_where_the_statement_does():
    agree = {"theta": [1.0, 1.0], "y": 0.0, "M": 1.0, "x": [1.0, 1.0]}
    assert side_remarks._same_maximiser(agree).holds
    assert not side_remarks._same_maximiser(side_remarks._MAXIMISER_CASE).holds
    same_point = {**side_remarks._RIDGE_CASE, "x2": [0.0, 1.0], "y2": 1.0}
    assert side_remarks._cosine_free_of_z(same_point).holds
    assert not side_remarks._cosine_free_of_z(side_remarks._RIDGE_CASE).holds


def test_robust_witness_and_smooth_network():
    assert not side_remarks._robust_is_lipschitz({"L": 1e6}).holds
    assert side_remarks._curvature_needed({"k": 1000.0, "eps": 0.1}).holds
    assert not side_remarks._no_smooth_approximant({"k": 1.0, "eps": 0.01}).holds


def test_sympy_proofs_written_for_issue_19_reject_a_perturbed_statement():
    """Each proof, run on its statement, goes through; run on a perturbed statement (one constant or term changed),
    the same proof code says no."""
    assert delta_influence._prove_defender_bound() and not delta_influence._prove_defender_bound(offset=1)
    assert delta_influence._prove_lissa_no_train_factor()
    assert not delta_influence._prove_lissa_no_train_factor(lambda n, d, r, b: 2 * r * n * d)  # the CG cost
    assert gradient_ascent._prove_cross_example_bound() and not gradient_ascent._prove_cross_example_bound(7)
    assert ascent_reversal._prove_replay_determinant() and not ascent_reversal._prove_replay_determinant(2)
    assert side_remarks._prove_curvature_bound() and not side_remarks._prove_curvature_bound(4)
    assert side_remarks._prove_hessian_cost() and not side_remarks._prove_hessian_cost(3)
    assert side_remarks._prove_gradient_of_loss() and not side_remarks._prove_gradient_of_loss(1)
    assert side_remarks._prove_notation() and not side_remarks._prove_notation(moved_point=False)
