"""`apm-designer serve` end to end: a real headless Chromium opens the page, types into the wizard, saves to disk.

Chromium is the machine's own (Debian's `chromium`, which `.ci/run` installs for CI; the test is skipped without
one); Playwright drives it through that executable, so nothing downloads a browser build of its own. The wizard draws
on an xterm.js canvas, so the test types with the keyboard and reads the terminal output from the websocket.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def chromium() -> str:
    """A Chromium already on this machine (`$CHROMIUM`, else `chromium` or `chromium-browser` on the PATH). The
    tests install no browser: `.ci/run` installs Debian's chromium for CI; elsewhere, without one, skip."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("no Chromium on this machine (install Debian's chromium package, or set CHROMIUM to a Chromium "
                    "executable, to run the browser tests)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"serve exited with {server.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"serve was not listening on port {port} after {seconds} s")


@pytest.fixture
def serve(tmp_path) -> Iterator[tuple[int, Path]]:
    """`apm-designer serve FILE` on a free localhost port, with FILE a new proposal in a temporary folder."""
    target = tmp_path / "lakeshore.yaml"
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    # Its own process group: the server and the wizard processes it starts for each tab are stopped together.
    server = subprocess.Popen([sys.executable, "-m", "apm_designer", "serve", str(target), "--host", "127.0.0.1",
                               "--port", str(port)], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        wait_for_port(port, server)
        yield port, target
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


def test_fill_in_a_field_in_the_browser_and_save(chromium, serve):
    from playwright.sync_api import sync_playwright

    port, target = serve
    local = f"http://127.0.0.1:{port}/"
    screen: list[str] = []  # everything the wizard drew, as it reached the browser
    last_drawn = [time.monotonic()]

    def on_frame(payload: str | bytes) -> None:
        screen.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload)
        last_drawn[0] = time.monotonic()

    def on_websocket(ws) -> None:  # type: ignore[no-untyped-def]
        ws.on("framereceived", on_frame)

    def wait_until(what: str, done, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen within {seconds} s")
            page.wait_for_timeout(200)  # lets Playwright deliver the websocket frames meanwhile

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # The page asks for a web font; nothing but this machine's server may be reached.
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                (local, f"ws://127.0.0.1:{port}/")) else route.abort())
            page.on("websocket", on_websocket)
            page.goto(local)
            page.wait_for_selector("body.-first-byte", timeout=60_000)
            wait_until("the proposal screen showing its first question", lambda: "Model title" in "".join(screen))

            page.focus(".xterm-helper-textarea")
            # The wizard opens with the first question, the model's title, focused. Its box takes the focus (and
            # selects its text) a moment after the screen is drawn: let the wizard settle before typing, or the
            # box could select the first letters typed and the next one would replace them.
            wait_until("the wizard settling", lambda: time.monotonic() - last_drawn[0] > 0.3)
            page.keyboard.type("Lakeshore Total Care", delay=20)
            wait_until("the typed title showing", lambda: "Lakeshore Total Care" in "".join(screen))
            page.keyboard.press("Control+s")
            wait_until("the proposal being saved", lambda: target.exists() and "Lakeshore" in target.read_text())
            wait_until("the wizard saying it saved", lambda: "Saved" in "".join(screen))

            # A new tab (here: the page reloaded) now opens the saved proposal instead of starting another.
            screen.clear()
            page.reload()
            page.wait_for_selector("body.-first-byte", timeout=60_000)
            wait_until("the reloaded page showing the saved title", lambda: "Lakeshore Total Care" in "".join(screen))
        finally:
            browser.close()

    saved = target.read_text(encoding="utf-8")
    assert saved.startswith("# yaml-language-server: $schema=")
    assert "metadata:\n  title: Lakeshore Total Care\n" in saved
    checked = subprocess.run([sys.executable, "-m", "apm_designer", "validate", str(target)], capture_output=True,
                             text=True, timeout=60)
    assert "metadata.title" not in checked.stdout  # the answer itself is sound (a draft may still lack others)


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_a_file_in_a_missing_folder_is_refused_before_serving(tmp_path):
    done = cli("serve", str(tmp_path / "nowhere" / "p.yaml"), "--port", str(free_port()))
    assert done.returncode == 2
    assert done.stderr.strip() == f"{tmp_path / 'nowhere' / 'p.yaml'}: error: there is no folder " \
                                  f"{tmp_path / 'nowhere'} [no-folder]"
    assert "Serving" not in done.stdout


def test_a_file_that_does_not_load_is_refused_before_serving(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("metadata:\n  title: [unclosed\n")
    done = cli("serve", str(bad), "--port", str(free_port()))
    assert done.returncode == 1
    assert done.stderr.startswith(f"{bad}:3:1: error: invalid YAML")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_port_in_use_is_a_one_line_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli("serve", "--host", "127.0.0.1", "--port", str(port), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"serve: error: cannot listen on 127.0.0.1:{port}: ")
    assert done.stderr.rstrip().endswith("[listen]") and "Traceback" not in done.stderr
