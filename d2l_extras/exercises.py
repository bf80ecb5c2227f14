"""Answer checks of the exercises: each says right, or wrong with a hint, never the answer.

A check cell calls ``check`` (a condition on the student's own objects) or ``check_digest``
(an answer compared with the digest of the right one). An answer not given yet (the student
edition's stub raised, so a name is undefined) counts as wrong and shows the hint too.
"""
import hashlib
import numbers

from .language import error, say

__all__ = ["AnswerError", "answer_digest", "check", "check_digest"]

_NOT_ANSWERED = (NameError, NotImplementedError, AttributeError)


class AnswerError(AssertionError):
    """A wrong or missing answer; the message carries the exercise's hint in the reader's language."""


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


def _fail(exercise, hint, why):
    vi, en = hint
    raise error(AnswerError, "Bài tập {exercise}: {why_vi}. Gợi ý: {vi}", "Exercise {exercise}: {why_en}. Hint: {en}",
                exercise=exercise, why_en=why[0], why_vi=why[1], vi=vi, en=en)


def _answer(exercise, hint, get):
    try:
        return get()
    except _NOT_ANSWERED as err:
        _fail(exercise, hint, (f"not answered yet ({type(err).__name__}: {err})",
                               f"chưa có câu trả lời ({type(err).__name__}: {err})"))


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
        _fail(exercise, hint, ("not right yet", "chưa đúng"))
    say("Bài tập {exercise}: đúng.", "Exercise {exercise}: right.", exercise=exercise)


def check_digest(exercise, answer, digest, hint):
    """Like ``check``, comparing ``answer()`` with the ``answer_digest`` of the right answer."""
    value = _answer(exercise, hint, answer)
    try:
        right = answer_digest(value) == digest
    except ValueError as err:
        _fail(exercise, hint, (err.texts["en"], err.texts["vi"]))
    if not right:
        _fail(exercise, hint, ("not right yet", "chưa đúng"))
    say("Bài tập {exercise}: đúng.", "Exercise {exercise}: right.", exercise=exercise)
