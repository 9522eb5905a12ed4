"""calendar.ics parses back and round-trips times; feed.xml is valid Atom; posts.json is complete."""

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import icalendar

from socialgit.site import build_site

from .conftest import at
from .site_helpers import receipt

NOW = at("2026-11-16 10:00")
ATOM = "{http://www.w3.org/2005/Atom}"


def calendar_with_posts(repo):
    repo.write("socialgit.toml", (repo.root / "socialgit.toml").read_text().replace(
        'title = "Test calendar"', 'title = "Test calendar"\nbase_url = "https://cal.example.org/team/"'))
    repo.post("sale", "title: Winter sale\npublish_at: 2026-12-01 09:30\nchannels: [mastodon, bluesky]\n"
              "campaign: winter", body="Sale **starts** now.\n---8<---\nPart two.")
    repo.post("dst", "title: After the clocks change\npublish_at: 2026-11-01 01:30-05:00\nchannels: [x]",
              month="2026/11")
    repo.post("done", "title: Done & dusted\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", month="2026/11")
    repo.post("idea", "title: Idea\nstatus: draft", month="2026/11")
    receipt(repo, "done", "mastodon", published_at="2026-11-10T14:30:05Z")
    build_site(repo.root, None, NOW)
    return repo.root / "site"


def test_ics_parses_back_with_one_event_per_dated_post_and_exact_times(repo):
    site = calendar_with_posts(repo)
    cal = icalendar.Calendar.from_ical((site / "calendar.ics").read_bytes())
    assert str(cal["version"]) == "2.0" and str(cal["x-wr-timezone"]) == "America/Toronto"
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"sale@cal.example.org", "dst@cal.example.org", "done@cal.example.org"}
    sale = events["sale@cal.example.org"]
    assert sale.decoded("dtstart") == datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc) == at("2026-12-01 09:30")
    assert str(sale["summary"]) == "Winter sale"
    description = str(sale["description"])
    assert "Sale starts now.\n\nPart two." in description
    assert "Channels: mastodon (scheduled), bluesky (scheduled)" in description
    assert str(sale["url"]) == "https://cal.example.org/team/posts/sale/"
    # the second 01:30 of the night the clocks go back (EST, -05:00) survives the round trip
    assert events["dst@cal.example.org"].decoded("dtstart") == datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc)


def test_ics_uids_are_stable_across_builds_and_edits(repo):
    site = calendar_with_posts(repo)
    first = (site / "calendar.ics").read_bytes()
    repo.post("sale", "title: Winter sale, edited\npublish_at: 2026-12-02 09:30\nchannels: [mastodon]")
    build_site(repo.root, None, NOW)
    cal = icalendar.Calendar.from_ical((site / "calendar.ics").read_bytes())
    sale = next(e for e in cal.walk("VEVENT") if str(e["uid"]) == "sale@cal.example.org")
    assert str(sale["summary"]) == "Winter sale, edited"
    assert b"UID:sale@cal.example.org" in first


def test_atom_feed_is_valid_xml_with_the_published_posts_only(repo):
    site = calendar_with_posts(repo)
    root = ET.fromstring((site / "feed.xml").read_bytes())
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}updated").text == "2026-11-10T14:30:05Z"
    assert root.find(f"{ATOM}id").text.startswith("urn:uuid:")
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Done & dusted"]
    entry = entries[0]
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == "https://cal.example.org/team/posts/done/"
    assert entry.find(f"{ATOM}link[@rel='related']").get("href") == "https://social.example/mastodon/done"
    assert entry.find(f"{ATOM}published").text == "2026-11-10T14:30:05Z"
    assert entry.find(f"{ATOM}content").get("type") == "html" and "<p>Hello world.</p>" in entry.find(
        f"{ATOM}content").text
    for required in ("id", "title", "updated"):
        assert entry.find(f"{ATOM}{required}") is not None


def test_posts_json_has_every_post_with_its_state(repo):
    site = calendar_with_posts(repo)
    data = json.loads((site / "posts.json").read_text())
    posts = {p["id"]: p for p in data["posts"]}
    assert set(posts) == {"sale", "dst", "done", "idea"}
    assert posts["done"]["state"] == "published" and posts["done"]["channels"] == {"mastodon": "published"}
    assert posts["sale"]["publish_at"] == "2026-12-01T09:30:00-05:00"
    assert posts["sale"]["publish_at_utc"] == "2026-12-01T14:30:00Z"
    assert posts["idea"]["draft"] is True and posts["idea"]["publish_at"] is None
    assert posts["done"]["url"] == "https://cal.example.org/team/posts/done/"


def test_feeds_without_a_base_url_use_relative_links(repo):
    repo.post("done", "title: Done\npublish_at: 2026-11-10 09:30\nchannels: [mastodon]", month="2026/11")
    receipt(repo, "done", "mastodon")
    build_site(repo.root, None, NOW)
    entry = ET.fromstring((repo.root / "site/feed.xml").read_bytes()).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == "posts/done/"
    cal = icalendar.Calendar.from_ical((repo.root / "site/calendar.ics").read_bytes())
    assert [str(e["uid"]) for e in cal.walk("VEVENT")] == ["done@socialgit.invalid"]
