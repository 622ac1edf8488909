"""The local engine's matcher: an ``Agent`` compiled once (``compile_agent``) into per-language
tables, then each utterance matched against them (``CompiledAgent.match``). Owns normalisation
(case, accents, punctuation, spaces), entity recognition (an entity's synonyms, longest first;
``@sys.number`` from digits, number words and ordinals in English and Spanish), the fuzzy score
(rapidfuzz) and the filling of parameters and of the response's ``$parameter`` references. Pure:
imports the standard library, rapidfuzz and ``chalicelib.speech`` only.

The scoring (docs/decisions/0028): an utterance and every training phrase are written in the
same form, each recognised entity replaced by an opaque placeholder, once naming the entity's
value ("specific", so "option two" tells option two from option one) and once naming only its
type ("general", so an intent trained on "I choose option one" still takes "I choose option
two", at ``GENERAL_WEIGHT``). A phrase's score is ``0.7 * token_set_ratio + 0.3 *
token_sort_ratio``: token_set forgives filler words ("I'd like my payment details please"),
token_sort keeps a bare subset ("details") below a full match; both forgive typos
("paymnet"). Only the phrases sharing most words with the utterance are scored. The best
phrase's score over 100 is the confidence; below the agent's ``mlMinConfidence`` there is no
match.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from chalicelib.speech.agent import SYSTEM_NUMBERS, Agent, Intent, Phrase
from chalicelib.speech.port import Detection

MAX_TEXT_CHARS = 1000
MAX_TOKENS = 64
CANDIDATES = 32
FUZZY_WORD_LENGTH = 4
FUZZY_WORDS = 16
FUZZY_WORD_SCORE = 75
COMMON_FLOOR = 64
COMMON_SHARE = 10
GENERAL_WEIGHT = 0.9
SET_WEIGHT = 0.7
PLACEHOLDER_WIDTH = 6
NUMBER = "sys.number"

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_REFERENCE = re.compile(r"\$([A-Za-z0-9_\-]+)(\.original)?")


def normalise(text: str) -> str:
    """Lower case, accents dropped, anything but letters and digits a space, spaces single."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_TEXT_CHARS].casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", plain).strip()


def _words(table: str) -> dict[str, int]:
    return {word: int(value) for word, value in (pair.split("=") for pair in table.split())}


_EN_CARDINALS = _words(
    "zero=0 oh=0 one=1 two=2 three=3 four=4 five=5 six=6 seven=7 eight=8 nine=9 ten=10 "
    "eleven=11 twelve=12 thirteen=13 fourteen=14 fifteen=15 sixteen=16 seventeen=17 "
    "eighteen=18 nineteen=19"
)
_EN_TENS = _words("twenty=20 thirty=30 forty=40 fifty=50 sixty=60 seventy=70 eighty=80 ninety=90")
_EN_ORDINALS = _words(
    "first=1 second=2 third=3 fourth=4 fifth=5 sixth=6 seventh=7 eighth=8 ninth=9 tenth=10 "
    "eleventh=11 twelfth=12 thirteenth=13 fourteenth=14 fifteenth=15 sixteenth=16 "
    "seventeenth=17 eighteenth=18 nineteenth=19 twentieth=20 thirtieth=30"
)
_ES_CARDINALS = _words(
    "cero=0 uno=1 dos=2 tres=3 cuatro=4 cinco=5 seis=6 siete=7 ocho=8 nueve=9 diez=10 once=11 "
    "doce=12 trece=13 catorce=14 quince=15 dieciseis=16 diecisiete=17 dieciocho=18 "
    "diecinueve=19 veintiuno=21 veintiuna=21 veintidos=22 veintitres=23 veinticuatro=24 "
    "veinticinco=25 veintiseis=26 veintisiete=27 veintiocho=28 veintinueve=29"
)
_ES_TENS = _words(
    "veinte=20 treinta=30 cuarenta=40 cincuenta=50 sesenta=60 setenta=70 ochenta=80 noventa=90"
)
_ES_ORDINALS = _words(
    "primero=1 primera=1 primer=1 segundo=2 segunda=2 tercero=3 tercera=3 tercer=3 cuarto=4 "
    "cuarta=4 quinto=5 quinta=5 sexto=6 sexta=6 septimo=7 septima=7 octavo=8 octava=8 "
    "noveno=9 novena=9 decimo=10 decima=10"
)
# language -> (cardinals, tens, ordinals, the word joining tens and units, ordinal suffixes)
_NUMBER_WORDS: Mapping[str, tuple[dict[str, int], dict[str, int], dict[str, int], str, str]] = {
    "en": (_EN_CARDINALS, _EN_TENS, _EN_ORDINALS, "", "st|nd|rd|th"),
    "es": (_ES_CARDINALS, _ES_TENS, _ES_ORDINALS, "y", "o|a|er|ero|era|os|as"),
}


