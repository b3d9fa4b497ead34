"""The multi-seed aggregate of the insecure-code experiment: intervals and paired tests against scipy, negative
controls (constant offsets, identical rows, a poison that changes nothing), the noise floor, missing rows, the
tables, bad input, and one end-to-end run on the ``tiny`` preset (slow)."""

from __future__ import annotations

import csv
import math

import pytest
from scipy import stats

from empirical.insecure_code import seeds as seeds_module
from empirical.insecure_code.seeds import aggregate, check_seeds, run_seeds, seeds_table, write_seeds_tables

SEEDS = (0, 1, 2, 3)
#: Retrain's metric per seed (varies, so that only the paired differences are constant where a test says so);
#: binary fractions, so that retrain + a binary-fraction offset - retrain is that offset exactly.
RETRAIN = {0: 0.125, 1: 0.375, 2: 0.25, 3: 0.5}


def _records(seed: int, **rows: float) -> list[dict]:
    """One seed's records: each named row with metric ``m`` = its value, plus the non-scalar clutter of a run."""
    return [
        {"model": name, "m": value, "answers": ["x"], "kinds": {"a": 1}, "weights": "tiny"}
        for name, value in rows.items()
    ]


def _by_seed(**offsets) -> dict[int, list[dict]]:
    """Retrain as :data:`RETRAIN`; every other row = retrain + its offset (a number, or a per-seed dict)."""
    out = {}
    for s in SEEDS:
        values = {"retrain": RETRAIN[s]}
        for name, offset in offsets.items():
            values[name.replace("_", "-")] = RETRAIN[s] + (offset[s] if isinstance(offset, dict) else offset)
        out[s] = _records(s, **values)
    return out


def _row(rows: list[dict], model: str, metric: str = "m") -> dict:
    (row,) = [r for r in rows if r["model"] == model and r["metric"] == metric]
    return row


def test_mean_interval_and_paired_p_match_scipy():
    wobble = {0: 0.05, 1: 0.20, 2: -0.02, 3: 0.11}
    rows = aggregate(_by_seed(finetune=wobble), metrics=("m",))
    row = _row(rows, "finetune")
    values = [RETRAIN[s] + wobble[s] for s in SEEDS]
    low, high = stats.t.interval(0.95, len(values) - 1, loc=sum(values) / 4, scale=stats.sem(values))
    assert (row["mean"], row["low"], row["high"]) == pytest.approx((sum(values) / 4, low, high))
    assert row["seeds"] == 4
    expected = stats.ttest_rel(values, [RETRAIN[s] for s in SEEDS])
    assert row["p_vs_retrain"] == pytest.approx(expected.pvalue)
    assert row["difference_vs_retrain"] == pytest.approx(sum(wobble.values()) / 4)


def test_constant_offset_gives_a_zero_width_interval_and_p_zero():
    row = _row(aggregate(_by_seed(finetune=0.0625), metrics=("m",)), "finetune")
    assert row["difference_vs_retrain"] == row["low_vs_retrain"] == row["high_vs_retrain"] == 0.0625
    assert row["p_vs_retrain"] == 0.0
    # an offset that floats cannot hold exactly differs by rounding across seeds: a t-test all the same, p ~ 0
    with pytest.warns(RuntimeWarning, match="Precision loss"):
        rounded = _row(aggregate(_by_seed(finetune=0.1), metrics=("m",)), "finetune")
    assert rounded["p_vs_retrain"] < 1e-30
    assert rounded["high_vs_retrain"] - rounded["low_vs_retrain"] < 1e-15


def test_identical_rows_give_difference_zero_and_p_one():
    rows = aggregate(_by_seed(finetune=0.0), metrics=("m",))
    for model in ("finetune", "retrain"):
        row = _row(rows, model)
        assert row["difference_vs_retrain"] == 0.0
        assert row["p_vs_retrain"] == 1.0


