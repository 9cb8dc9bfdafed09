"""Each attribution sieve of quotes.sieves, tested alone.

A test builds the Context the way attribute.extract_article does and calls one
sieve on one quote. Sieves that borrow another quote's speaker
(same_paragraph, continuation) first get the earlier sieves run over the
article in pipeline order. Every example is invented.
"""

from __future__ import annotations

import pytest

from quotes import extract, sieves
from quotes.context import Context
from quotes.marks import find_marks
from quotes.sieves import SIEVES


def context(text: str) -> Context:
    return Context.build(text, find_marks(text))


def run_alone(sieve, text: str, i: int = 0):
    """(ctx, attribution) of one sieve on quote i of a fresh context."""
    ctx = context(text)
    return ctx, sieve(ctx, i)


def run_after_earlier_sieves(sieve, text: str, i: int):
    """Run the sieves before `sieve` as extract_article does (sieve by sieve,
    quote by quote, first answer wins), then `sieve` on quote i."""
    ctx = context(text)
    for earlier in SIEVES[:SIEVES.index(sieve)]:
        for j, found in enumerate(ctx.attributions):
            if found is None:
                ctx.attributions[j] = earlier(ctx, j)
    assert ctx.attributions[i] is None, "an earlier sieve already attributed the quote"
    return ctx, sieve(ctx, i)


def check(ctx: Context, found, mention: str, kind: str, cue: str | None, name: str | None = None):
    """The attribution names `mention` (as written) of `kind` with verb `cue`,
    and its offsets index the text."""
    assert found is not None
    m = found.mention
    assert m.text == mention
    assert ctx.text[m.start:m.end] == m.text
    assert m.kind == kind
    if name is not None:
        assert m.name == name
    assert found.cue == cue
    if found.cue_start is not None:
        assert ctx.text[found.cue_start:found.cue_end] == found.cue


# ---------------------------------------------------------------- the list itself


def test_sieves_are_ordered_most_certain_first():
    """The sieves of the brief stand in SIEVES in this order (others may be added)."""
    expected = [
        "quote_speaker_cue", "quote_cue_speaker", "speaker_cue_quote", "according_to",
        "sentence_end_cue", "paraphrase_speaker", "sentence_subject", "same_paragraph",
        "continuation",
    ]
    names = [s.__name__ for s in SIEVES]
    positions = [names.index(n) for n in expected]  # raises if one is missing
    assert positions == sorted(positions)


# ---------------------------------------------------------------- quote_speaker_cue


@pytest.mark.parametrize("text, mention, kind, name", [
    ('"We will rebuild the pier," Talia Brennock said.', "Talia Brennock", "person", "Talia Brennock"),
    ("\u201cWe will rebuild the pier,\u201d Talia Brennock said.", "Talia Brennock", "person", "Talia Brennock"),
    ('"We will rebuild the pier," he said.', "he", "pronoun", None),
    ('"We will rebuild the pier," Brennock, a former harbour master, said.', "Brennock", "person", "Brennock"),
    ('"We will rebuild the pier," Tobias Quell, a former adviser to the mayor, said.', "Tobias Quell", "person",
     "Tobias Quell"),
    ('"We will rebuild the pier," she said quietly.', "she", "pronoun", None),
    ('"We will rebuild the pier," Brennock quietly said.', "Brennock", "person", "Brennock"),
    ('"We will rebuild the pier," Brennock further said.', "Brennock", "person", "Brennock"),
    ('"We will rebuild the pier," Brennock on Wednesday said.', "Brennock", "person", "Brennock"),
    ('"We will rebuild the pier," Sen. Talia Brennock (D-Nev.) said.', "Sen. Talia Brennock (D-Nev.)", "person",
     "Talia Brennock"),
    ('"We will rebuild the pier," Talia Brennock earlier this month said.', "Talia Brennock", "person",
     "Talia Brennock"),
    ('"We will rebuild the pier," the spokeswoman said.', "the spokeswoman", "role", None),
])
def test_quote_speaker_cue(text, mention, kind, name):
    ctx, found = run_alone(sieves.quote_speaker_cue, text)
    check(ctx, found, mention, kind, "said", name)


@pytest.mark.parametrize("text, mention, kind, name", [
    # A longer run between “…,” and the verb: the speaker that opens it.
    ('"We will rebuild the pier," Talia Brennock, the harbour master who ran the port for a decade said.',
     "Talia Brennock", "person", "Talia Brennock"),
    ('"We will rebuild the pier," Talia Brennock and Oren Vask wrote.', "Talia Brennock", "person",
     "Talia Brennock"),
    ('"We will rebuild the pier," harbour engineers Talia Brennock and Oren Vask of the Velmora Institute wrote.',
     "harbour engineers Talia Brennock", "person", "Talia Brennock"),
    ('"We will rebuild the pier," Oren Vask, adviser for ports, docks, ferries, and canals, said on a call.',
     "Oren Vask", "person", "Oren Vask"),
    # One capitalised word alone before the verb is a name, even one that is a common word.
    ('"We will rebuild the pier," Read said.', "Read", "person", "Read"),
    ('"We will rebuild the pier," From said.', "From", "person", "From"),
])
def test_quote_speaker_cue_takes_the_speaker_opening_a_longer_run(text, mention, kind, name):
    ctx, found = run_alone(sieves.quote_speaker_cue, text)
    verb = "wrote" if "wrote" in text else "said"
    check(ctx, found, mention, kind, verb, name)


