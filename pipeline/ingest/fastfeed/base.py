"""feedparser's element handlers for RSS, Atom and CDF (its ``namespaces/_base.py``), ported.

Part of ``pipeline.ingest.fastfeed``: each handler does what feedparser's does to the parse
state, to every context it touches (a lookup that raises in feedparser bails out here) and to
the keys newsmon reads; values nobody reads may be left out. feedparser's author, tag and
link helpers come first.
"""

from __future__ import annotations

from typing import Any

from feedparser.datetimes import _parse_date
from feedparser.urls import make_safe_absolute_uri
from feedparser.util import FeedParserDict

from pipeline.ingest.fastfeed.core import _EMAIL, _HTML_TYPES, Bail, Core, _map_content_type, resolve


class BaseHandlers(Core):
    """feedparser's helpers and ``_base`` handlers."""

    def _save_author(self, key: str, value: Any, prefix: str = "author") -> None:
        context = self._get_context()
        context.setdefault(prefix + "_detail", FeedParserDict())
        context[prefix + "_detail"][key] = value
        self._sync_author_detail()
        context.setdefault("authors", [FeedParserDict()])
        context["authors"][-1][key] = value

    def _save_contributor(self, key: str, value: Any) -> None:
        context = self._get_context()
        context.setdefault("contributors", [FeedParserDict()])
        context["contributors"][-1][key] = value

    def _sync_author_detail(self, key: str = "author") -> None:
        context = self._get_context()
        detail = context.get(f"{key}s", [FeedParserDict()])[-1]
        if detail:
            name = detail.get("name")
            email = detail.get("email")
            if name and email:
                context[key] = f"{name} ({email})"
            elif name:
                context[key] = name
            elif email:
                context[key] = email
        else:
            author, email = context.get(key), None
            if not author:
                return
            emailmatch = _EMAIL.search(author)
            if emailmatch:
                email = emailmatch.group(0)
                author = author.replace(email, "")
                author = author.replace("()", "")
                author = author.replace("<>", "")
                author = author.replace("&lt;&gt;", "")
                author = author.strip()
                if author and (author[0] == "("):
                    author = author[1:]
                if author and (author[-1] == ")"):
                    author = author[:-1]
                author = author.strip()
            if author or email:
                context.setdefault(f"{key}_detail", detail)
            if author:
                detail["name"] = author
            if email:
                detail["email"] = email

    def _add_tag(self, term: Any, scheme: Any, label: Any) -> None:
        context = self._get_context()
        tags = dict.setdefault(context, "tags", [])
        if (not term) and (not scheme) and (not label):
            return
        value = FeedParserDict(term=term, scheme=scheme, label=label)
        if value not in tags:
            tags.append(value)

    @staticmethod
    def _enforce_href(attrs_d: dict[str, str]) -> dict[str, str]:
        href = attrs_d.get("url", attrs_d.get("uri", attrs_d.get("href")))
        if href:
            attrs_d.pop("url", None)
            attrs_d.pop("uri", None)
            attrs_d["href"] = href
        return attrs_d

    def _map_to_standard_prefix(self, name: str) -> str:
        colonpos = name.find(":")
        if colonpos != -1:
            prefix = name[:colonpos]
            suffix = name[colonpos + 1 :]
            prefix = self.namespacemap.get(prefix, prefix)
            name = prefix + ":" + suffix
        return name

    # -- _base handlers
    def _start_rss(self, attrs_d: dict[str, str]) -> None:
        versionmap = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
        if not self.version or not self.version.startswith("rss"):
            attr_version = attrs_d.get("version", "")
            version = versionmap.get(attr_version)
            if version:
                self.version = version
            elif attr_version.startswith("2."):
                self.version = "rss20"
            else:
                self.version = "rss"

    def _start_channel(self, attrs_d: dict[str, str]) -> None:
        self.infeed = 1
        self._cdf_common(attrs_d)

    def _cdf_common(self, attrs_d: dict[str, str]) -> None:
        if "lastmod" in attrs_d or "href" in attrs_d:
            raise Bail("CDF attributes")

    def _start_feed(self, attrs_d: dict[str, str]) -> None:
        self.infeed = 1
        versionmap = {"0.1": "atom01", "0.2": "atom02", "0.3": "atom03"}
        if not self.version:
            attr_version = attrs_d.get("version")
            version = versionmap.get(attr_version)  # type: ignore[arg-type]
            if version:
                self.version = version
            else:
                self.version = "atom"

    def _end_channel(self) -> None:
        self.infeed = 0

    def _start_image(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        if not self.inentry:
            context.setdefault("image", FeedParserDict())
        self.inimage = 1
        self.title_depth = -1
        self.push("image", 0)

    def _end_image(self) -> None:
        self.pop("image")
        self.inimage = 0

    def _start_textinput(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        context.setdefault("textinput", FeedParserDict())
        self.intextinput = 1
        self.title_depth = -1
        self.push("textinput", 0)

    def _end_textinput(self) -> None:
        self.pop("textinput")
        self.intextinput = 0

    def _start_author(self, attrs_d: dict[str, str]) -> None:
        self.inauthor = 1
        self.push("author", 1)
        context = self._get_context()
        context.setdefault("authors", [])
        context["authors"].append(FeedParserDict())

    def _end_author(self) -> None:
        self.pop("author")
        self.inauthor = 0
        self._sync_author_detail()

    def _start_contributor(self, attrs_d: dict[str, str]) -> None:
        self.incontributor = 1
        context = self._get_context()
        context.setdefault("contributors", [])
        context["contributors"].append(FeedParserDict())
        self.push("contributor", 0)

    def _end_contributor(self) -> None:
        self.pop("contributor")
        self.incontributor = 0

    def _start_name(self, attrs_d: dict[str, str]) -> None:
        self.push("name", 0)

    def _end_name(self) -> None:
        value = self.pop("name")
        if self.inpublisher:
            self._save_author("name", value, "publisher")
        elif self.inauthor:
            self._save_author("name", value)
        elif self.incontributor:
            self._save_contributor("name", value)
        elif self.intextinput:
            context = self._get_context()
            context["name"] = value

    def _start_width(self, attrs_d: dict[str, str]) -> None:
        self.push("width", 0)

    def _end_width(self) -> None:
        value = self.pop("width")
        if value is None:
            raise Bail("feedparser raises here")  # int(None)
        if self.inimage:
            self._get_context()

    def _start_height(self, attrs_d: dict[str, str]) -> None:
        self.push("height", 0)

    def _end_height(self) -> None:
        value = self.pop("height")
        if value is None:
            raise Bail("feedparser raises here")  # int(None)
        if self.inimage:
            self._get_context()

    def _start_url(self, attrs_d: dict[str, str]) -> None:
        self.push("href", 1)

    def _end_url(self) -> None:
        value = self.pop("href")
        if self.inauthor:
            self._save_author("href", value)
        elif self.incontributor:
            self._save_contributor("href", value)

    def _start_email(self, attrs_d: dict[str, str]) -> None:
        self.push("email", 0)

    def _end_email(self) -> None:
        value = self.pop("email")
        if self.inpublisher:
            self._save_author("email", value, "publisher")
        elif self.inauthor:
            self._save_author("email", value)
        elif self.incontributor:
            self._save_contributor("email", value)

    def _start_subtitle(self, attrs_d: dict[str, str]) -> None:
        self.push_content("subtitle", attrs_d, "text/plain", 1)

    def _end_subtitle(self) -> None:
        self.pop_content("subtitle")

    def _start_rights(self, attrs_d: dict[str, str]) -> None:
        self.push_content("rights", attrs_d, "text/plain", 1)

    def _end_rights(self) -> None:
        self.pop_content("rights")

    def _start_item(self, attrs_d: dict[str, str]) -> None:
        self.entries.append(FeedParserDict())
        self.push("item", 0)
        self.inentry = 1
        self.guidislink = 0
        self.title_depth = -1
        id_ = attrs_d.get(self._map_to_standard_prefix("rdf:about"))
        if id_:
            context = self._get_context()
            context["id"] = id_
        self._cdf_common(attrs_d)

    def _end_item(self) -> None:
        self.pop("item")
        self.inentry = 0
        self.hasContent = 0

    def _start_language(self, attrs_d: dict[str, str]) -> None:
        self.push("language", 1)

    def _end_language(self) -> None:
        self.pop("language")

    def _start_webmaster(self, attrs_d: dict[str, str]) -> None:
        self.push("publisher", 1)

    def _end_webmaster(self) -> None:
        self.pop("publisher")
        self._sync_author_detail("publisher")

    def _start_published(self, attrs_d: dict[str, str]) -> None:
        self.push("published", 1)

    def _end_published(self) -> None:
        value = self.pop("published")
        self._save("published_parsed", _parse_date(value), overwrite=True)

    def _start_updated(self, attrs_d: dict[str, str]) -> None:
        self.push("updated", 1)

    def _end_updated(self) -> None:
        value = self.pop("updated")
        self._save("updated_parsed", _parse_date(value), overwrite=True)

    def _start_created(self, attrs_d: dict[str, str]) -> None:
        self.push("created", 1)

    def _end_created(self) -> None:
        value = self.pop("created")
        self._save("created_parsed", _parse_date(value), overwrite=True)

    def _start_expirationdate(self, attrs_d: dict[str, str]) -> None:
        self.push("expired", 1)

    def _end_expirationdate(self) -> None:
        self._save("expired_parsed", _parse_date(self.pop("expired")), overwrite=True)

    def _start_category(self, attrs_d: dict[str, str]) -> None:
        term = attrs_d.get("term")
        scheme = attrs_d.get("scheme", attrs_d.get("domain"))
        label = attrs_d.get("label")
        self._add_tag(term, scheme, label)
        self.push("category", 1)

    def _end_category(self) -> None:
        value = self.pop("category")
        if not value:
            return
        context = self._get_context()
        try:
            tags = context["tags"]
        except KeyError as exc:
            raise Bail("feedparser raises here") from exc
        if value and len(tags) and not tags[-1]["term"]:
            tags[-1]["term"] = value
        else:
            self._add_tag(value, None, None)

    def _start_cloud(self, attrs_d: dict[str, str]) -> None:
        self._get_context()["cloud"] = FeedParserDict(attrs_d)

    def _start_link(self, attrs_d: dict[str, str]) -> None:
        attrs_d.setdefault("rel", "alternate")
        if attrs_d["rel"] == "self":
            attrs_d.setdefault("type", "application/atom+xml")
        else:
            attrs_d.setdefault("type", "text/html")
        context = self._get_context()
        attrs_d = self._enforce_href(attrs_d)
        if "href" in attrs_d:
            attrs_d["href"] = resolve(self.baseuri or "", attrs_d["href"])
        expecting_text = self.infeed or self.inentry or self.insource
        dict.setdefault(context, "links", [])
        if not (self.inentry and self.inimage):
            context["links"].append(FeedParserDict(attrs_d))
        if "href" in attrs_d:
            if attrs_d.get("rel") == "alternate" and _map_content_type(attrs_d.get("type")) in _HTML_TYPES:
                context["link"] = attrs_d["href"]
        else:
            self.push("link", expecting_text)

    def _end_link(self) -> None:
        self.pop("link")

    def _start_guid(self, attrs_d: dict[str, str]) -> None:
        self.guidislink = attrs_d.get("ispermalink", "true") == "true"
        self.push("id", 1)

    def _end_guid(self) -> None:
        value = self.pop("id")
        self._save("guidislink", self.guidislink and not dict.__contains__(self._get_context(), "link"))
        if self.guidislink:
            self._save("link", value)

    def _start_title(self, attrs_d: dict[str, str]) -> None:
        self.push_content("title", attrs_d, "text/plain", self.infeed or self.inentry or self.insource)

    def _end_title(self) -> None:
        value = self.pop_content("title")
        if not value:
            return
        self.title_depth = self.depth

    def _start_description(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        if dict.__contains__(context, "summary") and not self.hasContent:
            self._summaryKey = "content"
            self._start_content(attrs_d)
        else:
            self.push_content(
                "description", attrs_d, "text/html", self.infeed or self.inentry or self.insource
            )

    def _start_abstract(self, attrs_d: dict[str, str]) -> None:
        self.push_content("description", attrs_d, "text/plain", self.infeed or self.inentry or self.insource)

    def _end_description(self) -> None:
        if self._summaryKey == "content":
            self._end_content()
        else:
            self.pop_content("description")
        self._summaryKey = None

    def _start_info(self, attrs_d: dict[str, str]) -> None:
        self.push_content("info", attrs_d, "text/plain", 1)

    def _end_info(self) -> None:
        self.pop_content("info")

    def _start_generator(self, attrs_d: dict[str, str]) -> None:
        self._get_context()["generator_detail"] = FeedParserDict(attrs_d)
        self.push("generator", 1)

    def _end_generator(self) -> None:
        value = self.pop("generator")
        context = self._get_context()
        if "generator_detail" in context:
            context["generator_detail"]["name"] = value

    def _start_summary(self, attrs_d: dict[str, str]) -> None:
        context = self._get_context()
        if dict.__contains__(context, "summary") and not self.hasContent:
            self._summaryKey = "content"
            self._start_content(attrs_d)
        else:
            self._summaryKey = "summary"
            self.push_content(self._summaryKey, attrs_d, "text/plain", 1)

    def _end_summary(self) -> None:
        if self._summaryKey == "content":
            self._end_content()
        else:
            self.pop_content(self._summaryKey or "summary")
        self._summaryKey = None

    def _start_enclosure(self, attrs_d: dict[str, str]) -> None:
        attrs_d = self._enforce_href(attrs_d)
        context = self._get_context()
        attrs_d["rel"] = "enclosure"
        context.setdefault("links", []).append(FeedParserDict(attrs_d))

    def _start_source(self, attrs_d: dict[str, str]) -> None:
        if "url" in attrs_d:
            self.sourcedata["href"] = attrs_d["url"]
        self.push("source", 1)
        self.insource = 1
        self.title_depth = -1

    def _end_source(self) -> None:
        self.insource = 0
        value = self.pop("source")
        if value:
            self.sourcedata["title"] = value
        self._get_context()["source"] = FeedParserDict(self.sourcedata)  # (a deep copy: nobody reads it)
        self.sourcedata.clear()

    def _start_content(self, attrs_d: dict[str, str]) -> None:
        self.hasContent = 1
        self.push_content("content", attrs_d, "text/plain", 1)
        src = attrs_d.get("src")
        if src:
            self.contentparams["src"] = src
        self.push("content", 1)

    def _start_content_encoded(self, attrs_d: dict[str, str]) -> None:
        self.hasContent = 1
        self.push_content("content", attrs_d, "text/html", 1)

    def _end_content(self) -> None:
        copy_to_summary = _map_content_type(self.contentparams.get("type")) in ({"text/plain"} | _HTML_TYPES)
        value = self.pop_content("content")
        if copy_to_summary:
            self._save("summary", value)

    def _start_newlocation(self, attrs_d: dict[str, str]) -> None:
        self.push("newlocation", 1)

    def _end_newlocation(self) -> None:
        url = self.pop("newlocation")
        context = self._get_context()
        if context is not self.feeddata:
            return
        if url is None:
            raise AttributeError("url.strip()")  # as feedparser: then the generic pop
        context["newlocation"] = make_safe_absolute_uri(self.baseuri, url.strip())

    def _start_tags(self, attrs_d: dict[str, str]) -> None:
        self.push("tags", 1)

    def _end_tags(self) -> None:
        for term in self.pop("tags").split(","):
            self._add_tag(term.strip(), None, None)

    def _start_body(self, attrs_d: dict[str, str]) -> None:
        self.push_content("content", attrs_d, "application/xhtml+xml", 1)
