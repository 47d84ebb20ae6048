import itertools

import pytest

from chalicelib.uid.status import SubmissionStatus as S
from chalicelib.uid.status import TransitionError, check_transition


def test_the_documented_path_is_allowed():
    path = [S.WAITING, S.PROCESSING, S.LOADED, S.VALIDATING, S.READY, S.SUBMITTED,
            S.COMPLETED]
    for current, target in itertools.pairwise(path):
        check_transition(current.value, target)


def test_staying_put_is_allowed_for_redelivery():
    check_transition("LOADED", S.LOADED)


@pytest.mark.parametrize("current,target", [("WAITING", S.READY), ("SUBMITTED", S.PROCESSING),
                                            ("PROCESSING", S.COMPLETED)])
def test_forbidden_moves(current, target):
    with pytest.raises(TransitionError):
        check_transition(current, target)
