"""The clinic's own settings, from one YAML file named by ``SCREENER_CLINIC_CONFIG``.

A clinic's web person sets its name, contacts, logo, brand colour, languages and the
handoff in one place. The file is read with the rule loader's line-keeping YAML, so every
problem names the file and line; environment variables (``SCREENER_*``) still override
it, and the final values are checked together (a brand colour too light for text on
the page is refused with its measured contrast ratio).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from .clinictime import valid_zone
from .i18n import SUPPORTED
from .problems import ConfigError, Problem, ProblemsError, did_you_mean
from .yamlsource import LineDict, line_at, load_yaml

DEFAULT_BRAND = "#0b4f8a"
# Backgrounds the brand colour carries text on, or is text on: the page, the grey panels
# (links in the "next step" box) and white text on brand buttons and the header.
PAGE_BACKGROUNDS = {"white page": "#ffffff", "grey panels": "#f3f2f1"}
MIN_CONTRAST = 4.5  # WCAG 2.2 AA, 1.4.3, normal-size text
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp",
              ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
MAX_LOGO_BYTES = 20 * 1024  # every page, with its assets, stays under 30 KB on a phone

# YAML key -> app.config key
KEYS = {
    "name": "CLINIC_NAME", "phone": "CLINIC_PHONE", "email": "CLINIC_EMAIL",
    "booking_url": "BOOKING_URL", "emergency_number": "EMERGENCY_NUMBER", "logo": "LOGO",
    "brand_colour": "BRAND_COLOUR", "languages": "LANGUAGES", "handoff": "HANDOFF",
    "retention_days": "RETENTION_DAYS", "overrides": "OVERRIDES_DIR",
    "content_reviewed": "CONTENT_REVIEWED", "timezone": "TIMEZONE",
    "save_return": "SAVE_RETURN", "save_return_days": "SAVE_RETURN_DAYS",
}
_PATH_KEYS = ("logo", "overrides")


class ClinicFile(BaseModel):
    """The shape of the clinic file: every key optional, no unknown keys."""

    model_config = ConfigDict(extra="forbid")
    name: StrictStr | None = Field(default=None, min_length=1)
    phone: StrictStr | StrictInt | None = None
    email: StrictStr | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    booking_url: StrictStr | None = Field(default=None, pattern=r"^https?://\S+$")
    emergency_number: StrictStr | StrictInt | None = None
    logo: StrictStr | None = None
    brand_colour: StrictStr | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    languages: list[StrictStr] | None = Field(default=None, min_length=1)
    handoff: StrictBool | None = None
    retention_days: StrictInt | None = Field(default=None, ge=1, le=366)
    overrides: StrictStr | None = None
    content_reviewed: datetime.date | None = None
    timezone: StrictStr | None = Field(default=None, min_length=1)
    save_return: StrictBool | None = None
    save_return_days: StrictInt | None = Field(default=None, ge=1, le=90)


class ClinicConfigError(ProblemsError, ConfigError):
    """Settings that cannot be used (settings.py), each with the file and line or the
    variable it came from."""

    def __init__(self, problems: list[Problem | str]) -> None:
        super().__init__(problems, "The configuration cannot be used")


@dataclass
class ClinicSource:
    """What the clinic file set (as app.config keys), where, and what was wrong in it."""

    file: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem | str] = field(default_factory=list)

    def where(self, key: str, value: Any) -> str:
        """"file:line" when the final value came from the file, else the variable name."""
        if key in self.settings and self.settings[key] == value:
            return f"{self.file}:{self.lines[key]}"
        return f"SCREENER_{key}"


def read_clinic_file(path: str | os.PathLike[str] | None) -> ClinicSource:
    """The settings in the clinic file at ``path`` (nothing when no file is configured)."""
    if not path:
        return ClinicSource()
    path = Path(path)
    source = ClinicSource(file=str(path))
    if not path.is_file():
        source.problems.append(Problem(str(path), 1, "the clinic configuration file does not "
                                       "exist (SCREENER_CLINIC_CONFIG)"))
        return source
    data, found = load_yaml(path, str(path))
    source.problems += found
    if data is None:
        return source
    if not isinstance(data, LineDict):
        source.problems.append(Problem(str(path), 1, "the clinic file must be a mapping of "
                                       f"settings: {', '.join(KEYS)}"))
        return source
    try:
        parsed = ClinicFile.model_validate(data)
    except ValidationError as exc:
        source.problems += [_from_pydantic(str(path), data, err) for err in exc.errors()]
        return source
    for key, value in parsed.model_dump(exclude_none=True).items():
        if key in _PATH_KEYS:
            value = str((path.parent / value).resolve())
        elif key in ("phone", "emergency_number", "content_reviewed"):
            value = str(value)
        source.settings[KEYS[key]] = value
        source.lines[KEYS[key]] = data.key_lines[key]
    return source


def _from_pydantic(file: str, data: LineDict, err: Mapping[str, Any]) -> Problem:
    loc = tuple(err["loc"])
    key = str(loc[0]) if loc else ""
    line = line_at(data, loc[:1])
    if err["type"] == "extra_forbidden":
        return Problem(file, line, f"unknown setting '{key}'{did_you_mean(key, KEYS)}")
    hints = {"brand_colour": " (a colour like '#0b4f8a')",
             "booking_url": " (a full address starting with https://)",
             "content_reviewed": " (a date like 2026-11-20)",
             "timezone": " (an IANA zone like America/New_York)"}
    message = str(err["msg"]).removeprefix("Value error, ")
    return Problem(file, line, f"'{key}': {message}{hints.get(key, '')}")


def check_clinic(config: Mapping[str, Any], source: ClinicSource) -> None:
    """Check the final clinic settings together; ClinicConfigError lists every problem."""
    problems = list(source.problems)
    languages = config["LANGUAGES"]
    for code in languages or ["(none)"]:
        if code not in SUPPORTED:
            problems.append(f"{source.where('LANGUAGES', config['LANGUAGES'])}: language "
                            f"'{code}' has no translation{did_you_mean(code, SUPPORTED)}; "
                            f"offered: {', '.join(SUPPORTED)}")
    colour = config["BRAND_COLOUR"]
    if not (len(colour) == 7 and colour[0] == "#" and _is_hex(colour[1:])):
        problems.append(f"{source.where('BRAND_COLOUR', colour)}: brand colour '{colour}' "
                        "is not a colour like '#0b4f8a'")
    else:
        for place, background in PAGE_BACKGROUNDS.items():
            ratio = contrast_ratio(colour, background)
            if ratio < MIN_CONTRAST:
                problems.append(
                    f"{source.where('BRAND_COLOUR', colour)}: brand colour {colour} has a "
                    f"contrast ratio of {ratio:.2f}:1 with the {place} ({background}); WCAG AA "
                    f"needs at least {MIN_CONTRAST}:1 for text. Choose a darker colour.")
    if config["LOGO"]:
        problems += _check_logo(Path(config["LOGO"]), source.where("LOGO", config["LOGO"]))
    if config["OVERRIDES_DIR"] and not Path(config["OVERRIDES_DIR"]).is_dir():
        problems.append(f"{source.where('OVERRIDES_DIR', config['OVERRIDES_DIR'])}: the "
                        f"override folder {config['OVERRIDES_DIR']} does not exist")
    zone = config["TIMEZONE"]
    if not valid_zone(zone):
        problems.append(f"{source.where('TIMEZONE', config['TIMEZONE'])}: time zone "
                        f"'{zone}' is not an IANA zone like America/New_York or Europe/Madrid")
    if problems:
        raise ClinicConfigError(problems)


def _check_logo(path: Path, where: str) -> list[Problem | str]:
    if path.suffix.lower() not in LOGO_TYPES:
        return [f"{where}: the logo must be one of {', '.join(LOGO_TYPES)}, not {path.name}"]
    if not path.is_file():
        return [f"{where}: the logo file {path} does not exist"]
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        return [f"{where}: the logo is {size // 1024} KB; keep it under "
                f"{MAX_LOGO_BYTES // 1024} KB so pages stay quick on a phone"]
    return []


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a ``#rrggbb`` colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio, from 1 (none) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0 to 1) of the way towards ``other``."""
    return "#" + "".join(f"{round(a + (b - a) * amount):02x}"
                         for a, b in zip(_rgb(colour), _rgb(other), strict=True))


def brand_css(colour: str) -> str:
    """CSS custom properties for the brand colour, appended to the app's stylesheet.

    The hover shade is darker still (so it keeps the contrast) and the tint behind a
    chosen answer is nearly white (dark text on it keeps well over 4.5:1).
    """
    return (f"\n:root{{--brand:{colour};--brand-dark:{mix(colour, '#000000', 0.25)};"
            f"--brand-tint:{mix(colour, '#ffffff', 0.92)}}}\n")


def favicon_svg(colour: str) -> bytes:
    """A small icon in the brand colour, so browsers find one and log no 404."""
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
            f'<rect width="32" height="32" rx="6" fill="{colour}"/>'
            '<path d="M16 5v22M11 9h10M10 14h12M11 19h10M12 24h8" stroke="#fff" '
            'stroke-width="2.5" stroke-linecap="round"/></svg>').encode()