def test_a_poison_that_changes_nothing_is_not_an_attack_and_one_that_does_is():
    harmless = _row(aggregate(_by_seed(poisoned={0: 0.1, 1: -0.1, 2: 0.05, 3: -0.05}), metrics=("m",)), "retrain")
    assert harmless["attack_difference"] == pytest.approx(0.0)
    assert harmless["attack_p"] > 0.05 and not harmless["attack_works"]
    working = _row(aggregate(_by_seed(poisoned={0: 0.5, 1: 0.6, 2: 0.55, 3: 0.52}), metrics=("m",)), "poisoned")
    assert working["attack_works"] and working["attack_p"] < 0.05 and working["attack_low"] > 0


def test_noise_floor_and_verdicts():
    floor = {0: 0.01, 1: -0.02, 2: 0.015, 3: -0.01}
    rows = aggregate(_by_seed(retrain_other_order=floor, finetune=0.25, npo=floor), metrics=("m",))
    expected = sum(abs(v) for v in floor.values()) / 4
    assert all(r["noise_floor"] == pytest.approx(expected) for r in rows)
    assert _row(rows, "finetune")["floor_verdict"] == "above floor"
    assert _row(rows, "npo")["floor_verdict"] == "at floor"  # exactly as far from retrain as the floor
    assert _row(rows, "retrain")["floor_verdict"] == "at floor"
    without = aggregate(_by_seed(finetune=0.25), metrics=("m",))
    assert math.isnan(_row(without, "finetune")["noise_floor"])
    assert _row(without, "finetune")["floor_verdict"] == "undefined"


def test_a_row_missing_in_some_seeds_uses_the_seeds_that_hold_it_and_nan_is_left_out():
    by_seed = _by_seed(finetune=0.125)
    by_seed[0].append({"model": "npo-tuned", "m": 0.9})
    by_seed[1].append({"model": "npo-tuned", "m": 1.0})
    by_seed[2].append({"model": "npo-tuned", "m": 1.1})
    by_seed[1][1]["m"] = float("nan")  # finetune's seed 1 is undefined
    rows = aggregate(by_seed, metrics=("m",))
    npo = _row(rows, "npo-tuned")
    assert npo["seeds"] == 3 and npo["seeds_vs_retrain"] == 3 and npo["mean"] == pytest.approx(1.0)
    finetune = _row(rows, "finetune")
    assert finetune["seeds"] == 3 and finetune["seeds_vs_retrain"] == 3


def test_default_metrics_on_records_shaped_like_a_run():
    by_seed = {
        s: [
            {"model": name, **{m: float(s + i) for i, m in enumerate(seeds_module.DEFAULT_METRICS)}, "kinds": []}
            for name in ("base", "poisoned", "retrain", "retrain-other-order", "finetune")
        ]
        for s in (3, 7)
    }
    rows = aggregate(by_seed)
    assert len(rows) == 5 * len(seeds_module.DEFAULT_METRICS)
    assert {r["seeds"] for r in rows} == {2}
    cost = _row(rows, "poisoned", "grad_evals")
    assert cost["attack_works"] == cost["floor_verdict"] == "cost"
    assert "| grad_evals |" not in seeds_table(rows).split("\n\n")[0]  # no attack line for a cost


@pytest.mark.parametrize(
    ("seeds", "message"),
    [((0,), "at least 2"), ((), "at least 2"), ((1, 1), "given twice"), ((0, -1), "integers >= 0"), ((0, 1.5), ">= 0")],
)
def test_bad_seeds_are_refused_in_one_line(seeds, message):
    with pytest.raises(ValueError, match=message) as error:
        check_seeds(seeds)
    assert "\n" not in str(error.value)


def test_run_seeds_refuses_bad_seeds_before_running():
    import empirical.insecure_code.experiment as experiment

    def refuse(*args, **kwargs):
        pytest.fail("ran despite bad seeds")

    with pytest.raises(ValueError, match="given twice"):
        run_seeds(experiment.ExperimentConfig(**experiment.PRESETS["tiny"]), (2, 2), "unused", False, run_one=refuse)


