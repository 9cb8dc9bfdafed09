"""quotes.extract end to end: marks -> sieves -> speakers on invented mini-articles,
plus the VOA sample from /work/shared when it is there."""

from __future__ import annotations

from pathlib import Path

import pytest

import quotes
from quotes import extract, identity
from quotes.model import Article, Quote
from quotes.sieves import SIEVES

SAMPLE = Path("/work/shared/samples/voa-iraq-offensive.txt")
SIEVE_NAMES = {s.__name__ for s in SIEVES}


def check_offsets(text: str, found: list[Quote]) -> None:
    """Offsets index the text: the quote, its mention and its cue."""
    for q in found:
        assert q.text == text[q.start:q.end]
        if q.speaker_start is not None:
            assert text[q.speaker_start:q.speaker_end] == q.mention
        if q.sieve is not None:
            assert q.sieve in SIEVE_NAMES
        if q.cue_start is not None and q.cue is not None:
            assert text[q.cue_start:q.cue_end] == q.cue


def only(text: str) -> Quote:
    found = extract(text)
    check_offsets(text, found)
    assert len(found) == 1, [q.text for q in found]
    return found[0]


def find(found: list[Quote], passage: str) -> Quote:
    matches = [q for q in found if passage in q.text]
    assert len(matches) == 1, (passage, [q.text for q in found])
    return matches[0]


# ---------------------------------------------------------------- the public API


def test_extract_is_the_public_entry_point():
    assert quotes.extract is extract
    found = extract('"We will rebuild the pier," said Talia Brennock.')
    assert isinstance(found[0], Quote)


def test_extract_article_indexes_article_text():
    article = Article(text='Preamble.\n\n"We will rebuild the pier," said Talia Brennock.', url="https://x.example/a")
    found = quotes.extract_article(article)
    check_offsets(article.text, found)
    assert found[0].speaker == "Talia Brennock"


def test_no_quotes():
    assert extract("The council of Velmora met on Tuesday. Nobody spoke to the press.") == []


def test_unattributed_quote_has_no_speaker():
    q = only('The sign on the pier read "closed for repairs" all winter.')
    assert q.speaker is None
    assert q.speaker_start is None and q.mention is None and q.sieve is None


# ---------------------------------------------------------------- surnames


def test_surname_resolves_to_the_full_name_used_earlier():
    text = (
        "Harbour master Talia Brennock inspected the pier in Velmora on Monday.\n\n"
        '"We will rebuild the pier," Brennock said.'
    )
    q = only(text)
    assert q.speaker == "Talia Brennock"
    assert q.mention == "Brennock"
    assert q.speaker_start == text.rindex("Brennock")
    assert q.cue == "said"
    assert q.sieve == "quote_speaker_cue"


def test_surname_picks_the_right_one_of_two_people():
    text = (
        "Talia Brennock and Peter Quell toured the harbour of Velmora on Monday.\n\n"
        '"The timber is rotten," Quell said.\n\n'
        '"We will rebuild the pier," said Brennock.'
    )
    found = extract(text)
    check_offsets(text, found)
    assert [q.speaker for q in found] == ["Peter Quell", "Talia Brennock"]
    assert [q.sieve for q in found] == ["quote_speaker_cue", "quote_cue_speaker"]


# ---------------------------------------------------------------- pronouns


def test_pronoun_goes_to_the_woman_when_a_man_was_named_last():
    text = (
        '"The pier will stand," Maria Brennock said.\n\n'
        '"The budget is tight," Peter Quell said.\n\n'
        '"We start in June," she said.'
    )
    found = extract(text)
    check_offsets(text, found)
    assert [q.speaker for q in found] == ["Maria Brennock", "Peter Quell", "Maria Brennock"]
    assert found[2].mention == "she"


def test_pronoun_he_goes_to_the_man():
    text = (
        '"The budget is tight," Peter Quell said.\n\n'
        '"The pier will stand," Maria Brennock said.\n\n'
        '"We cannot pay for it," he said.'
    )
    found = extract(text)
    assert found[2].speaker == "Peter Quell"
    assert found[2].mention == "he"


def test_pronoun_gender_from_honorifics():
    text = (
        "Mrs. Edith Harrow chairs the harbour board, and Mr. Tobias Quell runs the ferry company.\n\n"
        '"We will rebuild the pier," she said.\n\n'
        '"Not with my money," he said.'
    )
    found = extract(text)
    check_offsets(text, found)
    assert [q.speaker for q in found] == ["Edith Harrow", "Tobias Quell"]


