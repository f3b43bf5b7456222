"""How portals find the tables: a Frictionless Data Package and a DCAT-AP catalogue.

The Data Package (``/data/datapackage.json``) describes each CSV table with its
schema, so the Frictionless tools validate the data as published; the DCAT-AP
catalogue (``/data/catalog.jsonld``) is what CKAN's DCAT harvester and the
European data portals read. Both name the ledger checkpoint the data reflects.
"""

from typing import Any

from notifier.opendata.tables import TABLES

FORMATS = {
    "csv": ("text/csv", "CSV", "http://publications.europa.eu/resource/authority/file-type/CSV"),
    "jsonl": (
        "application/jsonl",
        "JSON Lines",
        "http://publications.europa.eu/resource/authority/file-type/JSON",
    ),
}
LICENSES = {
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC0-1.0": ("Creative Commons Zero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": (
        "Open Data Commons Open Database License 1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
}


def datapackage(
    base: str, site: str, license_id: str, checkpoint: dict[str, Any] | None
) -> dict[str, Any]:
    """The Data Package of every table, as CSV."""
    title, path = LICENSES[license_id]
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": "foreign-trips",
        "title": f"{site}: officials' foreign trips",
        "description": "Every foreign trip the city approved, with its purpose, agenda, costs "
        "and payers, expected outcomes and results, follow-up commitments, estimated flight "
        "emissions and checklist signals, as its ledger states them. In the CSV files a "
        "text that begins with =, +, -, @, a tab or a carriage return is written after an "
        "apostrophe, so that spreadsheets show it rather than run it; the JSON Lines files "
        "(the same path with .jsonl) hold every text exactly.",
        "homepage": f"{base}/",
        "licenses": [{"name": license_id, "path": path, "title": title}],
        "resources": [
            {
                "name": table.name,
                "title": table.title,
                "description": table.description,
                "path": f"{base}/data/{table.name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": table.schema(),
            }
            for table in TABLES.values()
        ],
    }
    if checkpoint is not None:
        package["periplus:checkpoint"] = checkpoint
    return package


def catalog(
    base: str, site: str, license_id: str, modified: str | None, checkpoint: dict[str, Any] | None
) -> dict[str, Any]:
    """A DCAT-AP catalogue in JSON-LD: one dataset per table, a distribution per format."""
    _, license_url = LICENSES[license_id]
    publisher = {"@id": f"{base}/#publisher", "@type": "foaf:Agent", "foaf:name": site}
    datasets = []
    for table in TABLES.values():
        distributions = [
            {
                "@id": f"{base}/data/{table.name}.{extension}",
                "@type": "dcat:Distribution",
                "dct:title": f"{table.title} ({label})",
                "dcat:accessURL": {"@id": f"{base}/data/{table.name}.{extension}"},
                "dcat:downloadURL": {"@id": f"{base}/data/{table.name}.{extension}"},
                "dcat:mediaType": {
                    "@id": f"http://www.iana.org/assignments/media-types/{media_type}"
                },
                "dct:format": {"@id": file_type},
                "dct:license": {"@id": license_url},
                **({"dct:modified": _date(modified)} if modified else {}),
            }
            for extension, (media_type, label, file_type) in FORMATS.items()
        ]
        datasets.append(
            {
                "@id": f"{base}/data/{table.name}",
                "@type": "dcat:Dataset",
                "dct:identifier": f"{base}/data/{table.name}",
                "dct:title": f"{site}: {table.title.lower()}",
                "dct:description": table.description,
                "dct:publisher": {"@id": publisher["@id"]},
                "dcat:keyword": ["foreign trips", "city diplomacy", "transparency", "SDG"],
                "dcat:landingPage": {"@id": f"{base}/"},
                "dcat:distribution": distributions,
                "dct:conformsTo": {"@id": f"{base}/data/datapackage.json"},
                **({"dct:modified": _date(modified)} if modified else {}),
            }
        )
    document: dict[str, Any] = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"{base}/data/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": f"{site}: open data",
        "dct:description": "Officials' foreign trips, verifiable against the city's ledger.",
        "dct:publisher": publisher,
        "dcat:homepage": {"@id": f"{base}/"},
        "dct:license": {"@id": license_url},
        "dcat:dataset": datasets,
    }
    if checkpoint is not None:
        document["dct:hasVersion"] = (
            f"ledger checkpoint {checkpoint['origin']} size {checkpoint['size']}"
        )
    return document


def _date(moment: str) -> dict[str, str]:
    return {"@value": moment, "@type": "xsd:dateTime"}
