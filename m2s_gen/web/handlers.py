"""What the page's buttons do. Plain methods on one object, so tests can call them without a browser;
:mod:`.ui` lays out the widgets and wires them to these. Every expected failure becomes ``gr.Error``
with the CLI's one-line message."""
from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr

from .blind import summary_markdown
from .controls import Controls, preset_names
from .inputs import UploadError, display_name, load_upload
from .session import Session
from .settings import WebSettings
from .upmix import baseline_label, downloads, run_upmix

PLOT_KEYS = ("goniometer", "band_widths", "correlation")
NO_TRIALS = "No trials yet: upmix a file on the Upmix tab, then add it here."


def fail(message: str) -> gr.Error:
    return gr.Error(" ".join(message.split()), print_exception=False)


class PageHandlers:
    def __init__(self, upmixer, settings: WebSettings, root: Path):
        self.upmixer = upmixer
        self.settings = settings
        self.root = Path(root)  # per-visitor folders go here; the caller creates and removes it
        self.presets = preset_names(upmixer)
        self.player_labels = ["input", *(f"take {k + 1}" for k in range(settings.max_takes)),
                              baseline_label(settings.baseline), "original", "fold-down (L+R)/2 of take 1"]

    # -- Upmix tab -------------------------------------------------------------------------------
    def upmix(self, file, words, width_db, bass_mono_hz, seed, takes, preset, steps, draws, temperature, guidance,
              fmt, session, progress=gr.Progress(track_tqdm=True)):
        """-> [status, *players, *plots, download files, session]."""
        if not file:
            raise fail("no file: upload an audio file first")
        name = display_name(file)
        try:
            controls = Controls.from_text(words=words, width_db=width_db, bass_mono_hz=bass_mono_hz, seed=seed,
                                          num_takes=takes, preset=preset,
                                          num_steps=steps, num_draws=draws, temperature=temperature,
                                          guidance_scale=guidance)
            controls.check(self.settings.max_takes, self.upmixer)
            upload = load_upload(file, self.settings, name)
        except (UploadError, ValueError) as err:
            raise fail(str(err)) from None
        session = session or Session(self.root)
        try:
            result = run_upmix(self.upmixer, upload, controls, session.new_run_folder(), self.settings.baseline,
                               progress=lambda f, text: progress(f, desc=text))
        except (ValueError, RuntimeError, OSError) as err:
            raise fail(f"{name}: {err}") from None
        session.result = result
        kind = "stereo, folded to mono" if upload.original is not None else f"{upload.channels} channel(s)"
        files = self.change_format(fmt, session)
        status = (f"**{result.name}** ({upload.duration_s:.1f} s, {upload.sample_rate} Hz, {kind}): "
                  f"{controls.describe()}. Fold-down (L+R)/2 of the takes against the input: "
                  f"max difference {result.fold_down_error_db:.0f} dB.")
        if result.video_problem:
            status += f" The video is not offered back: {result.video_problem}."
        players = [gr.update(value=str(result.players[label]), visible=True) if label in result.players
                   else gr.update(value=None, visible=False) for label in self.player_labels]
        plots = [str(result.plots[key]) for key in PLOT_KEYS]
        return [status, *players, *plots, files, session]

    def change_format(self, fmt, session):
        """The takes' download files in ``fmt`` ("WAV" or "FLAC")."""
        if session is None or session.result is None:
            return None
        try:
            return [str(path) for path in downloads(session.result, fmt)]
        except (ValueError, OSError) as err:
            raise fail(str(err)) from None

    # -- Blind test tab --------------------------------------------------------------------------
    def blind_add(self, session):
        """Queue the last upmix's pairs. -> [line, player A, player B, button A, button B, summary, files, session]."""
        if session is None or session.result is None:
            raise fail("nothing to compare yet: upmix a file on the Upmix tab first")
        session.blind.add(session.result.name, session.result.systems())
        return [*self.blind_view(session), session]

    def blind_choose(self, choice, session):
        """Record "A" or "B" for the current trial, keep the results, show the next trial."""
        if session is None or session.blind.current is None:
            raise fail("no trial is waiting for a choice")
        session.blind.choose(choice)
        json_path, csv_path = session.blind.write(session.folder / "results", session.results_stem)
        if self.settings.results_dir is not None:  # kept on the server, under a name the server chose
            try:
                self.settings.results_dir.mkdir(parents=True, exist_ok=True)
                for path in (json_path, csv_path):
                    shutil.copyfile(path, self.settings.results_dir / path.name)
            except OSError as err:
                raise fail(f"{self.settings.results_dir}: cannot keep the results ({err.strerror})") from None
        return [*self.blind_view(session), session]

    def blind_view(self, session):
        """[line, player A, player B, button A, button B, summary, results files]. Names stay hidden
        until every queued trial is decided."""
        test = session.blind
        trial = test.current
        if trial is None:
            if not test.trials:
                return [NO_TRIALS, None, None, gr.update(interactive=False), gr.update(interactive=False), "", None]
            files = [str(path) for path in test.write(session.folder / "results", session.results_stem)]
            line = f"All {len(test.trials)} trials decided. Add an upmix again to go on."
            return [line, None, None, gr.update(interactive=False), gr.update(interactive=False),
                    summary_markdown(test.summary()), files]
        line = (f"**Trial {trial.trial} of {len(test.trials)}** ({trial.file}): listen to both, then choose. "
                "The names are shown when every queued trial is decided.")
        return [line, str(trial.a_path), str(trial.b_path), gr.update(interactive=True),
                gr.update(interactive=True), "", None]

    def chooser(self, choice: str):
        """``blind_choose`` bound to one button."""
        def choose(session):
            return self.blind_choose(choice, session)
        return choose
