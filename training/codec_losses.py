"""Reconstruction losses for the stereo codec: multi-resolution STFT and mel, on L/R and on M/S."""
from __future__ import annotations

import torch
import torchaudio

_EPS = 1e-5


class CodecLoss(torch.nn.Module):
    """``loss(pred [B, 2, T], target [B, 2, T]) -> (total, parts)``; M/S terms weigh the side twice,
    since the side is quiet and is what the upmixer needs."""

    def __init__(self, sample_rate: int = 48_000, fft_sizes=(256, 1024, 4096), side_weight: float = 2.0,
                 snr_weight: float = 0.0):
        super().__init__()
        self.fft_sizes = fft_sizes
        self.side_weight = side_weight
        self.snr_weight = snr_weight
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate, n_fft=2048, hop_length=480, n_mels=80)

    def _stft_loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        total = pred.new_zeros(())
        for n_fft in self.fft_sizes:
            window = torch.hann_window(n_fft, device=pred.device)
            p = torch.stft(pred, n_fft, n_fft // 4, window=window, return_complex=True).abs()
            t = torch.stft(target, n_fft, n_fft // 4, window=window, return_complex=True).abs()
            convergence = (t - p).norm() / (t.norm() + _EPS)
            log_mag = (torch.log(p + _EPS) - torch.log(t + _EPS)).abs().mean()
            total = total + convergence + log_mag
        return total / len(self.fft_sizes)

    def _mel_loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (torch.log(self.mel(pred) + _EPS) - torch.log(self.mel(target) + _EPS)).abs().mean()

    @staticmethod
    def negative_snr_db(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean over signals of -10 log10(|target|^2 / |target - pred|^2) ``[..., T]``: the spectral
        terms ignore the phase, this one asks for the waveform itself (SI-SDR > 0 needs it)."""
        signal = target.pow(2).sum(-1) + _EPS
        error = (target - pred).pow(2).sum(-1) + _EPS
        return (10 * torch.log10(error / signal)).mean()

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, dict]:
        flat_p, flat_t = pred.reshape(-1, pred.shape[-1]), target.reshape(-1, target.shape[-1])
        mid_p, side_p = (pred[:, 0] + pred[:, 1]) / 2, (pred[:, 0] - pred[:, 1]) / 2
        mid_t, side_t = (target[:, 0] + target[:, 1]) / 2, (target[:, 0] - target[:, 1]) / 2
        parts = {
            "stft_lr": self._stft_loss(flat_p, flat_t),
            "mel_lr": self._mel_loss(flat_p, flat_t),
            "stft_mid": self._stft_loss(mid_p, mid_t),
            "stft_side": self._stft_loss(side_p, side_t) * self.side_weight,
            "mel_side": self._mel_loss(side_p, side_t) * self.side_weight,
            "l1": (pred - target).abs().mean() * 10,
        }
        if self.snr_weight:
            parts["neg_snr_db"] = self.negative_snr_db(pred, target) * self.snr_weight / 10
        return sum(parts.values()), {k: float(v) for k, v in parts.items()}
