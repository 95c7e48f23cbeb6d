"""Campaign admin pages: roles, CSRF, the form (every problem shown, nothing typed lost), actions, YAML,
the live preview, the audience count, results with the sample ratio check, and the settings page."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from markupsafe import escape
from sqlmodel import Session

from assistant.promotions.campaigns import get_campaign, list_campaigns, variants_of
from assistant.promotions.models import Campaign
from assistant.promotions.settings import get_settings, save_settings
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from tests.admin.test_auth import csrf, log_in
from tests.factories import make_product, make_site, make_user
from tests.promotions.helpers import GAP_MESSAGE, make_campaign, shown, track

VALID_FORM = {
    "name": "Free shipping nudge", "placement": "cart", "status": "draft", "priority": "5",
    "schedule.start": "2026-06-01T09:00", "schedule.end": "2026-06-30T23:30", "schedule.timezone": "Europe/Berlin",
    "caps.per_session": "1", "caps.per_day": "2", "caps.total": "",
    "conditions": '{"all": [{"cart_value": {"max": 74.99}}, {"not": {"device": "tablet"}}]}',
    "variants[0].key": "gap", "variants[0].weight": "3", "variants[0].message": GAP_MESSAGE,
    "variants[0].cta.kind": "link", "variants[0].cta.text": "Shop socks", "variants[0].cta.url": "/socks",
    "variants[0].cta.coupon": "",
    "variants[1].key": "control", "variants[1].weight": "1", "variants[1].control": "on",
    "variants[1].message": "", "variants[1].cta.kind": "none",
}


def marketer(client: FlaskClient, session: Session, role: str = "marketer") -> None:
    make_user(session, email=f"{role}@shop.example", role=role)
    log_in(client, f"{role}@shop.example")


def post(client: FlaskClient, url: str, data: dict[str, Any], **options: Any) -> Any:
    """POST with the page's CSRF token."""
    return client.post(url, data={**data, "csrf_token": csrf(client, "/admin/campaigns")}, **options)


def page(response: Any) -> str:
    return str(response.get_data(as_text=True))


def error_of(html: str, field_id: str) -> list[str]:
    """The messages shown next to the field with id `field_id`."""
    return re.findall(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html)


def campaigns(session: Session, site: Site) -> list[Campaign]:
    session.expire_all()
    return list_campaigns(session=session, site=site)


# access

@pytest.mark.parametrize("url", ["/admin/campaigns", "/admin/campaigns/new", "/admin/settings/promotions",
                                 "/admin/campaigns/import", "/admin/campaigns/export"])
def test_marketers_may_merchandisers_may_not(client: FlaskClient, session: Session, site: Site, url: str) -> None:
    assert client.get(url).status_code == 302  # to the login
    make_user(session, email="merch@shop.example", role="merchandiser")
    log_in(client, "merch@shop.example")
    assert client.get(url).status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    marketer(client, session)
    assert client.get(url).status_code == 200


def test_campaign_pages_are_in_the_nav_for_marketers_only(client: FlaskClient, session: Session, site: Site) -> None:
    marketer(client, session)
    assert 'href="/admin/campaigns">Campaigns</a>' in page(client.get("/admin/"))


def test_forms_need_the_csrf_token(client: FlaskClient, session: Session, site: Site) -> None:
    marketer(client, session)
    campaign = make_campaign(session, site, status="draft")
    assert client.post("/admin/campaigns/new", data=VALID_FORM).status_code == 400
    assert client.post(f"/admin/campaigns/{campaign.pk}/status", data={"status": "live"}).status_code == 400
    assert client.post(f"/admin/campaigns/{campaign.pk}/duplicate").status_code == 400
    assert client.post("/admin/settings/promotions", data={"free_shipping_threshold": "5"}).status_code == 400
    assert [(c.name, c.status) for c in campaigns(session, site)] == [(campaign.name, "draft")]
    assert 'name="csrf_token"' in page(client.get("/admin/campaigns/new"))


def test_other_sites_campaigns_are_not_found(client: FlaskClient, session: Session, site: Site) -> None:
    other = make_site(session, key="pk_other", name="Other shop")
    campaign = make_campaign(session, other)
    marketer(client, session)
    client.get("/admin/campaigns?site=pk_test")
    assert client.get(f"/admin/campaigns/{campaign.pk}/edit").status_code == 404
    assert client.get(f"/admin/campaigns/{campaign.pk}/results").status_code == 404
    assert post(client, f"/admin/campaigns/{campaign.pk}/status", {"status": "ended"}).status_code == 404


