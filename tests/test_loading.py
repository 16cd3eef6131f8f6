"""Loading models: JSON + safetensors only, validated before allocation; the hub; Meta's EnCodec."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import music_like

from m2s_gen import ModelLoadError, Upmixer
from m2s_gen.codec import OfficialEncodecAdapter, build_official_encodec_48khz, load_official_encodec_48khz
from m2s_gen.loading import UPMIXER_CONFIG

REPO = Path(__file__).resolve().parents[1]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_save_load_round_trip(tiny_upmixer, tiny_model_dir):
    files = sorted(str(p.relative_to(tiny_model_dir)) for p in tiny_model_dir.rglob("*") if p.is_file())
    assert all(f.endswith((".json", ".safetensors", ".md")) for f in files), files
    loaded = Upmixer.from_pretrained(tiny_model_dir)
    assert loaded.config == tiny_upmixer.config
    mono = music_like(20_000, 16_000)
    assert torch.equal(loaded(mono, 16_000, seed=4, num_steps=2), tiny_upmixer(mono, 16_000, seed=4, num_steps=2))
    assert Upmixer.from_pretrained(str(tiny_model_dir)).config == tiny_upmixer.config  # str works too


def test_model_card_round_trip(tiny_upmixer, tmp_path):
    tiny_upmixer.model_card = "# tiny\nuntrained test model\n"
    try:
        tiny_upmixer.save_pretrained(tmp_path / "m")
    finally:
        tiny_upmixer.model_card = ""
    assert Upmixer.from_pretrained(tmp_path / "m").model_card == "# tiny\nuntrained test model\n"


class _Tripwire:
    """Unpickling this runs code: it touches a marker file. A safe loader never gets that far."""

    marker = ""

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def _pickle_bomb(path: Path, marker: Path) -> None:
    _Tripwire.marker = str(marker)
    with open(path, "wb") as f:
        pickle.dump({"weight": _Tripwire()}, f)


def test_a_folder_with_only_a_pickle_is_refused(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    _pickle_bomb(folder / "pytorch_model.bin", tmp_path / "ran")
    with pytest.raises(ModelLoadError, match=UPMIXER_CONFIG):
        Upmixer.from_pretrained(folder)
    assert not (tmp_path / "ran").exists()


def test_pickled_weights_in_place_of_safetensors_are_never_unpickled(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path / "model")
    for weights in folder.rglob("*.safetensors"):
        weights.unlink()
        _pickle_bomb(weights.with_name("diffusion_pytorch_model.bin"), tmp_path / "ran")
    with pytest.raises(ModelLoadError, match="cannot load weights"):
        Upmixer.from_pretrained(folder)
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("where,changes,match", [
    ("denoiser/config.json", dict(hidden_dim=10**9), "hidden_dim"),
    ("denoiser/config.json", dict(num_layers=10**6), "num_layers"),
    ("denoiser/config.json", dict(max_frames=-1), "max_frames"),
    ("denoiser/config.json", dict(hidden_dim="32"), "hidden_dim"),
    ("denoiser/config.json", dict(hidden_dim=True), "hidden_dim"),
    ("denoiser/config.json", dict(hidden_dim=33, num_heads=2), "divisible"),
    ("codec/config.json", dict(n_filters=10**6), "n_filters"),
    ("codec/config.json", dict(ratios=[10**6]), "ratios"),
    ("codec/config.json", dict(sample_rate=44_100), "sample_rate"),
    (UPMIXER_CONFIG, dict(segment_frames=10**9), "segment_frames"),
    (UPMIXER_CONFIG, dict(overlap_frames=40, segment_frames=32), "overlap_frames"),
    (UPMIXER_CONFIG, dict(unexpected=1), "unknown keys"),
    (UPMIXER_CONFIG, dict(codec="../../elsewhere"), "codec"),
    (UPMIXER_CONFIG, dict(codec=5), "codec"),
    (UPMIXER_CONFIG, dict(latent_scale=0), "latent_scale"),
    (UPMIXER_CONFIG, dict(default_guidance_scale="x"), "default_guidance_scale"),
    (UPMIXER_CONFIG, dict(default_temperature=9), "default_temperature"),
    (UPMIXER_CONFIG, dict(attribute_names=["width_db"]), "attribute_names"),
    (UPMIXER_CONFIG, dict(default_num_draws=0), "default_num_draws"),
    (UPMIXER_CONFIG, dict(ratio_offset_db=[0.0] * 5), "ratio_offset_db"),
    (UPMIXER_CONFIG, dict(ratio_offset_db=[1e9] * 32), "ratio_offset_db"),
    (UPMIXER_CONFIG, dict(coherence_scale=["x"] * 32), "coherence_scale"),
    (UPMIXER_CONFIG, dict(band_level_profile_db=[20.0] * 32), "band_level_profile_db"),
    (UPMIXER_CONFIG, dict(band_level_anchor=1.5), "band_level_anchor"),
    (UPMIXER_CONFIG, dict(band_level_flux_slope_db=[-20.0] * 32), "band_level_flux_slope_db"),
    (UPMIXER_CONFIG, dict(band_level_anchor=True), "band_level_anchor"),
])
def test_hostile_configs_fail_fast(tiny_model_dir, tmp_path, where, changes, match):
    folder = _copy(tiny_model_dir, tmp_path / "model")
    _edit_json(folder / where, **changes)
    with pytest.raises(ModelLoadError, match=match):
        Upmixer.from_pretrained(folder)


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"[" * 50_000, b"\xff\xfe", b"1" * 5_000,
                                     b" " * 1_000_001])
def test_broken_json_is_a_model_load_error(tiny_model_dir, tmp_path, content):
    folder = _copy(tiny_model_dir, tmp_path / "model")
    (folder / UPMIXER_CONFIG).write_bytes(content)
    with pytest.raises(ModelLoadError, match=UPMIXER_CONFIG):
        Upmixer.from_pretrained(folder)


@pytest.mark.parametrize("missing", ["denoiser/config.json", "scheduler/scheduler_config.json",
                                     "codec/diffusion_pytorch_model.safetensors"])
def test_missing_files(tiny_model_dir, tmp_path, missing):
    folder = _copy(tiny_model_dir, tmp_path / "model")
    (folder / missing).unlink()
    with pytest.raises(ModelLoadError, match=str(folder)):
        Upmixer.from_pretrained(folder)


def test_truncated_weights(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path / "model")
    weights = folder / "denoiser" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ModelLoadError, match="cannot load weights"):
        Upmixer.from_pretrained(folder)


@pytest.mark.parametrize("name", ["./no/such/folder", "/no/such/folder", "a/b/c", "justaname", "~/nothing-here"])
def test_missing_local_paths_are_not_sent_to_the_hub(name):
    with pytest.raises(ModelLoadError, match="no such model folder"):
        Upmixer.from_pretrained(name)


def test_offline_hub_miss_names_the_model(tmp_path):
    """Run in a fresh process: huggingface_hub reads HF_HUB_OFFLINE when it is imported."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"), OMP_NUM_THREADS="1",
               PYTHONPATH=str(REPO))
    code = ("from m2s_gen import Upmixer, ModelLoadError\n"
            "try:\n    Upmixer.from_pretrained('nobody/no-such-model')\n"
            "except ModelLoadError as err:\n    print('ModelLoadError:', err)\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ModelLoadError: nobody/no-such-model:" in done.stdout
    assert "offline" in done.stdout


def _official_checkpoint(folder: Path) -> str:
    model = build_official_encodec_48khz()
    tmp = folder / "encodec.th"
    torch.save(model.state_dict(), tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:8]
    name = f"encodec_48khz-{digest}.th"
    tmp.rename(folder / name)
    return name


@pytest.fixture(scope="module")
def official_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("encodec")
    return folder, _official_checkpoint(folder)


def test_official_encodec_loader(official_checkpoint):
    folder, name = official_checkpoint
    codec = load_official_encodec_48khz(folder, name)
    assert isinstance(codec, OfficialEncodecAdapter)
    assert codec.sample_rate == 48_000 and codec.hop_length == 320
    stereo = torch.randn(1, 2, 4_800) * 0.1
    with torch.inference_mode():
        latents = codec.encode(stereo)
        audio = codec.decode(latents, 4_800)
    assert latents.shape[0] == 1 and latents.shape[-1] == 15 and torch.isfinite(latents).all()
    assert audio.shape == (1, 2, 4_800)


def test_official_encodec_loader_refuses_a_wrong_hash(official_checkpoint, tmp_path):
    folder, name = official_checkpoint
    data = bytearray((folder / name).read_bytes())
    data[-1] ^= 0xFF  # one byte changed: same name, other content
    (tmp_path / name).write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="checksum"):
        load_official_encodec_48khz(tmp_path, name)
    with pytest.raises(FileNotFoundError):
        load_official_encodec_48khz(tmp_path / "nothing", name)


def test_a_model_pointing_at_a_bad_official_checkpoint_is_a_model_load_error(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path / "model")
    (tmp_path / "encodec").mkdir()
    (tmp_path / "encodec" / "encodec_48khz-7e698e3e.th").write_bytes(b"not the checkpoint")
    _edit_json(folder / UPMIXER_CONFIG, codec=f"official:{tmp_path / 'encodec'}")
    with pytest.raises(ModelLoadError, match="checksum"):
        Upmixer.from_pretrained(folder)