@pytest.mark.parametrize("text", [
    # The quote ends its sentence: what follows is a sentence of its own.
    '"We will rebuild the pier." Talia Brennock and Oren Vask wrote a letter.',
    # No speaker opens the run: a clause does.
    '"We will rebuild the pier," but after a long vote the council said.',
    # No comma hands the quote on: the run is no attribution's.
    '"Will we rebuild the pier" Talia Brennock and Oren Vask wrote.',
])
def test_quote_speaker_cue_longer_run_needs_a_handing_on_comma(text):
    ctx, found = run_alone(sieves.quote_speaker_cue, text)
    assert found is None


@pytest.mark.parametrize("text", [
    'Talia Brennock spoke. "We will rebuild the pier." Brennock said on Friday in Velmora.',
    'Talia Brennock spoke. "Can we rebuild the pier?" Brennock asked the council.',
])
def test_quote_speaker_cue_after_a_full_sentence_quote(text):
    ctx, found = run_alone(sieves.quote_speaker_cue, text)
    assert found.mention.text == "Brennock"


def test_quote_speaker_cue_pronoun_gender():
    _, found = run_alone(sieves.quote_speaker_cue, '"We will rebuild the pier," she said quietly.')
    assert found.mention.gender == "f"
    _, found = run_alone(sieves.quote_speaker_cue, '"We will rebuild the pier," he said.')
    assert found.mention.gender == "m"


@pytest.mark.parametrize("text", [
    '"We will rebuild the pier," said Talia Brennock.',  # inverted: another sieve's job
    '"We will rebuild the pier." The council met on Monday and said nothing.',
    '"We will rebuild the pier," this said.',  # "this" is not a speaker
    '"We will rebuild the pier."',
    # a quote that ends with a full stop, then a sentence of its own
    'Talia Brennock spoke first. "We will rebuild the pier." She noted a vote on Friday.',
])
def test_quote_speaker_cue_passes(text):
    _, found = run_alone(sieves.quote_speaker_cue, text)
    assert found is None


# ---------------------------------------------------------------- quote_cue_speaker


def test_quote_cue_speaker_plain_name():
    ctx, found = run_alone(sieves.quote_cue_speaker, '"We will rebuild the pier," said Talia Brennock.')
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")


def test_quote_cue_speaker_title_and_party_state():
    text = '"We will rebuild the pier," said Sen. Orrin Vasquez, R-Ariz.'
    ctx, found = run_alone(sieves.quote_cue_speaker, text)
    check(ctx, found, "Sen. Orrin Vasquez", "person", "said", "Orrin Vasquez")
    assert found.mention.title == "Sen."


def test_quote_cue_speaker_role_with_appositive_name():
    text = '"We will rebuild the pier," said the bureau\'s director, Mira Olsson, in a statement.'
    ctx, found = run_alone(sieves.quote_cue_speaker, text)
    check(ctx, found, "the bureau's director, Mira Olsson", "person", "said", "Mira Olsson")
    assert "director" in found.mention.title


def test_quote_cue_speaker_relative_clause_is_not_the_name():
    text = '"We will rebuild the pier," said Talia Brennock, who runs the harbour.'
    ctx, found = run_alone(sieves.quote_cue_speaker, text)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")


@pytest.mark.parametrize("text", [
    '"We will rebuild the pier," Talia Brennock said.',  # not inverted
    '"We will rebuild the pier," said that.',
    '"We will rebuild the pier." The council said nothing.',
])
def test_quote_cue_speaker_passes(text):
    _, found = run_alone(sieves.quote_cue_speaker, text)
    assert found is None


@pytest.mark.parametrize("text, mention", [
    ('"We will rebuild the pier," said the 52-year-old.', "the 52-year-old"),
    ('"We will rebuild the pier," said the boatbuilder, who runs the yard.', "the boatbuilder"),
    ('"We will rebuild the pier," said one of those advisers, who asked not to be named.',
     "one of those advisers"),
    ('"The pier is a disgrace," reads a Monday editorial in The Velmora Courier.',
     "a Monday editorial in The Velmora Courier"),
])
def test_quote_cue_speaker_describes_an_unnamed_speaker(text, mention):
    ctx, found = run_alone(sieves.quote_cue_speaker, text)
    check(ctx, found, mention, "description", text.split('" ')[1].split()[0])


@pytest.mark.parametrize("text", [
    '"We will rebuild the pier," said the next day.',  # a time, not a speaker
    '"The pier," saying the town needed the "harbour back."',  # a clause running into a quote
    '"We have more work to do," noting rising prices in the harbour.',  # a participle's object
    '"We have more work to do," adding that prices rose.',
    '"The pier was a fraud," saying the council knew it.',  # the participle reports someone else
])
def test_quote_cue_speaker_description_passes(text):
    _, found = run_alone(sieves.quote_cue_speaker, text)
    assert found is None


