"""Textual's compositor, arranging the screen only when a layout asks for it.

The compositor keeps a map of where every widget is (scrolled out of view or not). Textual 8.2.8 throws that map
away, to be built again by arranging every widget of the screen, more often than it needs to:

* whenever a widget not on screen is repainted: one scrolled out of view, or one of a hidden page (the page
  a step switch leaves loses the focus, and repaints). The map has the first, and the second cannot be seen, so
  neither changes the map; only a widget the map lacks and that may be shown (one just mounted) does.
* in a frame whose layout has just built the map afresh: the mark that it is stale, set as the frame started,
  is left, so the same frame arranges the whole screen twice before painting it.

Each needless arrangement costs about 25 ms on the design factors step and 20 ms on the review (measured), and a
step switch made two or three of them.
"""

from __future__ import annotations

from textual._compositor import Compositor, ReflowResult
from textual.geometry import Size
from textual.widget import Widget


def hidden(widget: Widget) -> bool:
    """Whether the widget or a widget it is in is not displayed."""
    return not all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


class ArrangeWhenNeeded(Compositor):
    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        result = super().reflow(parent, size)
        self._full_map_invalidated = False  # the map of every widget was built just now
        return result

    def update_widgets(self, widgets: set[Widget]) -> None:
        if not self._full_map_invalidated:
            mapped, visible = self._full_map.keys(), self.visible_widgets.keys()
            # Only those on screen are painted; of the others, only one the map lacks and may show changes it.
            widgets = {w for w in widgets if w in visible or not (w in mapped or hidden(w))}
        super().update_widgets(widgets)