def _number(tokens: Sequence[str], start: int, language: str) -> tuple[int, str] | None:
    """The number spoken at ``tokens[start:]``: (how many tokens, its value as digits)."""
    token = tokens[start]
    cardinals, tens, ordinals, joiner, suffixes = _NUMBER_WORDS.get(
        language.split("-", maxsplit=1)[0], ({}, {}, {}, "", "st|nd|rd|th")
    )
    if token.isdigit():
        return 1, token.lstrip("0") or "0"  # as said: no int() of a thousand digits
    digits = re.fullmatch(rf"(\d{{1,18}})(?:{suffixes})", token)
    if digits:
        return 1, str(int(digits[1]))
    if token in tens:
        rest = start + 1
        if joiner and rest < len(tokens) and tokens[rest] == joiner:
            rest += 1
        if rest < len(tokens):
            unit = cardinals.get(tokens[rest], ordinals.get(tokens[rest]))
            if unit is not None and 0 < unit < 10:
                return rest - start + 1, str(tens[token] + unit)
        return 1, str(tens[token])
    value = cardinals.get(token, ordinals.get(token))
    return None if value is None else (1, str(value))


@dataclass(frozen=True)
class _Found:
    """An entity recognised in a text: its type, its value, the words it was said in."""

    entity: str
    value: str
    original: str


@dataclass(frozen=True)
class _Compiled:
    """A training phrase as matched: its specific form, its general form (None: it names no
    entity) and the index of its intent."""

    specific: str
    general: str | None
    owner: int


@dataclass(frozen=True)
class _Language:
    """One language's compiled tables."""

    code: str
    synonyms: Mapping[tuple[str, ...], tuple[str, str]]  # words -> (entity, value)
    longest: int
    numbers: bool  # whether the agent uses @sys.number-like entities
    phrases: tuple[_Compiled, ...] = ()
    postings: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # word -> phrases
    sizes: tuple[int, ...] = ()  # each phrase's number of distinct words
    vocabulary: tuple[str, ...] = ()  # the words a misspelt word may be taken for
    common: int = 0  # a word in more phrases than this is too common to pick candidates


