"""Widgets that draw themselves as lines made for the width they are shown at."""

from __future__ import annotations

from typing import Any

from textual.content import Content


class DrawnLines:
    """Mixed into a widget that makes its own lines (`_lines(width)`): it is as tall as those lines at the width
    it is laid out at, and draws them at the width it is shown at. Textual would wrap a text once more for each."""

    content_region: Any  # the widget's

    def _lines(self, width: int) -> list[Content]:
        raise NotImplementedError

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.content_region.width))
