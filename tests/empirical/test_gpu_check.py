"""The GPU script end to end on the CPU with --tiny sizes: every check on ResNet18 and LLaMA."""

from __future__ import annotations

import json

from empirical.checks import CHECKS
from empirical.gpu_check import NOT_IN_GPU_PLAN, PROFILES, main


def test_gpu_check_tiny_end_to_end(tmp_path, capsys):
    out, figures = tmp_path / "out", tmp_path / "figures"
    assert (
        main(
            [
                "--tiny",
                "--device",
                "cpu",
                "--out",
                str(out),
                "--fig-dir",
                str(figures),
                "--cifar",
                str(tmp_path / "no-cifar"),
            ]
        )
        == 0
    )
    report = json.loads((out / "summary.json").read_text())
    assert report["skipped"] == []
    ran = {(n["family"], n["check"]) for n in report["numbers"]}
    planned = {family: set(PROFILES["tiny"][family]) for family in ("resnet", "llama")}
    assert ran == {(family, check) for family, checks in planned.items() for check in checks}
    for check in set(CHECKS) - set(NOT_IN_GPU_PLAN):
        assert (out / check / "results.csv").is_file()
    for family, name in (("resnet", "resnet18_cifar-synthetic"), ("llama", "llama_tokens")):
        for check in planned[family]:
            assert (figures / f"{check}_{name}.png").is_file()
    assert "summary (key numbers" in capsys.readouterr().out


def test_every_profile_setting_is_a_known_check_setting():
    """The full GPU profile cannot be run here; its settings at least resolve against the checks' defaults."""
    from empirical.checks import resolve_settings
    from empirical.gpu_check import NOT_IN_GPU_PLAN, PROFILES

    for profile in PROFILES.values():
        # every check runs in some family (the poisoning checks need image classification: ResNet only),
        # or is named, with its reason, among the checks the GPU plan leaves out
        assert set(profile["resnet"]) | set(profile["llama"]) | set(NOT_IN_GPU_PLAN) == set(CHECKS)
        assert not set(NOT_IN_GPU_PLAN) & (set(profile["resnet"]) | set(profile["llama"]))
        for family in ("resnet", "llama"):
            for check, settings in profile[family].items():
                resolve_settings(CHECKS[check], settings)