@dataclass(frozen=True)
class CompiledAgent:
    """An agent ready to match: built once by ``compile_agent``, read-only after."""

    agent: Agent
    languages: Mapping[str, _Language]
    placeholders: Mapping[str, str]  # entity, or entity + "\0" + value -> placeholder

    def language(self, code: str) -> _Language:
        """The tables of ``code`` (a BCP-47 code): exact, then its primary subtag, else the
        agent's default language."""
        lowered = code.lower()
        if lowered in self.languages:
            return self.languages[lowered]
        primary = lowered.split("-")[0]
        return self.languages.get(primary, self.languages[self.agent.language])

    def _recognise(
        self, table: _Language, tokens: Sequence[str]
    ) -> tuple[list[str], list[str], list[_Found]]:
        specific: list[str] = []
        general: list[str] = []
        found: list[_Found] = []
        index = 0
        while index < len(tokens):
            span, hit = 0, None
            for length in range(min(table.longest, len(tokens) - index), 0, -1):
                hit = table.synonyms.get(tuple(tokens[index : index + length]))
                if hit:
                    span = length
                    break
            number = _number(tokens, index, table.code) if table.numbers else None
            if number and number[0] > span:
                span, hit = number[0], (NUMBER, number[1])
            if hit is None:
                specific.append(tokens[index])
                general.append(tokens[index])
                index += 1
                continue
            entity, value = hit
            original = " ".join(tokens[index : index + span])
            found.append(_Found(entity, value, original))
            general.append(self.placeholders[entity])
            specific.append(self.placeholders.get(f"{entity}\0{value}", self.placeholders[entity]))
            index += span
        return specific, general, found

    def match(self, text: str, language: str) -> Detection:
        """The best intent for ``text`` in ``language``, or no match (``intent`` None, the
        fallback intent's response as ``fulfilment``)."""
        table = self.language(language)
        tokens = normalise(text).split()[:MAX_TOKENS]
        specific, general, found = self._recognise(table, tokens)
        if not tokens:
            return self._no_match(table.code, 0.0)
        scores = self._score(table, specific, general, bool(found))
        if not scores:
            return self._no_match(table.code, 0.0)
        intents = self.agent.intents
        best = max(scores, key=lambda i: (round(scores[i], 6), intents[i].priority, -i))
        confidence = round(min(1.0, scores[best] / 100.0), 4)
        if confidence < self.agent.min_confidence:
            return self._no_match(table.code, confidence)
        intent = intents[best]
        parameters = _parameters(intent, found)
        return Detection(
            intent=intent.name,
            confidence=confidence,
            fulfilment=_fulfilment(self.agent, intent, table.code, parameters),
            parameters={name: value for name, (value, _) in parameters.items()},
        )

    def _score(
        self, table: _Language, specific: Sequence[str], general: Sequence[str], entities: bool
    ) -> dict[int, float]:
        """Each candidate intent's best phrase score. The candidates are the ``CANDIDATES``
        phrases sharing most of their words with the utterance (a misspelt word counted as the
        known word nearest to it), so the fuzzy scores run on a few phrases, not on all."""
        hits: dict[int, int] = {}
        lookups = 0
        common: list[tuple[int, ...]] = []
        for word in dict.fromkeys([*specific, *general]):
            postings = table.postings.get(word)
            if postings is None and len(word) >= FUZZY_WORD_LENGTH and lookups < FUZZY_WORDS:
                lookups += 1
                near = process.extractOne(
                    word, table.vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD_SCORE
                )
                postings = table.postings.get(near[0]) if near else None
            if postings and len(postings) > table.common:
                common.append(postings)  # "i", "my", "for": they pick out no phrase
                continue
            for index in postings or ():
                hits[index] = hits.get(index, 0) + 1
        for postings in common if not hits else ():
            for index in postings:
                hits[index] = hits.get(index, 0) + 1
        ranked = heapq.nlargest(
            CANDIDATES, hits, key=lambda i: (hits[i] / table.sizes[i], hits[i], -i)
        )
        query, generic = " ".join(specific), " ".join(general)
        scores: dict[int, float] = {}
        for index in ranked:
            phrase = table.phrases[index]
            score = _combined(query, phrase.specific)
            if entities and phrase.general is not None:
                score = max(score, GENERAL_WEIGHT * _combined(generic, phrase.general))
            scores[phrase.owner] = max(scores.get(phrase.owner, 0.0), score)
        return scores

    def _no_match(self, language: str, confidence: float) -> Detection:
        fallback = next((i for i in self.agent.intents if i.fallback), None)
        text = _response(self.agent, fallback, language) if fallback else ""
        return Detection(intent=None, confidence=confidence, fulfilment=text)


def _combined(query: str, phrase: str) -> float:
    """The score of ``query`` against one phrase, 0..100 (see the module's docstring)."""
    return SET_WEIGHT * fuzz.token_set_ratio(query, phrase) + (
        1 - SET_WEIGHT
    ) * fuzz.token_sort_ratio(query, phrase)


def _parameters(intent: Intent, found: Sequence[_Found]) -> dict[str, tuple[str, str]]:
    """Each parameter of ``intent`` -> (value, the words it was said in), from the entities
    found in order; a missing one takes its literal default, else ""."""
    used: set[int] = set()
    filled: dict[str, tuple[str, str]] = {}
    for parameter in intent.parameters:
        wanted = NUMBER if parameter.entity in SYSTEM_NUMBERS else parameter.entity
        hits = [i for i, item in enumerate(found) if item.entity == wanted and i not in used]
        if not parameter.is_list:
            hits = hits[:1]
        used.update(hits)
        if hits:
            filled[parameter.name] = (
                ", ".join(found[i].value for i in hits),
                ", ".join(found[i].original for i in hits),
            )
        else:
            default = parameter.default if not parameter.default.startswith(("$", "#")) else ""
            filled[parameter.name] = (default, "")
    return filled


def _response(agent: Agent, intent: Intent, language: str) -> str:
    for key in (language, language.split("-", maxsplit=1)[0], "", agent.language):
        if intent.responses.get(key):
            return intent.responses[key][0]
    return ""


