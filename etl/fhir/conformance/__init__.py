"""The partners' conformance package (issue 16, item 3): a FHIR NPM package generated from mappings/.

- `names`: the package name, the canonical base, `profile_url` (the `meta.profile` every exported
  resource carries; stamped by etl/fhir/build.py).
- `inputs`: the mappings files read, and `package_version` (`0.1.0+<12 hex of their SHA-256>`).
- `codesystems`, `valuesets`, `elements`, `profiles`, `capability`: one kind of resource each.
- `package`: `build_package(folder)` -> Package (its resources and package.json).
- `npm`: `write_package(package, out_dir, unpacked)` -> the deterministic `.tgz`.
- `stamp`: what an export says of the package (the manifest's extension, the Bundles' meta.tag).
"""
