"""How likely a language model finds verse: the mean log-probability per token of stanzas, each
read alone, so that a book can be set beside the corpus scored the same way. Under the bare model
(no adapter) the figure favours neither the book nor the corpus for what the adapter taught."""

import numpy as np
import torch

from engine.poet.language_model import load_language_model
from engine.poet.preparation import cache_folder

BATCH = 8  # stanzas read at once
CORPUS_STANZAS = 200  # the corpus's stanzas scored beside a book (a fixed seed)


@torch.no_grad()
def per_token(model, tokenizer, stanzas: list[list[str]]) -> float:
    """The mean log-probability of every token of the stanzas but each stanza's first (which
    has nothing before it)."""
    device = next(model.parameters()).device
    texts = ["\n".join(stanza) + "\n" for stanza in stanzas if stanza]
    total, count = 0.0, 0
    for start in range(0, len(texts), BATCH):
        batch = tokenizer(texts[start : start + BATCH], return_tensors="pt", padding=True)
        ids, mask = batch["input_ids"].to(device), batch["attention_mask"].to(device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)  # padding on either side
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
        logps = torch.log_softmax(logits[:, :-1].float(), -1).gather(2, ids[:, 1:, None])[..., 0]
        scored = (mask[:, 1:] * mask[:, :-1]).bool()  # a token after one of the stanza's own
        total += float(logps[scored].sum())
        count += int(scored.sum())
    return total / max(count, 1)


def book_beside_corpus(settings, book: list[list[str]], corpus, device) -> tuple[float, float]:
    """(the book's, the corpus's) per-token log-likelihood under the bare model `settings`
    names, the corpus read as CORPUS_STANZAS stanzas of four consecutive lines."""
    model, tokenizer, _ = load_language_model(settings.model, device, cache_folder(settings))
    rng = np.random.default_rng(0)
    theirs = [corpus.passage(rng, 4) for _ in range(CORPUS_STANZAS)]
    return per_token(model, tokenizer, book), per_token(model, tokenizer, theirs)
