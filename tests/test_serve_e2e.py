"""`apm-designer serve` end to end: a real headless Chromium opens the page, types into the wizard, saves to disk;
the page needs the access token printed at start, opens and saves nothing outside the root folder, sends browsers
to the public URL, and fetches nothing but from the server.

Chromium is the machine's own (Debian's `chromium`, which `.ci/run` installs for CI; the test is skipped without
one); Playwright drives it through that executable, so nothing downloads a browser build of its own. The wizard draws
on an xterm.js canvas, so the test types with the keyboard and reads the terminal output from the websocket.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from apm_designer.commands.serve import public_url

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


class Served:
    """A running `apm-designer serve`: its port, the address with the access token it printed, its folder."""

    def __init__(self, port: int, address: str, root: Path) -> None:
        self.port, self.address, self.root = port, address, root


@contextmanager
def serving(folder: Path, *args: str, port: int | None = None) -> Iterator[Served]:
    """`apm-designer serve ARGS` on a free localhost port (or `port`), started in `folder`, until the block ends."""
    port = port or free_port()
    log_path = folder / "serve.log"
    # Its own process group: the server and the wizard processes it starts for each tab are stopped together.
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "apm_designer", "serve", *args, "--host", "127.0.0.1",
                                   "--port", str(port)], cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            wait_for_port(port, server)
            deadline = time.monotonic() + 30
            while not (found := re.search(r"^Open (\S+)$", log_path.read_text(), re.MULTILINE)):
                assert time.monotonic() < deadline, "serve printed no address to open"
                time.sleep(0.1)
            yield Served(port, found[1], folder)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


class Browser:
    """A page in headless Chromium that keeps everything the wizard drew (from the websocket) and every address the
    page asked for. Only this machine's server can be reached: anything else is refused, and recorded."""

    def __init__(self, browser, served: Served) -> None:  # type: ignore[no-untyped-def]
        self.screen: list[str] = []  # everything the wizard drew, as it reached the browser
        self.last_drawn = time.monotonic()
        self.asked: list[str] = []  # every address the page requested
        self.websockets: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        local = (f"http://127.0.0.1:{served.port}/", f"ws://127.0.0.1:{served.port}/",
                 f"http://localhost:{served.port}/", f"ws://localhost:{served.port}/")

        def route(route) -> None:  # type: ignore[no-untyped-def]
            self.asked.append(route.request.url)
            route.continue_() if route.request.url.startswith(local) else route.abort()

        def on_frame(payload: str | bytes) -> None:
            self.screen.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload)
            self.last_drawn = time.monotonic()

        def on_websocket(ws) -> None:  # type: ignore[no-untyped-def]
            self.websockets.append(ws.url)
            ws.on("framereceived", on_frame)

        self.page.route("**/*", route)
        self.page.on("websocket", on_websocket)

    def drawn(self) -> str:
        return "".join(self.screen)

    def wait_until(self, what: str, done, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen within {seconds} s")
            self.page.wait_for_timeout(200)  # lets Playwright deliver the websocket frames meanwhile

    def open(self, address: str) -> None:
        self.page.goto(address)
        self.page.wait_for_selector("body.-first-byte", timeout=60_000)

    def settle(self) -> None:
        """Wait until the wizard has drawn nothing for a moment (it is ready for keys)."""
        self.wait_until("the wizard settling", lambda: time.monotonic() - self.last_drawn > 0.3)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=20)


@pytest.fixture
def browser(chromium):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def test_fill_in_a_field_in_the_browser_and_save(browser, tmp_path):
    target = tmp_path / "lakeshore.yaml"
    with serving(tmp_path, str(target)) as served:
        tab = Browser(browser, served)
        tab.open(served.address)
        tab.wait_until("the proposal screen showing its first question", lambda: "Model title" in tab.drawn())
        tab.page.focus(".xterm-helper-textarea")
        tab.settle()
        tab.type("Lakeshore Total Care")
        tab.wait_until("the typed title showing", lambda: "Lakeshore Total Care" in tab.drawn())
        tab.page.keyboard.press("Control+s")
        tab.wait_until("the proposal being saved", lambda: target.exists() and "Lakeshore" in target.read_text())
        tab.wait_until("the wizard saying it saved", lambda: "Saved" in tab.drawn())

        # A new tab (here: the page reloaded, with no token: the page keeps it) opens the saved proposal.
        tab.screen.clear()
        tab.open(f"http://127.0.0.1:{served.port}/")
        tab.wait_until("the reloaded page showing the saved title", lambda: "Lakeshore Total Care" in tab.drawn())
        assert all(url.startswith((f"http://127.0.0.1:{served.port}/", f"ws://127.0.0.1:{served.port}/"))
                   for url in tab.asked), "the page fetches nothing from elsewhere"
        assert any("/static/fonts/" in url for url in tab.asked)  # its font, from here

    saved = target.read_text(encoding="utf-8")
    assert saved.startswith("# yaml-language-server: $schema=")
    assert "metadata:\n  title: Lakeshore Total Care\n" in saved
    checked = subprocess.run([sys.executable, "-m", "apm_designer", "validate", str(target)], capture_output=True,
                             text=True, timeout=60)
    assert "metadata.title" not in checked.stdout  # the answer itself is sound (a draft may still lack others)


