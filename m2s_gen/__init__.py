"""m2s-gen: generative mono-to-stereo upmixing that keeps the mid exactly.

>>> from m2s_gen import Upmixer
>>> up = Upmixer.from_pretrained()          # the bundled model, offline
>>> stereo = up(mono, sample_rate=44100, prompt="wide, mono bass", seed=0)   # [2, T]

The names below are imported on first use, so that ``import m2s_gen`` (and ``m2s --help``) does not
load torch.
"""
from __future__ import annotations

import importlib

__version__ = "0.2.0"

#: public name -> module that defines it
_EXPORTS = {
    "Upmixer": ".pipeline",
    "UpmixerConfig": ".pipeline",
    "SamplerSettings": ".sampler_settings",
    "AudioFileError": ".audio_io",
    "ModelLoadError": ".loading",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
