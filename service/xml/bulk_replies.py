"""The XML the bulk worker reads and writes besides the items themselves.

`XmlReplyReader` reads back the reply an interactive handler gave a bulk item (our own Ticket,
Acknowledgement or Rejection), for the item's line in the BulkResult. `StreamingBulkResult`
renders a BulkResult one ItemResult at a time: the same bytes as `render_reply(BulkResult)`
without a 50,000-item tree (or model) in memory; and the BulkProgress sent meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableSequence

from lxml import etree

from service.app.bulk_ports import ReplySummary
from service.domain.anomalies import Anomaly, Messages, Severity
from service.domain.codes import Action
from service.domain.replies import BulkProgress, ItemResult
from service.xml import writing as w
from service.xml.from_reply import render_reply
from service.xml.parser import NAMESPACE, hardened_parser
from service.xml.reading import q
from service.xml.writing import add, opt

_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class XmlReplyReader:
    """Implements `service.app.bulk_ports.ReplyReader`."""

    def __init__(self) -> None:
        self._parser = hardened_parser()

    def summary(self, body: bytes) -> ReplySummary:
        root = etree.fromstring(body, self._parser)
        action = root.findtext(q("Action"))
        return ReplySummary(
            kind=etree.QName(root).localname,
            ticket_number=root.findtext(q("TicketNumber")),
            action=Action(action) if action else None,
            anomalies=tuple(_anomaly(e) for e in root.iterchildren(q("Anomaly"))),
        )


def _anomaly(element: etree._Element) -> Anomaly:
    texts = {m.get(_LANG): m.text or "" for m in element.iterchildren(q("Message"))}
    return Anomaly(
        code=element.findtext(q("Code")) or "",
        severity=Severity(element.findtext(q("Severity")) or "B"),
        path=element.findtext(q("Path")),
        messages=Messages(en=texts.get("en", ""), fr=texts.get("fr", ""),
                          nl=texts.get("nl", "")),
    )


class StreamingBulkResult:
    """Implements `service.app.bulk_ports.BulkResultRenderer`."""

    def render_items(self, items: Iterable[ItemResult]) -> bytes:
        return b"".join(_item_bytes(item) for item in items)

    def render_document(self, file_reference: str, accepted: int, rejected: int,
                        items: MutableSequence[bytes]) -> bytes:
        root = w.root("BulkResult")
        add(root, "FileReference", file_reference)
        add(root, "Accepted", accepted)
        add(root, "Rejected", rejected)
        head = w.serialise(root)
        assert head.endswith(_END)
        whole = b"".join([head[: -len(_END)], *items, _END])  # one allocation, sized first
        items[:] = []  # consumed: the pages are not kept alongside the whole
        return whole

    def render_progress(self, file_reference: str, items_done: int, item_count: int) -> bytes:
        return render_reply(BulkProgress(file_reference=file_reference, items_done=items_done,
                                         item_count=item_count))

    def render_bulk_result(
        self, file_reference: str, accepted: int, rejected: int, items: Iterable[ItemResult]
    ) -> bytes:
        return self.render_document(file_reference, accepted, rejected,
                                    [self.render_items(items)])


_END = b"</BulkResult>"
_DEFAULT_NS = f' xmlns="{NAMESPACE}"'.encode()


def _item_bytes(item: ItemResult) -> bytes:
    # Serialised alone, the element declares the default namespace; inside BulkResult it is
    # already in scope, so the declaration (the first one, in the start tag) is dropped.
    text = etree.tostring(item_element(item), encoding="UTF-8", xml_declaration=False)
    return text.replace(_DEFAULT_NS, b"", 1)


def item_element(item: ItemResult) -> etree._Element:
    """One ItemResult, as `from_reply._bulk_result` writes it."""
    # lxml-stubs do not know the None key that makes a namespace the default one.
    result = etree.Element(q("ItemResult"), nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    result.set("seq", str(item.seq))
    add(result, "RequestReference", item.request_reference)
    if item.ticket_number is not None:
        add(result, "TicketNumber", item.ticket_number)
    else:
        opt(result, "Action", item.action)
    add(result, "Status", item.status)
    w.anomalies(result, item.anomalies)
    return result


