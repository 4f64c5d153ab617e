"""The bank with owners: an owner's uploaded questions live under qualified ids that never
meet another owner's or a shipped one; an upload that clashes is left out, never raised."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.loader import SHARED, Bank, OwnedPack, local_id, qualify
from bot.content.model import KeyPoint, Pack, Question


def question(question_id: str, tags: tuple[str, ...] = ()) -> Question:
    return Question(id=question_id, title=question_id, prompt="p", answer="a", key_points=(KeyPoint("k"),), tags=tags)


def pack(pack_id: str, *question_ids: str, tags: tuple[str, ...] = ()) -> Pack:
    return Pack(pack_id, pack_id, f"{pack_id}.yaml", tuple(question(q, tags) for q in question_ids))


SHIPPED = pack("small", "overfitting", "evaluation")


def test_two_owners_questions_of_one_id_stay_apart_and_clashes_are_left_out() -> None:
    bank = Bank([SHIPPED], [
        OwnedPack("slack:T1", pack("team", "q1", tags=("rag",))),
        OwnedPack("slack:T2", pack("team", "q1")),
        OwnedPack("slack:T1", pack("more", "q1")),  # q1 again in T1's namespace
        OwnedPack("slack:T2", pack("small", "q2")),  # a shipped pack's id
        OwnedPack("slack:T2", pack("other", "overfitting")),  # a shipped question's id
    ])
    assert [(u.pack.id, reason) for u, reason in bank.left_out] == [
        ("more", "duplicate question id 'q1'"),
        ("small", "pack id 'small' belongs to a pack shipped with the bot"),
        ("other", "duplicate question id 'overfitting'"),
    ]
    ones, twos = bank.get_pack("team", "slack:T1"), bank.get_pack("team", "slack:T2")
    assert ones is not None and twos is not None and ones.questions[0].id != twos.questions[0].id
    assert local_id(ones.questions[0].id) == "q1" and bank.get(qualify("slack:T2", "q1")) is twos.questions[0]
    assert bank.get_pack("team") is None and bank.get_pack("team", "discord:9") is None
    assert [q.id for q in bank.filter(["rag"], owner="slack:T1")] == [qualify("slack:T1", "q1")]
    assert bank.filter(["rag"], owner="slack:T2") == () and bank.all_tags("slack:T1") == ["rag"]
    assert [q.id for q in bank.filter((), exclude_packs=["small"], owner="slack:T2")] == [qualify("slack:T2", "q1")]
    assert bank.sees("slack:T1", ones.questions[0].id) and not bank.sees("slack:T2", ones.questions[0].id)
    assert bank.packs == (SHIPPED,) and len(bank) == 2  # no owner: shipped (and shared) packs only


def test_a_shared_pack_is_seen_by_all_until_an_owner_has_its_own_of_that_id() -> None:
    bank = Bank([SHIPPED], [OwnedPack(SHARED, pack("custom", "old")), OwnedPack("slack:T1", pack("custom", "new"))])
    assert bank.get("old") is not None  # ids as they were before packs had owners
    assert [q.id for q in bank.get_pack("custom", "slack:T2").questions] == ["old"]
    assert [q.id for q in bank.get_pack("custom", "slack:T1").questions] == [qualify("slack:T1", "new")]
    assert not bank.sees("slack:T1", "old") and bank.sees("slack:T2", "old")


def test_a_qualified_id_fits_the_columns_and_a_discord_button() -> None:
    qualified = qualify("discord:" + "9" * 128, "q" * 64)
    assert len(qualified) <= 75 and local_id(qualified) == "q" * 64
    assert len(f"q:{qualified}:4") <= 80  # the Discord adapter's button value limit
    assert qualify(SHARED, "q1") == "q1"


owners = st.sampled_from([SHARED, "slack:T1", "slack:T2", "discord:1"])
uploads = st.lists(st.tuples(owners, st.sampled_from(["small", "a", "b"]),
                             st.lists(st.sampled_from(["overfitting", "q1", "q2", "q3"]), min_size=1, max_size=3,
                                      unique=True)), max_size=8)


@settings(max_examples=200, deadline=None)
@given(uploads)
def test_any_mix_of_uploads_loads_without_raising_and_with_unique_ids_per_owner(
    mix: list[tuple[str, str, list[str]]]
) -> None:
    bank = Bank([SHIPPED], [OwnedPack(owner, pack(pack_id, *ids)) for owner, pack_id, ids in mix])
    assert len(bank.left_out) + sum(len(p) for p in bank.owned().values()) + len(bank.packs) - 1 == len(mix)
    for owner in ("slack:T1", "slack:T2", "discord:1", SHARED):
        seen = bank.packs_for(owner)
        assert len({p.id for p in seen}) == len(seen)
        questions = bank.filter((), owner=owner)
        assert len({q.id for q in questions}) == len(questions)
        assert all(bank.get(q.id) is q and bank.sees(owner, q.id) for q in questions)