@pytest.mark.parametrize("text, mention, cue", [
    ('"We will rebuild the pier," the retired beekeeper said.', "the retired beekeeper", "said"),
    ('"We will rebuild the pier," one harbour GMB shopkeeper told reporters.',
     "one harbour GMB shopkeeper", "told"),
    ('"The harm is incalculable," federal prosecutors wrote.', "federal prosecutors", "wrote"),
    ('"We live in a kingdom," my father often said.', "my father", "said"),
    ('"He is on leave," a VTV1 representative said.', "a VTV1 representative", "said"),
])
def test_quote_speaker_cue_describes_an_unnamed_speaker(text, mention, cue):
    ctx, found = run_alone(sieves.quote_speaker_cue, text)
    check(ctx, found, mention, "description", cue)


def test_quote_speaker_cue_takes_in_capitalised_words_before_the_name():
    text = '"The pier stays shut," Velmora Harbour Public Advocate Trish Maren said.'
    ctx, found = run_alone(sieves.quote_speaker_cue, text)
    assert found.mention.text == "Velmora Harbour Public Advocate Trish Maren"
    assert ctx.text[found.mention.start:found.mention.end] == found.mention.text


def test_quote_speaker_cue_leading_words_hold_no_clause():
    text = '"The pier stays shut," and so, Trish Maren said, it will.'
    _, found = run_alone(sieves.quote_speaker_cue, text)
    assert found is None


def test_speaker_cue_quote_participle_after_a_closing_attribution():
    text = 'Marsh left as soon as prayers were over, Talia Brennock said, adding, "He was not very religious."'
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    check(ctx, found, "Talia Brennock", "person", "adding", "Talia Brennock")


def test_quote_speaker_cue_passes_over_a_noun_that_looks_like_a_verb():
    ctx, found = run_alone(sieves.quote_speaker_cue, '"The harbour is shrinking," the report stated.')
    check(ctx, found, "the report", "document", "stated")


def test_quote_speaker_cue_quoted_as_saying():
    ctx, found = run_alone(sieves.quote_speaker_cue, '"We will rebuild the pier," Brennock was quoted as saying.')
    check(ctx, found, "Brennock", "person", "was quoted as saying", "Brennock")


def test_quote_speaker_cue_description_must_fill_the_gap():
    _, found = run_alone(sieves.quote_speaker_cue, '"We will rebuild," the pier was said to be sound.')
    assert found is None


# ---------------------------------------------------------------- speaker_cue_quote


@pytest.mark.parametrize("text, cue", [
    ('Talia Brennock said: "We will rebuild the pier."', "said"),
    ('Talia Brennock told reporters on Tuesday: "We will rebuild the pier."', "told"),
    ('Talia Brennock said "we will rebuild the pier."', "said"),
    ('Talia Brennock wrote on Twitter, "The pier will be rebuilt."', "wrote"),
    ('Talia Brennock said in a statement that "the pier will be rebuilt."', "said"),
])
def test_speaker_cue_quote(text, cue):
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    check(ctx, found, "Talia Brennock", "person", cue, "Talia Brennock")


@pytest.mark.parametrize("text", [
    'Taxes rose. Said Brennock: "I do not see any interest in reform."',
    'Taxes rose. Said Talia Brennock, who grew up by the harbour, "We were all so proud."',
])
def test_speaker_cue_quote_inverted_at_the_sentence_start(text):
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    assert found.mention.text in ("Brennock", "Talia Brennock") and found.cue == "Said"
    assert text[found.cue_start:found.cue_end] == "Said"


@pytest.mark.parametrize("text", [
    'The storm hit the coast. "We will rebuild the pier," Brennock said.',
    'Talia Brennock said nothing. "We will rebuild the pier," the mayor said.',
    '"We will rebuild the pier," Talia Brennock said.',
])
def test_speaker_cue_quote_passes(text):
    _, found = run_alone(sieves.speaker_cue_quote, text)
    assert found is None
    assert found is None


@pytest.mark.parametrize("text", [
    'Brennock, during a town hall meeting in Ashford, Velmora, said she was "going to close the pier."',
    'Brennock — a teacher from Mount Pleasant — says the endorsement was "a big deal."',
])
def test_speaker_cue_quote_subject_before_an_aside(text):
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    assert found.mention.text == "Brennock"


@pytest.mark.parametrize("text, described, cue", [
    ('As the siren rang, the announcer said, "Please leave the pier now."', "the announcer", "said"),
    ('At a forum on Monday, one questioner claimed that the "harbour fees" were unfair.',
     "one questioner", "claimed"),
    ('Many fishermen said the plan was "a slow death for the port."', "Many fishermen", "said"),
    ('While those surveyed said the mayor has the "best experience," few trust her.', "those surveyed", "said"),
    ('Harbour pilots said the plan was "a slow death for the port."', "Harbour pilots", "said"),
])
def test_speaker_cue_quote_described_subject(text, described, cue):
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    check(ctx, found, described, "description", cue)