def test_a_first_name_only_mostly_of_one_gender_does_not_rule_a_pronoun_out():
    # gender-guesser has "Bernie" as mostly female: "he" must still find him.
    text = ('Maria Brennock chairs the harbour board. Bernie Quell runs the ferry company.\n\n'
            '"Not with my money," he said.')
    assert only(text).speaker == "Bernie Quell"


def test_a_pronoun_later_in_a_sentence_is_its_subject():
    # Markova was named last, but the sentence's subject is the one who asked.
    text = ('Piet Hallstrom runs the ferry company. Oskar Markova chairs the board.\n\n'
            'Later Hallstrom said he had asked his "people" to look into it.')
    q = only(text)
    assert q.speaker == "Piet Hallstrom"


@pytest.mark.parametrize("text", [
    # the pronoun's own sentence names her after a subordinator or an introduction
    'Ilse Markova runs the port. Anna Lind runs the ferry.\n\n'
    'When Markova announced her bid, she dismissed the ferry as "a relic."',
    'Ilse Markova runs the port. Anna Lind runs the ferry.\n\n'
    'In those last nights, Markova wrote, she dismissed the ferry as "a relic."',
])
def test_a_pronoun_after_a_clause_is_the_name_in_its_sentence(text):
    assert only(text).speaker == "Ilse Markova"


@pytest.mark.parametrize("text", [
    "Ilse Markova said. Ever since she started, she’s said the same thing: “We stay open.”",
    "Ilse Markova said. She’s long argued: “We stay open.”",
])
def test_a_contracted_pronoun_speaks(text):
    q = only(text)
    assert q.speaker == "Ilse Markova" and q.mention.lower() == "she"


@pytest.mark.parametrize("text, group", [
    ('Harbour pilots blocked the plan because they said it was "a death trap."', "Harbour pilots"),
    ('The fishing crews wrote to the mayor. They argue that she should "lead by example."', "The fishing crews"),
])
def test_they_is_the_group_that_opens_the_sentence(text, group):
    q = only(text)
    assert q.speaker == group and q.mention.lower() == "they"


@pytest.mark.parametrize("text", [
    'As they walked down the pier, they chanted "no port, no peace."',  # no group named
    'Two weeks later they said the plan was "a death trap."',
])
def test_they_without_a_group_stays_unresolved(text):
    q = only(text)
    assert q.speaker is None


def test_it_is_the_unnamed_speaker_just_before():
    text = ('"We have no tie to the seller," the auction house wrote in a statement.\n\n'
            'It added, "We want no part in the listing."')
    first, second = extract(text)
    assert (second.speaker, second.speaker_kind, second.mention) == ("the auction house", "description", "It")


def test_it_is_the_organisation_that_opens_its_sentence():
    """Not the organisation named last (the union), but the sentence's subject."""
    text = ('The Velmora Port Authority on Friday condemned the blockade by the Harbour Workers Union '
            'and pledged to act against what it called “a clear threat to shipping.”')
    q = only(text)
    assert (q.speaker, q.speaker_kind, q.mention) == ("Velmora Port Authority", "organisation", "it")


def test_it_without_an_organisation_opening_its_sentence_is_the_last_one_named():
    text = ('The Velmora Port Authority closed the strait on Friday.\n\n'
            'Ships waited for hours while it called the closure “a clear necessity.”')
    q = only(text)
    assert (q.speaker, q.mention) == ("Velmora Port Authority", "it")


def test_pronoun_with_names_in_plain_sentences():
    text = (
        "Maria Brennock chairs the harbour board. Peter Quell runs the ferry company.\n\n"
        '"We will rebuild the pier," she said.'
    )
    assert only(text).speaker == "Maria Brennock"


# ---------------------------------------------------------------- role nouns and titles


def test_the_president_resolves_to_the_person_titled_president():
    text = (
        "Velmora's President Ilse Markova toured the harbour on Monday with the "
        "ferry operator Peter Quell.\n\n"
        '"We will rebuild," the president said.'
    )
    q = only(text)
    assert q.speaker == "Ilse Markova"
    assert q.mention == "the president"
    assert q.title.casefold() == "president"


