"""`make lab` serves JupyterLab on loopback only, with token authentication."""
import re
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from servers import free_port, lab_command, start_lab, stop

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.slow
def test_unauthenticated_requests_are_refused(tmp_path):
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    proc, token, log = start_lab(tmp_path, port, env)
    try:
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
        stop(proc)
