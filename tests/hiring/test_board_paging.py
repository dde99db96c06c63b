"""A large requisition's board: a page of cards per stage, every stage's full count, paging links."""

from __future__ import annotations

from datetime import timedelta

from core.auth import Role
from core.db import get_session, utcnow
from hiring.services import pipeline
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_application, create_role


def _applications(role, stage_name: str, count: int) -> list[int]:
    """``count`` applications at the stage, the first one the longest there."""
    start = utcnow() - timedelta(days=count)
    return [
        create_application(role=role, stage_name=stage_name, created_at=start + timedelta(days=n)).id
        for n in range(count)
    ]


def _column(board, name):
    return next(c for c in [*board.columns, *board.closed] if c.stage.name == name)


def test_the_board_pages_each_stage_and_keeps_the_counts(session):
    role = create_role()
    applied = _applications(role, "Applied", 5)
    hired = _applications(role, "Hired", 2)
    rejected = _applications(role, "Rejected", 3)

    first = pipeline.build_board(session, role, per_page=2)
    assert (first.page, first.pages, first.total) == (1, 3, 10)
    assert [a.id for a in _column(first, "Applied").applications] == applied[:2]
    assert [a.id for a in _column(first, "Hired").applications] == hired
    assert [a.id for a in _column(first, "Rejected").applications] == rejected[:2]
    assert (_column(first, "Applied").count, _column(first, "Rejected").count) == (5, 3)

    last = pipeline.build_board(session, role, page=3, per_page=2)
    assert [a.id for a in _column(last, "Applied").applications] == applied[4:]
    assert _column(last, "Applied").first == 5
    assert _column(last, "Hired").applications == [] and _column(last, "Hired").count == 2
    assert last.total == 10

    beyond = pipeline.build_board(session, role, page=99, per_page=2)
    assert beyond.page == 3  # a page past the end shows the last one
    assert pipeline.build_board(session, create_role()).pages == 1


def test_the_board_page_shows_counts_and_links_to_the_next_page(client, app, no_csrf):
    with app.app_context():
        role = create_role()
        ids = _applications(role, "Applied", pipeline.BOARD_PAGE_SIZE + 3)
        user = create_test_user(roles=[Role.RECRUITER])
        get_session().commit()
        role_id = role.id
    sign_in(client, user.email)

    page = client.get(f"/hiring/roles/{role_id}/board").get_data(as_text=True)
    assert f'Applied <span class="count">{len(ids)}</span>' in page
    assert f"{len(ids)} candidates in this pipeline" in page
    assert f"1–{pipeline.BOARD_PAGE_SIZE} of {len(ids)}" in page
    assert f'id="application-{ids[0]}"' in page and f'id="application-{ids[-1]}"' not in page
    assert "Page 1 of 2" in page and f"/hiring/roles/{role_id}/board?page=2" in page

    second = client.get(f"/hiring/roles/{role_id}/board?page=2").get_data(as_text=True)
    assert f'id="application-{ids[-1]}"' in second and f'id="application-{ids[0]}"' not in second
    assert "Page 2 of 2" in second and "← Earlier arrivals" in second


def test_a_moved_card_opens_the_board_on_its_page(client, app, no_csrf):
    with app.app_context():
        role = create_role()
        _applications(role, "Recruiter screen", pipeline.BOARD_PAGE_SIZE + 1)
        [moving] = _applications(role, "Applied", 1)
        screen = next(s for s in role.stages if s.name == "Recruiter screen")
        user = create_test_user(roles=[Role.RECRUITER])
        get_session().commit()
        role_id, screen_id = role.id, screen.id
    sign_in(client, user.email)

    moved = client.post(f"/hiring/applications/{moving}/move", data={"to_stage": screen_id})
    # The card arrived last in a stage of 26: the second page, at its anchor.
    assert moved.headers["Location"].endswith(
        f"/hiring/roles/{role_id}/board?page=2#application-{moving}"
    )
    page = client.get(f"/hiring/roles/{role_id}/board?page=2").get_data(as_text=True)
    assert f'id="application-{moving}"' in page
