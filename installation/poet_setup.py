"""Builds a poet from the config: device, threads, corpus and model."""

import logging
from pathlib import Path

import torch

from engine.config import Config
from engine.corpus import Corpus
from engine.poet import Poet, check_poet_model, load_language_model, pick_poet_device

log = logging.getLogger(__name__)


def open_poet(config: Config) -> Poet:
    settings = config.poet
    check_poet_model(settings.model)  # a user's mistake is said before a minute of work
    device = pick_poet_device(settings.device)
    if device.type == "cpu":
        torch.set_num_threads(1)  # the poet shares two cores with the dreamer and the screen
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # our own log and progress line say enough
    cache = Path(settings.cache_dir).expanduser() if settings.cache_dir else None
    corpus = Corpus.load(cache, progress=lambda text: log.info("poet: %s", text))
    model, tokenizer, name = load_language_model(settings.model, device, cache)
    log.info("poet: %s on %s, %s corpus lines", name, device, f"{len(corpus):,}")
    return Poet(settings, corpus, model, tokenizer)


def write_batch(device: torch.device) -> int:
    """Prompts generated together by `dreams write`: large on a GPU; 16 on a CPU, where it
    wrote 4.5 times the words per second of batch 1 (BENCHMARKS.md)."""
    return 256 if device.type == "cuda" else 16
