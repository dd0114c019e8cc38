"""Evidence photos on scorecards: the proposals' upload rules (metadata stripped, type and size
checked with 422), only the owning panelist uploads while the phase is open, and only that
panelist and the coordinator ever see the photos (never the agency or another panelist)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from portal.errors import InvalidInput
from portal.panels import evidence, scorecards, services as panels
from portal.panels.models import ScorecardPhoto
from tests.helpers import csrf_of, login
from tests.panels.factories import new_inspection, person, team
from tests.proposals.test_photos import GPS_IFD, jpeg_with_gps, png_bomb_header


async def _card(app):  # type: ignore[no-untyped-def]
    services = app.state.services
    _m, mod = await person(services, "mod@example.id", roles=("moderator",))
    await person(services, "petugas@example.id", roles=("officer",), agency="Disdukcapil")
    iid = await panels.create_inspection(mod, new_inspection())
    await panels.transition(mod, iid, "recruiting")
    members = await team(services, mod, iid)
    await panels.transition(mod, iid, "fieldwork")
    owner_user, owner = members[0]
    card = await scorecards.start_scorecard(owner, iid, 1)
    return mod, iid, card, owner_user, members


async def _upload(client, iid: int, card: int, files):  # type: ignore[no-untyped-def]
    url = f"/inspections/{iid}/scorecards/{card}"
    token = csrf_of((await client.get(f"/inspections/{iid}")).text)
    return await client.post(f"{url}/photos", data={"csrf_token": token, "alt": "Antrean di loket 2"}, files=files)


async def test_owner_uploads_photo_without_metadata(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, iid, card, owner_user, _members = await _card(app)
    await login(client, owner_user.email)
    r = await _upload(client, iid, card, [("photos", ("loket.jpg", jpeg_with_gps(), "image/jpeg"))])
    assert r.status_code == 303 and r.headers["location"].endswith("#photos")
    photo = await ScorecardPhoto.get(scorecard_id=card)
    assert photo.alt == "Antrean di loket 2" and photo.filename.endswith(".jpg")
    stored = app.state.services.settings.media_dir / evidence.SUBDIR / photo.filename
    assert not Image.open(stored).getexif().get_ifd(GPS_IFD)  # GPS gone
    page = await client.get(f"/inspections/{iid}/scorecards/{card}")
    assert f"/photos/{photo.id}" in page.text and 'alt="Antrean di loket 2"' in page.text
    served = await client.get(f"/inspections/{iid}/scorecards/{card}/photos/{photo.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"


async def test_bad_files_are_refused_with_422_and_nothing_stored(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, iid, card, owner_user, _members = await _card(app)
    await login(client, owner_user.email)
    text = await _upload(client, iid, card, [("photos", ("x.jpg", b"not an image at all", "image/jpeg"))])
    assert text.status_code == 422 and "not an image we can read" in text.text
    bomb = await _upload(client, iid, card, [("photos", ("b.png", png_bomb_header(20000, 20000), "image/png"))])
    assert bomb.status_code == 422 and "too many pixels" in bomb.text
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    assert (await _upload(client, iid, card, [("photos", ("a.gif", gif.getvalue(), "image/gif"))])).status_code == 422
    assert await ScorecardPhoto.all().count() == 0
    assert not list(app.state.services.settings.media_dir.glob(f"{evidence.SUBDIR}/*"))


async def test_at_most_five_photos_per_scorecard(app) -> None:  # type: ignore[no-untyped-def]
    _mod, iid, card, owner_user, members = await _card(app)
    owner = members[0][1]
    media = app.state.services.settings.media_dir
    for _ in range(evidence.MAX_PHOTOS):
        await evidence.add_photo(owner, iid, card, jpeg_with_gps(), media)
    with pytest.raises(InvalidInput):
        await evidence.add_photo(owner, iid, card, jpeg_with_gps(), media)
    assert await ScorecardPhoto.filter(scorecard_id=card).count() == evidence.MAX_PHOTOS


async def test_only_owner_and_coordinator_see_photos(client, app) -> None:  # type: ignore[no-untyped-def]
    mod, iid, card, _owner_user, members = await _card(app)
    media = app.state.services.settings.media_dir
    photo_id = await evidence.add_photo(members[0][1], iid, card, jpeg_with_gps(), media)
    url = f"/inspections/{iid}/scorecards/{card}/photos/{photo_id}"
    other = members[1][0]
    await login(client, other.email)
    assert (await client.get(url)).status_code == 403
    assert (await _upload(client, iid, card, [("photos", ("a.jpg", jpeg_with_gps(), "image/jpeg"))])).status_code == 403
    await client.post("/logout", data={"csrf_token": csrf_of((await client.get("/inspections")).text)})
    await login(client, "petugas@example.id")
    assert (await client.get(url)).status_code == 403
    await client.post("/logout", data={"csrf_token": csrf_of((await client.get("/inspections")).text)})
    assert (await client.get(url)).status_code == 403  # anonymous
    await login(client, "mod@example.id")
    assert (await client.get(url)).status_code == 200
    page = await client.get(f"/inspections/{iid}/scorecards/{card}")
    assert page.status_code == 200 and f"/photos/{photo_id}" in page.text and "Remove photo" not in page.text


async def test_photos_freeze_when_fieldwork_closes(client, app) -> None:  # type: ignore[no-untyped-def]
    mod, iid, card, owner_user, members = await _card(app)
    owner = members[0][1]
    media = app.state.services.settings.media_dir
    photo_id = await evidence.add_photo(owner, iid, card, jpeg_with_gps(), media)
    await scorecards.save_scorecard(owner, iid, card, {f"U{i}": "3" for i in range(1, 10)}, observations="",
                                    submit=True)
    await panels.transition(mod, iid, "consolidation")
    await login(client, owner_user.email)
    late = await _upload(client, iid, card, [("photos", ("a.jpg", jpeg_with_gps(), "image/jpeg"))])
    assert late.status_code == 409
    token = csrf_of((await client.get(f"/inspections/{iid}")).text)
    r = await client.post(f"/inspections/{iid}/scorecards/{card}/photos/{photo_id}/delete", data={"csrf_token": token})
    assert r.status_code == 409 and await ScorecardPhoto.exists(id=photo_id)


async def test_owner_removes_a_photo(client, app) -> None:  # type: ignore[no-untyped-def]
    _mod, iid, card, owner_user, members = await _card(app)
    media = app.state.services.settings.media_dir
    photo_id = await evidence.add_photo(members[0][1], iid, card, jpeg_with_gps(), media)
    filename = (await ScorecardPhoto.get(id=photo_id)).filename
    await login(client, owner_user.email)
    token = csrf_of((await client.get(f"/inspections/{iid}")).text)
    r = await client.post(f"/inspections/{iid}/scorecards/{card}/photos/{photo_id}/delete", data={"csrf_token": token})
    assert r.status_code == 303
    assert not await ScorecardPhoto.exists(id=photo_id)
    assert not (media / evidence.SUBDIR / filename).exists()