def _fulfilment(
    agent: Agent,
    intent: Intent,
    language: str,
    parameters: Mapping[str, tuple[str, str]],
) -> str:
    """The intent's first response in ``language``, ``$name`` (the value) and
    ``$name.original`` (the words said) replaced as Dialogflow does: an unknown one by ""."""
    text = _response(agent, intent, language)

    def substitute(reference: re.Match[str]) -> str:
        value, original = parameters.get(reference[1], ("", ""))
        return original if reference[2] else value

    return _REFERENCE.sub(substitute, text)


def compile_agent(agent: Agent) -> CompiledAgent:
    """Builds the tables of every language of ``agent``: each entity synonym's words, and each
    training phrase written in its specific and general forms."""
    placeholders: dict[str, str] = {}

    def placeholder(key: str) -> str:
        if key not in placeholders:
            # one private-use character per entity (or value), repeated so that a different
            # value weighs like a different word in the character-level scores
            placeholders[key] = chr(0xF0000 + len(placeholders)) * PLACEHOLDER_WIDTH
        return placeholders[key]

    placeholder(NUMBER)
    for name in sorted(agent.entities):
        placeholder(name)
        for entries in agent.entities[name].entries.values():
            for entry in entries:
                placeholder(f"{name}\0{entry.value}")
    uses_numbers = any(
        segment.entity in SYSTEM_NUMBERS
        for intent in agent.intents
        for phrases in intent.phrases.values()
        for phrase in phrases
        for segment in phrase.segments
    ) or any(p.entity in SYSTEM_NUMBERS for i in agent.intents for p in i.parameters)
    languages: dict[str, _Language] = {}
    draft = CompiledAgent(agent, {}, placeholders)
    for code in agent.languages:
        synonyms: dict[tuple[str, ...], tuple[str, str]] = {}
        for name in sorted(agent.entities):
            per_language = agent.entities[name].entries
            for entry in per_language.get(code, per_language.get(agent.language, ())):
                for synonym in entry.synonyms:
                    words = tuple(normalise(synonym).split())
                    if words:
                        synonyms.setdefault(words, (name, entry.value))
        table = _Language(
            code,
            synonyms,
            max((len(w) for w in synonyms), default=0),
            uses_numbers,
        )
        phrases: list[_Compiled] = []
        postings: dict[str, list[int]] = {}
        sizes: list[int] = []
        for index, intent in enumerate(agent.intents):
            if intent.fallback:
                continue  # a fallback intent's phrases are examples of what not to match
            for phrase in intent.phrases.get(code, ()):
                spec, gen = _phrase_forms(draft, table, phrase)
                if not spec:
                    continue
                for word in set(spec.split()) | set(gen.split()):
                    postings.setdefault(word, []).append(len(phrases))
                sizes.append(len(set(spec.split())))
                phrases.append(_Compiled(spec, gen if gen != spec else None, index))
        languages[code] = replace(
            table,
            phrases=tuple(phrases),
            postings={word: tuple(items) for word, items in postings.items()},
            sizes=tuple(sizes),
            common=max(COMMON_FLOOR, len(phrases) // COMMON_SHARE),
            vocabulary=tuple(
                sorted(w for w in postings if len(w) >= FUZZY_WORD_LENGTH and w.isascii())
            ),
        )
    return CompiledAgent(agent, languages, placeholders)


def _phrase_forms(draft: CompiledAgent, table: _Language, phrase: Phrase) -> tuple[str, str]:
    """A training phrase in its specific and general forms: an annotated part becomes its
    entity's placeholder (its value's, when the words are one of its synonyms); the plain parts
    are recognised as an utterance would be."""
    specific: list[str] = []
    general: list[str] = []
    for segment in phrase.segments:
        words = normalise(segment.text).split()
        entity = segment.entity
        if entity is None or not words:
            spec, gen, _ = draft._recognise(table, words)
            specific.extend(spec)
            general.extend(gen)
            continue
        if entity in SYSTEM_NUMBERS:
            specific.append(draft.placeholders[NUMBER])
            general.append(draft.placeholders[NUMBER])
            continue
        if entity not in draft.placeholders:
            specific.extend(words)  # a system entity the local engine does not know: as written
            general.extend(words)
            continue
        hit = table.synonyms.get(tuple(words))
        value_key = f"{entity}\0{hit[1]}" if hit and hit[0] == entity else entity
        specific.append(draft.placeholders[value_key])
        general.append(draft.placeholders[entity])
    return " ".join(specific), " ".join(general)