@pytest.mark.parametrize("text, mention, cue", [
    ('Talia Brennock said that Ivo Marsh begged her for a berth and "would have dropped to his knees."',
     "Talia Brennock", "said"),
    ('Talia Brennock said Ivo Marsh asked her "to build on the mayor\'s comments."', "Talia Brennock", "said"),
    ('Talia Brennock told reporters that Ivo Marsh would be "a fine harbour master."', "Talia Brennock", "told"),
])
def test_speaker_cue_quote_the_reporter_of_the_clause_speaks(text, mention, cue):
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    check(ctx, found, mention, "person", cue)


def test_paraphrase_speaker_the_reporter_of_the_clause_speaks():
    text = 'Talia Brennock said Ivo Marsh would offer "a prayer" for the fleet.'
    ctx, found = run_alone(sieves.paraphrase_speaker, text)
    check(ctx, found, "Talia Brennock", "person", "said")


@pytest.mark.parametrize("text, mention, cue", [
    ('At the time, she released a statement saying, "The harbour has a trusted partner."', "she", "saying"),
    ('Talia Brennock sent an email saying "the pier is done."', "Talia Brennock", "saying"),
    ('Later she revised her statement explaining that no email was "marked classified."', "she", "explaining"),
])
def test_speaker_cue_quote_a_document_sent_by_the_subject(text, mention, cue):
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    check(ctx, found, mention, "pronoun" if mention == "she" else "person", cue)


@pytest.mark.parametrize("text", [
    # a clause, not a subject, stands before the verb
    'The rejection of the plan was complete when the board in its report said "no".',
    # a participle's subject is never a description standing right before it
    'The party meeting began vowing to "fight for every vote" in the state.',
    # a possessive on its own is no described speaker
    'He left, particularly angry at his warning that the port would be "at the back of the queue".',
])
def test_speaker_cue_quote_no_described_subject_in_a_clause(text):
    _, found = run_alone(sieves.speaker_cue_quote, text)
    assert found is None


@pytest.mark.parametrize("text, speaker", [
    ('Aides said Ivo Marsh told them: "I will never concede this election."', "Ivo Marsh"),
    ('The officer said that Ivo Marsh yelled, "I have a gun and I will use it."', "Ivo Marsh"),
])
def test_speaker_cue_quote_direct_speech_stays_with_its_speaker(text, speaker):
    # the reporter of the clause speaks only for words inside it, not for speech its verb introduces
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    assert found.mention.text == speaker


# ---------------------------------------------------------------- according_to


def test_according_to_after_the_quote():
    text = '"The pier will be rebuilt by June," according to Talia Brennock.'
    ctx, found = run_alone(sieves.according_to, text)
    check(ctx, found, "Talia Brennock", "person", "according to", "Talia Brennock")


def test_according_to_before_the_quote():
    text = 'According to Talia Brennock, "the pier will be rebuilt by June."'
    ctx, found = run_alone(sieves.according_to, text)
    check(ctx, found, "Talia Brennock", "person", "According to", "Talia Brennock")


def test_according_to_an_organisation():
    text = '"The pier will be rebuilt by June," according to the ministry.'
    ctx, found = run_alone(sieves.according_to, text)
    check(ctx, found, "the ministry", "organisation", "according to")


@pytest.mark.parametrize("text", [
    '"The pier will be rebuilt," Talia Brennock said.',
    'The plan was drawn up last year. "The pier will be rebuilt."',
])
def test_according_to_passes(text):
    _, found = run_alone(sieves.according_to, text)
    assert found is None


# ---------------------------------------------------------------- according_to_described


@pytest.mark.parametrize("text, described", [
    ('According to his longtime physician, the mayor is in "astonishingly excellent" health.',
     "his longtime physician"),
    ('The harbour fund, according to its annual summary, "draws a troubling portrait of the port."',
     "its annual summary"),
])
def test_according_to_described(text, described):
    ctx, found = run_after_earlier_sieves(sieves.according_to_described, text, 0)
    check(ctx, found, described, "description", "According to" if text.startswith("A") else "according to")


def test_according_to_described_leaves_a_reporting_verb_its_speaker():
    # "said" reports the quote: the sentence's verb names Brennock, not the minutes
    text = 'According to the harbour minutes, Talia Brennock said the pier was "beyond repair."'
    (quote,) = extract(text)
    assert quote.speaker == "Talia Brennock" and quote.sieve != "according_to_described"


# ---------------------------------------------------------------- passive_by


@pytest.mark.parametrize("text, mention, kind, cue", [
    ('The plan has been called "strategic ambiguity" by Talia Brennock, a harbour historian.',
     "Talia Brennock", "person", "called"),
    ('The inquiry, often labeled as a "witch hunt" by the fishermen, goes on.', "the fishermen", "description",
     "labeled"),
    ('It was "extremely careless" - as described by Talia Brennock - to sell the pier.', "Talia Brennock",
     "person", "described"),
    ('The so-called "harbour plan" was called by the council last year.', "the council", "organisation", "called"),
])
def test_passive_by(text, mention, kind, cue):
    ctx, found = run_alone(sieves.passive_by, text)
    check(ctx, found, mention, kind, cue)


