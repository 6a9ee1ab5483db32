"""The trilingual anomalies of schema validation (RULES.md 3.0.1), one builder per kind.

Values are never echoed: an INSS too long for its field is still personal data.
"""

from __future__ import annotations

from service.domain.anomalies import Anomaly, Severity, anomaly

MISSING = "90000-090"
ORDER = "90000-091"
UNKNOWN = "90000-092"

_B = Severity.BLOCKING


def _either(names: list[str]) -> str:
    return " | ".join(names) if names else "?"


def missing_element(parent_path: str, names: list[str]) -> Anomaly:
    name = _either(names)
    return anomaly(
        MISSING,
        _B,
        parent_path,
        f"Required element {name} is missing.",
        f"L'élément obligatoire {name} est absent.",
        f"Het verplichte element {name} ontbreekt.",
    )


def missing_attribute(path: str, name: str) -> Anomaly:
    return anomaly(
        MISSING,
        _B,
        path,
        f"Required attribute {name} is missing.",
        f"L'attribut obligatoire {name} est absent.",
        f"Het verplichte attribuut {name} ontbreekt.",
    )


def too_many(path: str, name: str) -> Anomaly:
    return anomaly(
        MISSING,
        _B,
        path,
        f"Element {name} occurs more often than allowed.",
        f"L'élément {name} apparaît plus souvent que permis.",
        f"Het element {name} komt vaker voor dan toegestaan.",
    )


def out_of_order(path: str, name: str) -> Anomaly:
    return anomaly(
        ORDER,
        _B,
        path,
        f"Element {name} is not in the expected order.",
        f"L'élément {name} n'est pas à sa place dans l'ordre attendu.",
        f"Het element {name} staat niet op de verwachte plaats in de volgorde.",
    )


def unexpected_element(path: str, name: str) -> Anomaly:
    return anomaly(
        UNKNOWN,
        _B,
        path,
        f"Element {name} is unknown or not allowed here.",
        f"L'élément {name} est inconnu ou n'est pas autorisé ici.",
        f"Het element {name} is onbekend of hier niet toegestaan.",
    )


def unexpected_attribute(path: str, name: str) -> Anomaly:
    return anomaly(
        UNKNOWN,
        _B,
        path,
        f"Attribute {name} is not allowed.",
        f"L'attribut {name} n'est pas autorisé.",
        f"Het attribuut {name} is niet toegestaan.",
    )


def unexpected_content(path: str, name: str) -> Anomaly:
    return anomaly(
        UNKNOWN,
        _B,
        path,
        f"Element {name} contains text or elements that are not allowed there.",
        f"L'élément {name} contient du texte ou des éléments qui n'y sont pas autorisés.",
        f"Het element {name} bevat tekst of elementen die daar niet toegestaan zijn.",
    )


def bad_date(zone: str, path: str, name: str) -> Anomaly:
    return anomaly(
        f"{zone}-003",
        _B,
        path,
        f"{name} is not a valid date (YYYY-MM-DD).",
        f"{name} n'est pas une date valide (AAAA-MM-JJ).",
        f"{name} is geen geldige datum (JJJJ-MM-DD).",
    )


def not_in_domain(zone: str, path: str, name: str) -> Anomaly:
    return anomaly(
        f"{zone}-008",
        _B,
        path,
        f"The value of {name} is not allowed (unknown code, out of range or wrong type).",
        f"La valeur de {name} n'est pas autorisée (code inconnu, hors limites ou mauvais type).",
        f"De waarde van {name} is niet toegestaan (onbekende code, buiten bereik of verkeerd "
        "type).",
    )


def bad_length(zone: str, path: str, name: str) -> Anomaly:
    return anomaly(
        f"{zone}-093",
        _B,
        path,
        f"The value of {name} is too long or too short.",
        f"La valeur de {name} est trop longue ou trop courte.",
        f"De waarde van {name} is te lang of te kort.",
    )
