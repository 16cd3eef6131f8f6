# make test   create .venv if missing, install the package, run the test suite (CPU), with the web
#             page's browser test (apt-get installs chromium where it is missing)
# make demo   the same install, then upmix the bundled example with the bundled model
#
# Both work on a fresh machine: the install runs once (a stamp file remembers it) and again only
# when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.m2s-installed
TORCH := torch==2.14.1 torchaudio==2.11.0

BUNDLED_MODEL := m2s_gen/default_model
BUNDLED_EXAMPLE := m2s_gen/assets/example.flac
FALLBACK_EXAMPLE := examples/example.wav
DEMO_MODEL := runs/demo_model
DEMO_OUT := examples/demo_out.wav

.PHONY: install test demo browser portaudio

install: $(STAMP) portaudio

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(TORCH)
	$(PY) -m pip install -e '.[all,test]'
	touch $@

# The web page's browser test (tests/test_web_browser.py) drives Debian's chromium through playwright;
# no browser is downloaded. apt-get runs only where chromium is missing (as root, else through sudo).
CHROMIUM := /usr/bin/chromium
browser:
	@[ -x $(CHROMIUM) ] || { \
	  echo "installing chromium for the browser test (apt-get)"; \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium; }

# m2s live talks to audio devices through sounddevice, which needs the PortAudio library: apt-get
# installs Debian's libportaudio2 where it is missing (CI has no audio device; the tests need none).
portaudio:
	@ldconfig -p 2>/dev/null | grep -q 'libportaudio\.so\.2' || { \
	  echo "installing libportaudio2 for m2s live (apt-get)"; \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq libportaudio2; }

# M2S_REQUIRE_BROWSER=1: a missing browser fails the browser test instead of skipping it
test: $(STAMP) browser portaudio
	M2S_REQUIRE_BROWSER=1 $(PY) -m pytest -q

# A few seconds of synthetic mono music (chords, bass, noise hits), for as long as no real example
# is bundled in $(BUNDLED_EXAMPLE).
define MAKE_EXAMPLE
import numpy as np, soundfile as sf
rate, seconds = 44100, 8
t = np.arange(rate * seconds) / rate
rng = np.random.default_rng(0)
chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6), (196.0, 246.9, 311.1)]
x = np.zeros_like(t)
for k, chord in enumerate(chords):
    part = (t >= 2 * k) & (t < 2 * k + 2)
    for f in chord:
        x[part] += 0.2 * np.sin(2 * np.pi * f * t[part]) * np.exp(-(t[part] - 2 * k))
    x[part] += 0.3 * np.sin(2 * np.pi * chord[0] / 4 * t[part])
hits = rng.standard_normal(t.size) * np.exp(-((t * 4) % 1) * 30)
x += 0.15 * hits
sf.write("$(FALLBACK_EXAMPLE)", (0.8 * x / np.abs(x).max()).astype(np.float32), rate, subtype="PCM_16")
endef
export MAKE_EXAMPLE

# An untrained model (random weights, small sizes) for as long as none is bundled in $(BUNDLED_MODEL).
define MAKE_DEMO_MODEL
from m2s_gen.factory import build_upmixer
up = build_upmixer(denoiser_kwargs=dict(hidden_dim=64, num_layers=2, num_heads=4),
                   codec_kwargs=dict(n_filters=8, latent_dim=16), seed=0)
up.model_card = "# UNTRAINED demo model\n\nRandom weights from m2s_gen.factory.build_upmixer, made by `make demo`.\n"
up.save_pretrained("$(DEMO_MODEL)")
endef
export MAKE_DEMO_MODEL

define UNTRAINED_BANNER
echo '************************************************************************'; \
echo '*  WARNING: no trained model is bundled yet ($(BUNDLED_MODEL)/).'; \
echo '*  This demo uses an UNTRAINED model with random weights ($(DEMO_MODEL)).'; \
echo '*  The output is valid stereo whose mid is the input exactly, but its'; \
echo '*  stereo image was not learnt: do not judge the method by it.'; \
echo '************************************************************************'
endef

demo: $(STAMP)
	@set -e; \
	example=$(BUNDLED_EXAMPLE); \
	if [ ! -f "$$example" ]; then \
	  example=$(FALLBACK_EXAMPLE); \
	  echo "no bundled example ($(BUNDLED_EXAMPLE)): using a synthetic one, $$example"; \
	  mkdir -p $(dir $(FALLBACK_EXAMPLE)); \
	  [ -f "$$example" ] || $(PY) -c "$$MAKE_EXAMPLE"; \
	fi; \
	model=""; \
	if [ ! -f $(BUNDLED_MODEL)/upmixer_config.json ]; then \
	  $(UNTRAINED_BANNER); \
	  [ -f $(DEMO_MODEL)/upmixer_config.json ] || $(PY) -W ignore -c "$$MAKE_DEMO_MODEL"; \
	  model="--model $(DEMO_MODEL)"; \
	fi; \
	mkdir -p $(dir $(DEMO_OUT)); \
	$(VENV)/bin/m2s upmix "$$example" -o $(DEMO_OUT) --overwrite --seed 0 $$model; \
	[ -z "$$model" ] || { $(UNTRAINED_BANNER); }; \
	echo "demo: $$example -> $(abspath $(DEMO_OUT)) (stereo; its (L+R)/2 is the input)"