@pytest.mark.parametrize("text", [
    'The pier, "a relic" of the harbour, was sold by the council.',  # no reporting participle
    'She called it "a relic" and left by the back door.',  # no agent right after the quote
    # "by" further on belongs to another verb
    'The bill, dubbed "the worst deal ever," passed the Senate by a vote of 52 to 48.',
    'The plan, called "reckless and dangerous," will pass by the end of the year.',
])
def test_passive_by_passes(text):
    _, found = run_alone(sieves.passive_by, text)
    assert found is None


# ---------------------------------------------------------------- sentence_end_cue


def test_sentence_end_cue_speaker_then_verb():
    text = '"The pier will be rebuilt" by June, Talia Brennock said.'
    ctx, found = run_alone(sieves.sentence_end_cue, text)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")


def test_sentence_end_cue_verb_then_speaker():
    text = '"The pier will be rebuilt" by June, said Talia Brennock.'
    ctx, found = run_alone(sieves.sentence_end_cue, text)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")


def test_sentence_end_cue_as_the_speaker_said():
    text = 'The fact that the race "is a dead heat," as Talia Brennock said on Monday, matters.'
    ctx, found = run_alone(sieves.sentence_end_cue, text)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")


def test_speaker_cue_quote_what_the_speaker_called():
    text = 'The town prepares for what Talia Brennock called "the hardest winter in memory."'
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    check(ctx, found, "Talia Brennock", "person", "called", "Talia Brennock")


def test_sentence_end_cue_stops_at_a_quote_that_ends_its_sentence():
    text = ('A source said, "He will try to be friendlier." At the same time, Talia Brennock '
            'added that the vote was close.')
    _, found = run_alone(sieves.sentence_end_cue, text)
    assert found is None


def test_sentence_end_cue_pronoun():
    text = '"The pier will be rebuilt" before the summer season, she said.'
    ctx, found = run_alone(sieves.sentence_end_cue, text)
    check(ctx, found, "she", "pronoun", "said")


@pytest.mark.parametrize("text", [
    '"The pier" was old. Brennock said nothing.',  # the verb is in the next sentence
    '"The pier" was old and rotten.',
])
def test_sentence_end_cue_passes(text):
    _, found = run_alone(sieves.sentence_end_cue, text)
    assert found is None


# ---------------------------------------------------------------- paraphrase_speaker


def test_paraphrase_speaker():
    text = 'Talia Brennock said the plan was "a disaster" for the town.'
    ctx, found = run_alone(sieves.paraphrase_speaker, text)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")


def test_paraphrase_speaker_after_a_party_and_state():
    """The dot in "(D-Ore.)" does not end the sentence, so the name stays its subject."""
    text = 'The vote came late. Rep. Talia Brennock (D-Ore.) told reporters the plan was "a disaster."'
    ctx, found = run_alone(sieves.paraphrase_speaker, text)
    check(ctx, found, "Rep. Talia Brennock (D-Ore.)", "person", "told", "Talia Brennock")


def test_paraphrase_speaker_past_an_aside_with_commas():
    text = 'Talia Brennock, the harbour master, who spoke after the vote, said it was "a disaster."'
    ctx, found = run_alone(sieves.paraphrase_speaker, text)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")


def test_paraphrase_speaker_main_clause_pronoun_after_a_reporting_clause():
    text = 'When Talia Brennock announced her bid, she pointedly likened the pier to "a disgrace."'
    ctx, found = run_alone(sieves.paraphrase_speaker, text)
    check(ctx, found, "she", "pronoun", "likened")


def test_paraphrase_speaker_pronoun():
    text = 'She argued that the budget was "a fantasy" and left.'
    ctx, found = run_alone(sieves.paraphrase_speaker, text)
    check(ctx, found, "She", "pronoun", "argued")


@pytest.mark.parametrize("text", [
    'The plan was "a disaster" for the town.',
    'Talia Brennock said nothing. The plan was "a disaster" for the town.',
])
def test_paraphrase_speaker_passes(text):
    _, found = run_alone(sieves.paraphrase_speaker, text)
    assert found is None


# ---------------------------------------------------------------- sentence_subject


def test_sentence_subject_pronoun():
    text = 'She called for "flexibility" in talks.'
    ctx, found = run_alone(sieves.sentence_subject, text)
    check(ctx, found, "She", "pronoun", "called")
    assert found.mention.gender == "f"


def test_sentence_subject_name():
    text = 'Talia Brennock called for "flexibility" in talks.'
    ctx, found = run_alone(sieves.sentence_subject, text)
    check(ctx, found, "Talia Brennock", "person", "called", "Talia Brennock")


def test_sentence_subject_after_an_introductory_phrase():
    text = 'In an interview, Senator Talia Brennock demanded "flexibility" in talks.'
    ctx, found = run_alone(sieves.sentence_subject, text)
    check(ctx, found, "Senator Talia Brennock", "person", "demanded", "Talia Brennock")