def test_title_comes_with_the_surname_from_the_earlier_full_mention():
    text = (
        "Velmora's President Ilse Markova toured the harbour on Monday.\n\n"
        '"We will rebuild," Markova said.'
    )
    q = only(text)
    assert (q.speaker, q.title, q.mention) == ("Ilse Markova", "President", "Markova")
    assert q.speaker_kind == "person"


def test_a_long_capitalised_run_splits_where_the_first_name_starts():
    q = only('"The pier stays shut," Velmora Harbour Public Advocate Trish Maren said.')
    assert (q.speaker, q.title) == ("Trish Maren", "Velmora Harbour Public Advocate")


def test_remembered_and_echoed_report_speech():
    q = only('"We rebuilt it twice," remembered Ilse Brandvold, the harbour master.')
    assert q.speaker == "Ilse Brandvold" and q.cue == "remembered"


def test_title_written_with_the_speaker():
    q = only('"We will rebuild the pier," said Gen. Oskar Lindqvist.')
    assert (q.speaker, q.title, q.mention) == ("Oskar Lindqvist", "Gen.", "Gen. Oskar Lindqvist")


def test_no_title_when_none_is_written():
    q = only('"We will rebuild the pier," said Talia Brennock.')
    assert q.title is None


def test_role_with_appositive_name_gives_name_and_title():
    q = only('"The ferry will run again," said the port\'s director, Mira Olsson, in a statement.')
    assert q.speaker == "Mira Olsson"
    assert "director" in q.title


def test_organisation_speaker():
    q = only('"The works are lawful," the Velmora Harbour Authority said.')
    assert (q.speaker, q.speaker_kind) == ("Velmora Harbour Authority", "organisation")


# ---------------------------------------------------------------- according to


def test_according_to_after_the_quote():
    text = '"The pier will be rebuilt by June," according to Talia Brennock.'
    q = only(text)
    assert (q.speaker, q.sieve) == ("Talia Brennock", "according_to")
    assert q.cue.casefold() == "according to"
    assert q.mention == "Talia Brennock"


def test_according_to_before_the_quote():
    text = 'According to Talia Brennock, "the pier will be rebuilt by June."'
    q = only(text)
    assert (q.speaker, q.sieve) == ("Talia Brennock", "according_to")


# ---------------------------------------------------------------- borrowing


def test_quote_continuing_in_the_next_paragraph():
    text = (
        "Talia Brennock, the harbour master of Velmora, spoke to reporters on Monday.\n\n"
        '"The timber is rotten," Brennock said.\n\n'
        '"We will need two years, and we will need help from the capital."\n\n'
        'Peter Quell disagreed. "There is no money," he said.'
    )
    found = extract(text)
    check_offsets(text, found)
    assert [q.speaker for q in found] == ["Talia Brennock", "Talia Brennock", "Peter Quell"]
    assert [q.sieve for q in found] == ["quote_speaker_cue", "continuation", "quote_speaker_cue"]
    # The borrowed attribution points at the mention that carries it.
    assert found[1].mention == "Brennock"
    assert found[1].speaker_start == found[0].speaker_start


def test_second_quote_in_the_same_paragraph():
    text = '"The timber is rotten," Talia Brennock said. "It must all go."'
    found = extract(text)
    check_offsets(text, found)
    assert [q.speaker for q in found] == ["Talia Brennock", "Talia Brennock"]
    assert [q.sieve for q in found] == ["quote_speaker_cue", "same_paragraph"]


def test_multi_paragraph_quote_is_one_attributed_quote():
    text = (
        "Talia Brennock addressed the council of Velmora.\n\n"
        "\u201cThe pier was built in 1911.\n\n"
        "\u201cEvery winter the storms take another plank,\u201d Brennock said."
    )
    q = only(text)
    assert q.speaker == "Talia Brennock"
    assert "\n\n" in q.text


def test_lead_in_paragraph_ending_with_a_colon():
    text = (
        "In a speech on Monday, Talia Brennock declared:\n\n"
        '"The pier will stand."'
    )
    q = only(text)
    assert (q.speaker, q.cue, q.sieve) == ("Talia Brennock", "declared", "continuation")


# ---------------------------------------------------------------- sieve names


