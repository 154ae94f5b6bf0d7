"""The named one-line sabotages that tools/sabotage.py applies, one at a time, to a scratch copy
of the tree: each breaks real behaviour a user would notice, and names the tests meant to catch
it. `original` must occur exactly once in `file`."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Sabotage:
    name: str
    what: str  # what a user would notice
    file: str
    original: str
    replacement: str
    tests: list[str]


SABOTAGES = [
    # ---- the dreamer ---------------------------------------------------------------------------
    Sabotage(
        "generator-never-steps",
        "the dreams never learn the film",
        "engine/trainer.py",
        "        self.g_optimizer.step()\n",
        "        pass\n",
        ["tests/test_learning.py"],
    ),
    Sabotage(
        "memory-never-fills",
        "the networks learn only the first frames",
        "engine/memory.py",
        "self._frames[self._count % self.capacity].copy_(tensor)",
        "pass",
        ["tests/test_memory.py"],
    ),
    Sabotage(
        "no-rollback",
        "a diverged mind is shown instead of the last good one",
        "engine/rebirth.py",
        "trainer.load_networks(copy.deepcopy(self._snapshot))",
        "pass",
        ["tests/test_rebirth.py"],
    ),
    Sabotage(
        "reset-does-nothing",
        "a reset leaves the trained mind on the wall",
        "engine/trainer.py",
        "generator, discriminator = self._blank_networks(self.config.seed + self.number)",
        "generator, discriminator = self.generator, self.discriminator",
        ["tests/test_dreamer.py::test_reset_starts_a_blank_mind_and_the_count_goes_on"],
    ),
    Sabotage(
        "reset-always-the-first-seed",
        "every reset dreams the same first mind again",
        "engine/trainer.py",
        "self._blank_networks(self.config.seed + self.number)",
        "self._blank_networks(self.config.seed)",
        ["tests/test_dreamer.py::test_reset_starts_a_blank_mind_and_the_count_goes_on"],
    ),
    Sabotage(
        "show-ignores-reset",
        "/dreams/reset and the reset key do nothing",
        "installation/show/dreaming.py",
        "self.trainer.reset()",
        "pass",
        ["tests/test_osc.py::test_commands_change_the_show_and_state_comes_back"],
    ),
    Sabotage(
        "reborn-shows-diverged-dreams",
        "a reborn mind shows the diverged network's dreams",
        "engine/rebirth.py",
        "return replace(network, images=trainer.dreams(), d_loss=losses[0], g_loss=losses[1])",
        "return replace(network, d_loss=losses[0], g_loss=losses[1])",
        ["tests/test_rebirth.py"],
    ),
    # ---- saves ---------------------------------------------------------------------------------
    Sabotage(
        "checksum-skipped",
        "a damaged save is loaded as the mind",
        "engine/state.py",
        'if hashlib.sha256(payload).hexdigest().encode("ascii") != digest:',
        "if False:",
        ["tests/test_saves.py"],
    ),
    Sabotage(
        "one-save-too-few",
        "fewer saves kept than the setting says",
        "engine/saves.py",
        "for old in [path, *saves][self.keep :]:",
        "for old in [path, *saves][self.keep - 1 :]:",
        ["tests/test_saves.py"],
    ),
    # ---- the film ------------------------------------------------------------------------------
    Sabotage(
        "film-never-loops",
        "the show stops watching at the film's end",
        "engine/film.py",
        "if not self.loop or rewound or not self._reader.reopen():",
        "if True:",
        ["tests/test_film.py"],
    ),
    # ---- the picture ---------------------------------------------------------------------------
    Sabotage(
        "dissolve-stuck",
        "one dream never gives way to the next",
        "installation/media/compositor.py",
        "alpha = smoothstep((phase - hold) / dissolve) if dissolve > 0 else float(phase >= hold)",
        "alpha = 0.0",
        ["tests/test_compositor.py"],
    ),
    Sabotage(
        "no-subtitle-while-speaking",
        "the voice speaks with no words on screen",
        "installation/show/show.py",
        "return speaking.text, opacity(time.monotonic(), speaking.started, speaking.ends)",
        "return None, 0.0",
        ["tests/test_show.py::test_subtitles_follow_the_voice"],
    ),
    Sabotage(
        "compositor-clock-frozen",
        "the picture never moves on",
        "installation/media/compositor.py",
        "turn, phase = divmod(max(t, 0.0), period)",
        "turn, phase = divmod(0.0, period)",
        ["tests/test_compositor.py"],
    ),
    Sabotage(
        "colour-drawn-grey",
        "colour dreams drawn from their first channel",
        "installation/media/compositor.py",
        "source = image[:, :, 0] if image.shape[2] == 1 else image",
        "source = image[:, :, 0]",
        ["tests/test_show.py::test_the_show_runs_on_the_bundled_clip"],
    ),
    Sabotage(
        "screen-never-painted",
        "the screen stays black",
        "installation/media/canvas.py",
        "if picture is not None:",
        "if False:",
        ["tests/test_show.py::test_the_show_runs_on_the_bundled_clip"],
    ),
    Sabotage(
        "skip-waits-the-pause",
        "a skip leaves the line's whole pause",
        "installation/voice/narrator.py",
        "self._free_at = min(self._free_at, now + SKIP_PAUSE_S)",
        "self._free_at = min(self._free_at, now + SKIP_PAUSE_S + self.config.line_pause_s)",
        ["tests/test_voice.py::test_skip_cuts_the_line_short"],
    ),
    Sabotage(
        "skipped-subtitle-runs-on",
        "a skipped line's subtitle stays on screen",
        "installation/voice/narrator.py",
        "self.now_speaking = replace(speaking, duration_s=now - speaking.started)",
        "self.now_speaking = speaking",
        ["tests/test_voice.py::test_skip_cuts_the_line_short"],
    ),
    Sabotage(
        "live-recording-late",
        "a live recording's voice and subtitles half a second late",
        "installation/show/live_recording.py",
        "at = heard.started - self.started",
        "at = heard.started - self.started + 0.5",
        ["tests/test_record_live.py::test_r_records_what_is_seen_and_heard_for_as_long_as_it_ran"],
    ),
    Sabotage(
        "speaker-gain-never-applied",
        "the volume does nothing on real speakers",
        "installation/voice/speaker.py",
        "out[: len(chunk), 0] = chunk * self.gain",
        "out[: len(chunk), 0] = chunk",
        [
            "tests/test_voice.py::test_the_real_speaker_sends_each_line_at_its_volume_and_silence_when_muted"
        ],
    ),
    Sabotage(
        "speaker-ignores-mute",
        "mute does nothing on real speakers",
        "installation/voice/speaker.py",
        "out[: len(chunk), 0] = chunk * self.gain",
        "out[: len(chunk), 0] = chunk * (self.gain or 1.0)",
        [
            "tests/test_voice.py::test_the_real_speaker_sends_each_line_at_its_volume_and_silence_when_muted"
        ],
    ),
    Sabotage(
        "narrator-ignores-mute",
        "mute does nothing",
        "installation/voice/narrator.py",
        "self.speaker.gain = 0.0 if self.muted else self.volume",
        "self.speaker.gain = self.volume",
        [
            "tests/test_voice.py::test_the_real_speaker_sends_each_line_at_its_volume_and_silence_when_muted"
        ],
    ),
    Sabotage(
        "osc-volume-never-heard",
        "/dreams/voice/volume does nothing on real speakers",
        "installation/voice/speaker.py",
        "out[: len(chunk), 0] = chunk * self.gain",
        "out[: len(chunk), 0] = chunk",
        ["tests/test_osc.py::test_voice_film_and_dream_commands"],
    ),
    Sabotage(
        "osc-mute-never-heard",
        "/dreams/voice/mute does nothing on real speakers",
        "installation/voice/speaker.py",
        "out[: len(chunk), 0] = chunk * self.gain",
        "out[: len(chunk), 0] = chunk * (self.gain or 1.0)",
        ["tests/test_osc.py::test_voice_film_and_dream_commands"],
    ),
    # ---- the poet ------------------------------------------------------------------------------
    Sabotage(
        "junk-let-through",
        "lines of dots, dates and brackets are spoken",
        "engine/verse.py",
        "        if is_junk(cleaned):\n",
        "        if False:\n",
        ["tests/test_verse.py", "tests/test_prosody.py"],
    ),
    Sabotage(
        "rare-words-let-through",
        "invented words and names are spoken",
        "engine/verse.py",
        "if self.vocabulary is not None and not knows_every_word(cleaned, self.vocabulary):",
        "if False:",
        ["tests/test_verse.py", "tests/test_prosody.py"],
    ),
    Sabotage(
        "rhyme-ignored",
        "the stanzas stop rhyming",
        "engine/selection.py",
        "rhyming = [c for c in scanning if rhymes(c.text, partner)]",
        "rhyming = scanning",
        ["tests/test_prosody.py"],
    ),
    Sabotage(
        "metre-ignored",
        "lines of any length are spoken",
        "engine/selection.py",
        "(c for c in good if form.scans(c.text))",
        "(c for c in good)",
        ["tests/test_prosody.py"],
    ),
    Sabotage(
        "book-not-cut-back",
        "a full disk leaves half a poem in the book",
        "engine/files.py",
        "os.ftruncate(file.fileno(), start)",
        "pass",
        ["tests/test_paths.py", "tests/test_record_faults.py"],
    ),
    Sabotage(
        "poets-lines-all-rejected",
        "the audience hears corpus lines, never the poet's own",
        "engine/poet.py",
        "return lambda text: self.filter.accept(text, draft.lines, draft.passage)",
        "return lambda text: None",
        ["tests/test_real_poet.py"],
    ),
    # ---- the cut -------------------------------------------------------------------------------
    Sabotage(
        "silent-soundtrack",
        "the cut's voice is never heard",
        "installation/media/recorder.py",
        "chunk[low - start : high - start] += samples[low - at : high - at]",
        "pass",
        ["tests/test_record.py::test_the_voice_is_heard_where_the_subtitles_say"],
    ),
    Sabotage(
        "cut-overwrites",
        "a new cut writes over a cut of the same name",
        "installation/cut/outputs.py",
        "    if video.exists():\n",
        "    if False:\n",
        ["tests/test_record_faults.py::test_a_new_cut_never_writes_over_the_files_beside_it"],
    ),
    Sabotage(
        "resume-any-settings",
        "a cut goes on at another seed or size",
        "installation/cut/resume.py",
        "if now.get(name) != value:",
        "if False:",
        ["tests/test_record.py::test_killed_and_interrupted_cuts_play_and_resume"],
    ),
    Sabotage(
        "resume-any-film",
        "a cut goes on watching another film",
        "installation/cut/resume.py",
        'if state.get("film") != mind.film.name:',
        "if False:",
        ["tests/test_record.py::test_killed_and_interrupted_cuts_play_and_resume"],
    ),
    Sabotage(
        "newest-checkpoint-pruned",
        "an interrupted cut cannot go on where it stopped",
        "installation/cut/resume.py",
        "for path in written[:-1]:",
        "for path in written:",
        ["tests/test_record_faults.py::test_pruning_keeps_every_checkpoint_a_pulled_plug_may_need"],
    ),
    # ---- the house -----------------------------------------------------------------------------
    Sabotage(
        "osc-allow-all",
        "anyone on the network can play the show",
        "installation/show/osc.py",
        "return any(address in network for network in self.allowed)",
        "return True",
        ["tests/test_osc.py::test_beyond_loopback_only_the_allowed_are_heard"],
    ),
    Sabotage(
        "osc-no-range-check",
        "a fader sent out of range breaks the training",
        "installation/show/osc.py",
        "return value if spec.low <= value <= spec.high else _INVALID",
        "return value",
        ["tests/test_osc.py::test_malformed_packets_never_take_the_show_down"],
    ),
    Sabotage(
        "osc-no-lower-bound",
        "a negative learning rate stops the training",
        "installation/show/osc.py",
        "return value if spec.low <= value <= spec.high else _INVALID",
        "return value if value <= spec.high else _INVALID",
        ["tests/test_osc.py::test_malformed_packets_never_take_the_show_down"],
    ),
    Sabotage(
        "thread-never-restarted",
        "a film fault ends the watching for good",
        "installation/show/guard.py",
        "            if not restart:\n",
        "            if True:\n",
        ["tests/test_show_guard.py"],
    ),
    Sabotage(
        "two-shows-one-folder",
        "two shows prune each other's saves",
        "installation/show/lock.py",
        "fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)",
        "fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)",
        [
            "tests/test_show_signals.py::test_one_show_per_state_folder_and_no_stale_lock_after_a_crash"
        ],
    ),
    Sabotage(
        "long-names-unchecked",
        "a 5,000-character path ends in a traceback",
        "installation/paths.py",
        "    _check_length(path, what)\n    return path\n",
        "    return path\n",
        ["tests/test_paths.py"],
    ),
    Sabotage(
        "help-drops-a-command",
        "dreams --help does not say what write does",
        "installation/cli.py",
        'write = commands.add_parser("write", help="write a book of poems, headless")',
        'write = commands.add_parser("write")',
        ["tests/test_cli.py::test_help_names_the_commands"],
    ),
    Sabotage(
        "peak-ram-in-kb",
        "the show's figures call kB MB",
        "installation/show/stats.py",
        "return int(line.split()[1]) / 1024",
        "return int(line.split()[1])",
        ["tests/test_cli.py::test_bench_prints_every_figure_and_writes_them_as_json"],
    ),
]
