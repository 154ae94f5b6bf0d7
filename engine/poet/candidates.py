"""The language model's job for the poet: several candidate next lines for each poem at once,
batched, each with its likelihood (the mean log-probability of its words' tokens and its end, as
the model saw them under the repetition penalty, which spares the newline and the poem's
punctuation but not a mark the line holds already), and written toward a rhyme where asked.
"""

import inspect
import re
from dataclasses import dataclass

import torch

from engine.poet.rhyme_guide import RhymeGuide, RhymeTarget

PUNCTUATION = re.compile(r"[^\w\n]*[^\w\s][^\w\n]*")  # a token of marks only (spaces around)


@dataclass(frozen=True)
class Candidate:
    text: str
    likelihood: float  # mean log-probability per token: higher reads more like the model


class _Likelihoods:
    """A logits processor that keeps the log-probability of each token as it is chosen."""

    def __init__(self):
        self.previous, self.steps = None, []

    def __call__(self, input_ids, scores):
        if self.previous is not None:  # the token chosen from the last step's distribution
            self.steps.append(self.previous.gather(1, input_ids[:, -1:]).squeeze(1))
        self.previous = torch.log_softmax(scores.float(), dim=-1)
        return scores

    def table(self, sequences) -> torch.Tensor:
        """[sequences, new tokens] log-probabilities."""
        self.steps.append(self.previous.gather(1, sequences[:, -1:]).squeeze(1))
        return torch.stack(self.steps, dim=1)


class _Penalty:
    """The repetition penalty (as transformers applies it: the score of every token already in
    the context divided by it, or multiplied where negative), but never on a line's end: every
    line of the context ends in one, and penalising it pushed lines to run on past the metre. Nor
    on a mark of punctuation the poem holds, which every poem is full of: penalised, the poet's
    lines came out bare (42% ended on a mark, the corpus's 75%; 0.13 marks inside a line, the
    corpus's 0.49). A mark the line being written holds already is penalised: spared there too,
    the lines strewed commas, each poem's lines more than the last ("That, as, it pleased me").
    """

    def __init__(self, penalty: float, exempt: list[int], marks: torch.Tensor, prompt: int):
        self.penalty, self.exempt = penalty, exempt
        self.marks, self.prompt = marks, prompt  # which tokens are marks; where the line begins

    def __call__(self, input_ids, scores):
        kept = scores[:, self.exempt].clone()
        scores = self._penalise(scores, input_ids)
        scores[:, self.exempt] = kept
        line = input_ids[:, self.prompt :]
        if line.shape[1]:
            scores = self._penalise(scores, line, only=self.marks[line])
        return scores

    def _penalise(self, scores, tokens, only=None):
        seen = scores.gather(1, tokens)
        penalised = torch.where(seen < 0, seen * self.penalty, seen / self.penalty)
        return scores.scatter(1, tokens, penalised if only is None else penalised.where(only, seen))


