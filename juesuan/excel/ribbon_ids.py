"""Read the ribbon definition (``addin/customUI.xml``) without trusting it: ids of its buttons."""

from __future__ import annotations

from pathlib import Path

from defusedxml import ElementTree

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
#: ``addin/customUI.xml`` of the source tree (the add-in is built from a checkout).
def _customui_path() -> Path:
    """``addin/customUI.xml`` of the project, else the copy a wheel installs under ``share/``."""
    import sys

    source = Path(__file__).resolve().parents[2] / "addin" / "customUI.xml"
    if source.exists():
        return source
    for prefix in (sys.prefix, sys.base_prefix):
        installed = Path(prefix) / "share" / "juesuan" / "addin" / "customUI.xml"
        if installed.exists():
            return installed
    return source


CUSTOMUI_PATH = _customui_path()


def button_ids(path: Path | str = CUSTOMUI_PATH) -> list[str]:
    """Ids of every ``<button>`` in the customUI file, in document order."""
    root = ElementTree.parse(str(path)).getroot()
    return [b.attrib["id"] for b in root.iter(f"{{{CUSTOMUI_NS}}}button")]


def button_actions(path: Path | str = CUSTOMUI_PATH) -> dict[str, str]:
    """``{button id: onAction}`` — every button is expected to use the one dispatcher."""
    root = ElementTree.parse(str(path)).getroot()
    return {b.attrib["id"]: b.attrib.get("onAction", "") for b in root.iter(f"{{{CUSTOMUI_NS}}}button")}
