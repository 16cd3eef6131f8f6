"""The request's controls beside the sampler settings: their ranges and checks, without torch.

:meth:`m2s_gen.Upmixer.check_request` and the command line (before any model is loaded) share these.
Errors are :class:`~m2s_gen.sampler_settings.SettingError`, whose ``name`` is the argument.
"""
from __future__ import annotations

from numbers import Real

from .sampler_settings import SettingError

MAX_WIDTH_DB = 10.0
MIN_WIDTH_DB = -40.0
MAX_BASS_MONO_HZ = 2_000.0
MAX_TAKES = 64


def check_controls(width_db=None, bass_mono_hz=None, num_takes: int = 1) -> None:
    """Raise :class:`SettingError` for a control out of its range."""
    if width_db is not None and (not _is_number(width_db) or not MIN_WIDTH_DB <= width_db <= MAX_WIDTH_DB):
        raise SettingError("width_db", f"must be in [{MIN_WIDTH_DB}, {MAX_WIDTH_DB}] dB, got {width_db}")
    if bass_mono_hz is not None and (not _is_number(bass_mono_hz) or not 0 <= bass_mono_hz <= MAX_BASS_MONO_HZ):
        raise SettingError("bass_mono_hz", f"must be in [0, {MAX_BASS_MONO_HZ:g}] Hz, got {bass_mono_hz}")
    if not 1 <= num_takes <= MAX_TAKES:
        raise SettingError("num_takes", f"must be in [1, {MAX_TAKES}], got {num_takes}")


def check_band_widths(band_widths_db) -> list[tuple[float, float, float]]:
    """``[(low_hz, high_hz, width_db), ...]`` as floats; :class:`SettingError` for a bad item."""
    out = []
    for item in band_widths_db or []:
        if len(item) != 3:
            raise SettingError("band_widths_db", f"items must be (low_hz, high_hz, width_db), got {item!r}")
        low, high, width = (float(v) for v in item)
        if not 0 <= low < high or not MIN_WIDTH_DB <= width <= MAX_WIDTH_DB:
            raise SettingError("band_widths_db", f"need 0 <= low_hz < high_hz and width_db in "
                                                 f"[{MIN_WIDTH_DB}, {MAX_WIDTH_DB}], got {item!r}")
        out.append((low, high, width))
    return out


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)