@pytest.mark.parametrize("text, sieve", [
    ('"We will rebuild the pier," Talia Brennock said.', "quote_speaker_cue"),
    ('"We will rebuild the pier," said Talia Brennock.', "quote_cue_speaker"),
    ('Talia Brennock told reporters on Tuesday: "We will rebuild the pier."', "speaker_cue_quote"),
    ('"The pier will be rebuilt by June," according to Talia Brennock.', "according_to"),
    ('"The pier will be rebuilt" by June, Talia Brennock said.', "sentence_end_cue"),
    ('Talia Brennock welcomed the "flexibility" of the talks.', "sentence_subject"),
])
def test_sieve_name_is_recorded(text, sieve):
    q = only(text)
    assert q.sieve == sieve
    assert q.speaker == "Talia Brennock"


def test_quote_to_dict_has_the_documented_keys():
    q = only('"We will rebuild the pier," Talia Brennock said.')
    data = q.to_dict()
    for key in ("start", "end", "text", "speaker", "speaker_start", "speaker_end", "title", "cue", "sieve"):
        assert key in data
    assert "extra" not in data


# ---------------------------------------------------------------- offsets everywhere


ARTICLES = [
    (
        "VELMORA \u2014 The council voted on Tuesday to rebuild the pier.\n\n"
        "\u201cIt is a good day for the town,\u201d Mayor Edith Harrow said. \u201cWe waited long enough.\u201d\n\n"
        "Peter Quell, who runs the ferry company, was less sure. He called the budget "
        "\u201ca fantasy\u201d and said: \u201cWe will see.\u201d\n\n"
        "\u201cThe timber alone costs more than the town earns in a year,\u201d he added."
    ),
    (
        "«\u00a0Nous reconstruirons le port\u00a0», a déclaré Odile Ferrand.\n\n"
        '"It\'s done," said Jules Marnier, a fisherman from Brisvanne. '
        "He said the work was 'too slow' and \"far too expensive\"."
    ),
]


@pytest.mark.parametrize("text", ARTICLES)
def test_every_offset_indexes_the_text(text):
    found = extract(text)
    assert found
    check_offsets(text, found)
    assert [q.start for q in found] == sorted(q.start for q in found)


def test_mayor_article():
    found = extract(ARTICLES[0])
    assert find(found, "good day").speaker == "Edith Harrow"
    assert find(found, "good day").title == "Mayor"
    assert find(found, "waited long").speaker == "Edith Harrow"
    assert find(found, "The timber alone").speaker == "Peter Quell"


# ---------------------------------------------------------------- the VOA sample


@pytest.fixture
def sample_text():
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} is not available")
    return SAMPLE.read_text(encoding="utf-8")


def test_voa_sample_two_quotes(sample_text):
    found = extract(sample_text)
    check_offsets(sample_text, found)
    assert len(found) == 2
    assert [(q.speaker, q.title, q.cue) for q in found] == [
        ("Najim al-Jabouri", "General", "said"),
        ("Fuad Masum", "President", "said"),
    ]
    for q in found:
        assert sample_text[q.start:q.end] == q.text
        assert q.text[0] == '"' and q.text[-1] == '"'
        assert sample_text[q.speaker_start:q.speaker_end] == q.mention
        assert sample_text[q.cue_start:q.cue_end] == "said"
        assert q.speaker_kind == "person"
        assert q.sieve in SIEVE_NAMES


def test_voa_sample_mentions_are_the_surnames(sample_text):
    found = extract(sample_text)
    assert [q.mention for q in found] == ["al-Jabouri", "Masum"]
    assert [q.sieve for q in found] == ["quote_speaker_cue", "quote_cue_speaker"]


# ---------------------------------------------------------------- known failures


class TestParticleSurnames:
    """A surname that opens with a lower-case particle ("van Heerveld",
    "de la Torre", "bin Sulaiman") is a mention and resolves to the full name."""

    @pytest.mark.parametrize("full, text", [
        ("Joost van Heerveld",
         'Joost van Heerveld arrived on Monday.\n\n"We will win," van Heerveld said.'),
        ("Inés de la Torre",
         'Inés de la Torre arrived on Monday.\n\n"We will win," de la Torre said.'),
        ("Karim bin Sulaiman",
         'Karim bin Sulaiman arrived on Monday.\n\n"We will win," said bin Sulaiman.'),
    ])
    def test_particle_surname_resolves_to_the_full_name(self, full, text):
        q = only(text)
        assert q.speaker == full
        assert q.mention == full.split(" ", 1)[1]


