"""Anomalies of the whole message (zone 90000): size, syntax, DTD, version, root (V-MSG-1).

Each builder returns one blocking anomaly with its three languages, so the parser and the
gateway never spell a message twice.
"""

from __future__ import annotations

from service.domain.anomalies import Anomaly, Severity, anomaly

NOT_WELL_FORMED = "90000-003"
DTD_FORBIDDEN = "90000-005"
UNEXPECTED_ROOT = "90000-092"
LIMIT = "90000-093"
NOT_ALLOWED = "90000-146"

_B = Severity.BLOCKING


def _short(value: str, limit: int = 80) -> str:
    # Values quoted back come from the sender (an encoding name, a namespace): keep the
    # message readable and bounded whatever they sent.
    return value if len(value) <= limit else value[:limit] + "..."


def too_large(size: int, max_bytes: int) -> Anomaly:
    return anomaly(
        LIMIT,
        _B,
        None,
        f"The message is {size} bytes long; at most {max_bytes} bytes are accepted.",
        f"Le message fait {size} octets; au plus {max_bytes} octets sont acceptés.",
        f"Het bericht is {size} bytes lang; hoogstens {max_bytes} bytes worden aanvaard.",
    )


def limit_exceeded(detail: str) -> Anomaly:
    detail = _short(detail, 200)
    return anomaly(
        LIMIT,
        _B,
        None,
        f"The message exceeds a structural limit: {detail}.",
        f"Le message dépasse une limite de structure: {detail}.",
        f"Het bericht overschrijdt een structuurlimiet: {detail}.",
    )


def not_well_formed(detail: str) -> Anomaly:
    # libxml2's own wording is kept as the detail: it says where the document breaks.
    detail = _short(detail, 200)
    return anomaly(
        NOT_WELL_FORMED,
        _B,
        None,
        f"The message is not well-formed XML: {detail}.",
        f"Le message n'est pas un XML bien formé: {detail}.",
        f"Het bericht is geen welgevormde XML: {detail}.",
    )


def bad_encoding(detail: str) -> Anomaly:
    detail = _short(detail)
    return anomaly(
        NOT_WELL_FORMED,
        _B,
        None,
        f"The message encoding is not accepted ({detail}); use UTF-8, UTF-16 with a byte "
        "order mark, or ISO-8859-1 declared in the XML declaration.",
        f"L'encodage du message n'est pas accepté ({detail}); utilisez UTF-8, UTF-16 avec "
        "marque d'ordre des octets, ou ISO-8859-1 déclaré dans la déclaration XML.",
        f"De codering van het bericht wordt niet aanvaard ({detail}); gebruik UTF-8, UTF-16 "
        "met byte-order-markering, of ISO-8859-1 aangegeven in de XML-declaratie.",
    )


def dtd_forbidden() -> Anomaly:
    return anomaly(
        DTD_FORBIDDEN,
        _B,
        None,
        "A document type declaration (DOCTYPE or ENTITY) is not allowed.",
        "Une déclaration de type de document (DOCTYPE ou ENTITY) n'est pas autorisée.",
        "Een documenttypedeclaratie (DOCTYPE of ENTITY) is niet toegestaan.",
    )


def xml_version(version: str) -> Anomaly:
    version = _short(version, 10)
    return anomaly(
        NOT_ALLOWED,
        _B,
        None,
        f"XML version {version} is not allowed; use XML 1.0.",
        f"La version XML {version} n'est pas autorisée; utilisez XML 1.0.",
        f"XML-versie {version} is niet toegestaan; gebruik XML 1.0.",
    )


def unknown_major_version(local_name: str, namespace: str) -> Anomaly:
    namespace = _short(namespace)
    return anomaly(
        NOT_ALLOWED,
        _B,
        f"/{local_name}",
        f"The namespace {namespace} is not a supported version; use urn:breakgate:v1.",
        f"L'espace de noms {namespace} n'est pas une version prise en charge; "
        "utilisez urn:breakgate:v1.",
        f"De naamruimte {namespace} is geen ondersteunde versie; gebruik urn:breakgate:v1.",
    )


def unexpected_root(name: str) -> Anomaly:
    return anomaly(
        UNEXPECTED_ROOT,
        _B,
        f"/{name}",
        f"The root element {name} is not a breakgate message of namespace urn:breakgate:v1.",
        f"L'élément racine {name} n'est pas un message breakgate de l'espace de noms "
        "urn:breakgate:v1.",
        f"Het rootelement {name} is geen breakgate-bericht van naamruimte urn:breakgate:v1.",
    )


def type_mismatch(declared: str, root: str) -> Anomaly:
    declared = _short(declared)
    return anomaly(
        NOT_WELL_FORMED,
        _B,
        f"/{root}",
        f"The message type property {declared} does not match the root element {root}.",
        f"La propriété de type de message {declared} ne correspond pas à l'élément racine "
        f"{root}.",
        f"De berichttype-eigenschap {declared} komt niet overeen met het rootelement {root}.",
    )
