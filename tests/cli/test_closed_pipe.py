"""`hsct ... | head`: a reader that stops reading ends the command quietly, not as an internal error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HSCT = Path(sys.executable).with_name("hsct")


def test_a_closed_pipe_ends_the_command_quietly_with_exit_0(tmp_path: Path) -> None:
    # the reader is gone before hsct writes its first line: every write fails with EPIPE
    proc = subprocess.Popen([str(HSCT), "db", "schema"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""  # no "internal error", no traceback, no log file named