def test_al_surname_resolves_to_the_full_name():
    text = 'General Oskar al-Hadrami arrived on Monday.\n\n"We will win," al-Hadrami said.'
    q = only(text)
    assert (q.speaker, q.title, q.mention) == ("Oskar al-Hadrami", "General", "al-Hadrami")


# ---------------------------------------------------------------- not quotations


def test_scare_quotes_and_titles_of_works_are_not_quotes():
    text = ('The so-called "reform" passed the council in Velmora. Residents watched '
            '"Harbour Lights at Dawn" on Sunday.')
    assert extract(text) == []


@pytest.mark.parametrize("text", [
    'Talia Brennock said on VTV\'s "Harbour Morning" that the pier would reopen.',
    'Talia Brennock told "Harbour Morning" that the pier would reopen.',
    'Talia Brennock described the storm in her memoir, "Salt and Stone."',
])
def test_a_title_of_a_work_is_not_a_quote_even_beside_a_speaker(text):
    assert extract(text) == []


def test_a_title_case_slogan_that_is_spoken_is_kept():
    quotes = extract('The crowd chanted "Save The Pier" as Talia Brennock arrived.')
    assert [q.text for q in quotes] == ['"Save The Pier"']


def test_an_attributed_one_word_quote_is_kept():
    quotes = extract('"Never," Talia Brennock said of the plan.')
    assert [(q.text, q.speaker) for q in quotes] == [('"Never,"', "Talia Brennock")]


def test_an_unattributed_sentence_is_kept():
    quotes = extract('A sign on the pier in Velmora read "closed until the storm season ends."')
    assert len(quotes) == 1 and quotes[0].speaker is None


def test_relative_who_after_a_lone_surname():
    text = ('Ilse Markova chairs the board. The board meets twice a month in the old customs '
            'house by the harbour, and its minutes are read aloud on the radio every Friday.\n\n'
            'Contrast that with Markova, who has called the port plan "a fantasy," and others.')
    q = only(text)
    assert (q.speaker, q.mention) == ("Ilse Markova", "who")


def test_relative_who_resolves_to_the_name_before_it():
    text = ('"Leave the harbour now," Mayor Ana Ruiz told Piet Hallstrom, who answered: '
            '"We will stay until the boats are safe."')
    quotes = extract(text)
    assert [q.speaker for q in quotes] == ["Ana Ruiz", "Piet Hallstrom"]
    assert quotes[1].mention == "who"


def test_a_sentence_opening_common_noun_is_a_title_not_part_of_the_name():
    text = ('The storm flattened the vineyards of the growers near Velmora.\n\n'
            'Grower Luc Ferrant walked reporters through the rows. '
            'Ferrant said: "It will take five years to recover."')
    q = only(text)
    assert (q.speaker, q.title) == ("Luc Ferrant", "Grower")


def test_a_bare_organisation_noun_is_a_description_not_a_speaker_of_its_own():
    q = only('"The figures are under review," the ministry said on Monday.')
    assert (q.speaker, q.speaker_kind, q.title) == ("the ministry", "description", "ministry")
    assert identity.within_article([q]) == [None]  # no record shared by every ministry


@pytest.mark.parametrize("text, described", [
    ('"There was wrongdoing," said a former senior law enforcement official.',
     "a former senior law enforcement official"),
    ('One intelligence source said: "The agents are under a lot of pressure."',
     "One intelligence source"),
    ('"We will appeal," the lawyer said.', "the lawyer"),
    ('Another said he hoped with his "whole heart" that the pier would reopen.', "Another"),
    ('"The harbour is ours," read one.', "one"),
])
def test_an_unnamed_source_is_described_as_written(text, described):
    q = only(text)
    assert (q.speaker, q.speaker_kind) == (described, "description")
    assert text[q.speaker_start:q.speaker_end] == described


def test_a_described_speaker_never_takes_a_named_speakers_record():
    text = ('"The port will reopen," Mayor Ilse Brandvold said.\n\n'
            '"Nobody told us," a dock worker said.')
    quotes = extract(text)
    assert [q.speaker_kind for q in quotes] == ["person", "description"]
    named, described = identity.within_article(quotes)
    assert named.name == "Ilse Brandvold" and described is None


