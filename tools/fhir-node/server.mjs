// A small local FHIR R4 server for hsct's push tests: @medplum/fhir-router over
// its in-memory repository, with every resource of a write validated against the
// official R4 StructureDefinitions first (a real server refuses invalid input).
//
//   node server.mjs [--port 0] [--fail-before N] [--fail-after N]
//
// Prints one JSON line {"port": P} on stdout once it listens on 127.0.0.1.
// Test-only faults, so that a client's retries can be tested against a real server:
//   --fail-before N  the first attempt of every Nth distinct POST body gets a 503
//                    and is NOT processed;
//   --fail-after N   the first attempt of every Nth distinct POST body IS processed,
//                    then the connection is dropped without an answer (a success
//                    whose answer was lost).
// GET /_faults tells how many faults of each kind were injected.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { FhirRouter, MemoryRepository, makeSimpleRequest } from '@medplum/fhir-router';
import { loadDefinitions, validate } from './definitions.mjs';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const port = option('--port', 0);
const failBefore = option('--fail-before', 0);
const failAfter = option('--fail-after', 0);

loadDefinitions();
const router = new FhirRouter();
const repo = new MemoryRepository();
const seen = new Map(); // body hash -> distinct POST number (1-based)
const faults = { before: 0, after: 0, posts: 0 };

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
}

function outcome(text, code = 'invalid') {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

function writtenResources(body) {
  if (body?.resourceType === 'Bundle') {
    return (body.entry ?? []).map((e) => e.resource).filter(Boolean);
  }
  return body?.resourceType ? [body] : [];
}

async function handle(req, res, raw) {
  if (req.method === 'GET' && req.url === '/_faults') {
    send(res, 200, faults);
    return;
  }
  let body;
  try {
    body = raw.length ? JSON.parse(raw) : undefined;
  } catch {
    send(res, 400, outcome('body is not JSON', 'structure'));
    return;
  }
  let drop = false;
  if (req.method === 'POST') {
    faults.posts += 1;
    const key = createHash('sha256').update(raw).digest('hex');
    const first = !seen.has(key);
    if (first) seen.set(key, seen.size + 1);
    const n = seen.get(key);
    if (first && failBefore > 0 && n % failBefore === 0) {
      faults.before += 1;
      send(res, 503, outcome('injected fault: try again', 'transient'));
      return;
    }
    drop = first && failAfter > 0 && n % failAfter === 0;
  }
  for (const resource of writtenResources(body)) {
    const issues = validate(resource);
    if (issues.length) {
      send(res, 400, { resourceType: 'OperationOutcome', issue: issues });
      return;
    }
  }
  const [result, resource] = await router.handleRequest(makeSimpleRequest(req.method, req.url, body), repo);
  if (drop) {
    faults.after += 1;
    req.socket.destroy();
    return;
  }
  const status = Number(result.id === 'ok' || result.id === 'created' ? (result.id === 'created' ? 201 : 200) : 400);
  const notFound = result.issue?.some((i) => i.code === 'not-found');
  send(res, notFound ? 404 : status, resource ?? result);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => send(res, 500, outcome(String(err))));
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
