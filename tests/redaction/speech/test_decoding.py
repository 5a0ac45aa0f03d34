import numpy as np

from redaction.speech.decoding import Candidate, Spike, spikes, timed_words
from redaction.words import TimedWord
from redaction.speech.vocabulary import INDEX, LABELS, OTHER


def posteriors(frames: list[dict[str, float]]) -> np.ndarray:
    p = np.zeros((len(frames), len(LABELS)), np.float32)
    for t, probs in enumerate(frames):
        for word, value in probs.items():
            p[t, INDEX[word]] = value
        p[t, 0] = 1.0 - sum(probs.values())
    return p


def test_spikes_take_the_peak_of_each_run():
    p = posteriors([{}, {"four": 0.6}, {"four": 0.9}, {}, {}, {"two": 0.7}, {}])
    assert [(s.frame, LABELS[s.label], round(s.confidence, 2)) for s in spikes(p)] == [(2, "four", 0.9), (5, "two", 0.7)]


def test_blank_penalty_lets_a_weaker_word_through():
    p = posteriors([{}, {"nine": 0.4}, {}])  # blank 0.6
    assert spikes(p, blank_penalty=1.0) == []
    assert [LABELS[s.label] for s in spikes(p, blank_penalty=2.0)] == ["nine"]


def test_neighbours_split_time_and_edges_reach_speech():
    p = posteriors([{}] * 10 + [{"one": 0.9}] + [{}] * 19 + [{"two": 0.9}] + [{}] * 20)
    words = timed_words(spikes(p), offset_s=10.0, speech_start_s=10.05, speech_end_s=11.0)
    # spike centres at 10.21 and 10.61 s (20 ms frames)
    assert [w.text for w in words] == ["one", "two"]
    assert (round(words[0].start_s, 3), round(words[0].end_s, 3)) == (10.05, 10.41)
    assert (round(words[1].start_s, 3), round(words[1].end_s, 3)) == (10.41, 11.0)


def test_unsure_number_words_become_other():
    p = posteriors([{}, {"six": 0.45}, {}])
    words = timed_words(spikes(p), 0.0, 0.0, 1.0, min_confidence=0.5)
    assert [(w.text, w.confidence) for w in words] == [(OTHER, 0.45)]


def test_number_words_pool_their_probability_against_blank_and_other():
    # no single label beats the blank (0.35), but "a number word" (0.45) does
    p = posteriors([{}, {"five": 0.25, "nine": 0.2, "<other>": 0.2}, {}])
    found = spikes(p, blank_penalty=1.0)
    assert [(LABELS[s.label], round(s.confidence, 2)) for s in found] == [("five", 0.45)]


def test_a_number_run_splits_where_its_best_label_changes():
    p = posteriors([{"four": 0.9}, {"four": 0.8}, {"two": 0.9}, {}])
    assert [(s.frame, LABELS[s.label]) for s in spikes(p)] == [(0, "four"), (2, "two")]


def test_other_speech_is_a_spike_of_its_own():
    p = posteriors([{}, {"<other>": 0.8}, {"one": 0.9}, {}])
    assert [(s.frame, LABELS[s.label]) for s in spikes(p)] == [(1, OTHER), (2, "one")]


def test_an_unclear_word_between_two_digits_is_read_as_a_digit():
    p = posteriors([{"four": 0.9}, {}, {"<other>": 0.6, "eight": 0.3}, {}, {"two": 0.9}, {}, {"<other>": 0.6, "one": 0.3}])
    words = timed_words(spikes(p), 0.0, 0.0, 1.0)
    # the middle word is "eight" (with the other-speech confidence); the last has only one neighbour
    assert [w.text for w in words] == ["four", "eight", "two", OTHER]


def test_smoother_reads_an_unclear_word_between_digits_across_regions():
    from redaction.speech.decoding import Candidate, Smoother
    from redaction.words import TimedWord

    def cand(start: float, text: str, sure: bool, guess: str = "one") -> Candidate:
        return Candidate(TimedWord(start, start + 0.3, text, 0.9 if sure else 0.2), sure, guess)

    smoother = Smoother()
    first = smoother.feed([cand(0.0, "four", True), cand(0.4, OTHER, False, "nine")])
    second = smoother.feed([cand(1.5, "two", True), cand(5.0, OTHER, False), cand(9.0, "six", True)])
    rest = smoother.finish()
    # the word at 0.4 s sits between sure digits 0.1 s and 0.8 s away: a digit; the one at
    # 5.0 s is 3.2 s from its neighbours: still other speech
    assert [w.text for w in first + second + rest] == ["four", "nine", "two", OTHER, "six"]
    assert [round(w.confidence, 1) for w in first + second + rest] == [0.9, 0.2, 0.9, 0.2, 0.9]
    assert smoother.finish() == []


def test_reprs_do_not_name_the_digit_heard() -> None:
    assert repr(Spike(7, INDEX["four"], 0.5, INDEX["four"])) == "Spike(frame=7, confidence=0.5)"
    candidate = Candidate(TimedWord(1.0, 1.5, "four", 0.5), True, "four")
    assert repr(candidate) == "Candidate(word=TimedWord(1.000-1.500s, conf=0.50), sure=True)"
