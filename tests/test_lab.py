"""`make lab` serves JupyterLab on loopback only, with token authentication."""
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lab_command():
    """The command `make lab` runs (setup already done), as make prints it."""
    out = subprocess.run(["make", "-n", "-o", ".venv/.setup-done", "lab"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.replace("\\\n", " ")
    lines = [l for l in out.splitlines() if "jupyter" in l and " lab" in l]
    assert len(lines) == 1, out
    return lines[0].split()


def test_nothing_opens_the_lab():
    command = " ".join(lab_command())
    assert "--ServerApp.ip=127.0.0.1" in command
    for risky in ("token=''", 'token=""', "token= ", "--ip=0.0.0.0", "ip=0.0.0.0", "ip=*",
                  "disable_check_xsrf", "allow_origin", "password="):
        assert risky not in command
    for path in ROOT.rglob("jupyter*_config.*"):
        if any(part.startswith(".venv") for part in path.parts):  # .venv, .venv-3.13, ...
            continue
        text = path.read_text()
        assert not re.search(r"token\s*=\s*['\"]{2}|ip\s*=\s*['\"](0\.0\.0\.0|\*)", text), path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_unauthenticated_requests_are_refused(tmp_path):
    port = free_port()
    cmd = lab_command() + [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    log = tmp_path / "lab.log"
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
                                 "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"), "JUPYTER_DATA_DIR": str(tmp_path / "data")})
    try:
        token, deadline = None, time.monotonic() + 60
        while token is None and time.monotonic() < deadline and proc.poll() is None:
            match = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]+)", log.read_text())
            token = match.group(1) if match else time.sleep(0.2)
        assert token, "JupyterLab did not print its token URL:\n" + log.read_text()[-3000:]
        url = f"http://127.0.0.1:{port}/api/contents"
        for _ in range(50):  # the URL is printed just before the socket accepts connections
            try:
                urllib.request.urlopen(url, timeout=10)
                pytest.fail("an unauthenticated request was answered")
            except urllib.error.HTTPError as refused:
                assert refused.code == 403
                break
            except urllib.error.URLError:
                time.sleep(0.2)
        else:
            pytest.fail("JupyterLab never accepted a connection:\n" + log.read_text()[-3000:])
        with urllib.request.urlopen(f"{url}?token={token}", timeout=10) as ok:
            assert ok.status == 200
        with socket.socket() as s:  # not listening on the machine's other addresses
            other = socket.gethostbyname(socket.gethostname())
            if not other.startswith("127."):
                assert s.connect_ex((other, port)) != 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
