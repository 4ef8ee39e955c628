"""How quickly the wizard responds, on the largest example proposal, headless.

    python bench/bench_tui.py            # prints a table; main() returns the rows for `make bench`

Rows are (name, value, baseline, ratio), value and baseline in milliseconds, ratio = value / baseline:

* cold start: from launching a new process until the wizard's first screen is interactive (its first frame
  drawn with the first question focused: from then on the proposer sees the form and can type), against a
  minimal Textual app (a header, one input, a footer) measured the same way: what the wizard adds to Textual's
  own start. Also until that screen has settled (nothing left to do: the help pane and the rest of the step
  built, everything painted), against the minimal app settled. And, as a floor, the minimal app started after
  importing the modules the wizard starts with: what the imports alone cost, before a single widget of the
  wizard is built. The processes' shutdown is not counted: nobody waits for it. All start from compiled
  bytecode, as installed apps do.
* step switch: going to a step already visited (its page is kept, as are the pages the app builds in the
  background while the proposer pauses), p50 and p95, against switching pages in a minimal Textual app (a
  ContentSwitcher of four pages of eight inputs) measured the same way; and going to a step for the first time
  with no pause before (its first screenful is built from the schema then, the rest straight after), p50 and p95,
  against the minimal app building and showing a page of four inputs and three text boxes.
* re-evaluation: after an answer changes, checking the proposal against the schema, evaluating it, refreshing the
  step list, panels and current page, and writing the draft (the screen's `settle`), p50 and p95, against the
  same 100 ms; the screen waits `SETTLE` seconds of quiet typing before it starts, which is not counted.
* keystroke: a typed character until the screen has taken it, against the same keystroke in the minimal app.

Runs on a copy of the example in a temporary folder, with a private state folder, so nothing is left behind.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "proposals" / "examples"
INSTANT_MS = 100.0  # a response within a tenth of a second feels instant (Nielsen)
SIZE = (120, 40)
COLD_RUNS = 5
ROUNDS = 3  # passes over every step for the switch timings
EDITS = 20  # answer changes for the re-evaluation timings
KEYS = 40
MINIMAL_PAGES = 4

Row = tuple[str, float, float, float]


def largest_example() -> Path:
    return max(EXAMPLES.glob("*.yaml"), key=lambda p: p.stat().st_size)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ------------------------------------------------------------------------------------------------------- apps


def minimal_app() -> Any:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Input

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Input(id="box")
            yield Footer()

        def on_mount(self) -> None:
            self.query_one("#box").focus()

    return Minimal()


def minimal_pages_app() -> Any:
    """A minimal Textual app with pages to switch between: a header, four pages of eight labelled inputs in a
    ContentSwitcher, a footer. Switching its page and focusing the page's first input is the least a step switch
    can cost in Textual on this machine."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import ContentSwitcher, Footer, Header, Input, Label, TextArea

    class Pages(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            with ContentSwitcher(initial="page-0", id="pages"):
                for page in range(MINIMAL_PAGES):
                    with VerticalScroll(id=f"page-{page}"):
                        for n in range(8):
                            yield Label(f"Question {n + 1}")
                            yield Input(id=f"q-{page}-{n}")
            yield Footer()

        def show(self, page: int) -> None:
            self.query_one("#pages", ContentSwitcher).current = f"page-{page}"
            self.query_one(f"#q-{page}-0").focus()

        async def add_and_show(self, page: int) -> None:
            """A page built when first shown: four labelled inputs and three labelled text boxes."""
            pages = self.query_one("#pages", ContentSwitcher)
            widgets = [w for n in range(4) for w in (Label(f"Question {n + 1}"), Input(id=f"q-{page}-{n}"))]
            widgets += [w for n in range(4, 7) for w in (Label(f"Question {n + 1}"),
                                                         TextArea("An answer of a few words. " * 8, soft_wrap=True))]
            await pages.mount(VerticalScroll(*widgets, id=f"page-{page}"))
            self.show(page)

    return Pages()


def wizard_app(path: Path) -> Any:
    from apm_designer.drafts import Session
    from apm_designer.tui.app import WizardApp

    return WizardApp(Session.edit(path), blink=False)


class FrameClock:
    """Notes when an app draws the first frame that shows what is awaited. `App._display` is where each frame goes
    to the terminal (headless, it is dropped there); the clock looks at the screen as each frame is drawn."""

    def __init__(self, app: Any) -> None:
        self.awaited: Callable[[], bool] | None = None
        self.drawn_at: float | None = None
        display = app._display

        def drawn(screen: Any, update: Any) -> None:
            display(screen, update)
            # Not a frame held back inside a batch of updates: `_display` drops those.
            if update is not None and not app._batch_count and self.awaited is not None and self.awaited():
                self.drawn_at = time.perf_counter()
                self.awaited = None

        app._display = drawn


def _cold_child(kind: str, path: str) -> None:
    """In a fresh process: start the app headless, and print (as JSON, ms since launch) when its first interactive
    frame was drawn and when it had settled."""
    import json

    launched = float(os.environ["BENCH_LAUNCHED"]) - time.time() + time.perf_counter()  # on the perf_counter clock
    if kind == "imports":  # the minimal app, once the modules the wizard starts with are imported
        import apm_designer.drafts
        import apm_designer.tui.app  # noqa: F401
    app = wizard_app(Path(path)) if kind == "wizard" else minimal_app()
    clock = FrameClock(app)
    clock.awaited = lambda: app.screen.focused is not None  # the first frame drawn with its first question focused
    marks: dict[str, float] = {}

    async def ready(pilot: Any) -> None:
        await pilot.pause()
        marks["settled"] = time.perf_counter()
        pilot.app.exit()

    app.run(headless=True, auto_pilot=ready, size=SIZE)
    assert clock.drawn_at is not None, "no frame was drawn with the focus in a question"
    marks["interactive"] = clock.drawn_at
    print(json.dumps({name: (at - launched) * 1000 for name, at in marks.items()}))


def cold_start(path: Path, env: dict[str, str], bytecode: Path) -> dict[str, tuple[float, float]]:
    """Median ms from launch to the first interactive frame and to settled: {"interactive": (wizard, minimal),
    "settled": (wizard, minimal), "imports": (minimal app after the wizard's imports, minimal)}, the runs
    interleaved. The third is a floor: what the wizard would take if importing its modules were all it did.

    Both apps start from compiled bytecode, as an installed app does: kept in a private folder (`bytecode`) and
    written by one untimed run of each first, which also brings their files into the OS cache. Otherwise, where
    PYTHONDONTWRITEBYTECODE is set, every run would compile the wizard's own modules afresh (about 70 ms) while
    Textual's come compiled with the virtualenv.
    """
    import json

    env = {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(bytecode)

    def run(kind: str) -> dict[str, float]:
        env["BENCH_LAUNCHED"] = repr(time.time())
        done = subprocess.run([sys.executable, __file__, "--cold", kind, str(path)], env=env, check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    times: dict[str, list[dict[str, float]]] = {"wizard": [], "minimal": [], "imports": []}
    for kind in times:
        run(kind)
    for _ in range(COLD_RUNS):
        for kind in times:
            times[kind].append(run(kind))

    def median(kind: str, mark: str) -> float:
        return statistics.median(t[mark] for t in times[kind])

    return {"interactive": (median("wizard", "interactive"), median("minimal", "interactive")),
            "settled": (median("wizard", "settled"), median("minimal", "settled")),
            "imports": (median("imports", "interactive"), median("minimal", "interactive"))}


# Not `pilot.press` and `pilot.pause`: both also wait on every widget's message queue in turn, a test-harness cost
# that grows with the number of widgets on the screen and that no user pays. Each action is timed twice: until the
# first frame drawn that shows its result ("on screen": what the user sees, Textual's frame pacing included), and
# until the app has gone idle ("all done": follow-up events such as widgets told they are hidden, to within
# wait_for_idle's 20 ms steps).


def showing(screen: Any, page: Callable[[], Any]) -> Callable[[], bool]:
    """Whether the page `page()` gives (None while it is not built) is on screen with the focus in it."""

    def shown() -> bool:
        on, focused = page(), screen.focused
        return (on is not None and on in screen._compositor._full_map and focused is not None
                and (focused is on or on in focused.ancestors))

    return shown


def type_key(app: Any, n: int) -> Any:
    """Type x, then take it back."""
    return app._press_keys(["x" if n % 2 == 0 else "backspace"])


def typed(app: Any) -> Callable[[], bool]:
    """Whether the focused input shows another value than it does now."""
    box = app.screen.focused
    before = box.value
    return lambda: box.value != before


async def _timed(app: Any, clock: FrameClock, action: Callable[[], Any],
                 awaited: Callable[[], Callable[[], bool]] | None = None) -> tuple[float, float]:
    """(on screen, all done) in ms. `awaited` gives what the frame to wait for shows; without it, the screen is
    laid out and painted at once after the action, whatever it changed."""
    from textual._wait import wait_for_idle

    # Each action stands for a key press: the app does its background work (building pages, collecting garbage)
    # only while nobody types, and a proposer moving through the steps is typing.
    app.last_input = time.monotonic()
    start = time.perf_counter()
    if awaited is not None:
        clock.drawn_at, clock.awaited = None, awaited()
    result = action()
    if asyncio.iscoroutine(result):
        await result
    if awaited is None:
        await asyncio.sleep(0)
        app.screen._on_timer_update()  # lay out and paint now what would wait for the next frame
        painted = time.perf_counter()
    await wait_for_idle(0)
    app.screen._on_timer_update()
    done = time.perf_counter()
    if awaited is not None:
        while clock.drawn_at is None and time.perf_counter() - start < 5:
            await asyncio.sleep(0.001)
        if clock.drawn_at is None:
            raise RuntimeError("bench: the awaited frame was never drawn")
        painted = clock.drawn_at
    return (painted - start) * 1000, (done - start) * 1000


async def wizard_timings(path: Path) -> dict[str, list[tuple[float, float]]]:
    from apm_designer.wizard import steps

    app = wizard_app(path)
    clock = FrameClock(app)
    out: dict[str, list[tuple[float, float]]] = {"first": [], "again": [], "settle": [], "key": []}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen

        def switch(key: str) -> tuple[Callable[[], Any], Callable[[], Callable[[], bool]]]:
            return (lambda: screen.show_step(key, focus=True)), (lambda: showing(screen, lambda: screen.pages.get(key)))

        keys = [s.key for s in steps()]
        for key in keys[1:]:
            out["first"].append(await _timed(app, clock, *switch(key)))
        for _ in range(ROUNDS):
            for key in keys:
                out["again"].append(await _timed(app, clock, *switch(key)))

        await screen.show_step("element_4", focus=True)
        q = app.session.questionnaire
        path_ = ("element_4", "beneficiaries")
        original = q.answer(path_)
        for n in range(EDITS):
            q.set(path_, original + n + 1)
            out["settle"].append(await _timed(app, clock, screen.settle))

        await screen.jump("metadata.version")
        await pilot.pause()
        for n in range(KEYS):
            out["key"].append(await _timed(app, clock, lambda n=n: type_key(app, n), lambda: typed(app)))
    return out


async def minimal_switches() -> dict[str, list[tuple[float, float]]]:
    """Page switches in the minimal app: to pages built at start ("again"), and to pages built when first shown."""
    app = minimal_pages_app()
    clock = FrameClock(app)
    out: dict[str, list[tuple[float, float]]] = {"again": [], "first": []}

    def page(n: int) -> Callable[[], bool]:
        return showing(app.screen, lambda: next(iter(app.query(f"#page-{n}")), None))

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for n in range(ROUNDS * 11):  # as many switches as the wizard's visited ones
            out["again"].append(await _timed(app, clock, lambda n=n: app.show(n % MINIMAL_PAGES),
                                             lambda n=n: page(n % MINIMAL_PAGES)))
        for n in range(10):  # as many as the wizard's first visits
            out["first"].append(await _timed(app, clock, lambda n=n: app.add_and_show(MINIMAL_PAGES + n),
                                             lambda n=n: page(MINIMAL_PAGES + n)))
    return out


async def minimal_keys() -> list[tuple[float, float]]:
    app = minimal_app()
    clock = FrameClock(app)
    times: list[tuple[float, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for n in range(KEYS):
            times.append(await _timed(app, clock, lambda n=n: type_key(app, n), lambda: typed(app)))
    return times


# ---------------------------------------------------------------------------------------------------- report


def main() -> list[Row]:
    example = largest_example()
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as folder:
        work = Path(folder)
        copy = work / example.name
        shutil.copyfile(example, copy)
        env = {**os.environ, "XDG_STATE_HOME": str(work / "state")}
        os.environ["XDG_STATE_HOME"] = env["XDG_STATE_HOME"]  # the in-process runs remember files there too

        cold = cold_start(copy, env, work / "bytecode")
        timings = asyncio.run(wizard_timings(copy))
        baseline_keys = asyncio.run(minimal_keys())
        baseline_switches = asyncio.run(minimal_switches())

    rows: list[Row] = [(f"tui cold start to {what} (ms)", wizard, minimal, wizard / minimal)
                       for what, (wizard, minimal) in (("first interactive screen", cold["interactive"]),
                                                       ("settled screen", cold["settled"]))]
    floor, minimal = cold["imports"]
    rows.append(("tui cold start floor: the minimal app after the wizard's imports (ms)", floor, minimal,
                 floor / minimal))

    def against_instant(name: str, values: list[float], quantiles: tuple[float, ...] = (0.5, 0.95)) -> None:
        for q in quantiles:
            value = percentile(values, q)
            rows.append((f"{name} p{round(q * 100)} (ms)", value, INSTANT_MS, value / INSTANT_MS))

    for kind, name in (("again", "visited"), ("first", "first visit")):
        ours, minimal = [p for p, _ in timings[kind]], [p for p, _ in baseline_switches[kind]]
        for q in (0.5, 0.95):
            value, base = percentile(ours, q), percentile(minimal, q)
            rows.append((f"tui step switch, {name}, on screen p{round(q * 100)} (ms)", value, base, value / base))
        if kind == "again":
            against_instant("tui step switch, visited, all done", [d for _, d in timings["again"]], (0.5,))
    against_instant("tui re-evaluation after an edit, on screen", [p for p, _ in timings["settle"]])
    key, base = percentile([p for p, _ in timings["key"]], 0.5), percentile([p for p, _ in baseline_keys], 0.5)
    rows.append(("tui keystroke, on screen p50 (ms)", key, base, key / base))
    return rows


def print_table(rows: list[Row]) -> None:
    width = max(len(name) for name, *_ in rows)
    print(f"{'benchmark':<{width}}  {'value':>9}  {'baseline':>9}  {'ratio':>6}")
    for name, value, baseline, ratio in rows:
        print(f"{name:<{width}}  {value:>9.1f}  {baseline:>9.1f}  {ratio:>6.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--cold":
        _cold_child(sys.argv[2], sys.argv[3])
    else:
        print(f"largest example: {largest_example().relative_to(ROOT)}, terminal {SIZE[0]}x{SIZE[1]}, headless")
        print_table(main())