def test_letters_after_an_appositive_name_join_the_title():
    q = only('Velmora Labour\'s harbour spokesman, Ian Kerrow MP, called the plans "a fiasco in the making".')
    assert (q.speaker, q.title) == ("Ian Kerrow", "Velmora Labour's harbour spokesman MP")


def test_a_name_with_particles_keeps_its_first_name():
    q = only('"We have no choice," Mayor Clara de la Cruz told reporters.')
    assert (q.speaker, q.title) == ("Clara de la Cruz", "Mayor")


@pytest.mark.parametrize("text, pronoun", [
    ('Talia Brennock backed the deal, although she made it clear that she has "serious concerns" about it.', "she"),
    ('Mayor Ilse Brandvold is winning applause as she keeps talking about the "power of the harbour".', "she"),
])
def test_the_mention_is_the_subject_of_the_clause_that_carries_the_quote(text, pronoun):
    q = only(text)
    assert q.mention == pronoun and text[q.speaker_start:q.speaker_end] == pronoun
    assert q.speaker in ("Talia Brennock", "Ilse Brandvold")  # the speaker stays as resolved


@pytest.mark.parametrize("text", [
    # the pronoun is another person's
    'Talia Brennock backed the deal, although he made it clear that he has "serious concerns" about it.',
    # a reported clause ("noted that she"): the outer subject carries the quote
    'Talia Brennock noted that she taught law, and added: "I know a little about this."',
    # the pronoun may be the named person's the speaker tells about
    'Talia Brennock said that Mary Ray cried when she heard the plan was "dead on arrival in the House."',
])
def test_the_mention_stays_when_no_clause_of_the_speaker_carries_the_quote(text):
    q = only(text)
    assert q.mention == "Talia Brennock"


@pytest.mark.parametrize("text, speaker", [
    ('"The harbour will always be the harbour," an angry Talia Brennock retaliated.', "Talia Brennock"),
    ('Talia Brennock denounced the sale as "a betrayal of the fleet."', "Talia Brennock"),
    ('Talia Brennock thanked the crew for "keeping the lights on."', "Talia Brennock"),
])
def test_more_reporting_verbs(text, speaker):
    assert only(text).speaker == speaker


def test_speaker_of_the_house_is_a_title():
    q = only('Speaker of the House Rep. Talia Brennock (R-WI) said "harbour images have no place here."')
    assert q.speaker == "Talia Brennock" and q.title.startswith("Speaker of the House")


@pytest.mark.parametrize("text, speaker", [
    ("Harbour master Talia Brennock’s deputy is calling the plan “an utter folly.”",
     "Talia Brennock’s deputy"),
    ("Mayor Oren Vask is calling the closure “a disgrace to the port.”", "Oren Vask"),
])
def test_a_progressive_verb_is_no_participle(text, speaker):
    """"is calling" is the sentence's own verb: its subject speaks, as for "calls"."""
    q = only(text)
    assert q.speaker == speaker and q.sieve == "speaker_cue_quote"


def test_likened_reports_words():
    q = only("Oren Vask likened the closure to \u201cburning the harbour down.\u201d")
    assert q.speaker == "Oren Vask" and q.cue == "likened" and q.sieve == "speaker_cue_quote"


def test_a_family_speaks_as_a_described_speaker():
    q = only("Brennock's family has called on the port to release the logs \u201cas a matter of simple fairness.\u201d")
    assert q.speaker == "Brennock's family"


def test_a_document_with_an_owner_is_the_owner_s():
    """"Talia Brennock's brief said": hers, not the person the article named last."""
    text = ("Oren Vask sued the port in Velmora last year. "
            "Talia Brennock's brief said the suit was \u201cwithout any merit at all.\u201d")
    q = only(text)
    assert (q.speaker, q.mention) == ("Talia Brennock", "Talia Brennock's brief")


def test_the_secretary_of_state_points_back_like_the_secretary():
    """No one was titled so before: "the former secretary of state" is the person
    the article named last, as "the president" is."""
    q = only("Talia Brennock toured the port on Monday. The former secretary of state said she was "
             "\u201cnot only here to do my job.\u201d")
    assert (q.speaker, q.mention) == ("Talia Brennock", "The former secretary of state")


def test_the_secretary_of_state_named_before():
    text = ("Secretary of State Talia Brennock visited the port. Oren Vask met her there. "
            "Later the secretary of state said the port was \u201cready for the winter.\u201d")
    q = only(text)
    assert q.speaker == "Talia Brennock"


