"""The audio codec: EnCodec's SEANet encoder/decoder with continuous latents (no quantizer).

Two sources of weights:

- our own checkpoints (:class:`SeanetCodec`, ``config.json`` + safetensors), trained here on stereo
  music at 48 kHz with a latent frame every 40 ms (hop 1920), so one latent frame is one spatial
  parameter frame (:mod:`m2s_gen.spatial`);
- Meta's official ``encodec_48khz`` (hop 320, 150 Hz), through the ``encodec`` package's own loader
  (:func:`load_official_encodec_48khz`) when the user has the checkpoint on disk.

Either way the upmixer only needs ``encode(stereo [B, 2, T]) -> latents [B, D, frames]``; mono music
is encoded as dual mono ``[M, M]``.
"""
from __future__ import annotations

import contextlib
import math
import warnings
from pathlib import Path

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from encodec.modules import SEANetDecoder, SEANetEncoder

OFFICIAL_48KHZ_CHECKPOINT = "encodec_48khz-7e698e3e.th"


@contextlib.contextmanager
def quiet_weight_norm():
    """Silence torch's deprecation notice for ``weight_norm``, which the ``encodec`` package's modules
    call when they are built: the user cannot act on it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*weight_norm", category=FutureWarning)
        yield


class SeanetCodec(ModelMixin, ConfigMixin):
    """Stereo SEANet autoencoder ``[B, 2, T] -> [B, latent_dim, T / hop] -> [B, 2, T]``."""

    config_name = "config.json"

    @register_to_config
    def __init__(
        self,
        sample_rate: int = 48_000,
        channels: int = 2,
        latent_dim: int = 64,
        n_filters: int = 16,
        ratios: tuple[int, ...] = (8, 6, 5, 4, 2),
        lstm_layers: int = 1,
    ):
        super().__init__()
        common = dict(channels=channels, dimension=latent_dim, n_filters=n_filters,
                      ratios=list(ratios), lstm=lstm_layers)
        with quiet_weight_norm():
            self.encoder = SEANetEncoder(**common)
            self.decoder = SEANetDecoder(**common)

    @property
    def hop_length(self) -> int:
        return int(math.prod(self.config.ratios))

    @property
    def frame_rate_hz(self) -> float:
        return self.config.sample_rate / self.hop_length

    def _pad(self, audio: torch.Tensor) -> torch.Tensor:
        extra = (-audio.shape[-1]) % self.hop_length
        return torch.nn.functional.pad(audio, (0, extra))

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """``[B, 2, T]`` at ``sample_rate`` -> latents ``[B, latent_dim, ceil(T / hop)]``."""
        return self.encoder(self._pad(audio))

    def decode(self, latents: torch.Tensor, num_samples: int | None = None) -> torch.Tensor:
        """Latents ``[B, latent_dim, frames]`` -> audio ``[B, 2, frames * hop]`` (cut to ``num_samples``)."""
        audio = self.decoder(latents)
        return audio if num_samples is None else audio[..., :num_samples]

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(audio), audio.shape[-1])


class OfficialEncodecAdapter(torch.nn.Module):
    """Meta's ``encodec_48khz`` behind the same ``encode``/``decode`` interface (continuous latents,
    before the quantizer; ``normalize`` is off so latents keep the input's level)."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.sample_rate = model.sample_rate

    @property
    def hop_length(self) -> int:
        return int(math.prod(self.model.encoder.ratios))

    @property
    def frame_rate_hz(self) -> float:
        return self.sample_rate / self.hop_length

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        extra = (-audio.shape[-1]) % self.hop_length
        return self.model.encoder(torch.nn.functional.pad(audio, (0, extra)))

    def decode(self, latents: torch.Tensor, num_samples: int | None = None) -> torch.Tensor:
        audio = self.model.decoder(latents)
        return audio if num_samples is None else audio[..., :num_samples]


def build_official_encodec_48khz():
    """The architecture of Meta's ``encodec_48khz`` (random weights), from the ``encodec`` package."""
    from encodec import EncodecModel

    with quiet_weight_norm():
        return EncodecModel._get_model([3.0, 6.0, 12.0, 24.0], 48_000, 2, causal=False,
                                       model_norm="time_group_norm", audio_normalize=True,
                                       segment=1.0, name="encodec_48khz")


def load_official_encodec_48khz(folder: str | Path,
                                checkpoint_name: str = OFFICIAL_48KHZ_CHECKPOINT) -> OfficialEncodecAdapter:
    """Load Meta's 48 kHz EnCodec from ``folder/checkpoint_name``, the file EnCodec's own loader
    reads. As there, the hash prefix in the file name (``-7e698e3e``) is checked, and the state dict
    is read with ``torch.load(weights_only=True)``, which refuses pickled code."""
    from encodec.utils import _check_checksum

    path = Path(folder) / checkpoint_name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (Meta's encodec_48khz checkpoint)")
    checksum = path.stem.split("-")[-1]
    if len(checksum) < 8 or any(c not in "0123456789abcdef" for c in checksum):
        raise ValueError(f"{path}: the file name must end in -<first 8+ hex digits of its sha256>")
    _check_checksum(path, checksum)
    model = build_official_encodec_48khz()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    model.normalize = False
    return OfficialEncodecAdapter(model.eval())
