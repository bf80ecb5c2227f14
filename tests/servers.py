"""Local servers the tests start: a free port, JupyterLab as `make lab` starts it, and stopping them."""
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_command():
    """The command `make lab` runs (setup already done), as make prints it: (the variables it
    sets, as a dict; the command's words)."""
    out = subprocess.run(["make", "-n", "-o", ".venv/.setup-done", "lab"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.replace("\\\n", " ")
    lines = [l for l in out.splitlines() if "jupyter" in l and " lab" in l]
    assert len(lines) == 1, out
    words = lines[0].split()
    variables = {}
    while "=" in words[0] and not words[0].startswith("-"):
        name, value = words.pop(0).split("=", 1)
        variables[name] = value
    return variables, words


def start_lab(tmp_path, port, env, folder=None, timeout=120):
    """Start `make lab`'s JupyterLab on `port` (showing `folder` if given); return (process, token, log path).

    Fails the test with the end of the server's log if it does not print its token URL in time.
    """
    variables, cmd = lab_command()
    env = dict(env, **variables)
    if folder is not None:
        cmd = [a for a in cmd if not a.startswith("--notebook-dir")] + [f"--notebook-dir={folder}"]
    cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    log = tmp_path / "lab.log"
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)
    token, deadline = None, time.monotonic() + timeout
    while token is None and time.monotonic() < deadline and proc.poll() is None:
        match = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]+)", log.read_text())
        token = match.group(1) if match else time.sleep(0.2)
    if token is None:
        stop(proc)
        pytest.fail("JupyterLab did not print its token URL:\n" + log.read_text()[-3000:])
    return proc, token, log


def stop(proc):
    """Terminate a server (its kernels with it), killing it if it does not stop in 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
