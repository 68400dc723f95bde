"""feedparser's georss, Dublin Core, iTunes and Media RSS handlers, ported; the handler tables.

Part of ``pipeline.ingest.fastfeed``, like ``base``. ``STARTS``/``ENDS`` map each handler key
(feedparser's ``_start_<key>``/``_end_<key>`` names) to the ported handler; a key feedparser has
a handler for and these tables do not is left to feedparser.
"""

from __future__ import annotations

from typing import Any

from feedparser.namespaces.georss import (
    _parse_georss_box,
    _parse_georss_line,
    _parse_georss_point,
    _parse_georss_polygon,
)
from feedparser.util import FeedParserDict

from pipeline.ingest.fastfeed.base import BaseHandlers


class Port(BaseHandlers):
    """Every handler the fast path has."""

    # -- georss
    def _start_georssgeom(self, attrs_d: dict[str, str]) -> None:
        self.push("geometry", 0)
        context = self._get_context()
        context["where"] = FeedParserDict()

    def _save_where(self, geometry: Any) -> None:
        context = self._get_context()
        context["where"].update(geometry)

    def _end_georss_point(self) -> None:
        geometry = _parse_georss_point(self.pop("geometry"))
        if geometry:
            self._save_where(geometry)

    def _end_georss_line(self) -> None:
        geometry = _parse_georss_line(self.pop("geometry"))
        if geometry:
            self._save_where(geometry)

    def _end_georss_polygon(self) -> None:
        geometry = _parse_georss_polygon(self.pop("geometry"))
        if geometry:
            self._save_where(geometry)

    def _end_georss_box(self) -> None:
        geometry = _parse_georss_box(self.pop("geometry"))
        if geometry:
            self._save_where(geometry)

    def _start_where(self, attrs_d: dict[str, str]) -> None:
        self.push("where", 0)
        context = self._get_context()
        context["where"] = FeedParserDict()

    def _end_where(self) -> None:
        self.pop("where")

    # -- dc
    def _start_dcterms_valid(self, attrs_d: dict[str, str]) -> None:
        self.push("validity", 1)

    def _end_dcterms_valid(self) -> None:
        for validity_detail in self.pop("validity").split(";"):
            if "=" in validity_detail:
                key, value = validity_detail.split("=", 1)
                if key == "start":
                    self._save("validity_start", value, overwrite=True)
                elif key == "end":
                    self._save("validity_end", value, overwrite=True)

    def _start_dc_contributor(self, attrs_d: dict[str, str]) -> None:
        self.incontributor = 1
        context = self._get_context()
        context.setdefault("contributors", [])
        context["contributors"].append(FeedParserDict())
        self.push("name", 0)

    def _end_dc_contributor(self) -> None:
        self._end_name()
        self.incontributor = 0

    # -- itunes
    def _start_itunes_owner(self, attrs_d: dict[str, str]) -> None:
        self.inpublisher = 1
        self.push("publisher", 0)

    def _end_itunes_owner(self) -> None:
        self.pop("publisher")
        self.inpublisher = 0
        self._sync_author_detail("publisher")

    def _end_itunes_keywords(self) -> None:
        for term in self.pop("itunes_keywords").split(","):
            if term.strip():
                self._add_tag(term.strip(), "http://www.itunes.com/", None)

    def _start_itunes_category(self, attrs_d: dict[str, str]) -> None:
        self._add_tag(attrs_d.get("text"), "http://www.itunes.com/", None)
        self.push("category", 1)

    def _start_itunes_image(self, attrs_d: dict[str, str]) -> None:
        self.push("itunes_image", 0)
        if attrs_d.get("href"):
            self._get_context()["image"] = FeedParserDict({"href": attrs_d.get("href")})
        elif attrs_d.get("url"):
            self._get_context()["image"] = FeedParserDict({"href": attrs_d.get("url")})

    def _end_itunes_block(self) -> None:
        value = self.pop("itunes_block", 0)
        self._get_context()["itunes_block"] = (value == "yes" or value == "Yes") and 1 or 0

    def _end_itunes_explicit(self) -> None:
        value = self.pop("itunes_explicit", 0)
        self._get_context()["itunes_explicit"] = (None, False, True)[
            (value == "yes" and 2) or value == "clean" or 0
        ]

    # -- media
    def _start_media_category(self, attrs_d: dict[str, str]) -> None:
        attrs_d.setdefault("scheme", "http://search.yahoo.com/mrss/category_schema")
        self._start_category(attrs_d)

    def _end_media_keywords(self) -> None:
        for term in self.pop("media_keywords").split(","):
            if term.strip():
                self._add_tag(term.strip(), None, None)

    def _end_media_title(self) -> None:
        title_depth = self.title_depth
        self._end_title()
        self.title_depth = title_depth

    def _start_media_group(self, attrs_d: dict[str, str]) -> None:
        pass

    def _start_media_rating(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        context.setdefault("media_rating", attrs_d)
        self.push("rating", 1)

    def _end_media_rating(self) -> None:
        rating = self.pop("rating")
        if rating is not None and rating.strip():
            context = self._get_context()
            context["media_rating"]["content"] = rating

    def _start_media_credit(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        context.setdefault("media_credit", [])
        context["media_credit"].append(attrs_d)
        self.push("credit", 1)

    def _end_media_credit(self) -> None:
        credit = self.pop("credit")
        if credit is not None and credit.strip():
            context = self._get_context()
            context["media_credit"][-1]["content"] = credit

    def _start_media_restriction(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        context.setdefault("media_restriction", attrs_d)
        self.push("restriction", 1)

    def _end_media_restriction(self) -> None:
        restriction = self.pop("restriction")
        if restriction is not None and restriction.strip():
            context = self._get_context()
            context["media_restriction"]["content"] = [cc.strip().lower() for cc in restriction.split(" ")]

    def _start_media_license(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        context.setdefault("media_license", attrs_d)
        self.push("license", 1)

    def _end_media_license(self) -> None:
        license_ = self.pop("license")
        if license_ is not None and license_.strip():
            context = self._get_context()
            context["media_license"]["content"] = license_

    def _start_media_content(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        context.setdefault("media_content", [])
        context["media_content"].append(attrs_d)

    def _start_media_thumbnail(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        context.setdefault("media_thumbnail", [])
        self.push("url", 1)
        context["media_thumbnail"].append(attrs_d)

    def _end_media_thumbnail(self) -> None:
        url = self.pop("url")
        context = self._get_context()
        if url is not None and url.strip() and "url" not in context["media_thumbnail"][-1]:
            context["media_thumbnail"][-1]["url"] = url

    def _start_media_player(self, attrs_d: dict[str, str]) -> None:
        self.push("media_player", 0)
        self._get_context()["media_player"] = FeedParserDict(attrs_d)

    def _end_media_player(self) -> None:
        value = self.pop("media_player")
        context = self._get_context()
        context["media_player"]["content"] = value


# handler -> the keys it handles, as in feedparser (``_start_author = ...``, ``_end_dc_creator``...)
_START_KEYS = {
    "_start_rss": "rss",
    "_start_channel": "channel",
    "_start_feed": "feed",
    "_start_image": "image",
    "_start_textinput": "textinput",
    "_start_author": "author managingeditor dc_author dc_creator itunes_author",
    "_start_contributor": "contributor",
    "_start_name": "name itunes_name",
    "_start_width": "width",
    "_start_height": "height",
    "_start_url": "url homepage uri",
    "_start_email": "email itunes_email",
    "_start_subtitle": "subtitle tagline itunes_subtitle",
    "_start_rights": "rights copyright dc_rights",
    "_start_item": "item entry",
    "_start_language": "language dc_language",
    "_start_webmaster": "webmaster dc_publisher",
    "_start_published": "published issued pubdate dcterms_issued",
    "_start_updated": "updated modified lastbuilddate dc_date dcterms_modified",
    "_start_created": "created dcterms_created",
    "_start_expirationdate": "expirationdate",
    "_start_category": "category keywords dc_subject",
    "_start_cloud": "cloud",
    "_start_link": "link",
    "_start_guid": "guid id",
    "_start_title": "title dc_title media_title",
    "_start_description": "description dc_description media_description",
    "_start_abstract": "abstract",
    "_start_info": "info feedburner_browserfriendly",
    "_start_generator": "generator",
    "_start_summary": "summary itunes_summary",
    "_start_enclosure": "enclosure",
    "_start_source": "source",
    "_start_content": "content",
    "_start_content_encoded": "content_encoded fullitem",
    "_start_newlocation": "newlocation",
    "_start_tags": "tags",
    "_start_dcterms_valid": "dcterms_valid",
    "_start_dc_contributor": "dc_contributor",
    "_start_itunes_owner": "itunes_owner",
    "_start_itunes_category": "itunes_category",
    "_start_itunes_image": "itunes_image itunes_link",
    "_start_media_category": "media_category",
    "_start_media_group": "media_group",
    "_start_media_rating": "media_rating",
    "_start_media_credit": "media_credit",
    "_start_media_restriction": "media_restriction",
    "_start_media_license": "media_license",
    "_start_media_content": "media_content",
    "_start_media_thumbnail": "media_thumbnail",
    "_start_media_player": "media_player",
    "_start_body": "body xhtml_body",
    "_start_georssgeom": "georss_point georss_line georss_polygon georss_box",
    "_start_where": "where georss_where",
}
_END_KEYS = {
    "_end_channel": "channel feed",
    "_end_image": "image",
    "_end_textinput": "textinput",
    "_end_author": "author managingeditor dc_author dc_creator itunes_author",
    "_end_contributor": "contributor",
    "_end_name": "name itunes_name",
    "_end_width": "width",
    "_end_height": "height",
    "_end_url": "url homepage uri",
    "_end_email": "email itunes_email",
    "_end_subtitle": "subtitle tagline itunes_subtitle",
    "_end_rights": "rights copyright dc_rights",
    "_end_item": "item entry",
    "_end_language": "language dc_language",
    "_end_webmaster": "webmaster dc_publisher",
    "_end_published": "published issued pubdate dcterms_issued",
    "_end_updated": "updated modified lastbuilddate dc_date dcterms_modified",
    "_end_created": "created dcterms_created",
    "_end_expirationdate": "expirationdate",
    "_end_category": "category keywords dc_subject itunes_category media_category",
    "_end_link": "link",
    "_end_guid": "guid id",
    "_end_title": "title dc_title",
    "_end_media_title": "media_title",
    "_end_description": "description dc_description media_description abstract",
    "_end_info": "info feedburner_browserfriendly",
    "_end_generator": "generator",
    "_end_summary": "summary itunes_summary",
    "_end_source": "source",
    "_end_content": "content content_encoded fullitem body xhtml_body",
    "_end_newlocation": "newlocation",
    "_end_tags": "tags",
    "_end_dcterms_valid": "dcterms_valid",
    "_end_dc_contributor": "dc_contributor",
    "_end_itunes_owner": "itunes_owner",
    "_end_itunes_keywords": "itunes_keywords",
    "_end_itunes_block": "itunes_block",
    "_end_itunes_explicit": "itunes_explicit",
    "_end_media_keywords": "media_keywords",
    "_end_media_rating": "media_rating",
    "_end_media_credit": "media_credit",
    "_end_media_restriction": "media_restriction",
    "_end_media_license": "media_license",
    "_end_media_thumbnail": "media_thumbnail",
    "_end_media_player": "media_player",
    "_end_georss_point": "georss_point",
    "_end_georss_line": "georss_line",
    "_end_georss_polygon": "georss_polygon",
    "_end_georss_box": "georss_box",
    "_end_where": "where georss_where",
}
Port.STARTS = {key: getattr(Port, name) for name, keys in _START_KEYS.items() for key in keys.split()}
Port.ENDS = {key: getattr(Port, name) for name, keys in _END_KEYS.items() for key in keys.split()}