def test_sentence_subject_organisation_with_the_after_an_introductory_phrase():
    text = 'In late June, the Velmora Bar Association reviewed the file and deemed him "well qualified."'
    ctx, found = run_alone(sieves.sentence_subject, text)
    check(ctx, found, "the Velmora Bar Association", "organisation", "reviewed")


@pytest.mark.parametrize("text", [
    'VELMORA (AP) — Talia Brennock on Saturday called the pier "a disgrace."',
    'VELMORA, July 25 (UPI) — Talia Brennock on Saturday called the pier "a disgrace."',
    'VELMORA - Talia Brennock on Saturday called the pier "a disgrace."',
])
def test_sentence_subject_after_a_dateline(text):
    ctx, found = run_alone(sieves.sentence_subject, text)
    assert found.mention.name == "Talia Brennock"


@pytest.mark.parametrize("text, described, verb", [
    ('In August, several harbour groups granted Mr. Kerrow an extension, saying his "capital was short."',
     "several harbour groups", "granted"),
    ('Harbour pilots opposed the plan and called it "a gift to the yacht club."', "Harbour pilots", "opposed"),
])
def test_sentence_subject_described_before_a_verb(text, described, verb):
    ctx, found = run_alone(sieves.sentence_subject, text)
    check(ctx, found, described, "description", verb)


@pytest.mark.parametrize("text", [
    'The bill passed despite "serious concerns from the minority."',
    'The stock market crashed amid "unprecedented panic among traders."',
])
def test_sentence_subject_a_thing_before_a_past_form_does_not_speak(text):
    _, found = run_alone(sieves.sentence_subject, text)
    assert found is None


def test_sentence_subject_role_after_an_introductory_phrase():
    # The docstring's own example shape: "In an interview, the senator stated ..."
    text = 'In an interview, the senator demanded "flexibility" in talks.'
    ctx, found = run_alone(sieves.sentence_subject, text)
    check(ctx, found, "the senator", "role", "demanded")


def test_sentence_subject_leaves_a_sentence_its_opening_speaker_began():
    text = ('Talia Brennock said that although the vote was "an important step," '
            'they were "far from done."')
    ctx = context(text)
    ctx.attributions[0] = sieves.speaker_cue_quote(ctx, 0)
    assert ctx.attributions[0].mention.text == "Talia Brennock"
    assert sieves.sentence_subject(ctx, 1) is None  # same_paragraph gives it Brennock's


def test_sentence_subject_after_a_quote_in_a_subordinate_clause():
    text = 'While Ivo Marsh called the plan "terrific," Talia Brennock fixed on the "pivot" line.'
    ctx = context(text)
    ctx.attributions[0] = sieves.speaker_cue_quote(ctx, 0) or sieves.paraphrase_speaker(ctx, 0)
    check(ctx, sieves.sentence_subject(ctx, 1), "Talia Brennock", "person", "fixed")


@pytest.mark.parametrize("text", [
    '"Flexibility" was the word of the day.',  # the quote opens its sentence
    'It called for "flexibility" in talks.',  # "it" does not speak
    'Talks resumed. "Flexibility" was the word of the day.',
])
def test_sentence_subject_passes(text):
    _, found = run_alone(sieves.sentence_subject, text)
    assert found is None


# ---------------------------------------------------------------- same_paragraph


def test_same_paragraph_borrows_the_speaker_of_the_attributed_quote():
    text = '"We will win," Talia Brennock said. "The pier will stand."'
    ctx, found = run_after_earlier_sieves(sieves.same_paragraph, text, 1)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")
    assert found.borrowed_from == 0
    assert found.mention is ctx.attributions[0].mention


def test_same_paragraph_borrows_from_a_later_quote():
    text = '"The pier will stand." Then, "We will win," Talia Brennock said.'
    ctx = context(text)
    ctx.attributions[1] = sieves.quote_speaker_cue(ctx, 1)
    found = sieves.same_paragraph(ctx, 0)
    check(ctx, found, "Talia Brennock", "person", "said")
    assert found.borrowed_from == 1


def test_same_paragraph_passes_across_paragraphs():
    text = '"We will win," Talia Brennock said.\n\nThe town waits. "The pier will stand."'
    _, found = run_after_earlier_sieves(sieves.same_paragraph, text, 1)
    assert found is None


def test_same_paragraph_passes_when_nothing_is_attributed():
    text = 'The town waits. "We will win." Nobody knows. "The pier will stand."'
    ctx = context(text)
    assert sieves.same_paragraph(ctx, 1) is None


def test_same_paragraph_does_not_borrow_a_borrowed_speaker():
    text = '"We will win." Then: "The pier will stand."'
    ctx = context(text)
    from quotes.context import Attribution
    from quotes.model import Mention
    mention = Mention(0, 0, "", "person", name="Talia Brennock")
    ctx.attributions[0] = Attribution(mention, "said", borrowed_from=5)
    assert sieves.same_paragraph(ctx, 1) is None


# ---------------------------------------------------------------- continuation


def test_continuation_after_an_attributed_paragraph():
    text = '"We will win," Talia Brennock said.\n\n"The pier will stand."'
    ctx, found = run_after_earlier_sieves(sieves.continuation, text, 1)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")
    assert found.borrowed_from == 0


