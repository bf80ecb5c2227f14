"""Answer checks of the exercises: each says right, or wrong with a hint, never the answer.

A check cell calls ``check`` (a condition on the student's own objects) or ``check_digest``
(an answer compared with the digest of the right one). An answer not given yet (the student
edition's stub raised, so a name is undefined) counts as wrong and shows the hint too.

A wrong answer raises :class:`AnswerError`, so that "Run all" stops at it and nbval sees an
error; IPython shows it as its few lines in the reader's language, without a traceback.
"""
import hashlib
import numbers

from .language import error, say

__all__ = ["AnswerError", "answer_digest", "check", "check_digest"]

_NOT_ANSWERED = (NameError, NotImplementedError, AttributeError)


class AnswerError(AssertionError):
    """A wrong or missing answer; the message carries the exercise's hint in the reader's language."""

    def _render_traceback_(self):
        """What IPython shows instead of a traceback: the message, one language after the other."""
        return str(self).splitlines()


def _canonical(value):
    """Text of an answer that does not depend on its type's spelling (NumPy ints, tuples or lists)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.3f}"
    if isinstance(value, str):
        return " ".join(value.split()).lower()
    if hasattr(value, "tolist"):  # NumPy / MXNet arrays and scalars
        return _canonical(value.tolist())
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_canonical(v) for v in value) + ")"
    raise error(ValueError, "không kiểm tra được câu trả lời kiểu {kind}: hãy đưa một int, float, str, "
                "hoặc một tuple hay list của chúng", "cannot check an answer of type {kind}: give an int, "
                "float, str, or a tuple or list of them", kind=type(value).__name__)


def answer_digest(value):
    """Short SHA-256 digest of an answer's canonical text (floats rounded to 3 decimals)."""
    return hashlib.sha256(_canonical(value).encode()).hexdigest()[:16]


def _wrong(exercise, hint, why):
    """The AnswerError of ``exercise``: ``why`` (English, Vietnamese) and the hint, two lines a language."""
    vi, en = hint
    return error(AnswerError, "Bài tập {exercise}: {why_vi}.\n  Gợi ý: {vi}",
                 "Exercise {exercise}: {why_en}.\n  Hint: {en}",
                 exercise=exercise, why_en=why[0], why_vi=why[1], vi=vi, en=en)


def _not_answered(err):
    """(English, Vietnamese) reason for an answer that raised ``err`` instead of giving a value."""
    if isinstance(err, NameError) and getattr(err, "name", None):
        return f"not answered yet (`{err.name}` is not defined)", f"chưa có câu trả lời (chưa có `{err.name}`)"
    if isinstance(err, NotImplementedError):
        return "not answered yet", "chưa có câu trả lời"
    return f"not answered yet ({type(err).__name__}: {err})", f"chưa có câu trả lời ({type(err).__name__}: {err})"


def _answer(exercise, hint, get):
    try:
        return get()
    except _NOT_ANSWERED as err:  # from None: the student's NameError is the reason, not a second error
        raise _wrong(exercise, hint, _not_answered(err)) from None


def check(exercise, test, hint):
    """Print that the answer of ``exercise`` is right, or raise AnswerError with ``hint``.

    Parameters
    ----------
    exercise : str
        For example ``'4.1'`` (notebook 04, exercise 1).
    test : callable
        Returns True when the answer is right; reads the student's names inside, so that a
        missing answer (NameError) is reported as not answered.
    hint : (str, str)
        The hint in Vietnamese and in English.
    """
    if not _answer(exercise, hint, test):
        raise _wrong(exercise, hint, ("not right yet", "chưa đúng"))
    say("Bài tập {exercise}: đúng.", "Exercise {exercise}: right.", exercise=exercise)


def check_digest(exercise, answer, digest, hint):
    """Like ``check``, comparing ``answer()`` with the ``answer_digest`` of the right answer."""
    value = _answer(exercise, hint, answer)
    try:
        right = answer_digest(value) == digest
    except ValueError as err:
        raise _wrong(exercise, hint, (err.texts["en"], err.texts["vi"])) from None
    if not right:
        raise _wrong(exercise, hint, ("not right yet", "chưa đúng"))
    say("Bài tập {exercise}: đúng.", "Exercise {exercise}: right.", exercise=exercise)