class LineSampler:
    def __init__(self, model, tokenizer, settings):
        self.model, self.tokenizer, self.settings = model, tokenizer, settings
        self.device = next(model.parameters()).device
        self.pieces = [tokenizer.decode([i]) for i in range(len(tokenizer))]  # each token's text
        self.newline_ids = [i for i, piece in enumerate(self.pieces) if "\n" in piece]
        marks = [i for i, piece in enumerate(self.pieces) if PUNCTUATION.fullmatch(piece)]
        self.unpenalised = self.newline_ids + marks
        self._ends = torch.zeros(len(tokenizer), dtype=torch.bool)
        self._ends[self.newline_ids] = True
        if tokenizer.eos_token_id is not None:
            self._ends[tokenizer.eos_token_id] = True
        self._ends = self._ends.to(self.device)
        self._marks = torch.zeros(len(tokenizer), dtype=torch.bool)
        self._marks[marks] = True
        self._marks = self._marks.to(self.device)

    @torch.no_grad()
    def sample(
        self,
        contexts: list[str],
        per_context: int,
        abort=None,
        targets: list[RhymeTarget | None] | None = None,
    ) -> list[list[Candidate]]:
        """`per_context` sampled next lines for each context (text ending in a newline). Each
        context is read once and its cache shared by its samples: on a CPU, reading a poem of
        200 tokens six times over cost more than writing the six lines. `targets`, one for each
        context: its lines are written toward that rhyme (engine/poet/rhyme_guide.py)."""
        from transformers import LogitsProcessorList

        inputs = self.tokenizer(contexts, return_tensors="pt", padding=True).to(self.device)
        ids, mask = inputs["input_ids"], inputs["attention_mask"]
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        read = self.model(
            input_ids=ids[:, :-1], attention_mask=mask[:, :-1], position_ids=positions[:, :-1],
            use_cache=True,
        )  # fmt: skip
        cache = _cache_of(read)
        cache.batch_repeat_interleave(per_context)
        ids, mask = ids.repeat_interleave(per_context, 0), mask.repeat_interleave(per_context, 0)
        likelihoods, prompt, ends = _Likelihoods(), ids.shape[1], self._ends
        penalty = _Penalty(self.settings.repetition_penalty, self.unpenalised, self._marks, prompt)
        processors = [penalty, likelihoods]  # the likelihood is the model's, before any guide
        # enough finished lines to choose among; a rhyme is rarer, and a few will do
        targets = targets or [None] * len(contexts)
        free, guided = max(1, (2 * per_context + 2) // 3), max(1, per_context // 4)
        wanted = torch.tensor([free if t is None else guided for t in targets], device=self.device)
        guide = None
        if any(targets):
            guide = RhymeGuide(self.tokenizer, targets, per_context, prompt, ends, self.pieces)
            processors.append(guide)

        def done(input_ids, scores, **kwargs):
            finished = ends[input_ids[:, prompt:]].any(dim=1)
            lost = torch.zeros_like(finished) if guide is None else guide.lost
            settled = finished | lost  # a lost line may end anywhere, but is never taken
            enough = (finished & ~lost).view(-1, per_context).sum(1) >= wanted
            stop = bool((enough | settled.view(-1, per_context).all(1)).all())
            stop = stop or bool(abort and abort())
            return torch.full((input_ids.shape[0],), stop, device=input_ids.device)

        s = self.settings
        output = self.model.generate(
            input_ids=ids,
            attention_mask=mask,
            **{_cache_name(self.model): cache},
            do_sample=True,
            temperature=s.temperature,
            top_p=s.top_p,
            max_new_tokens=s.max_new_tokens,
            pad_token_id=self.tokenizer.pad_token_id,
            logits_processor=LogitsProcessorList(processors),
            stopping_criteria=_stopping(done),
        )
        table = likelihoods.table(output)
        found = [self._line(t, lp) for t, lp in zip(output[:, prompt:], table, strict=True)]
        return [found[i : i + per_context] for i in range(0, len(found), per_context)]

    def _line(self, tokens, logps) -> Candidate | None:
        """The sample's first line, if it finished one (a line cut off by the token limit or the
        end of text is no line)."""
        ends = self._ends[tokens].nonzero()
        if not len(ends):
            return None
        stop = int(ends[0])
        text = self.tokenizer.decode(tokens[: stop + 1], skip_special_tokens=True)
        if "\n" not in text:
            return None
        # A comma is a likely token after most words: counted, it raised the mean of a line that
        # strewed them ("As soon, however, after, there rose up an air,"), and the likeliest
        # lines held twice the corpus's marks. The words and the line's end are scored.
        scored = ~self._marks[tokens[: stop + 1]]
        likelihood = logps[: stop + 1][scored].mean()
        return Candidate(text.split("\n")[0].strip(), float(likelihood))


def _cache_name(model) -> str:
    """transformers 5 renamed `past_key_values` to `cache` (the old name warns until 6.0)."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _cache_of(output):
    return output["cache"] if "cache" in output else output["past_key_values"]


def _stopping(function):
    """A stopping criterion from a plain function (transformers wants its class; imported late,
    as transformers takes seconds to import)."""
    from transformers import StoppingCriteria, StoppingCriteriaList

    class Wrapped(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            return function(input_ids, scores, **kwargs)

    return StoppingCriteriaList([Wrapped()])
