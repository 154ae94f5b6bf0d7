"""Rhymes the model writes toward: a line that must rhyme is sampled under a guide that lets it
end only on a word of the rhyme, in metre, and leans toward the rhyme's words as the line nears
its length. Every token is still the model's own choice, and its likelihood is the model's own
(recorded before the guide leans): the line is kept or refused whole, never mended."""

from dataclasses import dataclass

import torch

from engine.poet.prosody import SLACK, last_word, syllables

# How far the guide leans toward the rhyme's words (added to their token's logit) once the line is
# within LEAN_FROM syllables of its metre's shortest length, and more for each syllable beyond. It
# never forces one: a line cornered into a rhyme reads as a pasted one ("the task of killing all
# the arrive"); a sample that finds no rhyme in time is dropped.
LEAN, LEAN_STEP, LEAN_FROM = 3.0, 1.0, 2


@dataclass(frozen=True)
class RhymeTarget:
    """What the next line must do: end on one of `words` (lower case), in `metre` give or take
    the slack."""

    words: frozenset[str]
    metre: int

    def ends_well(self, line: str) -> bool:
        """The line could end here: on a rhyme word, in metre."""
        return last_word(line) in self.words and abs(syllables(line) - self.metre) <= SLACK


class RhymeGuide:
    """A logits processor for a batch of samples, `per_context` rows for each context, each
    context with its RhymeTarget (or None: that row is left alone). `pieces` is the text of
    every token, so that each row's line grows by a lookup, not a decoding, at every step."""

    def __init__(self, tokenizer, targets: list[RhymeTarget | None], per_context: int,
                 prompt: int, line_ends: torch.Tensor, pieces: list[str]):  # fmt: skip
        self.targets, self.per, self.pieces = targets, per_context, pieces
        self.prompt, self.line_ends = prompt, line_ends  # where the line begins; newline/eos ids
        self.end_ids = line_ends.nonzero()[:, 0]
        self.rhyme_tokens = [None if t is None else _rhyme_tokens(tokenizer, t, line_ends.device)
                             for t in targets]  # fmt: skip
        self.lines = [""] * (len(targets) * per_context)  # each row's line so far
        self._lost = [False] * len(self.lines)  # past its metre without a rhyme: it never can

    @property
    def lost(self) -> torch.Tensor:
        return torch.tensor(self._lost, device=self.line_ends.device)

    def __call__(self, input_ids, scores):
        if input_ids.shape[1] > self.prompt:  # the tokens chosen at the step before
            for row, token in enumerate(input_ids[:, -1].tolist()):
                self.lines[row] += self.pieces[token]
        held, leaning = [], {}  # rows that may not end yet; {context: [(row, lean)]}
        for row, line in enumerate(self.lines):
            target = self.targets[row // self.per]
            if target is None or self._lost[row] or "\n" in line:
                continue  # left alone, lost, or written (what follows the line is never read)
            count = syllables(line)
            self._lost[row] = count > target.metre + SLACK
            if not target.ends_well(line):
                held.append(row)
            room = target.metre - SLACK - count  # syllables before it may end
            if room <= LEAN_FROM:
                lean = LEAN - LEAN_STEP * min(0, room)
                leaning.setdefault(row // self.per, []).append((row, lean))
        return self._steer(scores, held, leaning)

    def _steer(self, scores, held: list[int], leaning: dict) -> torch.Tensor:
        """A few tensor operations a step, not a few a sample: a GPU may guide thousands."""
        device = scores.device
        if held:
            rows = torch.tensor(held, device=device)[:, None]
            scores[rows, self.end_ids[None, :]] = -float("inf")
        for context, chosen in leaning.items():
            rows = torch.tensor([row for row, _ in chosen], device=device)[:, None]
            lean = torch.tensor([lean for _, lean in chosen], device=device, dtype=scores.dtype)
            scores[rows, self.rhyme_tokens[context][None, :]] += lean[:, None]
        return scores


def _rhyme_tokens(tokenizer, target: RhymeTarget, device) -> torch.Tensor:
    """The rhyme words that are one token after a space (" night"): a longer word's first token
    (" a" of " aye") begins many other words too, and leaning on it writes nonsense."""
    found = set()
    for word in target.words:
        tokens = tokenizer(f" {word}", add_special_tokens=False)["input_ids"]
        if len(tokens) == 1:
            found.add(tokens[0])
    return torch.tensor(sorted(found), dtype=torch.long, device=device)