def test_continuation_after_a_lead_in_ending_with_a_colon():
    text = 'In a speech on Monday, Talia Brennock declared:\n\n"The pier will stand."'
    ctx, found = run_after_earlier_sieves(sieves.continuation, text, 0)
    check(ctx, found, "Talia Brennock", "person", "declared", "Talia Brennock")
    assert found.borrowed_from is None


def test_continuation_after_a_lead_in_colon_with_a_pronoun():
    text = 'Talia Brennock rose to speak. In a speech on Monday, she declared:\n\n"The pier will stand."'
    ctx, found = run_after_earlier_sieves(sieves.continuation, text, 0)
    check(ctx, found, "she", "pronoun", "declared")


@pytest.mark.parametrize("text, i", [
    ('The town waits.\n\n"The pier will stand."', 0),  # nothing attributed before
    ('"We will win," Talia Brennock said.\n\nThe town waits. "The pier will stand."', 1),  # not opening
    ('"The pier will stand."', 0),  # the first paragraph continues nothing
    ('"We will win," Talia Brennock said.\n\nThe town waits.\n\n"The pier will stand."', 1),  # not adjacent
    # the quote's sentence goes on: its own speaker, even one no sieve knows
    ('"We will win," Talia Brennock said.\n\n"The pier will stand," an angry Piet Hallstrom glowered.', 1),
])
def test_continuation_passes(text, i):
    _, found = run_after_earlier_sieves(sieves.continuation, text, i)
    assert found is None


def test_continuation_after_an_inverted_lead_in():
    text = 'Talia Brennock spoke on the radio.\n\nStated Brennock:\n\n"The stakes are high."'
    ctx, found = run_after_earlier_sieves(sieves.continuation, text, 0)
    check(ctx, found, "Brennock", "person", "Stated")


def test_continuation_after_a_lead_in_without_a_reporting_verb():
    text = ('Mayor Ana Ruiz released the following statement:\n\n'
            '"Our harbour will be rebuilt before the winter storms."')
    ctx = Context.build(text, find_marks(text))
    found = sieves.continuation(ctx, 0)
    assert found is not None and found.mention.text == "Mayor Ana Ruiz"


def test_speaker_colon_quote_takes_a_transcript_speaker():
    text = 'Rep. Ana Ruiz (D-Velmora): "I have not heard anyone answer the question."'
    ctx = Context.build(text, find_marks(text))
    found = sieves.speaker_colon_quote(ctx, 0)
    assert found.mention.name == "Ana Ruiz" and found.cue == ":"
    assert text[found.cue_start:found.cue_end] == ":"


def test_speaker_colon_quote_after_a_newsletter_headline_and_a_dash():
    text = 'HARBOUR TRAFFIC DOUBLES - Ana Ruiz: "The pier has never been this busy."'
    ctx = Context.build(text, find_marks(text))
    found = sieves.speaker_colon_quote(ctx, 0)
    assert found.mention.name == "Ana Ruiz"


def test_speaker_colon_quote_passes_on_a_colon_after_other_words():
    text = 'The sign at the harbour gate read as follows: "Closed until spring."'
    ctx = Context.build(text, find_marks(text))
    assert sieves.speaker_colon_quote(ctx, 0) is None


@pytest.mark.parametrize("text", [
    '"The sea always wins." — Talia Brennock, harbour master',
    '"The sea always wins."\n\n— Talia Brennock.',
])
def test_dash_speaker_takes_the_signature_after_a_quote(text):
    ctx = Context.build(text, find_marks(text))
    found = sieves.dash_speaker(ctx, 0)
    assert found.mention.name == "Talia Brennock"
    assert text[found.cue_start:found.cue_end] == "—"


def test_dash_speaker_takes_a_horizontal_bar_signature():
    text = '"The sea always wins."― Talia Brennock.'
    ctx = Context.build(text, find_marks(text))
    found = sieves.dash_speaker(ctx, 0)
    assert found.mention.name == "Talia Brennock" and found.cue == "―"


def test_dash_speaker_passes_on_a_dash_that_goes_on_with_a_sentence():
    text = '"The sea always wins" - Talia Brennock knew that better than anyone in Velmora.'
    ctx = Context.build(text, find_marks(text))
    assert sieves.dash_speaker(ctx, 0) is None


# ---------------------------------------------------------------- previous_sentence


@pytest.mark.parametrize("text", [
    'Talia Brennock announced the lawsuit on Monday. "We are seeking a court order."',
    'Talia Brennock announced the lawsuit on Monday.\n\n"We are seeking a court order."',
])
def test_previous_sentence_subject_speaks_a_quote_of_its_own(text):
    ctx, found = run_after_earlier_sieves(sieves.previous_sentence, text, 0)
    check(ctx, found, "Talia Brennock", "person", "announced", "Talia Brennock")


def test_previous_sentence_speaker_named_at_its_close():
    text = ('The board may still be weighing the fees, Talia Brennock said. '
            '"Nobody has told us what they will cost."')
    ctx, found = run_after_earlier_sieves(sieves.previous_sentence, text, 0)
    check(ctx, found, "Talia Brennock", "person", "said", "Talia Brennock")


