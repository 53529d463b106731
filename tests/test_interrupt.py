"""Ctrl-C interrupts long computations: Python's own KeyboardInterrupt, promptly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

SCRIPT = """
import numpy as np, sys, time
import neurocore as nc
a = np.random.default_rng(0).integers(0, nc.DEFAULT_PRIME, size=(5000, 5000), dtype=np.uint64)
print("ready", flush=True)
t = time.perf_counter()
try:
    nc.rank(a, field=nc.DEFAULT_PRIME)
except KeyboardInterrupt:
    print(f"interrupted after {time.perf_counter() - t:.2f}", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_rank():
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    elapsed = time.perf_counter() - sent
    assert proc.returncode == 3, (out, err)
    assert "interrupted" in out
    assert elapsed < 5.0
    assert "panicked" not in err
