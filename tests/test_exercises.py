"""d2l_extras.exercises: checks say right, or wrong with the hint, and never need the answer."""
import numpy
import pytest

from d2l_extras.exercises import AnswerError, answer_digest, check, check_digest

HINT = ("gợi ý tiếng Việt", "the English hint")


def test_right_answer_prints_right(capsys):
    check("1.2", lambda: 3 > 2, HINT)
    check_digest("1.3", lambda: (8, 2), answer_digest((8, 2)), HINT)
    out = capsys.readouterr().out
    assert "Exercise 1.2: right" in out and "Bài tập 1.3: đúng" in out


@pytest.mark.parametrize("test", [lambda: False, lambda: 0])
def test_wrong_answer_raises_with_both_hints(test):
    with pytest.raises(AnswerError) as err:
        check("4.1", test, HINT)
    assert "not right yet" in str(err.value)
    assert HINT[0] in str(err.value) and HINT[1] in str(err.value)


def test_missing_answer_is_reported_as_not_answered():
    def stub():
        raise NotImplementedError("Your turn")
    for get in (lambda: undefined_name, stub):  # noqa: F821 (the point of the test)
        with pytest.raises(AnswerError) as err:
            check_digest("2.3", get, answer_digest(6), HINT)
        assert "not answered yet" in str(err.value) and HINT[1] in str(err.value)


@pytest.mark.parametrize("lang, shown, hidden", [("vi", "Bài tập 2.3: chưa", "Exercise"), ("en", "Exercise 2.3: not", "Bài tập"),
                                                 ("vi,en", "Bài tập 2.3: chưa", None)])
def test_ipython_shows_a_few_lines_in_the_readers_language_not_a_traceback(monkeypatch, lang, shown, hidden):
    monkeypatch.setenv("D2L_LANG", lang)
    with pytest.raises(AnswerError) as err:
        check_digest("2.3", lambda: undefined_name, answer_digest(6), HINT)  # noqa: F821
    assert err.value.__suppress_context__  # no "During handling of the above exception" chain
    lines = err.value._render_traceback_()  # what IPython shows instead of the traceback
    assert 2 <= len(lines) <= 4 and lines[0].startswith(shown) and "undefined_name" in lines[0]
    assert (HINT[0] in "\n".join(lines)) == ("vi" in lang) and (HINT[1] in "\n".join(lines)) == ("en" in lang)
    assert hidden is None or hidden not in "\n".join(lines)
    assert not any("Traceback" in line or ".py" in line or "Error" in line for line in lines)


def test_wrong_digest_fails_and_message_does_not_reveal_the_answer():
    with pytest.raises(AnswerError) as err:
        check_digest("2.3", lambda: 5, answer_digest(6), HINT)
    assert "6" not in str(err.value).replace("2.3", "")


def test_digest_ignores_the_spelling_of_a_value():
    assert answer_digest((1, 2)) == answer_digest([1, 2]) == answer_digest(numpy.array([1, 2]))
    assert answer_digest(numpy.int64(7)) == answer_digest(7)
    assert answer_digest(0.1 + 0.2) == answer_digest(0.3)
    assert answer_digest(" Dense  Layer") == answer_digest("dense layer")
    assert answer_digest(1) != answer_digest(True)


def test_unsupported_answer_type_is_a_wrong_answer_with_a_reason():
    with pytest.raises(ValueError, match="cannot check"):
        answer_digest({1: 2})
    with pytest.raises(AnswerError, match="cannot check"):
        check_digest("1.1", lambda: {1: 2}, answer_digest(1), HINT)