def test_previous_sentence_past_a_title_in_quotes():
    """The title of a show that opens the sentence before is no quote between:
    the sentence's subject, after the title's comma, speaks."""
    text = ('On "Harbour Watch," Sen. Talia Brennock (Vel.), who lost the primary, named the fees '
            'as one of the reasons. "Nobody has told us what they will cost."')
    ctx, found = run_after_earlier_sieves(sieves.previous_sentence, text, 1)
    check(ctx, found, "Sen. Talia Brennock (Vel.)", "person", "named", "Talia Brennock")


def test_previous_sentence_not_what_someone_foresaw():
    text = 'Clinton won the state easily, as Nate Quill predicted. "It was a great night for us."'
    ctx, found = run_after_earlier_sieves(sieves.previous_sentence, text, 0)
    assert found is None


@pytest.mark.parametrize("text", [
    # the quote's own sentence goes on: its attribution is for other sieves
    'Talia Brennock announced the lawsuit. "We are seeking a court order," the filing reads.',
    # the subject before is no person
    'The council announced the lawsuit on Monday. "We are seeking a court order."',
    # a quote that sits inside its sentence
    'Talia Brennock announced the lawsuit. Then came "a court order" for the port.',
])
def test_previous_sentence_passes(text):
    ctx = context(text)
    assert sieves.previous_sentence(ctx, 0) is None


# ---------------------------------------------------------------- relative_clause


@pytest.mark.parametrize("text, i, mention, name", [
    ('Brennock, who has long described the plan as “a folly,” voted for it.', 0, "Brennock, who", "Brennock"),
    ('"Ports matter," said Mayor Talia Brennock, who thinks the council is “far too slow.”', 1,
     "Mayor Talia Brennock, who", "Talia Brennock"),
    # The relative clause has closed, but its phrase opens the sentence: the main clause is its own.
    ('Talia Brennock, who quit last year, has never hidden her view of the “folly.”', 0,
     "Talia Brennock, who", "Talia Brennock"),
])
def test_relative_clause_speaker_is_the_phrase_it_describes(text, i, mention, name):
    ctx, found = run_after_earlier_sieves(sieves.relative_clause, text, i)
    check(ctx, found, mention, "person", "who", name)


@pytest.mark.parametrize("text", [
    # The clause closed, and the phrase it described is an object: the main clause has its own subject.
    'Vask is praising Talia Brennock, who quit last year, as “a true builder.”',
    # A sentence break between "who" and the quote.
    'It was Brennock, who quit. Nobody called it “a folly.”',
    # The clause closed, and the phrase it described is the object of a clause before it.
    'On Monday, the mayor met Talia Brennock, who quit last year, at the \u201charbour gala.\u201d',
    'In Velmora, he toasted Talia Brennock, who quit last year, as a \u201csteady hand.\u201d',
    # No comma: a restrictive clause ("a prosecutor who reports to the mayor") is no attribution.
    'She proposed a prosecutor who reports to the “port council.”',
])
def test_relative_clause_passes(text):
    ctx, found = run_alone(sieves.relative_clause, text)
    assert found is None


# ---------------------------------------------------------------- a poll's share as speaker


@pytest.mark.parametrize("text, mention", [
    ('Only 52 percent of registered voters agreed that the port is in "good enough shape."',
     "Only 52 percent of registered voters"),
    ('However, 63 percent said the fees were "justified" after all.', "63 percent"),
    ('Roughly two-thirds said they were "not at all likely" to vote.', "Roughly two-thirds"),
])
def test_a_share_of_those_polled_speaks(text, mention):
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    assert found is not None and found.mention.text == mention and found.mention.kind == "description"


@pytest.mark.parametrize("text", [
    # in a clause the poll reports: the poll's words
    'The poll finds that, while 37 percent say the mayor is "very responsible," most do not.',
    # no verb of speaking
    'According to the exit polls, 24 percent put a priority on "telling it like it is."',
])
def test_a_share_speaks_only_as_a_subject_of_speaking(text):
    ctx, found = run_alone(sieves.speaker_cue_quote, text)
    assert found is None or "percent" not in found.mention.text


# ---------------------------------------------------------------- a reported sentence between two quotes


def test_a_reported_sentence_between_quotes_gives_the_later_quote_its_own_speaker():
    text = ('"We opened the gates," said Oren Vask, a harbour pilot. Talia Brennock, a nurse, was there too. '
            'She says people should be able to use the pier. "It is their harbour, after all."')
    ctx, found = run_after_earlier_sieves(sieves.same_paragraph, text, 1)
    assert found is None  # not Vask's
    found = sieves.previous_sentence(ctx, 1)
    check(ctx, found, "She", "pronoun", "says")


def test_same_paragraph_still_borrows_after_an_attribution_of_the_quote_before():
    text = '"We opened the gates," Oren Vask said. "It is their harbour, after all."'
    ctx, found = run_after_earlier_sieves(sieves.same_paragraph, text, 1)
    assert found is not None and found.mention.name == "Oren Vask"
