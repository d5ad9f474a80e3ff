"""What a committed notebook's stored outputs hold, for the tests that compare a rendering with them."""
from __future__ import annotations

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_views(nb) -> int:
    """How many widget views the stored run of ``nb`` (an nbformat notebook) displayed."""
    return sum(WIDGET_VIEW in output.get("data", {})
               for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs)
