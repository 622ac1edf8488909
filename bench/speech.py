"""``make bench``: the local intent engine's match time (``LocalEngine.detect``, p50 and p99) for
the Eva agent (``flows/agents/eva``) and for a generated agent of 200 intents of 10 training
phrases each with one entity of 20 values; target: well under 5 ms. In-process, no AWS, no
network. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from chalicelib.speech.agent import Agent, Entity, Entry, Intent, Phrase, Segment, read_directory
from chalicelib.speech.local import LocalEngine

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_SPEECH_ROUNDS", "2000"))
EVA_UTTERANCES = [
    "1",
    "option two",
    "I'd like my paymnet details please",
    "the third option",
    "what's the weather like in Paris tomorrow",
    "hello",
]
WORDS = [
    "account",
    "balance",
    "card",
    "loan",
    "payment",
    "transfer",
    "refund",
    "order",
    "delivery",
    "address",
    "phone",
    "email",
    "password",
    "branch",
    "hours",
    "mortgage",
    "savings",
    "interest",
    "statement",
    "fraud",
    "dispute",
    "limit",
    "travel",
    "insurance",
    "claim",
    "pension",
    "invoice",
    "receipt",
    "subscription",
    "upgrade",
    "cancel",
    "renew",
    "appointment",
    "doctor",
    "pharmacy",
    "ticket",
    "flight",
    "hotel",
    "booking",
    "parcel",
    "return",
    "warranty",
    "repair",
]
FILLERS = ["I want", "please tell me about", "I need help with", "what is my", "can you check"]


def generated_agent(intents: int = 200, phrases: int = 10, seed: int = 7) -> Agent:
    """An agent of ``intents`` intents, each of ``phrases`` training phrases made of a filler
    and two or three topic words, one in three phrases naming an entity value."""
    pick = random.Random(seed)
    values = [f"plan {WORDS[i]}" for i in range(20)]
    entity = Entity("PLAN", {"en": tuple(Entry(v, (v, f"the {v}")) for v in values)})
    built: list[Intent] = []
    for index in range(intents):
        topic = pick.sample(WORDS, 3)
        items: list[Phrase] = []
        for number in range(phrases):
            words = " ".join(pick.sample(topic, pick.choice((2, 3))))
            segments = [Segment(f"{pick.choice(FILLERS)} {words}")]
            if number % 3 == 0:
                segments.append(Segment(" for "))
                segments.append(Segment(pick.choice(values), "PLAN", "plan"))
            items.append(Phrase(tuple(segments)))
        built.append(
            Intent(f"intent_{index}", {"en": tuple(items)}, (), {"en": (f"Reply {index}.",)})
        )
    return Agent("generated", "en", ("en",), 0.6, tuple(built), {"PLAN": entity})


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _measure(label: str, engine: LocalEngine, utterances: list[str]) -> None:
    samples: list[float] = []
    for round_ in range(ROUNDS):
        text = utterances[round_ % len(utterances)]
        started = time.perf_counter()
        engine.detect("bench", text, "en-US", 5.0)
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"  {label:<34} p50 {_percentile(samples, 0.5):6.3f} ms"
        f"  p99 {_percentile(samples, 0.99):6.3f} ms  (n={len(samples)})"
    )


def run() -> None:
    """Prints the match time of the Eva agent and of the generated 200-intent agent."""
    print("local intent engine: match time per utterance (target: well under 5 ms)")
    started = time.perf_counter()
    eva = LocalEngine(read_directory(ROOT / "flows" / "agents" / "eva"))
    print(f"  Eva: read and compiled in {(time.perf_counter() - started) * 1000:.1f} ms")
    _measure("Eva (5 intents, en + es)", eva, EVA_UTTERANCES)
    started = time.perf_counter()
    big = LocalEngine(generated_agent())
    print(f"  200 intents: compiled in {(time.perf_counter() - started) * 1000:.1f} ms")
    pick = random.Random(11)
    utterances = [
        f"{pick.choice(FILLERS)} {' '.join(pick.sample(WORDS, 2))} for plan {pick.choice(WORDS)}"
        for _ in range(50)
    ] + ["1", "hello there", "paymnet detials please"]
    _measure("generated (200 intents x 10 phrases)", big, utterances)


if __name__ == "__main__":
    run()
