"""What an export says of the conformance package it conforms to (its name and version).

- Every resource: `meta.profile` = the plain canonical of its profile (`names.profile_url`,
  stamped by etl/fhir/build.py). Not `|version`: R4 allows a version on a canonical, but a
  resource then changes whenever any mapping file does (a comment included), so that every
  partner would be re-sent every resource, and servers that match meta.profile by URL would
  not find the profile. The version is said once per export instead:
- The Bulk Data manifest (manifest.json): `extension.conformancePackage` = {name, version,
  canonical} (the Bulk Data Access IG reserves `extension`, a JSON object, for this).
- Every transaction Bundle: `meta.tag` = {system `…/fhir/conformance-package`, code
  `<name>#<version>`} (the FHIR package reference form `name#version`).
"""

from __future__ import annotations

from typing import Any

from etl.fhir.conformance.inputs import package_version
from etl.fhir.conformance.names import CANONICAL, PACKAGE_NAME, PACKAGE_TAG_SYSTEM


def package_reference() -> dict[str, str]:
    """{"name", "version", "canonical"} of the package the export's mappings give."""
    return {"name": PACKAGE_NAME, "version": package_version(), "canonical": CANONICAL}


def manifest_extension() -> dict[str, Any]:
    """The `extension` object of manifest.json."""
    return {"conformancePackage": package_reference()}


def bundle_meta() -> dict[str, Any]:
    """The `meta` of a transaction Bundle: the package as a tag."""
    ref = package_reference()
    return {"tag": [{"system": PACKAGE_TAG_SYSTEM, "code": f"{ref['name']}#{ref['version']}"}]}
