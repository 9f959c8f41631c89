"""Build hook: compile the gettext catalogues (.po -> .mo) into the package.

Only the .po sources are committed; every wheel and editable install compiles them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)
        for po in sorted((root / "screener" / "translations").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalogue = read_po(source)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalogue, use_fuzzy=True)
            build_data["artifacts"].append(str(po.with_suffix(".mo").relative_to(root)))
