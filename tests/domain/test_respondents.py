import pytest

from bot.survey360.respondent_rules import (
    OrgPerson,
    Relation,
    RespondentCountProblem,
    propose_respondents,
    respondent_count_problem,
)


def org(*people: tuple[int, int | None] | tuple[int, int | None, bool]) -> dict[int, OrgPerson]:
    return {p[0]: OrgPerson(p[0], p[1], p[2] if len(p) == 3 else True) for p in people}


def test_manager_then_subordinates_then_peers() -> None:
    people = org((1, None), (2, 1), (3, 1), (4, 2), (5, 2), (6, 1))
    proposal = propose_respondents(2, people, max_count=7)
    assert proposal.respondents == (
        (1, Relation.MANAGER),
        (4, Relation.SUBORDINATE),
        (5, Relation.SUBORDINATE),
        (3, Relation.PEER),
        (6, Relation.PEER),
    )


def test_capped_at_the_maximum_keeping_priority() -> None:
    people = org((1, None), (2, 1), *[(10 + i, 2) for i in range(9)])
    proposal = propose_respondents(2, people, max_count=7)
    assert len(proposal.respondents) == 7
    assert proposal.respondents[0] == (1, Relation.MANAGER)
    assert proposal.possible == 10


def test_departed_people_do_not_answer() -> None:
    people = org((1, None, False), (2, 1), (3, 1, False), (4, 1))
    assert propose_respondents(2, people, max_count=7).respondents == ((4, Relation.PEER),)


def test_top_person_has_only_subordinates() -> None:
    people = org((1, None), (2, 1), (3, 1), (9, None))
    proposal = propose_respondents(1, people, max_count=7)
    assert proposal.respondents == ((2, Relation.SUBORDINATE), (3, Relation.SUBORDINATE))
    assert proposal.short_of(3)


@pytest.mark.parametrize(
    ("count", "problem"),
    [
        (0, RespondentCountProblem.TOO_FEW),
        (2, RespondentCountProblem.TOO_FEW),
        (3, None),
        (7, None),
        (8, RespondentCountProblem.TOO_MANY),
    ],
)
def test_three_to_seven_rule(count: int, problem: RespondentCountProblem | None) -> None:
    assert respondent_count_problem(count, 3, 7) is problem
