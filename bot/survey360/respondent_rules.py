"""Who answers the 360 questionnaire about whom (clause 35). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Relation(StrEnum):
    SELF = "self"
    MANAGER = "manager"
    SUBORDINATE = "subordinate"
    PEER = "peer"


RESPONDENT_RELATIONS = frozenset({Relation.MANAGER, Relation.SUBORDINATE, Relation.PEER})


@dataclass(frozen=True, slots=True)
class OrgPerson:
    id: int
    manager_id: int | None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Proposal:
    subject_id: int
    respondents: tuple[tuple[int, Relation], ...]
    possible: int  # how many people the org structure offered before the cap

    def short_of(self, minimum: int) -> bool:
        return len(self.respondents) < minimum


def propose_respondents(subject_id: int, people: Mapping[int, OrgPerson], max_count: int) -> Proposal:
    """The direct manager, direct subordinates and peers under the same manager, in that
    order of priority, capped at ``max_count``; only active people answer."""
    subject = people[subject_id]
    candidates: list[tuple[int, Relation]] = []
    if subject.manager_id is not None and people[subject.manager_id].active:
        candidates.append((subject.manager_id, Relation.MANAGER))
    others = sorted(people.values(), key=lambda p: p.id)
    candidates += [(p.id, Relation.SUBORDINATE) for p in others if p.manager_id == subject_id and p.active]
    if subject.manager_id is not None:
        candidates += [
            (p.id, Relation.PEER)
            for p in others
            if p.manager_id == subject.manager_id and p.id != subject_id and p.active
        ]
    return Proposal(subject_id, tuple(candidates[:max_count]), possible=len(candidates))


class RespondentCountProblem(StrEnum):
    TOO_FEW = "too_few"
    TOO_MANY = "too_many"


def respondent_count_problem(count: int, minimum: int, maximum: int) -> RespondentCountProblem | None:
    if count < minimum:
        return RespondentCountProblem.TOO_FEW
    if count > maximum:
        return RespondentCountProblem.TOO_MANY
    return None


def relation_between(subject: OrgPerson, respondent: OrgPerson) -> Relation:
    """How a respondent HR picked by hand stands to the person evaluated."""
    if respondent.id == subject.manager_id:
        return Relation.MANAGER
    if respondent.manager_id == subject.id:
        return Relation.SUBORDINATE
    return Relation.PEER