def test_a_subject_after_a_semicolon():
    q = only("Most owners were worried about the fees; most said they were \u201cvery worried.\u201d")
    assert q.mention == "most" and q.sieve == "speaker_cue_quote"


def test_who_after_a_quoted_phrase_is_no_speaker():
    """"a “harbour prosecutor” who reports to the mayor": the clause is the
    quoted phrase's; the sentence's subject speaks."""
    text = ("Talia Brennock spoke on Monday. She has proposed appointing a \u201charbour prosecutor\u201d "
            "who reports directly to the mayor.")
    q = only(text)
    assert (q.speaker, q.mention) == ("Talia Brennock", "She")


def test_who_after_a_place_is_not_the_place():
    text = ("Vask, a South Carolina native who writes fiction on the side "
            "(one story is about a contest \u201cwhere the loser becomes the main course\u201d), "
            "has cast himself as a strategist.")
    q = only(text)
    assert q.speaker is None  # "who" stays unnamed: nor South Carolina, nor a guess


def test_she_is_not_a_capitalised_common_phrase():
    """"Great Flood" opens a sentence as a name would, but "great" is a word the
    article writes in lower case and no first name: "she" is not it."""
    text = ("Talia Brennock toured the harbour on Monday.\n\n"
            "Great Flood warnings went out again, and the damage was great.\n\n"
            "She said the port was \u201cready for the winter.\u201d")
    q = only(text)
    assert (q.speaker, q.mention) == ("Talia Brennock", "She")


def test_he_may_be_a_name_with_a_particle():
    text = ("Oren dos Santos runs the ferry. The dos family has run it for years.\n\n"
            "He said the ferry was \u201cready for the winter.\u201d")
    q = only(text)
    assert q.speaker == "Oren dos Santos"


def test_a_four_letter_word_before_a_full_stop_ends_the_name():
    """"…in Ohio. Vask said": two sentences, not a speaker called "Ohio. Vask"."""
    text = ("Oren Vask toured the docks in Ohio. Vask said the port was \u201cready for the winter.\u201d")
    q = only(text)
    assert q.speaker == "Oren Vask"


def test_a_surname_is_the_name_it_ends_not_a_name_it_starts():
    """"Vask" is Oren Vask, not the Vask Harbour Hotel named since."""
    text = ("Oren Vask opened the docks on Monday.\n\nThe Vask Harbour Hotel stood empty.\n\n"
            "\u201cWe are ready for the winter,\u201d Vask said.")
    q = only(text)
    assert q.speaker == "Oren Vask"


def test_a_reported_sentence_that_no_person_speaks_leaves_the_quote_to_the_paragraph():
    text = ("\u201cWe will rebuild,\u201d Oren Vask said on Monday. Most residents say they want the port "
            "to stay open. \u201cBut we will not give up on this town.\u201d")
    first, second = extract(text)
    assert second.speaker == "Oren Vask"


@pytest.mark.parametrize("text, speaker", [
    # someone else's office: not the last person named
    ("Oren Vask toured the base on Monday. The deputy secretary of defense said the base was "
     "\u201cready for the winter.\u201d", "The deputy secretary of defense"),
    # a title holding "state" is no secretary of state
    ("State Sen. Oren Vask toured the port. Talia Brennock met him there. The secretary of state said "
     "the port was \u201cready for the winter.\u201d", "Talia Brennock"),
])
def test_a_role_with_its_domain_is_that_office(text, speaker):
    q = only(text)
    assert q.speaker == speaker


def test_an_acronym_before_a_full_stop_ends_the_name():
    q = only("Oren Vask spoke to CNN. Vask said the port was \u201cready for the winter.\u201d")
    assert q.speaker == "Oren Vask"


@pytest.mark.parametrize("text", [
    "\u201cWe must act,\u201d Vask and Brennock supporters said.",
    "\u201cWe will rebuild the pier,\u201d Ohio and Texas voters told pollsters.",
])
def test_and_joining_modifiers_of_a_plural_noun_gives_no_speaker(text):
    q = only(text)
    assert q.speaker is None


def test_and_joining_a_name_and_a_role():
    q = only("\u201cThe port is run by fools,\u201d the Velmora senator and Republican presidential candidate said.")
    assert q.mention == "the Velmora senator"