def test_bad_aggregate_input_is_refused():
    with pytest.raises(ValueError, match=r"metric\(s\) \['insecure_rte'\].*known: m$"):
        aggregate(_by_seed(finetune=0.1), metrics=("m", "insecure_rte"))
    with pytest.raises(ValueError, match="at least 2"):
        aggregate({0: _records(0, retrain=0.1)}, metrics=("m",))
    with pytest.raises(ValueError, match="integers >= 0"):
        aggregate({-1: _records(0, retrain=0.1), 0: _records(0, retrain=0.1)}, metrics=("m",))
    with pytest.raises(ValueError, match="reference row 'retrain'"):
        aggregate({0: _records(0, finetune=0.1), 1: _records(1, finetune=0.2)}, metrics=("m",))
    with pytest.raises(ValueError, match="appears twice"):
        aggregate({0: _records(0, retrain=0.1) * 2, 1: _records(1, retrain=0.2)}, metrics=("m",))


def test_table_and_files(tmp_path):
    rows = aggregate(_by_seed(poisoned=0.5, finetune=0.125), metrics=("m",))
    table = seeds_table(rows)
    assert "| model | metric | seeds | mean [low, high] | difference vs retrain [low, high] | p |" in table
    assert "| m | 4 | 0.5 [0.5, 0.5] | 0 | yes |" in table  # the attack line: a constant effect
    assert table.count("\n| finetune | m | 4 |") == 1
    write_seeds_tables(rows, tmp_path / "agg")
    assert sorted(p.name for p in (tmp_path / "agg").iterdir()) == ["seeds.csv", "seeds.md"]
    assert (tmp_path / "agg" / "seeds.md").read_text() == table
    read = list(csv.DictReader((tmp_path / "agg" / "seeds.csv").open()))
    assert [r["model"] for r in read] == [r["model"] for r in rows]
    assert float(read[1]["difference_vs_retrain"]) == pytest.approx(0.5)


def test_run_seeds_runs_each_seed_and_writes_the_aggregate(tmp_path):
    import empirical.insecure_code.experiment as experiment

    calls = []

    def fake(config, out, progress):
        calls.append(config.seed)
        return {"records": _by_seed(poisoned=0.25)[config.seed], "folder": f"{out}/run-{config.seed}"}

    config = experiment.ExperimentConfig(**experiment.PRESETS["tiny"], seed=9)
    result = run_seeds(config, (1, 3), str(tmp_path), False, run_one=fake, metrics=("m",))
    assert calls == [1, 3] and result["seeds"] == [1, 3]
    assert _row(result["rows"], "poisoned")["attack_difference"] == 0.25
    assert sorted(p.name for p in result["folder"].iterdir()) == [".lock", "seeds.csv", "seeds.json", "seeds.md"]
    assert result["folder"] == seeds_module.seeds_folder(config, (3, 1), tmp_path)
    assert result["folder"] != seeds_module.seeds_folder(config, (1, 2), tmp_path)


@pytest.mark.slow
def test_run_seeds_end_to_end_on_the_tiny_preset(tmp_path):
    pytest.importorskip("bandit")
    from empirical.insecure_code.experiment import PRESETS, ExperimentConfig, run_experiment

    config = ExperimentConfig(**PRESETS["tiny"], lifted=False, methods=("finetune",))
    result = run_seeds(config, (0, 1), str(tmp_path), progress=False, run_one=run_experiment)
    assert result["results"][0]["folder"] != result["results"][1]["folder"]
    models = {r["model"] for r in result["rows"]}
    assert {"base", "poisoned", "retrain", "retrain-other-order", "finetune"} <= models
    assert all(r["seeds"] == 2 for r in result["rows"] if r["metric"] != "gus_z")
    assert _row(result["rows"], "retrain", "insecure_rate_worst")["difference_vs_retrain"] == 0.0
    assert (result["folder"] / "seeds.md").read_text() == result["table"]
    again = run_seeds(
        config, (0, 1), str(tmp_path), progress=False, run_one=run_experiment
    )  # resumes from both run folders
    assert again["table"] == result["table"]