# the form

def test_create_a_valid_campaign(client: FlaskClient, session: Session, site: Site) -> None:
    marketer(client, session)
    response = post(client, "/admin/campaigns/new", VALID_FORM)
    (campaign,) = campaigns(session, site)
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/campaigns/{campaign.pk}/edit"
    assert (campaign.name, campaign.placement, campaign.status, campaign.priority) == (
        "Free shipping nudge", "cart", "draft", 5)
    assert campaign.starts_at is not None and campaign.starts_at.replace(tzinfo=UTC) == datetime(2026, 6, 1, 7, 0,
                                                                                                 tzinfo=UTC)
    assert (campaign.cap_per_session, campaign.cap_per_day, campaign.cap_total) == (1, 2, None)
    assert campaign.conditions == {"all": [{"cart_value": {"max": 74.99}}, {"not": {"device": "tablet"}}]}
    variants = variants_of(session=session, campaign_ids=[campaign.pk])[campaign.pk]
    assert [(v.key, v.weight, v.is_control, v.cta_kind, v.cta_url) for v in variants] == [
        ("gap", 3, False, "link", "/socks"), ("control", 1, True, "none", "")]
    edit = page(client.get(response.headers["Location"]))
    assert "Saved “Free shipping nudge”." in edit
    assert 'name="schedule.start" type="datetime-local" value="2026-06-01T09:00"' in edit  # Berlin time again
    assert '<option value="Europe/Berlin" selected>' in edit


def test_every_problem_is_shown_at_its_field_and_nothing_typed_is_lost(client: FlaskClient, session: Session,
                                                                       site: Site) -> None:
    marketer(client, session)
    typed = {**VALID_FORM, "name": "", "priority": "high", "schedule.end": "2026-05-01T00:00",
             "caps.per_day": "0", "conditions": '{"all": [{"device": "phone"}, {"cart_valeu": {"min": 1}}]}',
             "variants[0].key": "g a p", "variants[0].cta.url": "javascript:alert(1)",
             "variants[1].message": "Hello"}
    response = post(client, "/admin/campaigns/new", typed)
    html = page(response)
    assert response.status_code == 200 and campaigns(session, site) == []
    assert "Not saved: 9 problems to fix." in html
    assert error_of(html, "f-name") == ["string should have at least 1 character"]
    assert error_of(html, "f-priority") == ["must be a whole number (not &#39;high&#39;)"]
    assert error_of(html, "f-schedule-end") == ["must be after the start"]
    assert error_of(html, "f-caps-per-day") == ["input should be greater than or equal to 1"]
    assert error_of(html, "f-conditions") == [
        "all[0].device: must be one of: desktop, mobile, tablet (or a list of them)",
        "all[1].cart_valeu: unknown condition &#39;cart_valeu&#39;; did you mean &#39;cart_value&#39;?"]
    assert error_of(html, "f-variants-0-key") == ["string should match pattern &#39;^[A-Za-z0-9][A-Za-z0-9_-]*$&#39;"]
    assert error_of(html, "f-variants-0-cta-url") == ["must be an http(s) URL or a path on the shop such as /sale"]
    assert error_of(html, "f-variants-1-message") == [
        "a control variant shows nothing: leave message and cta empty"]
    assert 'name="priority" type="number" value="high"' in html
    assert 'name="variants[0].key" type="text" value="g a p"' in html
    assert 'name="variants[0].cta.url" type="text" value="javascript:alert(1)"' in html
    assert 'name="schedule.end" type="datetime-local" value="2026-05-01T00:00"' in html
    assert f">{escape(typed['conditions'])}</textarea>" in html
    assert f">{escape(GAP_MESSAGE)}</textarea>" in html and ">Hello</textarea>" in html
    assert 'name="variants[1].control" value="on" checked' in html


def test_a_number_typed_with_letters_does_not_hide_the_other_problems(client: FlaskClient, session: Session,
                                                                      site: Site) -> None:
    marketer(client, session)
    html = page(post(client, "/admin/campaigns/new", {**VALID_FORM, "variants[0].weight": "lots",
                                                      "variants[0].cta.url": ""}))
    assert error_of(html, "f-variants-0-weight") == ["must be a whole number (not &#39;lots&#39;)"]
    assert error_of(html, "f-variants-0-cta-url") == ["a link needs its URL"]


