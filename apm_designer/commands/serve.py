"""`apm-designer serve [FILE] [--host H] [--port P] [--root FOLDER] [--public-url URL]`: the wizard as a web page,
served by textual-serve, for a team on a shared host.

Each browser tab that connects gets its own wizard process (textual-serve runs `command` once per connection).
With FILE, every tab opens that proposal: it is edited if it exists and started as a new proposal if not, decided
when the tab connects, so reloading the page after the first save opens the saved file instead of failing.
Without FILE, the tab shows the start screen.

The wizard reads and writes files as the user who runs `serve`, so:
- it listens on localhost unless told otherwise;
- every run has an access token, printed at start in the address to open (as Jupyter does): the page and its
  websocket refuse a browser without it (the page keeps it in a cookie, so reloading needs no token);
- nothing outside one folder opens or saves (`--root`, by default FILE's folder or the current folder): the wizard
  refuses any other file name typed, and lists only recent files and drafts inside it;
- the page fetches nothing from the internet (textual-serve's page asks Google for its font; ours is served here).
"""

from __future__ import annotations

import argparse
import hmac
import os
import secrets
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

from apm_designer.document import LoadError, UnreadableFile, load

PAGE_TEMPLATES = Path(__file__).with_name("serve_page")
ANY_ADDRESS = ("0.0.0.0", "::", "")  # listening on every address of the machine


def run(args: argparse.Namespace) -> int:
    target = Path(args.file).resolve() if args.file else None
    root = Path(args.root).resolve() if args.root else target.parent if target else Path.cwd().resolve()
    if args.root and not root.is_dir():
        print(f"{args.root}: error: there is no folder {args.root} to serve [no-folder]", file=sys.stderr)
        return 2
    if target is not None:
        if not target.is_relative_to(root):
            print(f"{args.file}: error: outside {root}, the folder served (--root) [outside-root]", file=sys.stderr)
            return 2
        if (problem := _cannot_open(target, args.file)) is not None:
            message, status = problem
            print(message, file=sys.stderr)
            return status
    server = _server(session_command(root, target), host=args.host, port=args.port,
                     public_url=args.public_url or public_url(args.host, args.port), root=root)
    try:
        server.serve()
    except OSError as e:  # the port is taken, or the host is not one of this machine's addresses
        print(f"serve: error: cannot listen on {args.host}:{args.port}: {e.strerror or e} [listen]", file=sys.stderr)
        return 2
    return 0


def public_url(host: str, port: int) -> str:
    """The address to give browsers for a server listening on `host`: a server listening on every address is
    reached by this machine's name (a browser cannot open http://0.0.0.0/)."""
    name = socket.getfqdn() if host in ANY_ADDRESS else host
    if ":" in name:  # an IPv6 address
        name = f"[{name}]"
    return f"http://{name}:{port}"


def session_command(root: Path, target: Path | None) -> str:
    """The shell command textual-serve runs for each browser tab."""
    return shlex.join([sys.executable, "-m", "apm_designer.commands.serve", str(root),
                       *([str(target)] if target is not None else [])])


def _server(command: str, *, host: str, port: int, public_url: str, root: Path) -> Any:
    """textual-serve's server, with an access token for this run and the page that fetches nothing from outside."""
    from aiohttp import web
    from textual_serve.server import Server, to_int

    class WizardServer(Server):
        def __init__(self) -> None:
            super().__init__(command, host=host, port=port, title="APM Designer", public_url=public_url.rstrip("/"),
                             templates_path=PAGE_TEMPLATES)
            self.token = secrets.token_urlsafe(24)
            self.cookie = f"apm-designer-token-{port}"  # one per port: cookies are shared by every port of a host

        def allowed(self, request: web.Request, given: str | None = None) -> bool:
            given = given or request.query.get("token") or request.cookies.get(self.cookie) or ""
            return hmac.compare_digest(given.encode(), self.token.encode())

        async def _make_app(self) -> web.Application:
            app = web.Application()
            import aiohttp_jinja2
            import jinja2

            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes([
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),  # textual-serve's own files
            ])
            app.on_startup.append(self.on_startup)
            return app

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            import aiohttp_jinja2

            if not self.allowed(request):
                raise web.HTTPForbidden(text=FORBIDDEN)
            websocket = self.public_url.replace("https:", "wss:", 1).replace("http:", "ws:", 1)
            context = {  # as textual-serve's page gets it, with the token in the websocket's address
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{websocket}/ws/{self.token}",
                "config": {"static": {"url": f"{self.public_url}/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict")
            return response

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            if not self.allowed(request, request.match_info["token"]):
                raise web.HTTPForbidden(text=FORBIDDEN)
            return await super().handle_websocket(request)

        async def handle_download(self, request: web.Request) -> web.StreamResponse:
            if not self.allowed(request):
                raise web.HTTPForbidden(text=FORBIDDEN)
            return await super().handle_download(request)

        async def on_startup(self, app: web.Application) -> None:
            print(f"apm-designer serve: proposals in {root} (nothing outside it opens or saves)", flush=True)
            print(f"Open {self.public_url}/?token={self.token}", flush=True)
            print("(the token is new each run: only who has this address can use the page; Ctrl+C stops)",
                  flush=True)

    return WizardServer()


FORBIDDEN = ("403: this apm-designer page needs its access token: open the address that `apm-designer serve` "
             "printed when it started (it ends in ?token=...).")


def _cannot_open(target: Path, shown: str) -> tuple[str, int] | None:
    """Why the wizard could not open or start `target`, with the exit status (as `new` and `edit` give), or None.

    Checked once up front, so that the server does not start only for every tab to fail.
    """
    if not target.exists():
        if target.parent.is_dir():
            return None
        return f"{shown}: error: there is no folder {target.parent} [no-folder]", 2
    try:
        load(target, display=shown)
    except LoadError as e:
        return str(e), 1
    except UnreadableFile as e:
        return f"{e} [unreadable]", 2
    return None


def run_tab(root: Path, target: Path | None) -> int:
    """One browser tab's wizard, in the folder served: the proposal if it exists by now, else started; without
    one, the start screen."""
    from apm_designer.cli import main

    os.chdir(root)
    os.environ["APM_DESIGNER_ROOT"] = str(root)  # the wizard opens and saves nothing outside it
    if target is None:
        return main([])
    return main(["edit" if target.exists() else "new", str(target)])


if __name__ == "__main__":  # how `session_command` runs a tab's wizard
    sys.exit(run_tab(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None))
