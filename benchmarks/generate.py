"""A generator of news-like articles whose quotes and speakers are known.

Every article is built from templates and word lists: invented people (common
first names, so gender is guessable, with invented surnames), invented places,
outlets and organisations, reporting verbs and titles. Each quote is rendered
in one of the patterns the attributor handles, and the generator records where
it put the quote and who said it, so the same corpus serves as a benchmark and
as a large-scale correctness check.

Patterns (the ``pattern`` of each expected quote is ``structure/mention``):

    structure   q_x_cue     “…,” X said.            (also “…,” X said on Tuesday.)
                q_cue_x     “…,” said X.
                x_cue_q     X said: “…”             (also X told reporters: “…”)
                same_para   “A,” X said. “B.”       (B is the expected quote)
    mention     full        first mention: Lena Marvell
                appositive  first mention, a role after the name: “…,” Lena
                            Marvell, a spokeswoman for the Ashford council, said.
                titled      first mention with a title: Finance Minister Lena Marvell
                surname     later mention: Marvell
                pronoun     the speaker of the previous quote again: she

Output is deterministic for a given (number of quotes, seed).
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

VERSION = 1  # bump when the output changes, so cached corpora are rebuilt

MALE = """James Daniel Tomas Peter Michael David Carlos Ahmed Omar Ivan Lars Marco Paolo
Henrik Samuel Victor Hugo Felix Oscar Martin Robert Andrew Luis Pablo Stefan Jonas Erik
Adam Simon Anton George Thomas Richard Joseph Karl Rafael Diego Mateo Yusuf Hassan Dmitri
Pavel Viktor Johan Nils Arthur Edward Charles Frank Walter Bruno""".split()
FEMALE = """Maria Anna Lena Sofia Elena Laura Clara Julia Sarah Emma Ingrid Fatima Amina Leila
Nadia Olga Irina Marta Lucia Carmen Helen Grace Alice Rosa Eva Nina Greta Hanna Paula Teresa
Margaret Susan Linda Karen Monica Beatriz Ines Yasmin Mariam Svetlana Katarina Astrid Sigrid
Louise Charlotte Emily Hannah Rachel Ruth Agnes""".split()

# Invented surnames: an onset and a coda, 44 x 32 = 1,408 of them.
SURNAME_ONSETS = """Mar Bren Cal Dor Fen Gal Hal Kest Lor Mor Nor Pell Quin Rad Sel Tor
Ul Var Wen Yar Zel Ash Bel Cor Dun Eld Fal Gor Hask Ib Jor Kal Lind Mel Nev Orr Pask Rud
Sark Tam Ust Vel Wick Zor""".split()
SURNAME_CODAS = """vell wick dane ani ova ez ard ington ovic sen berg stad hoff ley ton
ridge ski ach ero ino ula ette ham more ford well worth by croft lund rano""".split()

# Invented places: 30 x 24 = 720 of them.
PLACE_ONSETS = """Ash Brack Carn Dray Elm Frost Glen Heath Iver Kings Lang Marsh North
Oak Pen Quarry Rook Salt Thorn Up Wold West Yew Stan Brim Cold Fair High Low Red""".split()
PLACE_CODAS = """ford mouth haven bury dale port field stead wick minster ton ley
holm cliffe water bridge gate moor vale combe hurst well by thorpe""".split()

OUTLETS = """Courier Gazette Herald Ledger Post Chronicle Observer Times Dispatch Tribune
Sentinel Examiner""".split()

TITLES = """Mayor|Deputy Mayor|Governor|Senator|President|Prime Minister|Minister|Finance Minister
|Foreign Minister|Interior Minister|Councillor|General|Colonel|Judge|Ambassador|Commissioner
|Police Chief|Professor|Dr.|Director|Secretary|Sheriff|Prosecutor""".replace("\n", "").split("|")

WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = """January February March April May June July August September October November
December""".split()

NOUNS = """plan budget bridge harbour school hospital road tax wage contract election vote
law court report study deal treaty border port market price bank loan debt reform pension
program project policy inquiry investigation council committee fund grant tariff strike
union factory farm harvest drought flood storm fire water power grid railway airport
station tunnel canal dam mine forest river coast beach park museum library stadium bridge
clinic vaccine doctor nurse teacher student police officer soldier army ceiling deficit
surplus rate inflation job worker family child parent village town city region province
nation state government minister ministry agency office company industry sector economy
crisis conflict war peace ceasefire talks agreement proposal bill amendment budget audit
scandal evidence witness trial verdict sentence appeal license permit zoning housing rent
mortgage shelter refugee migrant visa passport customs ferry fleet fishery quota subsidy
pipeline refinery turbine reactor battery vehicle bus tram cycle lane""".split()
PLURALS = """plans budgets bridges schools hospitals roads taxes wages contracts elections
votes laws courts reports studies deals treaties borders ports markets prices banks loans
reforms pensions programs projects policies funds grants tariffs strikes unions factories
farms floods storms fires railways airports stations tunnels canals mines forests rivers
parks museums libraries clinics doctors nurses teachers students officers soldiers jobs
workers families children parents villages towns cities regions provinces ministries
agencies companies industries talks proposals bills amendments audits witnesses trials
appeals licenses permits homes rents shelters refugees migrants visas ferries quotas
subsidies pipelines turbines batteries vehicles buses lanes voters residents farmers
fishermen businesses taxpayers shareholders investors tenants patients pupils""".split()
ADJECTIVES = """new old public private local regional national federal foreign economic
political social financial military legal serious major minor urgent difficult simple
clear fair unfair honest dangerous safe cheap expensive costly modern broken temporary
permanent full partial final early late strong weak large small rising falling fragile
reckless sensible careful independent ambitious realistic unrealistic historic rural
urban coastal northern southern eastern western entire proper decent basic vital""".split()
VERBS = """build fund protect defend support reject approve delay cancel review publish
release reduce raise cut freeze repair replace restore expand close open protect secure
finish begin accept sign negotiate investigate challenge change improve stop block
question explain defend rebuild pay cover answer reform""".split()
VERBED = """built funded protected defended supported rejected approved delayed cancelled
reviewed published released reduced raised cut frozen repaired replaced restored expanded
closed opened secured finished begun accepted signed negotiated investigated challenged
changed improved stopped blocked questioned explained rebuilt paid covered answered""".split()

# Quote sentences: what a speaker says. No names of people, no quote marks.
QUOTE_SENTENCES = [
    "We will {verb} the {noun} before the end of {month}",
    "Nobody in {place} wants another {adj} {noun}",
    "The {noun} was never meant to {verb} the {plural} of this {noun}",
    "This is a {adj} day for {place}",
    "We have been asking for a {adj} {noun} for {num} years",
    "I will not {verb} a {noun} that leaves our {plural} without a {noun}",
    "The {plural} deserve better than a {adj} {noun}",
    "Our {plural} are paying for a {noun} they did not ask for",
    "It is a question of {plural} and {plural}, not of {plural}",
    "There is no {adj} {noun} in this {noun}",
    "We are ready to {verb} the {noun} if the {plural} agree",
    "Every {noun} in {place} will be {verbed} by {year}",
    "I have seen what a {adj} {noun} does to {plural}",
    "The {noun} has {verbed} nothing since {month}",
    "They {verbed} the {noun} and left the {plural} to pay",
    "What we need is a {adj} {noun} and {adj} {plural}",
    "We cannot {verb} the {noun} while the {plural} wait",
    "The {noun} will cost {num} million and nobody has {verbed} it",
    "My job is to {verb} the {plural} of {place}",
    "Nobody told us the {noun} would be {verbed}",
    "If the {noun} fails, the {plural} of {place} will pay for it",
    "We {verbed} the {noun} because it was {adj}",
    "I am confident that the {noun} will be {verbed} on time",
    "The {plural} have waited long enough",
    "This {noun} is {adj}, and everyone here knows it",
    "We expect the {noun} to {verb} more than {num} {plural}",
    "That is not a {noun}, that is a {adj} {noun}",
    "The people of {place} were promised a {adj} {noun}",
]
QUESTIONS = [
    "Where is the {noun} for the {plural}",
    "Who will {verb} the {noun} when the money runs out",
    "Why should {place} pay for a {adj} {noun}",
    "Is a {adj} {noun} really better than no {noun} at all",
]

# Paragraphs without quotes or people: places, organisations, numbers.
FILLER_SENTENCES = [
    "The {place} {org} {verbed} the {adj} {noun} on {weekday}.",
    "About {num} {plural} attended the meeting at the {place} town hall.",
    "The {noun} would cost about {num} million over {num2} years.",
    "A decision on the {noun} is expected by the end of {month}.",
    "The {org} in {place} has not published its {noun} since {year}.",
    "Similar {plural} were {verbed} in {place} and {place} last year.",
    "The {adj} {noun} was first proposed in {year} and {verbed} in {year2}.",
    "Figures from the {place} {org} show that {num} {plural} were affected.",
    "The {noun} is among the most {adj} {plural} in the region.",
    "Critics say the {noun} has been {verbed} too often.",
    "The vote on the {noun} was {num} to {num2}.",
    "Requests for comment to the {org} went unanswered on {weekday}.",
    "The {org} has {verbed} {num} {plural} since {year}, according to its annual {noun}.",
    "Residents of {place} have complained about the {noun} for more than {num2} years.",
    "The {adj} {noun} runs from {place} to {place} and was last {verbed} in {year}.",
    "Under the {noun}, {plural} in {place} would be {verbed} by the {org}.",
    "Opposition to the {noun} has grown since {month}, when the {org} {verbed} the {plural}.",
    "The {place} {org} is due to meet again on {weekday}.",
    "A {adj} {noun} published in {month} found that {num} {plural} had been {verbed}.",
    "It was not clear on {weekday} whether the {plural} would be {verbed} before {month}.",
]
ORGS = """council board authority commission agency ministry union committee office
chamber""".split()
HEADLINES = [
    "{Place} {org} {verbed} {adj} {noun} plan",
    "{Adj} {noun} divides {Place}",
    "Row over {noun} in {Place} deepens",
    "{Place} votes on {adj} {noun}",
    "Questions remain over {Place} {noun}",
    "{Plural} in {Place} wait for {noun} decision",
]

APPOSITIVE_ROLES = ["spokesperson", "spokesperson", "adviser", "lawyer", "economist",
                    "analyst", "official", "researcher"]

CUES_AFTER = ["said", "said", "said", "said", "added", "warned", "explained", "insisted",
              "told reporters", "said on {weekday}", "said after the vote", "argued"]
CUES_BEFORE = ["said", "said", "told reporters", "said on {weekday}", "added", "wrote",
               "said in a statement", "told the council"]
QUESTION_CUES = ["asked", "said"]

MARKS = {"curly": ("\u201c", "\u201d"), "straight": ('"', '"')}

_AN = re.compile(r"\b([Aa]) ([aeiou])")

STRUCTURES = ("q_x_cue", "q_cue_x", "x_cue_q")


@dataclass
class Person:
    name: str
    surname: str
    gender: str  # "m" or "f"
    title: str | None


@dataclass
class Expected:
    """A generated quote: text[start:end] with its marks, and who said it."""

    start: int
    end: int
    speaker: str
    title: str | None  # the title the article gave the speaker, if any
    pattern: str

    def to_list(self) -> list:
        return [self.start, self.end, self.speaker, self.title, self.pattern]

    @classmethod
    def from_list(cls, row: list) -> "Expected":
        return cls(*row)


def people(count: int, rng: random.Random) -> list[Person]:
    """`count` distinct invented people; about half have a title."""
    surnames = [a + b for a, b in itertools.product(SURNAME_ONSETS, SURNAME_CODAS)]
    pool: list[Person] = []
    seen: set[str] = set()
    while len(pool) < count:
        gender = rng.choice("mf")
        first = rng.choice(MALE if gender == "m" else FEMALE)
        surname = rng.choice(surnames)
        name = f"{first} {surname}"
        if name in seen:
            if len(seen) >= len(surnames) * (len(MALE) + len(FEMALE)):
                raise ValueError("more people asked for than names can be made")
            continue
        seen.add(name)
        title = rng.choice(TITLES) if rng.random() < 0.5 else None
        pool.append(Person(name, surname, gender, title))
    return pool


class Generator:
    """Articles with known quotes, about `quotes_per_article` quotes each."""

    def __init__(self, n_quotes: int, seed: int = 0, speakers: int | None = None):
        self.n_quotes = n_quotes
        self.rng = random.Random(seed)
        # A newsroom corpus has one speaker for every few dozen quotes, and a few
        # speakers (heads of government) who are quoted far more than the rest.
        count = speakers or max(40, n_quotes // 25)
        self.people = people(count, self.rng)
        self.cum_weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9
                                                     for rank in range(count)))
        self.places = [a + b for a, b in itertools.product(PLACE_ONSETS, PLACE_CODAS)]
        self.outlets = [f"The {self.rng.choice(self.places)} {outlet}"
                        for outlet in OUTLETS for _ in range(2)]

    # ---------------------------------------------------------------- words

    def _fill(self, template: str) -> str:
        rng = self.rng
        out = template
        while "{" in out:
            head, _, rest = out.partition("{")
            slot, _, tail = rest.partition("}")
            out = head + self._word(slot, rng) + tail
        return _AN.sub(r"\1n \2", out)

    def _word(self, slot: str, rng: random.Random) -> str:
        if slot == "noun":
            return rng.choice(NOUNS)
        if slot == "plural":
            return rng.choice(PLURALS)
        if slot == "Plural":
            return rng.choice(PLURALS).capitalize()
        if slot == "adj":
            return rng.choice(ADJECTIVES)
        if slot == "Adj":
            return rng.choice(ADJECTIVES).capitalize()
        if slot == "verb":
            return rng.choice(VERBS)
        if slot == "verbed":
            return rng.choice(VERBED)
        if slot in ("place", "Place"):
            return rng.choice(self.places)
        if slot == "org":
            return rng.choice(ORGS)
        if slot in ("num", "num2"):
            return str(rng.randint(2, 900))
        if slot in ("year", "year2"):
            return str(rng.randint(1990, 2024))
        if slot == "month":
            return rng.choice(MONTHS)
        if slot == "weekday":
            return rng.choice(WEEKDAYS)
        raise KeyError(slot)

    def _speaker(self) -> Person:
        rank = bisect.bisect(self.cum_weights, self.rng.random() * self.cum_weights[-1])
        return self.people[min(rank, len(self.people) - 1)]

    def _role(self, person: Person) -> str:
        rng = self.rng
        role = rng.choice(APPOSITIVE_ROLES)
        if role == "spokesperson":
            role = "spokesman" if person.gender == "m" else "spokeswoman"
        article = "an" if role[0] in "aeiou" else "a"
        return f"{article} {role} for the {rng.choice(self.places)} {rng.choice(ORGS)}"

    def _quote_body(self, end: str) -> str:
        """One or two sentences; the last ends with `end` (',' or '.') or '?'."""
        rng = self.rng
        sentences = [self._fill(rng.choice(QUOTE_SENTENCES)) for _ in range(rng.choice((1, 1, 2)))]
        body = ". ".join(sentences)
        if rng.random() < 0.12:
            return f"{body}. {self._fill(rng.choice(QUESTIONS))}?"
        return body + end

    def _filler(self, least: int = 2, most: int = 8) -> str:
        return " ".join(self._fill(self.rng.choice(FILLER_SENTENCES))
                        for _ in range(self.rng.randint(least, most)))

    # ---------------------------------------------------------------- articles

    def articles(self) -> Iterator[tuple[dict, list[Expected]]]:
        """(JSONL record, expected quotes) until n_quotes quotes were made."""
        made = 0
        number = 0
        while made < self.n_quotes:
            record, expected = self.article(number, min(self.n_quotes - made, self.rng.randint(3, 14)))
            made += len(expected)
            number += 1
            yield record, expected

    def article(self, number: int, n_quotes: int) -> tuple[dict, list[Expected]]:
        rng = self.rng
        opening, closing = MARKS["curly" if rng.random() < 0.8 else "straight"]
        cast: list[Person] = []
        while len(cast) < min(rng.randint(1, 4), n_quotes):
            person = self._speaker()
            if all(p.surname != person.surname for p in cast):
                cast.append(person)
        headline = self._fill(rng.choice(HEADLINES))
        place = rng.choice(self.places)
        parts = [headline, "\n\n", f"{place.upper()} \u2014 ", self._filler(4, 8), "\n\n"]
        size = sum(map(len, parts))
        expected: list[Expected] = []
        introduced: dict[str, str | None] = {}  # name -> title given in this article
        previous: Person | None = None  # speaker of the quote just before
        made = 0
        while made < n_quotes:
            person = previous if previous and rng.random() < 0.4 else rng.choice(cast)
            pieces, quotes = self._paragraph(person, person is previous, introduced,
                                             opening, closing, n_quotes - made)
            for piece in pieces:
                if isinstance(piece, tuple):  # (quote text, pattern)
                    quote, pattern = piece
                    expected.append(Expected(size, size + len(quote), person.name,
                                             introduced.get(person.name), pattern))
                    piece = quote
                parts.append(piece)
                size += len(piece)
            made += quotes
            # Fillers name no people, so the last person named stays the
            # antecedent of a pronoun across them.
            previous = person
            if rng.random() < 0.9:
                filler = "\n\n" + self._filler()
                parts.append(filler)
                size += len(filler)
            if made < n_quotes:
                parts.append("\n\n")
                size += 2
        text = "".join(parts)
        outlet = self.outlets[number % len(self.outlets)]
        year = rng.randint(2015, 2025)
        published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        slug = outlet.split()[1].lower()
        record = {
            "id": f"gen-{number:08d}",
            "url": f"https://{slug}.example/{year}/story-{number}",
            "title": headline,
            "source": outlet,
            "published": published,
            "text": text,
        }
        return record, expected

    def _paragraph(self, person: Person, again: bool, introduced: dict,
                   opening: str, closing: str, room: int):
        """The pieces of one quote paragraph: strings, and (quote, pattern) tuples."""
        rng = self.rng
        if person.name not in introduced:
            titled = person.title is not None and rng.random() < 0.85
            introduced[person.name] = person.title if titled else None
            mention_kind = "titled" if titled else "full"
            mention = f"{person.title} {person.name}" if titled else person.name
            if not titled and rng.random() < 0.4:
                # “…,” Lena Marvell, a spokeswoman for the Ashford council, said.
                mention_kind = "appositive"
                mention = f"{person.name}, {self._role(person)},"
        elif again and rng.random() < 0.5:
            mention_kind, mention = "pronoun", "he" if person.gender == "m" else "she"
        else:
            mention_kind, mention = "surname", person.surname
        structure = rng.choice(STRUCTURES)
        if mention_kind == "pronoun" and structure == "q_cue_x":
            structure = "q_x_cue"  # “…,” said she is not news English
        question = False
        pieces: list = []
        if structure == "x_cue_q":
            subject = mention[0].upper() + mention[1:]
            cue = self._fill(rng.choice(CUES_BEFORE))
            body = self._quote_body(".")
            pieces += [f"{subject} {cue}: ", (f"{opening}{body}{closing}", f"{structure}/{mention_kind}")]
        else:
            body = self._quote_body(",")
            question = body.endswith("?")
            cue = rng.choice(QUESTION_CUES) if question else self._fill(rng.choice(CUES_AFTER))
            pieces.append((f"{opening}{body}{closing}", f"{structure}/{mention_kind}"))
            if structure == "q_x_cue":
                pieces.append(f" {mention} {cue}.")
            else:
                verb, _, rest = cue.partition(" ")
                # “…,” said X on Tuesday: the adverbial moves after the name.
                pieces.append(f" {verb} {mention}{' ' + rest if rest else ''}.")
        quotes = 1
        if structure != "x_cue_q" and room > 1 and rng.random() < 0.15:
            body = self._quote_body(".")
            pieces += [" ", (f"{opening}{body}{closing}", f"same_para/{mention_kind}")]
            quotes = 2
        return pieces, quotes


def write_corpus(path: Path, n_quotes: int, seed: int = 0) -> dict:
    """Write the corpus JSONL to `path` and the expected quotes beside it.

    `path.with_suffix(".expected.jsonl")` holds one line per article:
    ``[[start, end, speaker, title, pattern], ...]``. Returns counts.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    articles = quotes = chars = 0
    nbytes = 0
    tmp = path.with_name(path.name + ".part")
    tmp_expected = expected_path(path).with_name(expected_path(path).name + ".part")
    with open(tmp, "w", encoding="utf-8") as out, open(tmp_expected, "w", encoding="utf-8") as exp:
        for record, expected in Generator(n_quotes, seed).articles():
            line = json.dumps(record, ensure_ascii=False)
            out.write(line + "\n")
            exp.write(json.dumps([e.to_list() for e in expected], ensure_ascii=False) + "\n")
            articles += 1
            quotes += len(expected)
            chars += len(record["text"])
            nbytes += len(record["text"].encode("utf-8"))
    tmp.replace(path)
    tmp_expected.replace(expected_path(path))
    return {"articles": articles, "quotes": quotes, "text_chars": chars, "text_bytes": nbytes}


def expected_path(corpus: Path) -> Path:
    corpus = Path(corpus)
    return corpus.with_name(corpus.name.removesuffix(".jsonl") + ".expected.jsonl")