@pytest.mark.parametrize(("message", "shown_error"), [
    ("Only {{ price(free_shipping_gap) }", "line 1: syntax error: unexpected &#39;}&#39;"),
    ("Hello!\nYour total: {{ cart_total | money }}", "line 2: the filter &#39;money&#39; is not available"),
    ("{{ cart_total.__class__ }}", "line 1: &#39;__class__&#39; cannot be used: names starting with _ are private"),
    ("Hi {{ customer.email }}", "line 1: &#39;customer&#39; is not available"),
])
def test_a_template_with_an_error_is_refused_with_the_error(client: FlaskClient, session: Session, site: Site,
                                                           message: str, shown_error: str) -> None:
    marketer(client, session)
    html = page(post(client, "/admin/campaigns/new", {**VALID_FORM, "variants[0].message": message}))
    assert campaigns(session, site) == []
    (error,) = error_of(html, "f-variants-0-message")
    assert error.startswith(shown_error)
    assert "Cannot be shown:" in html  # the preview says so too, and the page is not a 500


def test_edit_changes_the_campaign_and_keeps_variants_by_key(client: FlaskClient, session: Session,
                                                             site: Site) -> None:
    campaign = make_campaign(session, site, name="Old", variants=[{"key": "a", "message": "Hi"},
                                                                  {"key": "b", "message": "Hey"}])
    ids = [v.id for v in variants_of(session=session, campaign_ids=[campaign.pk])[campaign.pk]]
    marketer(client, session)
    html = page(client.get(f"/admin/campaigns/{campaign.pk}/edit"))
    assert 'name="name" type="text" value="Old"' in html and ">Hey</textarea>" in html
    form = {"name": "New", "placement": "checkout", "status": "live", "priority": "2", "schedule.timezone": "UTC",
            "variants[0].key": "a", "variants[0].weight": "1", "variants[0].message": "Hi again",
            "variants[1].key": "b", "variants[1].weight": "1", "variants[1].message": "Hey"}
    response = post(client, f"/admin/campaigns/{campaign.pk}/edit", form)
    assert response.status_code == 302
    session.expire_all()
    stored = get_campaign(session=session, site=site, campaign_id=campaign.pk)
    assert (stored.name, stored.placement, stored.status, stored.priority) == ("New", "checkout", "live", 2)
    variants = variants_of(session=session, campaign_ids=[campaign.pk])[campaign.pk]
    assert [v.id for v in variants] == ids and variants[0].message == "Hi again"


def test_add_and_remove_variant_rows_without_saving(client: FlaskClient, session: Session, site: Site) -> None:
    marketer(client, session)
    html = page(post(client, "/admin/campaigns/new", {**VALID_FORM, "action": "add_variant"}))
    assert 'name="variants[2].key"' in html and campaigns(session, site) == []
    assert "Not saved" not in html
    three = {**VALID_FORM, "variants[2].key": "b", "variants[2].message": "Third"}
    html = page(post(client, "/admin/campaigns/new", {**three, "action": "remove_variant:0"}))
    assert 'name="variants[2].key"' not in html
    assert 'name="variants[0].key" type="text" value="control"' in html and ">Third</textarea>" in html


def test_empty_variant_rows_are_skipped(client: FlaskClient, session: Session, site: Site) -> None:
    marketer(client, session)
    form = {**VALID_FORM, "variants[0].key": "", "variants[0].message": "", "variants[0].cta.kind": "none",
            "variants[0].cta.text": "", "variants[0].cta.url": "", "variants[2].key": "b",
            "variants[2].message": "Only {{ price(free_shipping_gap) }} to go"}
    html = page(post(client, "/admin/campaigns/new", {**form, "variants[1].message": "oops"}))
    assert error_of(html, "f-variants-1-message") == ["a control variant shows nothing: leave message and cta empty"]
    assert post(client, "/admin/campaigns/new", form).status_code == 302
    (campaign,) = campaigns(session, site)
    assert [v.key for v in variants_of(session=session, campaign_ids=[campaign.pk])[campaign.pk]] == ["control", "b"]


# actions on the list

