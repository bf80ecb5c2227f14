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
    command = " ".join(lab_command()[1])
    assert "--ServerApp.ip=127.0.0.1" in command
    for risky in ("token=''", 'token=""', "token= ", "--ip=0.0.0.0", "ip=0.0.0.0", "ip=*",
                  "disable_check_xsrf", "allow_origin", "password="):
        assert risky not in command
    for path in ROOT.rglob("jupyter*_config.*"):
        if any(part.startswith(".venv") for part in path.parts):  # .venv, .venv-3.13, ...
            continue
        text = path.read_text()
        assert not re.search(r"token\s*=\s*['\"]{2}|ip\s*=\s*['\"](0\.0\.0\.0|\*)", text), path


def page_config(url):
    """The page's JupyterLab configuration (its jupyter-config-data script)."""
    import json

    with urllib.request.urlopen(url, timeout=30) as reply:
        html = reply.read().decode()
    return json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                html, re.S).group(1))


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
        # jupyter-config/: no widget extension (its errors fill RISE's console) and no news pop-up,
        # in JupyterLab and in RISE's slideshow page alike
        for page in ("lab", "rise/01_alexnet.ipynb"):
            disabled = page_config(f"http://127.0.0.1:{port}/{page}?token={token}")["disabledExtensions"]
            assert {"@jupyter-widgets/jupyterlab-manager", "@jupyterlab/apputils-extension:announcements"} \
                <= {name for name, off in (disabled.items() if isinstance(disabled, dict) else
                                           ((d, True) for d in disabled)) if off}, (page, disabled)
        with socket.socket() as s:  # not listening on the machine's other addresses
            other = socket.gethostbyname(socket.gethostname())
            if not other.startswith("127."):
                assert s.connect_ex((other, port)) != 0
    finally:
        stop(proc)
