// Validate FHIR R4 resources against the official StructureDefinitions, independently
// of the Python models:
//
//   node validate.mjs FILE...
//
// A `.ndjson` file holds one resource a line; a `.json` file one resource or a Bundle
// (the Bundle and each entry's resource are validated). Prints one JSON line per
// invalid resource ({file, line, resourceType, id, issues}) and a last line
// {"validated": N, "invalid": M}; exits 1 when any resource is invalid.
import { readFileSync } from 'node:fs';
import { loadDefinitions, validate } from './definitions.mjs';

loadDefinitions();
let validated = 0;
let invalid = 0;

function check(resource, file, line) {
  validated += 1;
  const issues = validate(resource);
  if (issues.length) {
    invalid += 1;
    const where = { file, line, resourceType: resource?.resourceType, id: resource?.id };
    process.stdout.write(JSON.stringify({ ...where, issues }) + '\n');
  }
}

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.ndjson')) {
    text.split('\n').forEach((row, i) => {
      if (row.trim()) check(JSON.parse(row), file, i + 1);
    });
  } else {
    const resource = JSON.parse(text);
    check(resource, file, 0);
    if (resource.resourceType === 'Bundle') {
      for (const entry of resource.entry ?? []) if (entry.resource) check(entry.resource, file, 0);
    }
  }
}
process.stdout.write(JSON.stringify({ validated, invalid }) + '\n');
process.exit(invalid ? 1 : 0);
