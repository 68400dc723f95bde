"""The state machine of feedparser's strict parse (its ``_FeedParserMixin``), over an lxml tree.

Part of ``pipeline.ingest.fastfeed``, whose docstring states the contract. :class:`Core` holds
feedparser's parse state and generic machinery: the walk in SAX order, element names and
handler keys, attributes, ``unknown_starttag``/``unknown_endtag`` (with markup inside text
elements), the element stack and ``pop``, and the contexts - under feedparser's own names, so
each method can be read against its original. The element handlers are in ``base`` and
``namespaces``; :class:`Bail` (raised anywhere) leaves the document to feedparser.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import re
from collections.abc import Callable
from typing import Any, ClassVar
from xml.sax.saxutils import escape as _escape

from feedparser.api import StrictFeedParser
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urifixer, _urljoin, make_safe_absolute_uri
from feedparser.util import FeedParserDict

_MATCH = {k.lower(): v for k, v in _FeedParserMixin.namespaces.items()}
_FP_STARTS = frozenset(n[len("_start_") :] for n in dir(StrictFeedParser) if n.startswith("_start_"))
_FP_ENDS = frozenset(n[len("_end_") :] for n in dir(StrictFeedParser) if n.startswith("_end_"))
_RELATIVE = _FeedParserMixin.can_be_relative_uri
_HTML_TYPES = _FeedParserMixin.html_types
_map_content_type = _FeedParserMixin.map_content_type
_XLINK = "http://www.w3.org/1999/xlink"
_AMP_REF = re.compile("&([A-Za-z0-9_]+);")
_C1 = re.compile("[\x80-\x9f]")
_EMAIL = re.compile(
    r"""(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"""
)
# Keys a handler reads or writes (or that our result reads): an element without a feedparser
# handler whose generic storage lands on one of these (after FeedParserDict's keymap) is left to
# feedparser.
_KNOWN_KEYS = frozenset(
    key
    for keys in (
        "id link links guidislink title summary content author authors author_detail published",
        "published_parsed updated updated_parsed tags image textinput source publisher",
        "publisher_detail contributors media_content media_thumbnail media_credit media_rating",
        "media_restriction media_license media_player generator_detail href name email subtitle",
        "created_parsed expired_parsed validity_start validity_end cloud newlocation language",
        "date_parsed modified_parsed issued_parsed where category enclosures license",
    )
    for key in keys.split()
)
_SVG = "http://www.w3.org/2000/svg"
_MATHML = "http://www.w3.org/1998/Math/MathML"
# (namespace, lowercased local name) of the elements startElementNS gives an xmlns attribute
_SVG_MATH = {(_SVG, "svg"), (_MATHML, "math")}


class Bail(Exception):
    """This document is left to feedparser."""


class Core:
    """feedparser's parse state and generic machinery (attribute and method names as in
    feedparser's ``_FeedParserMixin``). Subclasses add the element handlers, in ``STARTS`` and
    ``ENDS`` (handler key -> function)."""

    STARTS: ClassVar[dict[str, Callable[[Any, dict[str, str]], None]]] = {}
    ENDS: ClassVar[dict[str, Callable[[Any], None]]] = {}

    def __init__(self) -> None:
        self.feeddata = FeedParserDict()
        self.entries: list[FeedParserDict] = []
        self.version = ""
        self.namespaces_in_use: dict[str, str] = {}
        self.namespacemap: dict[str | None, str] = {}
        self.infeed = self.inentry = self.incontent = self.intextinput = self.inimage = 0
        self.inauthor = self.incontributor = self.inpublisher = self.insource = 0
        self.sourcedata = FeedParserDict()
        self.contentparams: dict[str, Any] = {}  # (a FeedParserDict in feedparser; no keymap key is used)
        self._summaryKey: str | None = None
        self.elementstack: list[list[Any]] = []
        self.title_depth = -1
        self.depth = 0
        self.hasContent = 0
        self.guidislink = 0
        self.property_depth_map: dict[int, dict[str, int]] = {}
        self.baseuri = ""
        self.basestack: list[str] = []
        self.svgOK = 0
        # element names and keys depend on the namespaces seen so far: cleared at each declaration
        # by Clark name: (start tag, end tag, xmlns for svg/math, skippable leaf, no prefix)
        self._tags: dict[str, tuple[str, str, str | None, bool, bool]] = {}
        self._keys: dict[str, tuple[str, bool, str]] = {}
        self.fixed_nsmap: dict[str | None, str] | None = None  # every declaration is on the root
        # namespace declarations by element (document order): feedparser's namespace maps are
        # global, so a redundant redeclaration counts too
        self.declarations: dict[int, list[tuple[str | None, str | None]]] = {}
        self.index = 0

    # -- namespaces (startPrefixMapping / track_namespace)
    def track_namespace(self, prefix: str | None, uri: str) -> None:
        self._tags.clear()
        self._keys.clear()
        loweruri = uri.lower()
        if not self.version:
            if (prefix, loweruri) == (None, "http://my.netscape.com/rdf/simple/0.9/"):
                self.version = "rss090"
            elif loweruri == "http://purl.org/rss/1.0/":
                self.version = "rss10"
            elif loweruri == "http://www.w3.org/2005/atom":
                self.version = "atom10"
        if loweruri.find("backend.userland.com/rss") != -1:
            uri = "http://backend.userland.com/rss"
            loweruri = uri
        if loweruri in _MATCH:
            self.namespacemap[prefix] = _MATCH[loweruri]
            self.namespaces_in_use[_MATCH[loweruri]] = uri
        else:
            self.namespaces_in_use[prefix or ""] = uri

    # -- the tree walk (SAX order)
    def walk(self, el: Any, tag: str) -> None:
        """Start, text, children with their tails, end: feedparser's SAX events for ``el``."""
        index = self.index
        self.index += 1
        declared = self.declarations.get(index)
        decls = self._declare(declared) if declared else None
        names = self._tags.get(tag)
        if names is None:
            namespace, localname = split_tag(tag)
            start = self._start_tag(namespace, localname)
            key, no_prefix, _ = self._key(start)
            names = self._tags[tag] = (
                start,
                self._end_tag(namespace, localname),
                namespace if (namespace, localname.lower()) in _SVG_MATH else None,
                # an element with no handler and nothing stored that matters: as a leaf without
                # attributes (no base URI to recompute, no textinput context that raises) its
                # only effect is on the textinput/image flags
                key not in self.STARTS
                and key not in _FP_STARTS
                and key not in _FP_ENDS
                and stored_key(key) not in _KNOWN_KEYS,
                no_prefix,
            )
        items = el.items()
        if names[3] and not (items or self.incontent or self.baseuri or self.intextinput or decls or len(el)):
            if names[4]:
                self._reset_flags(names[0])
            return
        attrs_d = self._attrs(el, items) if items else {}
        if names[2] is not None:  # startElementNS puts this xmlns first
            attrs_d = {"xmlns": names[2], **attrs_d}
        if decls:  # and the xlink declarations before it
            attrs_d = {**decls, **attrs_d}
        inline = self.unknown_starttag(names[0], attrs_d, bool(decls) or names[2] is not None)
        stack = self.elementstack
        text = el.text
        if text and stack:
            stack[-1][2].append(_escape(text) if self.incontent and self._xhtml() else text)
        for child in el:
            child_tag = child.tag
            if child_tag.__class__ is str:  # (not a comment or a processing instruction)
                self.walk(child, child_tag)
            tail = child.tail
            if tail and stack:
                stack[-1][2].append(_escape(tail) if self.incontent and self._xhtml() else tail)
        # the end tag's name as feedparser computes it at the end (namespaces seen meanwhile)
        end = self._tags.get(tag)
        self.unknown_endtag(end[1] if end is not None else self._end_tag(*split_tag(tag)), inline)

    def _reset_flags(self, tag: str) -> None:
        if tag not in ("title", "link", "description", "name"):
            self.intextinput = 0
        if tag not in ("title", "link", "description", "url", "href", "width", "height"):
            self.inimage = 0

    def _declare(self, declared: list[tuple[str | None, str | None]]) -> dict[str, str]:
        """startPrefixMapping for the declarations of one element, in document order; returns
        the xlink declarations, which feedparser adds to the element's attributes."""
        decls: dict[str, str] = {}
        for prefix, uri in declared:
            if not uri:
                continue
            self.track_namespace(prefix or None, uri)
            if prefix and uri == _XLINK:
                decls[("xmlns:" + prefix).lower()] = uri
        return decls

    def _xhtml(self) -> bool:
        """handle_data escapes text while the text element holds XHTML."""
        return bool(self.contentparams.get("type") == "application/xhtml+xml")

    def _start_tag(self, namespace: str | None, localname: str) -> str:
        lowernamespace = (namespace or "").lower()
        if lowernamespace.find("backend.userland.com/rss") != -1:
            namespace = "http://backend.userland.com/rss"
            lowernamespace = namespace
        prefix = _MATCH.get(lowernamespace)
        localname = localname.lower()
        if prefix:
            localname = prefix.lower() + ":" + localname
        elif namespace:
            for name, value in self.namespaces_in_use.items():
                if name and value == namespace:
                    localname = name + ":" + localname
                    break
        return localname.lower()

    def _end_tag(self, namespace: str | None, localname: str) -> str:
        lowernamespace = (namespace or "").lower()
        prefix = _MATCH.get(lowernamespace, "")
        if prefix:
            localname = prefix + ":" + localname
        elif namespace:
            for name, value in self.namespaces_in_use.items():
                if name and value == namespace:
                    localname = name + ":" + localname
                    break
        return localname.lower()

    def _attrs(self, el: Any, items: list[tuple[str, str]]) -> dict[str, str]:
        """startElementNS's attrsD, then unknown_starttag's normalisation."""
        nsmap: dict[str | None, str] | None = None
        pairs: list[tuple[str, str]] = []
        qnames: list[tuple[str, str]] = []
        for key, value in items:
            if key[0] == "{":
                namespace, local = key[1:].split("}", 1)
                prefix = _MATCH.get(namespace.lower(), "")
                pairs.append(((prefix + ":" + local if prefix else local).lower(), value))
                if namespace == "http://www.w3.org/XML/1998/namespace":
                    given = "xml"
                else:
                    if nsmap is None:
                        nsmap = self.fixed_nsmap if self.fixed_nsmap is not None else el.nsmap
                    given_prefixes = [p for p, u in nsmap.items() if u == namespace and p]
                    if len(given_prefixes) != 1:
                        raise Bail("attribute prefix not unique")
                    given = given_prefixes[0]
                qnames.append(((given + ":" + local).lower(), value))
            else:
                pairs.append((key.lower(), value))
                qnames.append((key.lower(), value))
        attrs_d: dict[str, str] = {}
        for key, value in pairs + qnames:
            attrs_d[key] = value
        normalized: dict[str, str] = {}
        for key, value in attrs_d.items():
            k = key.lower()
            normalized[k] = k in ("rel", "type") and value.lower() or value
        return normalized

    # -- unknown_starttag / unknown_endtag
    def _key(self, tag: str) -> tuple[str, bool, str]:
        """The handler key of a tag (namespacemap applied), whether it has no prefix, its suffix."""
        cached = self._keys.get(tag)
        if cached is None:
            if tag.find(":") != -1:
                prefix, suffix = tag.split(":", 1)
            else:
                prefix, suffix = "", tag
            prefix = self.namespacemap.get(prefix, prefix)
            if prefix:
                prefix = prefix + "_"
            cached = self._keys[tag] = (prefix + suffix, not prefix, suffix)
        return cached

    def unknown_starttag(self, tag: str, attrs_d: dict[str, str], xmlns: bool = False) -> bool:
        """feedparser's unknown_starttag; True when the element is markup inside a text element.
        ``xmlns``: ``attrs_d`` holds xmlns attributes (xlink declarations, svg/math's xmlns)."""
        self.depth += 1
        if attrs_d or self.baseuri:
            baseuri = attrs_d.get("xml:base", attrs_d.get("base")) or self.baseuri
            if self.baseuri:
                self.baseuri = make_safe_absolute_uri(self.baseuri, baseuri) or self.baseuri
            elif baseuri:  # (_urljoin("", "") is "")
                self.baseuri = _urljoin(self.baseuri, baseuri)
        self.basestack.append(self.baseuri)
        if xmlns:
            for name, value in attrs_d.items():
                if name.startswith("xmlns:"):  # the xlink declarations startPrefixMapping added
                    self.track_namespace(name[6:], value)
                elif name == "xmlns":  # the one startElementNS gives svg and math
                    self.track_namespace(None, value)
        if self.incontent:
            content_type = self.contentparams.get("type", "xml")
            if not content_type.endswith("xml"):
                if tag in ("xhtml:div", "div"):
                    return True
                self.contentparams["type"] = content_type = "application/xhtml+xml"
            if content_type != "application/xhtml+xml":
                raise Bail("elements inside an XML text element")
            attrs = list(attrs_d.items())
            if tag.find(":") != -1:
                prefix, tag = tag.split(":", 1)
                namespace = self.namespaces_in_use.get(prefix, "")
                if tag == "math" and namespace == _MATHML:
                    attrs.append(("xmlns", namespace))
                if tag == "svg" and namespace == _SVG:
                    attrs.append(("xmlns", namespace))
            if tag == "svg":
                self.svgOK += 1
            self.handle_data_raw(f"<{tag}{strattrs(attrs)}>")
            return True
        key, no_prefix, _ = self._key(tag)
        if no_prefix:
            self._reset_flags(tag)
        method = self.STARTS.get(key)
        if method is None:
            if key in _FP_STARTS:
                raise Bail(f"no port of _start_{key}")
            self._generic_start(key, attrs_d)
            return False
        try:
            method(self, attrs_d)
        except AttributeError:
            self._generic_start(key, attrs_d)
        return False

    def _generic_start(self, key: str, attrs_d: dict[str, str]) -> None:
        if stored_key(key) in _KNOWN_KEYS:
            raise Bail(f"generic element {key}")
        if len(attrs_d) == 0:
            self.push(key, 1)
        else:
            self._get_context()[key] = attrs_d

    def unknown_endtag(self, tag: str, inline: bool) -> None:
        key, _, suffix = self._key(tag)
        if suffix == "svg" and self.svgOK:
            self.svgOK -= 1
        if inline:
            # feedparser still calls the end handler of markup inside a text element (unless
            # inside svg); none that would is ported, and the generic pop must not hit the
            # text element itself
            if (not self.svgOK and key in _FP_ENDS) or (
                self.elementstack and self.elementstack[-1][0] == key
            ):
                raise Bail(f"end handler of {key} inside a text element")
        else:
            method = self.ENDS.get(key)
            if method is None:
                if key in _FP_ENDS:
                    raise Bail(f"no port of _end_{key}")
                self._generic_pop(key)
            else:
                try:
                    if self.svgOK:
                        raise AttributeError
                    method(self)
                except AttributeError:
                    self.pop(key)
        if self.incontent:
            content_type = self.contentparams.get("type", "xml")
            if not content_type.endswith("xml"):
                if tag in ("xhtml:div", "div"):
                    return  # (feedparser leaves depth and the base stack as they are)
                self.contentparams["type"] = content_type = "application/xhtml+xml"
            if content_type == "application/xhtml+xml":
                self.handle_data_raw(f"</{tag.split(':')[-1]}>")
        if self.basestack:
            self.basestack.pop()
            if self.basestack and self.basestack[-1]:
                self.baseuri = self.basestack[-1]
        self.depth -= 1

    def handle_data_raw(self, text: str) -> None:
        """handle_data(text, escape=0)."""
        if self.elementstack:
            self.elementstack[-1][2].append(text)

    def _generic_pop(self, key: str) -> None:
        """pop() of an element without a handler: its value is stored under its own key, which
        nothing reads (see _generic_start), so only the stack changes - and the context is
        looked up where pop() would (it raises where feedparser raises)."""
        if self.elementstack and self.elementstack[-1][0] == key:
            self.elementstack.pop()
            if not (self.inentry and not self.insource) and (self.infeed or self.insource):
                self._get_context()

    # -- the element stack
    def push(self, element: str, expecting_text: Any) -> None:
        self.elementstack.append([element, expecting_text, []])

    def pop(self, element: str, strip_whitespace: int = 1) -> Any:
        if not self.elementstack:
            return None
        if self.elementstack[-1][0] != element:
            return None
        element, expecting_text, pieces = self.elementstack.pop()
        if self.version == "atom10" and self.contentparams.get("type", "text") == "application/xhtml+xml":
            # remove the enclosing <div>, only when all the rest is inside it
            while pieces and len(pieces) > 1 and not pieces[-1].strip():
                del pieces[-1]
            while pieces and len(pieces) > 1 and not pieces[0].strip():
                del pieces[0]
            if pieces and (pieces[0] == "<div>" or pieces[0].startswith("<div ")) and pieces[-1] == "</div>":
                depth = 0
                for piece in pieces[:-1]:
                    if piece.startswith("</"):
                        depth -= 1
                        if depth == 0:
                            break
                    elif piece.startswith("<") and not piece.endswith("/>"):
                        depth += 1
                else:
                    pieces = pieces[1:-1]
        output = "".join(pieces)
        if strip_whitespace:
            output = output.strip()
        if not expecting_text:
            return output
        if self.contentparams.get("base64", 0):
            with contextlib.suppress(binascii.Error, binascii.Incomplete, UnicodeDecodeError):
                output = base64.decodebytes(output.encode("utf8")).decode("utf8")
        if (element in _RELATIVE) and output and (element != "id" or self.guidislink):
            output = resolve(self.baseuri or "", output)
        # (decode_entities is the identity in the strict parser; looks_like_html only changes
        # contentparams["type"], which nothing below reads)
        if self.contentparams:
            self.contentparams.pop("mode", None)
            self.contentparams.pop("base64", None)
        if not output.isascii():  # both steps leave ASCII text as it is
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                output = output.encode("iso-8859-1").decode("utf-8")
            if _C1.search(output):  # _cp1252 maps U+0080-U+009F only
                output = output.translate(_cp1252)
        if element in ("category", "tags", "itunes_keywords"):
            return output
        if element == "title" and -1 < self.title_depth <= self.depth:
            return output
        if self.inentry and not self.insource:
            entry = self.entries[-1]
            if element == "content":
                dict.setdefault(entry, element, [])
                contentparams = copy.copy(self.contentparams)
                contentparams["value"] = output
                entry[element].append(contentparams)
            elif element == "link":
                if not self.inimage:
                    output = output.replace("&amp;", "&")
                    output = _AMP_REF.sub(r"&\g<1>", output)
                    entry[element] = output
                    if output:
                        try:
                            entry["links"][-1]["href"] = output
                        except (KeyError, IndexError) as exc:
                            raise Bail("feedparser raises here") from exc
            else:
                if element == "description":
                    element = "summary"
                depths = self.property_depth_map.setdefault(id(entry), {})
                old_value_depth = depths.get(element)
                if old_value_depth is None or self.depth <= old_value_depth:
                    depths[element] = self.depth
                    entry[element] = output
        elif self.infeed or self.insource:
            context = self._get_context()
            if element == "description":
                element = "subtitle"
            context[element] = output
            if element == "link":
                output = _AMP_REF.sub(r"&\g<1>", output)
                context[element] = output
                try:
                    context["links"][-1]["href"] = output
                except (KeyError, IndexError) as exc:
                    raise Bail("feedparser raises here") from exc
        return output

    def push_content(
        self, tag: str, attrs_d: dict[str, str], default_content_type: str, expecting_text: Any
    ) -> None:
        self.incontent += 1
        content_type = _map_content_type(attrs_d.get("type", default_content_type))
        self.contentparams = {"type": content_type}
        self.contentparams["base64"] = self._is_base64(attrs_d, self.contentparams)
        self.push(tag, expecting_text)

    def pop_content(self, tag: str) -> Any:
        value = self.pop(tag)
        self.incontent -= 1
        self.contentparams.clear()
        return value

    @staticmethod
    def _is_base64(attrs_d: dict[str, str], contentparams: dict[str, Any]) -> int:
        if attrs_d.get("mode", "") == "base64":
            return 1
        if contentparams["type"].startswith("text/"):
            return 0
        if contentparams["type"].endswith("+xml"):
            return 0
        if contentparams["type"].endswith("/xml"):
            return 0
        return 1

    # -- contexts
    def _get_context(self) -> Any:
        if self.insource:
            return self.sourcedata
        if self.inimage and dict.__contains__(self.feeddata, "image"):
            return self.feeddata["image"]
        if self.intextinput:
            try:
                return self.feeddata["textinput"]
            except KeyError as exc:
                raise Bail("feedparser raises here") from exc
        if self.inentry:
            return self.entries[-1]
        return self.feeddata

    def _save(self, key: str, value: Any, overwrite: bool = False) -> None:
        # (the keys saved are none FeedParserDict maps to another: its dict methods suffice)
        context = self._get_context()
        if overwrite:
            dict.__setitem__(context, key, value)
        else:
            dict.setdefault(context, key, value)


def resolve(base: str, uri: str) -> str:
    """feedparser's _urljoin(base, uri); with no base, urljoin returns the fixed uri as it is."""
    if base:
        return str(_urljoin(base, uri))
    match = _urifixer.match(uri)
    if match is None or not match.group(2):
        return uri
    return str(match.group(1)) + uri[match.end(2) :]  # _urifixer.sub(r"\1\3", uri): group 3 is empty


def strattrs(attrs: list[tuple[str, str]]) -> str:
    return "".join(f' {k}="{_escape(v, {chr(34): "&quot;"})}"' for k, v in attrs)


def split_tag(tag: str) -> tuple[str | None, str]:
    if tag[0] == "{":
        namespace, localname = tag[1:].split("}", 1)
        return namespace, localname
    return None, tag


def stored_key(key: str) -> str:
    """The dict key FeedParserDict stores ``key`` under."""
    mapped = FeedParserDict.keymap.get(key, key)
    return str(mapped[0] if isinstance(mapped, list) else mapped)
