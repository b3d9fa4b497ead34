""".ci/install on machines other than CI's: a non-root user without apt-get, an unreachable PyTorch CPU index.

The script's probes are overridable (``NONCOMMUTE_UID``, ``NONCOMMUTE_PYTHON``, ``NONCOMMUTE_TORCH_INDEX``, the
tools found on ``PATH``) and ``NONCOMMUTE_INSTALL_DRY_RUN=1`` runs every probe but prints the install commands
instead of running them, so these tests simulate a machine in seconds without reinstalling anything.
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / ".ci" / "install"
#: the commands the script needs besides its optional tools (no apt-get, sudo, TeX, poppler or chromium)
BASIC_TOOLS = ("bash", "dirname", "uname", "id", "cat", "env")


def _bare_path(folder: Path, **stubs: str) -> str:
    """A PATH holding only the basic tools, plus ``stubs`` (name -> shell script body)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in BASIC_TOOLS:
        found = shutil.which(name)
        assert found, f"{name} is needed to run .ci/install"
        (folder / name).symlink_to(found)
    for name, body in stubs.items():
        (folder / name).write_text(f"#!{shutil.which('bash')}\n{body}\n")
        (folder / name).chmod(0o755)
    return str(folder)


def _closed_port() -> int:
    with socket.socket() as probe:  # bound then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _install(tmp_path: Path, path: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": path,
        "HOME": str(tmp_path),
        "NONCOMMUTE_INSTALL_DRY_RUN": "1",
        "NONCOMMUTE_PYTHON": sys.executable,
        "NONCOMMUTE_UID": "1000",
        "NONCOMMUTE_TORCH_INDEX": f"http://127.0.0.1:{_closed_port()}/whl/cpu",
        **env,
    }
    return subprocess.run(
        [shutil.which("bash"), str(INSTALL), str(tmp_path / "venv")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_non_root_user_without_apt_get_gets_notices_rc_0_and_theory_verify_runs(tmp_path):
    path = _bare_path(tmp_path / "bin")
    run = _install(tmp_path, path)
    assert run.returncode == 0, run.stderr
    notices = [line for line in run.stderr.splitlines() if line.startswith("notice:")]
    assert any("TeX (pdflatex" in line and "no apt-get" in line and "brew install" in line for line in notices)
    assert any("chromium" in line and "no apt-get" in line for line in notices)
    assert all(line.startswith("notice:") for line in run.stderr.splitlines()), run.stderr  # one line each
    assert "apt-get" not in run.stdout  # nothing tried
    assert "pip install --quiet -e .[dev]" in run.stdout and "dry run: nothing installed" in run.stdout
    # what the install skipped is not needed to check the lemmas: verify runs on the same bare PATH
    verify = subprocess.run(
        [
            sys.executable,
            "-m",
            "theory",
            "verify",
            "--only",
            "ga-exact-iff",
            "--record",
            str(tmp_path / "verification.json"),
            "--no-progress",
        ],
        env={"PATH": path, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert verify.returncode == 0, verify.stderr[-2000:]
    assert "ga-exact-iff" in verify.stdout and (tmp_path / "verification.json").is_file()


def test_apt_get_without_root_or_sudo_is_never_called_and_as_root_installs_the_optional_tools(tmp_path):
    calls = tmp_path / "apt-calls"
    stub = f'echo "apt-get $*" >> {calls}'
    path = _bare_path(tmp_path / "bin", **{"apt-get": stub, "sudo": "exit 1"})  # sudo asks for a password
    run = _install(tmp_path, path)
    assert run.returncode == 0 and not calls.exists()
    assert "not root and no password-less sudo" in run.stderr
    root = _install(tmp_path, path, NONCOMMUTE_UID="0")
    assert root.returncode == 0, root.stderr
    installs = [line for line in root.stdout.splitlines() if line.startswith("would run: apt-get install")]
    assert len(installs) == 2  # TeX with poppler, then chromium
    assert {"texlive-latex-base", "texlive-latex-recommended", "poppler-utils"} <= set(installs[0].split())
    assert installs[1].endswith(" chromium")


def test_an_unreachable_cpu_index_falls_back_to_the_configured_index(tmp_path):
    run = _install(tmp_path, _bare_path(tmp_path / "bin"))
    assert run.returncode == 0
    assert "PyTorch's CPU index" in run.stderr and "cannot be reached" in run.stderr
    torch_line = next(line for line in run.stdout.splitlines() if "torch==" in line)
    assert torch_line.endswith("pip install --quiet torch==2.13.0")  # no --index-url


def test_a_reachable_cpu_index_is_used_and_cuda_is_an_option(tmp_path):
    (tmp_path / "index" / "torch").mkdir(parents=True)
    (tmp_path / "index" / "torch" / "index.html").write_text("<html></html>")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path / "index"), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        index = f"http://127.0.0.1:{server.server_address[1]}/"
        path = _bare_path(tmp_path / "bin")
        run = _install(tmp_path, path, NONCOMMUTE_TORCH_INDEX=index)
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stderr
    torch_line = next(line for line in run.stdout.splitlines() if "torch==" in line)
    if os.uname().sysname == "Darwin":
        assert "--index-url" not in torch_line  # macOS: the default index has no CUDA build
    else:
        assert torch_line.endswith(f"torch==2.13.0 --index-url {index}") and "cannot be reached" not in run.stderr
    cuda = _install(tmp_path, path, NONCOMMUTE_TORCH="cuda")
    assert cuda.returncode == 0 and "NONCOMMUTE_TORCH=cuda" in cuda.stdout
    assert next(line for line in cuda.stdout.splitlines() if "torch==" in line).endswith("torch==2.13.0")
    assert "cannot be reached" not in cuda.stderr  # no probe for a CUDA build


@pytest.mark.parametrize(
    "env, message",
    [
        ({"NONCOMMUTE_TORCH": "rocm"}, "NONCOMMUTE_TORCH=rocm is not a torch build"),
        ({"NONCOMMUTE_PYTHON": "no-such-python3"}, "no-such-python3 not found"),
    ],
)
def test_bad_settings_are_one_line_errors_with_exit_2(tmp_path, env, message):
    run = _install(tmp_path, _bare_path(tmp_path / "bin"), **env)
    assert run.returncode == 2 and message in run.stderr and len(run.stderr.strip().splitlines()) == 1
