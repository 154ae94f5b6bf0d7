"""Teaching the poet: fine-tunes a causal language model on passages of the cleaned corpus, as
the original GPT-2 was trained on three million lines of poetry, and saves a folder that
`poet.model` can name. Held-out passages (the corpus's last lines) measure what it learned."""

import dataclasses
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.files import replace_folder
from engine.poet.corpus import Corpus
from engine.poet.language_model import PoetError

HELD_OUT_SHARE = 0.02  # the corpus's last 2% of lines are never trained on
PASSAGE_LINES = 12  # three stanzas of four: enough to hear a rhyme scheme


def _batch(corpus, rng, tokenizer, size: int, held_out: bool, block: int, device):
    split = int(len(corpus) * (1 - HELD_OUT_SHARE))
    start, stop = (split, len(corpus)) if held_out else (0, split)
    passages = [corpus.passage(rng, PASSAGE_LINES, start, stop) for _ in range(size)]
    texts = ["\n".join(lines) + "\n" for lines in passages]
    tokens = tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=block)
    labels = tokens["input_ids"].masked_fill(tokens["attention_mask"] == 0, -100)
    return {k: v.to(device) for k, v in tokens.items()}, labels.to(device)


@torch.no_grad()
def held_out_loss(model, tokenizer, corpus: Corpus, batches: int = 4, size: int = 8, block=160):
    """Mean loss on the same held-out passages every time (a fixed seed)."""
    rng, device = np.random.default_rng(12345), next(model.parameters()).device
    model.eval()
    losses = []
    for _ in range(batches):
        inputs, labels = _batch(corpus, rng, tokenizer, size, True, block, device)
        losses.append(model(**inputs, labels=labels).loss.item())
    return float(np.mean(losses))


@dataclass
class Lesson:
    """What a run of teaching did: the figures that go into an adapter's provenance."""

    steps: int = 0
    tokens: int = 0
    loss_before: float = float("nan")
    loss_after: float = float("nan")
    interrupted: bool = False


def teach(
    model,
    tokenizer,
    corpus: Corpus,
    steps: int,
    batch: int = 8,
    learning_rate: float = 5e-5,
    block: int = 160,
    seed: int = 0,
    progress=None,
    stop=None,
    taught_before: int = 0,
    keep: Callable[[Lesson], None] | None = None,
    keep_every: float = 600.0,
) -> Lesson:
    """Train the model's trainable weights (all of them, or a LoRA adapter's) for `steps` steps
    at a constant rate after a short warm-up, so that a run stopped at step N (`stop()` is
    asked between steps) is the same as a run asked for N steps. A model already taught
    `taught_before` steps goes on with passages it has not been shown in that order.
    Every `keep_every` seconds `keep(lesson so far)` is called, its held-out loss measured, so
    that a lesson killed outright (a lost session, a pulled plug) loses minutes, not hours."""
    device = next(model.parameters()).device
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    torch.manual_seed(seed)
    lesson = Lesson(loss_before=held_out_loss(model, tokenizer, corpus, block=block))
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=learning_rate)
    warm_up = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 50))
    rng = np.random.default_rng([seed, taught_before] if taught_before else seed)
    model.train()
    kept = time.monotonic()
    for step in range(1, steps + 1):
        if stop is not None and stop():
            lesson.interrupted = True
            break
        inputs, labels = _batch(corpus, rng, tokenizer, batch, False, block, device)
        with torch.autocast(device.type, torch.bfloat16, enabled=device.type == "cuda"):
            loss = model(**inputs, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        warm_up.step()
        lesson.steps, lesson.tokens = step, lesson.tokens + int(inputs["attention_mask"].sum())
        if progress:
            progress(step, steps, loss.item())
        if keep is not None and step < steps and time.monotonic() - kept >= keep_every:
            so_far = held_out_loss(model, tokenizer, corpus, block=block)  # leaves it in eval
            model.train()
            keep(dataclasses.replace(lesson, loss_after=so_far, interrupted=True))
            kept = time.monotonic()
    lesson.loss_after = held_out_loss(model, tokenizer, corpus, block=block)
    model.eval()
    return lesson


def save_model(model, tokenizer, out: Path, replace: bool = False) -> None:
    """Save as a transformers folder, atomically: write beside it, then rename (with `replace`,
    over the copy a lesson kept there)."""
    out = Path(out)
    if not replace and out.exists() and any(out.iterdir()):
        raise PoetError(f"{out} exists and is not empty; choose a new folder for the poet")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    taught_with, tokenizer.padding_side = tokenizer.padding_side, "left"  # the poet writes so
    tokenizer.save_pretrained(partial)
    tokenizer.padding_side = taught_with  # a lesson that keeps a copy goes on as it was
    replace_folder(partial, out)
