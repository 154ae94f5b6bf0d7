"""`dreams teach-poet`: teach the poet the corpus, as a LoRA adapter (`--lora`, a few MB for
`poet.adapter`, learned over the bare model, afresh or going on from an adapter with `--from`) or
as a full copy of the model as it writes, its adapter merged in (a folder for `poet.model`)."""

import dataclasses
import datetime
import shlex
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from engine.config import Config
from engine.errors import DreamsError
from engine.poet.adapter import attach_lora, read_provenance, resume_lora, save_adapter
from engine.poet.teacher import Lesson, save_model, teach
from engine.poet.writer import open_poet
from installation.console import progress_bar
from installation.endings import ending_on_signals

STEPS = "{l_bar}{bar}| step {n_fmt}/{total_fmt}{postfix} [{elapsed}<{remaining}]"


@dataclass(frozen=True)
class Course:
    """What the user asked for."""

    steps: int
    batch: int
    lora: bool
    learning_rate: float | None
    command: str
    going_on_from: str = ""  # an adapter (a folder, or "bundled") to teach further
    keep_every: float = 10.0  # minutes between the lesson so far saved to --out

    @property
    def rate(self) -> float:
        return self.learning_rate or (5e-4 if self.lora else 5e-5)


def teach_poet(config: Config, out: Path, course: Course) -> int:
    out = Path(out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):  # before minutes of work
        print(f"dreams: error: {out} exists and is not empty; choose a new folder", file=sys.stderr)
        return 2
    # A LoRA adapter is learned over the bare model, afresh or from `--from`; a full copy goes on
    # from the poet as it writes (its adapter, if any, merged in).
    poet = open_poet(dataclasses.replace(config.poet, adapter="") if course.lora else config.poet)
    if course.going_on_from:
        model = resume_lora(poet.model, course.going_on_from)
    else:
        model = attach_lora(poet.model) if course.lora else poet.model
    earlier = read_provenance(course.going_on_from) if course.going_on_from else {}

    # every step drawn, in a log too: a step takes seconds
    bar = progress_bar(course.steps, "teaching the poet", bar_format=STEPS, mininterval=0)

    def progress(step: int, total: int, loss: float) -> None:
        bar.total = total
        bar.set_postfix_str(f"loss {loss:.3f}", refresh=False)
        bar.update(step - bar.n)

    def keep(so_far: Lesson) -> None:  # a kill that cannot be caught loses minutes, not hours
        try:
            _save(model, out, course, so_far, config, poet, earlier)
            said = f"{out}: kept {so_far.steps} steps, held-out loss {so_far.loss_after:.3f}"
        except (OSError, DreamsError) as error:  # a full disk: the lesson goes on, saved at its end
            said = f"{out}: could not keep {so_far.steps} steps ({error}); teaching on"
        bar.write(said, file=sys.stderr)  # beside the bar (tqdm writes to stdout unless told)

    # Ctrl-C or a kill ends the lesson between two steps and keeps what was learned; more of
    # them wait until it is saved.
    stop = threading.Event()
    with ending_on_signals(lambda _: stop.set()), bar:
        lesson = teach(
            model, poet.tokenizer, poet.corpus, course.steps, course.batch, course.rate,
            seed=config.poet.seed, progress=progress, stop=stop.is_set,
            taught_before=earlier.get("steps", 0), keep=keep, keep_every=course.keep_every * 60,
        )  # fmt: skip
        bar.close()
        if lesson.steps == 0:
            print(
                "dreams teach-poet: stopped before its first step; nothing saved", file=sys.stderr
            )
            return 1
        if lesson.interrupted:
            print(f"dreams teach-poet: interrupted; keeping {lesson.steps} steps", file=sys.stderr)
        use = _save(model, out, course, lesson, config, poet, earlier)
    print(
        f"{out}: held-out loss {lesson.loss_before:.3f} -> {lesson.loss_after:.3f} after "
        f"{lesson.steps} steps ({lesson.tokens:,} tokens); use it with {use}"
    )
    return 0


def _save(model, out: Path, course: Course, lesson: Lesson, config: Config, poet, earlier) -> str:
    """Save what was learned, over what the lesson kept before (the folder was new or empty when
    it began); returns the settings that name it."""
    if course.lora:
        save_adapter(model, out, provenance(course, lesson, config, poet, earlier), replace=True)
        return f"--set poet.adapter={out}"
    # the adapter is in its weights: never added twice
    save_model(model, poet.tokenizer, out, replace=True)
    return f'--set poet.model={out} --set poet.adapter=""'


def provenance(
    course: Course, lesson: Lesson, config: Config, poet, earlier: dict | None = None
) -> dict:
    """How the adapter was made, enough to make it again. An adapter taught further counts its
    steps and tokens in all, its loss from the bare model's, and keeps the earlier adapter's
    provenance (`went_on_from`) with the command that made that one."""
    again = course.command if not lesson.interrupted else _with_steps(course.command, lesson.steps)
    earlier = earlier or {}
    made = {
        "command": again,
        "steps": earlier.get("steps", 0) + lesson.steps,
        "batch": course.batch,
        "learning_rate": course.rate,
        "seed": config.poet.seed,
        "tokens_seen": earlier.get("tokens_seen", 0) + lesson.tokens,
        "held_out_loss_before": earlier.get("held_out_loss_before", round(lesson.loss_before, 4)),
        "held_out_loss_after": round(lesson.loss_after, 4),
        "base_model": poet.model_name,
        "corpus_lines": len(poet.corpus),
        "device": str(poet.device),
        "made": datetime.date.today().isoformat(),
    }
    if course.going_on_from:
        made["steps_this_time"] = lesson.steps
        made["went_on_from"] = earlier
    return made


def _with_steps(command: str, steps: int) -> str:
    """The command as it would have been typed to stop where an interrupted run stopped."""
    words = [w for w in shlex.split(command) if not w.startswith("--steps=")]
    if "--steps" in words:
        at = words.index("--steps")
        del words[at : at + 2]
    return shlex.join([*words, "--steps", str(steps)])
