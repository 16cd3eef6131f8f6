"""m2s-gen: generative mono-to-stereo upmixing that keeps the mid exactly.

>>> from m2s_gen import Upmixer
>>> up = Upmixer.from_pretrained()          # the bundled model, offline
>>> stereo = up(mono, sample_rate=44100, prompt="wide, mono bass", seed=0)   # [2, T]
"""
from .audio_io import AudioFileError
from .loading import ModelLoadError
from .pipeline import Upmixer, UpmixerConfig

__all__ = ["Upmixer", "UpmixerConfig", "AudioFileError", "ModelLoadError"]
__version__ = "0.1.0"
