"""`dreams teach-poet`: fine-tune the poet on the corpus and save it for `poet.model`."""

import sys
from pathlib import Path

from engine.config import Config
from engine.poet import open_poet
from engine.teacher import save_model, teach


def teach_poet(config: Config, out: Path, steps: int, batch: int) -> int:
    out = Path(out).expanduser()
    if out.exists() and any(out.iterdir()):  # before minutes of work, not after
        print(f"dreams: error: {out} exists and is not empty; choose a new folder", file=sys.stderr)
        return 2
    poet = open_poet(config.poet)

    def progress(step: int, total: int, loss: float) -> None:
        sys.stderr.write(f"\rteaching the poet: step {step}/{total}, loss {loss:.3f}  ")
        sys.stderr.flush()

    before, after = teach(
        poet.model,
        poet.tokenizer,
        poet.corpus,
        steps,
        batch,
        seed=config.poet.seed,
        progress=progress,
    )
    save_model(poet.model, poet.tokenizer, out)
    print(file=sys.stderr)
    print(f"{out}: held-out loss {before:.3f} -> {after:.3f}; use it with --set poet.model={out}")
    return 0