def test_the_list_shows_campaigns_with_their_recent_numbers(client: FlaskClient, session: Session,
                                                            site: Site) -> None:
    campaign = make_campaign(session, site, name="Gap", priority=4,
                             variants=[{"key": "a", "weight": 3, "message": "Hi"},
                                       {"key": "c", "weight": 1, "control": True}])
    make_campaign(session, site, name="Paused one", status="paused")
    recent = utcnow() - timedelta(hours=2)
    track(session, site, "visitor-list-1", recent, shown(campaign), shown(campaign, kind="promo_click"))
    track(session, site, "visitor-list-2", recent, shown(campaign))
    track(session, site, "visitor-list-3", utcnow() - timedelta(days=9), shown(campaign))
    marketer(client, session)
    html = page(client.get("/admin/campaigns"))
    assert html.index(">Gap</a>") < html.index(">Paused one</a>")
    row = html[html.index(">Gap</a>"):html.index(">Paused one</a>")]
    assert '<span class="badge status-live">live</span>' in row
    assert 'title="weight 3">a 75 %</span>' in row and "c 25 %" in row
    assert '<td class="n">2</td>\n      <td class="n">1</td>' in row  # 2 impressions, 1 click in 7 days
    assert ">Pause</button>" in row and ">End</button>" in row and ">Resume</button>" not in row


def test_pause_resume_set_live_and_end(client: FlaskClient, session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, name="Gap", status="draft")
    marketer(client, session)
    for status, says in [("live", "“Gap” is live."), ("paused", "“Gap” is paused."), ("live", "is live"),
                         ("ended", "“Gap” has ended.")]:
        response = post(client, f"/admin/campaigns/{campaign.pk}/status", {"status": status})
        assert response.status_code == 302 and response.headers["Location"] == "/admin/campaigns"
        assert campaigns(session, site)[0].status == status
        assert says in page(client.get("/admin/campaigns"))
    post(client, f"/admin/campaigns/{campaign.pk}/status", {"status": "running"})
    assert "Status not changed: must be one of: draft, live, paused, ended." in page(client.get("/admin/campaigns"))
    assert campaigns(session, site)[0].status == "ended"


def test_duplicate_makes_a_draft_copy(client: FlaskClient, session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, name="Gap", conditions={"visitor": "new"})
    marketer(client, session)
    response = post(client, f"/admin/campaigns/{campaign.pk}/duplicate", {})
    copy = next(c for c in campaigns(session, site) if c.id != campaign.id)
    assert response.headers["Location"] == f"/admin/campaigns/{copy.pk}/edit"
    assert (copy.name, copy.status, copy.conditions) == ("Gap (copy)", "draft", {"visitor": "new"})


