"""theory.support.run_folder: the folder lock, atomic writes, checked files, the command-line guard."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from theory.support import run_folder
from theory.support.run_folder import (
    FolderBusy,
    Interrupted,
    WriteError,
    atomic_write_text,
    guarded_main,
    hold_folder,
    interrupt_line,
    lock_holder,
    read_checked_json,
    write_checked_json,
)

_REPOSITORY = Path(__file__).resolve().parents[2]
_HOLD = (
    "import sys, time\nfrom theory.support.run_folder import hold_folder\nwith hold_folder(sys.argv[1]):\n"
    "    print('held', flush=True)\n    time.sleep(60)\n"
)


def _holder(folder: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_REPOSITORY)},
    )
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_holder_is_refused_with_the_pid_and_command_and_the_lock_dies_with_its_holder(tmp_path):
    process = _holder(tmp_path / "run")
    try:
        with pytest.raises(FolderBusy, match=f"pid {process.pid}: python -c .*run"):
            with hold_folder(tmp_path / "run"):
                pass
        assert lock_holder(tmp_path / "run")["pid"] == process.pid
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with hold_folder(tmp_path / "run"):  # the kernel released the killed holder's lock
        assert lock_holder(tmp_path / "run")["pid"] == os.getpid()


def test_the_lock_is_reentrant_in_one_process_and_released_after(tmp_path):
    with hold_folder(tmp_path / "f"):
        with hold_folder(tmp_path / "f"):
            pass
        assert str(os.path.realpath(tmp_path / "f")) in run_folder._held
    assert str(os.path.realpath(tmp_path / "f")) not in run_folder._held
    process = _holder(tmp_path / "f")  # free for another process now
    process.kill()
    process.wait()


def test_a_full_disk_names_the_path_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(run_folder.os, "fsync", full)
    target = tmp_path / "out" / "table.csv"
    with pytest.raises(WriteError, match=f"cannot write {target}: No space left on device; free some space"):
        atomic_write_text(target, "a,b\n")
    assert list((tmp_path / "out").iterdir()) == []


def test_temporary_names_are_unique_per_write(tmp_path, monkeypatch):
    names = []
    original = os.open

    def spy(name, *args, **kwargs):
        if str(name).endswith(".tmp"):
            names.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(run_folder.os, "open", spy)
    atomic_write_text(tmp_path / "x", "1")
    atomic_write_text(tmp_path / "x", "2")
    assert len(set(names)) == 2 and all(Path(n).parent == tmp_path for n in names)
    assert (tmp_path / "x").read_text() == "2" and [p.name for p in tmp_path.iterdir()] == ["x"]


def test_an_interrupt_while_the_temporary_file_is_created_leaves_nothing(tmp_path, monkeypatch):
    """Ctrl-C right after the temporary file exists, before its name reached the caller (the window that left a
    .tmp behind with ``mkstemp`` under load): nothing is left, and the interrupt goes on."""
    original = os.open

    def created_then_interrupted(name, *args, **kwargs):
        os.close(original(name, *args, **kwargs))
        raise KeyboardInterrupt

    monkeypatch.setattr(run_folder.os, "open", created_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(tmp_path / "x", "1")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content, reason",
    [
        ('{"kind": "k", "key": "abc", "check', "Unterminated string"),
        ("[]", "not a checked record"),
        ('{"rows": 3}', "not a checked record"),
    ],
)
def test_bad_checked_files_are_named_set_aside_and_missing(tmp_path, capsys, content, reason):
    path = tmp_path / "cache.json"
    path.write_text(content)
    assert read_checked_json(path, "k", "abc") is None
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and reason in err and "cache.json.bad" in err
    assert not path.exists() and (tmp_path / "cache.json.bad").read_text() == content


def test_checked_files_catch_a_changed_value_another_key_kind_or_shape(tmp_path, capsys):
    path = tmp_path / "c.json"
    write_checked_json(path, "k", "abc", [{"x": 1.5}])
    assert read_checked_json(path, "k", "abc") == [{"x": 1.5}]
    cases = [
        ("k", "abd", None, "other parameters"),
        ("j", "abc", None, "expected 'j'"),
        ("k", "abc", lambda p: (_ for _ in ()).throw(ValueError("no reference row")), "no reference row"),
    ]
    for kind, key, validate, reason in cases:
        write_checked_json(path, "k", "abc", [{"x": 1.5}])
        assert read_checked_json(path, kind, key, validate) is None
        assert reason in capsys.readouterr().err
    write_checked_json(path, "k", "abc", [{"x": 1.5}])
    record = json.loads(path.read_text())
    record["payload"][0]["x"] = 1.25
    path.write_text(json.dumps(record))
    assert read_checked_json(path, "k", "abc") is None
    assert "checksum mismatch" in capsys.readouterr().err
    assert read_checked_json(tmp_path / "missing.json", "k", "abc") is None and not capsys.readouterr().err


def test_guarded_main_gives_one_line_for_ctrl_c_and_write_errors(capsys):
    def interrupted():
        raise Interrupted(3)

    def ctrl_c():
        raise KeyboardInterrupt

    def full():
        raise WriteError(errno.ENOSPC, "cannot write /x/y: No space left on device; free some space")

    def missing():
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/nowhere/f")

    assert guarded_main(interrupted) == 130
    assert capsys.readouterr().err == "interrupted; 3 cells kept, rerun to resume\n"
    assert guarded_main(ctrl_c) == 130
    assert capsys.readouterr().err == "interrupted; rerun to resume\n"
    assert guarded_main(full) == 2
    assert capsys.readouterr().err == "error: cannot write /x/y: No space left on device; free some space\n"
    assert guarded_main(missing) == 2
    assert capsys.readouterr().err == "error: /nowhere/f: No such file or directory\n"
    assert guarded_main(lambda: 0) == 0
    assert interrupt_line(Interrupted(1)) == "interrupted; 1 cell kept, rerun to resume"


def test_sigterm_is_an_interrupt_inside_guarded_main_only(capsys):
    previous = signal.getsignal(signal.SIGTERM)

    def terminated():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before the sleep ends
        return 0

    assert guarded_main(terminated) == 130
    assert capsys.readouterr().err.startswith("interrupted")
    assert signal.getsignal(signal.SIGTERM) == previous


def test_remove_temporaries_takes_only_atomic_writes_temporary_files(tmp_path):
    """The holder's cleanup after an interrupt: leftover ``.NAME.XXXX.tmp`` files go, results stay (negative
    control: a result named like a temporary file but without the leading dot, and a plain file, are kept)."""
    (tmp_path / "cells").mkdir()
    (tmp_path / "cells" / ".a.json.0123.tmp").write_text("")
    (tmp_path / ".results.csv.abcd.tmp").write_text("")
    (tmp_path / "cells" / "a.json").write_text("{}")
    (tmp_path / "kept.tmp").write_text("")
    run_folder.remove_temporaries(tmp_path)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "cells/a.json",
        "kept.tmp",
    ]