def test_the_page_needs_the_access_token_printed_at_start(browser, tmp_path):
    with serving(tmp_path) as served:
        address = f"http://127.0.0.1:{served.port}/"
        assert served.address.startswith(address + "?token=") and len(served.address) > len(address) + 30
        tab = Browser(browser, served)
        for wrong in (address, address + "?token=guess"):
            response = tab.page.goto(wrong)
            assert response is not None and response.status == 403
            assert "access token" in tab.page.inner_text("body")
        assert not tab.websockets  # no wizard was started for it
        refused = tab.page.evaluate("""async (port) => await new Promise(done => {
            const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/guess`);
            socket.onopen = () => done("opened"); socket.onerror = () => done("refused"); })""", served.port)
        assert refused == "refused"
        tab.open(served.address)
        tab.wait_until("the start screen", lambda: "New proposal" in tab.drawn())


def test_nothing_outside_the_root_folder_opens_or_saves(browser, tmp_path):
    root = tmp_path / "team"
    root.mkdir()
    (tmp_path / "private.yaml").write_text("metadata:\n  title: Not for the web\n", encoding="utf-8")
    with serving(tmp_path, "--root", str(root)) as served:
        tab = Browser(browser, served)
        tab.open(served.address)
        tab.wait_until("the start screen", lambda: "New proposal" in tab.drawn())
        tab.page.focus(".xterm-helper-textarea")
        tab.settle()
        tab.type("o")  # Open a file…
        tab.wait_until("the file name dialog", lambda: "Open a proposal" in tab.drawn())
        tab.settle()
        tab.type("../private.yaml")
        tab.page.keyboard.press("Enter")
        tab.wait_until("the refusal", lambda: "only files in" in tab.drawn())
        assert str(root) in tab.drawn() and "Not for the web" not in tab.drawn()
        tab.page.keyboard.press("Escape")
        tab.settle()
        tab.type("n")  # a new proposal, saved: asked for a name, refused outside the folder, saved inside it
        tab.wait_until("the proposal screen", lambda: "Model title" in tab.drawn())
        tab.settle()
        tab.type("Team model")
        tab.page.keyboard.press("Control+s")
        tab.wait_until("the save dialog", lambda: "Save the proposal" in tab.drawn())
        tab.settle()
        tab.page.keyboard.press("Control+u")
        tab.type(str(tmp_path / "escaped.yaml"))
        tab.page.keyboard.press("Enter")
        tab.settle()
        assert not (tmp_path / "escaped.yaml").exists()
        tab.page.keyboard.press("Control+u")
        tab.type("team-model.yaml")
        tab.page.keyboard.press("Enter")
        tab.wait_until("the proposal saved in the folder", lambda: (root / "team-model.yaml").exists())
    assert "Team model" in (root / "team-model.yaml").read_text(encoding="utf-8")


def test_a_public_url_is_where_the_page_sends_the_browser(browser, tmp_path):
    port = free_port()  # the server listens on 127.0.0.1; browsers are to reach it as localhost
    with serving(tmp_path, "--public-url", f"http://localhost:{port}/", port=port) as served:
        assert served.address.startswith(f"http://localhost:{port}/?token=")
        tab = Browser(browser, served)
        tab.open(served.address.replace("localhost", "127.0.0.1"))
        tab.wait_until("the start screen", lambda: "New proposal" in tab.drawn())
        assert tab.websockets and all(url.startswith(f"ws://localhost:{port}/ws/") for url in tab.websockets)
        assert any(url.startswith(f"http://localhost:{port}/static/") for url in tab.asked)


def test_a_server_on_every_address_gives_browsers_the_machines_name():
    for host in ("0.0.0.0", "::"):
        address = public_url(host, 8000)
        assert address == f"http://{socket.getfqdn()}:8000" and "0.0.0.0" not in address
    assert public_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert public_url("::1", 8123) == "http://[::1]:8123"


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


def test_a_file_outside_the_root_folder_is_refused_before_serving(tmp_path):
    (tmp_path / "team").mkdir()
    done = cli("serve", str(tmp_path / "p.yaml"), "--root", str(tmp_path / "team"), "--port", str(free_port()))
    assert done.returncode == 2
    assert done.stderr.strip() == f"{tmp_path / 'p.yaml'}: error: outside {tmp_path / 'team'}, the folder served " \
                                  "(--root) [outside-root]"
    missing = cli("serve", "--root", str(tmp_path / "nowhere"), "--port", str(free_port()))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"{tmp_path / 'nowhere'}: error: there is no folder {tmp_path / 'nowhere'} to " \
                                     "serve [no-folder]"