def test_export_then_import_round_trip(client: FlaskClient, session: Session, site: Site) -> None:
    make_campaign(session, site, name="Gap", priority=3, conditions={"cart_value": {"max": 74.99}},
                  schedule={"start": "2026-06-01T09:00", "timezone": "Europe/Berlin"},
                  variants=[{"key": "a", "message": GAP_MESSAGE}, {"key": "c", "control": True}])
    make_campaign(session, site, name="Instalments", placement="checkout", status="paused")
    other = make_site(session, key="pk_other", name="Other shop")
    marketer(client, session)
    response = client.get("/admin/campaigns/export?site=pk_test")
    assert response.headers["Content-Disposition"] == 'attachment; filename="campaigns-pk_test.yaml"'
    text = page(response)
    assert [c["name"] for c in yaml.safe_load(text)["campaigns"]] == ["Gap", "Instalments"]
    response = post(client, "/admin/campaigns/import?site=pk_other",
                    {"file": (io.BytesIO(text.encode()), "campaigns.yaml"), "yaml": ""},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Imported 2 campaign(s): 2 new, 0 updated." in page(client.get("/admin/campaigns?site=pk_other"))
    assert client.get("/admin/campaigns/export?site=pk_other").get_data(as_text=True) == text
    assert [c.name for c in campaigns(session, other)] == ["Gap", "Instalments"]
    post(client, "/admin/campaigns/import", {"yaml": text.replace("priority: 3", "priority: 8")})
    assert campaigns(session, other)[0].priority == 8


def test_an_import_with_problems_changes_nothing_and_says_where(client: FlaskClient, session: Session,
                                                               site: Site) -> None:
    make_campaign(session, site, name="Gap", priority=1)
    text = ("campaigns:\n  - name: Gap\n    placement: cart\n    priority: 9\n    variants: [{key: a, message: hi}]\n"
            "  - name: Bad\n    placement: moon\n    variants:\n      - key: a\n        message: 'Hi {{ name }}'\n")
    marketer(client, session)
    html = page(post(client, "/admin/campaigns/import", {"yaml": text}))
    assert "Nothing imported: 2 problems" in html
    assert ('<span class="where">line 7:16</span> <code>campaigns[1].placement</code> must be one of: '
            "&#39;cart&#39;, &#39;checkout&#39;") in html
    assert '<span class="where">line 10:18</span> <code>campaigns[1].variants[0].message</code>' in html
    assert "placement: moon" in html  # the pasted text is kept to fix
    assert [(c.name, c.priority) for c in campaigns(session, site)] == [("Gap", 1)]
    syntax = page(post(client, "/admin/campaigns/import", {"yaml": "campaigns: [\n"}))
    assert '<span class="where">line 2:1</span> <code>yaml</code> syntax error' in syntax
    assert "choose a file or paste the YAML" in page(post(client, "/admin/campaigns/import", {"yaml": " "}))


def test_a_bandit_is_chosen_on_the_form_its_floor_in_percent(client: FlaskClient, session: Session,
                                                              site: Site) -> None:
    marketer(client, session)
    bandit = {**VALID_FORM, "allocation.mode": "bandit", "allocation.metric": "click", "allocation.min_share": "45"}
    html = page(post(client, "/admin/campaigns/new", bandit))
    assert error_of(html, "f-allocation-mode") == ["a bandit chooses between two or more message variants with a "
                                                   "weight above 0: add one, or split traffic by weight (fixed)"]
    two = {**bandit, "variants[2].key": "b", "variants[2].weight": "1", "variants[2].message": "Free shipping soon",
           "variants[2].cta.kind": "none"}
    html = page(post(client, "/admin/campaigns/new", two))
    assert error_of(html, "f-allocation-min-share") == ["2 variants at 45% each need more than the 80% of traffic "
                                                        "the control leaves them"]
    assert error_of(page(post(client, "/admin/campaigns/new", {**two, "allocation.min_share": "lots"})),
                    "f-allocation-min-share") == ["must be a percentage from 0 to 50 (not &#39;lots&#39;)"]
    assert post(client, "/admin/campaigns/new", {**two, "allocation.min_share": "12.5"}).status_code == 302
    (stored,) = campaigns(session, site)
    assert (stored.allocation, stored.bandit_metric, stored.min_share) == ("bandit", "click", 0.125)
    html = page(client.get(f"/admin/campaigns/{stored.pk}/edit"))
    assert '<option value="bandit" selected>' in html and 'value="12.5"' in html


# preview, audience, results

def test_preview_renders_the_gap_amount_for_a_sample_cart(client: FlaskClient, session: Session, site: Site) -> None:
    save_settings(session=session, site=site, data={"free_shipping_threshold": "75"})
    session.commit()
    make_product(session, site, sku="socks", title="Trail socks", price="16.00")
    marketer(client, session)
    form = {**VALID_FORM, "action": "preview", "sample.cart_value": "60", "sample.first_name": "Ada",
            "variants[2].key": "b", "variants[2].message": "{{ first_name }}, add {{ price(free_shipping_gap) }}"}
    html = page(post(client, "/admin/campaigns/new", form))
    assert campaigns(session, site) == [] and "Not saved" not in html
    assert '<p class="promo-text">Only €15.00 to free shipping: add Trail socks</p>' in html
    assert '<span class="promo-cta">Shop socks</span>' in html
    assert '<p class="promo-text">Ada, add €15.00</p>' in html
    assert "Control: shows nothing." in html
    assert 'gap <strong class="gap">€15.00</strong>' in html and "matches the targeting" in html
    partial = page(post(client, "/admin/campaigns/preview", {**form, "sample.cart_value": "70",
                                                             "sample.device": "tablet"}))
    assert '<p class="promo-text">Only €5.00 to free shipping: add Trail socks</p>' in partial
    assert "does not match the targeting" in partial and "<html" not in partial


def test_preview_shows_template_and_sample_problems_never_a_500(client: FlaskClient, session: Session,
                                                               site: Site) -> None:
    marketer(client, session)
    form = {**VALID_FORM, "variants[0].message": "{{ items[0].title }}", "sample.cart_value": "lots",
            "sample.quiz": "nonsense"}
    response = post(client, "/admin/campaigns/preview", form)
    html = page(response)
    assert response.status_code == 200
    assert "Cart value: must be an amount such as 42.50" in html
    assert "Quiz: write flow/question = answer" in html
    assert "the message cannot be rendered for this visitor" in html  # no product closes a gap: no items
    bad = page(post(client, "/admin/campaigns/preview", {**form, "variants[0].message": "{% for %}"}))
    assert "<strong>Cannot be shown:</strong> line 1: syntax error" in bad


def test_who_would_see_this_now(client: FlaskClient, session: Session, site: Site) -> None:
    recent = utcnow() - timedelta(hours=3)
    for number, value in enumerate([20.0, 50.0, 90.0]):
        track(session, site, f"visitor-aud-{number}", recent, {"type": "cart", "items": [{"sku": "x", "price": value}]})
    track(session, site, "visitor-aud-old", utcnow() - timedelta(days=12),
          {"type": "cart", "items": [{"sku": "x", "price": 30.0}]})
    campaign = make_campaign(session, site, conditions={"cart_value": {"max": 74.99}})
    marketer(client, session)
    html = page(client.get(f"/admin/campaigns/{campaign.pk}/edit"))  # the page's script asks for the count
    assert '<div id="audience-result" aria-live="polite" data-pending>' in html
    assert "Count the visitors of the last 7 days who match these conditions." in html
    counted = page(post(client, "/admin/campaigns/audience", {"conditions": "cart_value: {max: 74.99}"}))
    assert counted.strip() == ('<p><span class="num">2</span> of 3 visitors seen in the last 7 days match these '
                               "conditions.</p>")
    html = page(post(client, f"/admin/campaigns/{campaign.pk}/edit", {**VALID_FORM, "action": "count",
                                                                    "conditions": "cart_value: {min: 40}"}))
    assert '<span class="num">2</span> of 3 visitors' in html and "data-pending" not in html
    html = page(post(client, f"/admin/campaigns/{campaign.pk}/edit", {**VALID_FORM, "action": "count",
                                                                    "conditions": "{"}))
    assert "Fix the conditions to count the visitors they match." in html
    assert error_of(html, "f-conditions") == []  # counting is not saving: no problems shown yet
    assert "Fix the conditions" in page(post(client, "/admin/campaigns/audience", {"conditions": "device: phone"}))


def purchase(value: float) -> dict[str, Any]:
    return {"type": "purchase", "order_id": f"o-{value}-{utcnow().timestamp()}", "value": value}


def test_results_per_variant_with_the_methods(client: FlaskClient, session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, name="Gap", variants=[{"key": "a", "message": "Hi"},
                                                                  {"key": "control", "control": True}])
    at = utcnow() - timedelta(days=1)
    track(session, site, "visitor-res-a1", at, shown(campaign), shown(campaign, kind="promo_click"), purchase(30))
    track(session, site, "visitor-res-a2", at, shown(campaign), purchase(50))
    track(session, site, "visitor-res-a3", at, shown(campaign))
    track(session, site, "visitor-res-c1", at, shown(campaign, "control"), purchase(40))
    track(session, site, "visitor-res-c2", at, shown(campaign, "control"))
    marketer(client, session)
    html = page(client.get(f"/admin/campaigns/{campaign.pk}/results"))
    cells = re.findall(r'<td class="n">(.*?)</td>', html)
    assert cells[:10] == ["50 %", "3", "3", "1", "33.3 %", "2", "66.7 %", "€80.00", "€40.00", "€26.67"]
    assert cells[10:20] == ["50 %", "2", "2", "0", "–", "1", "50.0 %", "€40.00", "€40.00", "€20.00"]
    assert "<td>Conversion rate</td>" in html and "<strong>+16.7 pp</strong>" in html
    assert "<td>Revenue per visitor</td>" in html and "<strong>+€6.67</strong>" in html
    assert html.count('<span class="verdict too-small-to-tell">too small to tell</span>') == 4  # both tests
    assert "Newcombe hybrid score interval" in html and "Welch&#39;s t-test" in html and "chi-square" in html
    assert html.index("Valid at any time you look.") < html.index("Valid only at one look")
    assert "normal-mixture sequential test" in html and "narrowest at 5,000 visitors" in html
    assert "Sample ratio mismatch" not in html


def test_a_sample_ratio_mismatch_is_flagged(client: FlaskClient, session: Session, site: Site) -> None:
    campaign = make_campaign(session, site, variants=[{"key": "a", "message": "Hi"},
                                                      {"key": "control", "control": True}])
    at = utcnow() - timedelta(days=1)
    for number in range(40):
        track(session, site, f"visitor-srm-a{number:02d}", at, shown(campaign, "a"))
    for number in range(8):
        track(session, site, f"visitor-srm-c{number:02d}", at, shown(campaign, "control"))
    marketer(client, session)
    html = page(client.get(f"/admin/campaigns/{campaign.pk}/results"))
    assert '<section class="srm-alert" role="alert">' in html
    assert "Sample ratio mismatch: do not trust these results yet" in html
    assert "observed 40 / 8, expected\n    24 / 24" in html and "p &lt; 0.001" in html



def test_bandit_results_show_the_current_shares_and_check_the_control_share(client: FlaskClient, session: Session,
                                                                           site: Site) -> None:
    campaign = make_campaign(session, site, variants=[{"key": "a", "message": "Hi"}, {"key": "b", "message": "Yo"},
                                                      {"key": "control", "control": True, "weight": 2}],
                             allocation={"mode": "bandit"})
    campaign.serving_weights = {"a": 0.4, "b": 0.1, "control": 0.5}
    session.add(campaign)
    session.commit()
    at = utcnow() - timedelta(days=1)
    for number in range(40):  # the control's share is 50 %: 40 of 50 is fine under a bandit, whatever a and b got
        track(session, site, f"visitor-band-a{number:02d}", at, shown(campaign, "a" if number < 30 else "b"))
    for number in range(40):
        track(session, site, f"visitor-band-c{number:02d}", at, shown(campaign, "control"))
    marketer(client, session)
    html = page(client.get(f"/admin/campaigns/{campaign.pk}/results"))
    cells = re.findall(r'<td class="n">(.*?)</td>', html)
    assert [cells[0], cells[10], cells[20]] == ["40 %", "10 %", "50 %"]
    assert "Bandit allocation." in html and "Sample ratio mismatch" not in html
    assert "goodness of fit against the control&#39;s fixed share" in html
    for number in range(40, 80):
        track(session, site, f"visitor-band-c{number:02d}", at, shown(campaign, "control"))
    html = page(client.get(f"/admin/campaigns/{campaign.pk}/results"))
    assert "Sample ratio mismatch" in html and "control / the rest: observed 80 / 40" in html


# settings

def test_settings_are_saved_and_bad_fields_named(client: FlaskClient, session: Session, site: Site) -> None:
    marketer(client, session)
    html = page(client.get("/admin/settings/promotions"))
    assert 'name="free_shipping_threshold" type="number" step="0.01" min="0" value=""' in html
    form = {"free_shipping_threshold": "75", "price_style": "suffix", "max_items": "4", "slots.cart": "2",
            "slots.checkout": "0", "attention.max_popups_per_session": "1", "attention.hide_dismissed_hours": "12",
            "attention.interruption_events": "survey_impression", "attention.popup_placements": "exit_intent",
            "attention.quiet_after_dismiss": ["checkout", "cart"]}
    assert post(client, "/admin/settings/promotions", form).status_code == 302
    settings = get_settings(session=session, site=site)
    assert (str(settings.free_shipping_threshold), settings.price_style, settings.max_items) == ("75", "suffix", 4)
    assert (settings.slots_for("cart"), settings.slots_for("checkout"), settings.slots_for("product")) == (2, 0, 1)
    assert settings.attention.quiet_after_dismiss == ["checkout", "cart"]
    assert settings.attention.interruption_events == ["survey_impression"]
    bad = {**form, "free_shipping_threshold": "lots", "max_items": "9", "attention.max_popups_per_session": "99"}
    html = page(post(client, "/admin/settings/promotions", bad))
    assert "Not saved: fix the 3 fields marked below." in html
    assert re.search(r'id="s-free_shipping_threshold-error">input should be a valid decimal', html)
    assert re.search(r'id="s-max_items-error">input should be less than or equal to 6', html)
    assert re.search(r'id="s-attention-max_popups_per_session-error">input should be less than or equal to 20', html)
    assert 'value="lots"' in html and 'value="99"' in html
    assert get_settings(session=session, site=site).max_items == 4
