# SPDX-License-Identifier: MIT
"""What an attack kind is (what it sends, what the RFC says the server must answer), what one
attempt's answer was, and the tally of a kind's answers over a run."""
import dataclasses
from typing import Awaitable, Callable, Optional


@dataclasses.dataclass
class Answer:
    """One attempt: what the server had to answer, what it did, and whether that is right."""
    expected: str
    actual: str
    right: bool
    seconds: Optional[float] = None  # how long the answer took, for the timed kinds
    detail: Optional[str] = None  # figures of this attempt, shown with a wrong answer
    # A wrong answer while the attacker itself was stalled this long (seconds): it may be the
    # server's right answer to a peer that went silent that long (a handshake timeout, a peer
    # dropped as dead), so it is counted apart, not as wrong.
    stalled: Optional[float] = None


def check(allowed, actual, seconds=None, expected=None, detail=None):
    """An Answer that is right when `actual` is one of `allowed` (a string or a tuple)."""
    allowed = (allowed,) if isinstance(allowed, str) else tuple(allowed)
    return Answer(expected or " or ".join(allowed), actual, actual in allowed, seconds, detail)


@dataclasses.dataclass(frozen=True)
class Kind:
    """An attack: `attempt(target, number, stop)` makes one bounded attempt and returns its
    Answer (None when `stop` cut it short). `pause` seconds separate attempts; `parallel` loops
    run at once; `tls_only` kinds need the TLS port."""
    name: str
    sends: str
    rule: str  # the expected answer and where the RFC says so
    attempt: Callable[..., Awaitable[Optional[Answer]]]
    pause: float = 0.2
    parallel: int = 1
    tls_only: bool = False


@dataclasses.dataclass
class Tally:
    kind: str
    rule: str
    attempts: int = 0
    right: int = 0
    wrong: int = 0
    unjudged: int = 0  # wrong answers during a stall of the attacker (Answer.stalled)
    actual_counts: dict = dataclasses.field(default_factory=dict)  # answer -> how often
    wrong_examples: list = dataclasses.field(default_factory=list)  # [{expected, actual}]
    unjudged_examples: list = dataclasses.field(default_factory=list)
    seconds: list = dataclasses.field(default_factory=list)

    def add(self, answer):
        self.attempts += 1
        self.actual_counts[answer.actual] = self.actual_counts.get(answer.actual, 0) + 1
        if answer.right:
            self.right += 1
        elif answer.stalled is not None:
            self.unjudged += 1
            example = {"expected": answer.expected, "actual": answer.actual,
                       "stalled_s": round(answer.stalled, 2)}
            if len(self.unjudged_examples) < 3:
                self.unjudged_examples.append(example)
        else:
            self.wrong += 1
            example = {"expected": answer.expected, "actual": answer.actual}
            if answer.detail:
                example["actual"] += f" ({answer.detail})"
            if len(self.wrong_examples) < 5 and example not in self.wrong_examples:
                self.wrong_examples.append(example)
        if answer.seconds is not None:
            self.seconds.append(round(answer.seconds, 3))

    def summary(self):
        figures = dataclasses.asdict(self)
        if self.seconds:
            ordered = sorted(self.seconds)
            figures["seconds"] = {"min": ordered[0], "max": ordered[-1],
                                  "median": ordered[len(ordered) // 2], "count": len(ordered)}
        else:
            figures["seconds"] = None
        return figures
