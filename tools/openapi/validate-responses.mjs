// Checks every answer the C test suite received against docs/openapi.json.
//
//   node tools/openapi/validate-responses.mjs docs/openapi.json build/responses.jsonl
//
// The log is written by tests/harness.c (http_call) when FIELDTRACE_RESPONSE_LOG
// names a file: one JSON object a line, {method, path, status, content_type,
// body, unchecked}; body is null when the bytes are not UTF-8 (PNG, ZIP, PDF).
// unchecked (tests/harness.h harness_unchecked_reason) marks the answers of a
// test that wrote rows by SQL the API would refuse: they are skipped, counted
// and their reasons listed.
//
// Rules, in the order they are applied to each answer:
// 0. /console and the paths below it are the web console's files
//    (server/http/console.c, README "Web console"), not the API: they are
//    counted as skipped, with that reason, and checked by the console suite.
// 1. The path (query string removed) is matched against the document's path
//    templates, a literal segment before a {parameter} one, as the router's
//    table does (/v1/kb/articles/from-ticket/{id} before /v1/kb/articles/{id}/...).
// 2. No template matches: the router answers 404 (components.responses.NotFound)
//    before anything else looks at the request; the answers the server gives
//    before routing (every status that every operation documents: 431, 500,
//    503) are accepted with their shared schema too. Hostile tests' made-up
//    paths land here.
// 3. The template matches but the method is none of its operations: OPTIONS
//    is 204 without a body; HEAD is checked as the GET (without a body); any
//    other method must be 405 (components.responses.MethodNotAllowed), as
//    info.description's conventions say.
// 4. The operation's response for the status: the exact code, else its range
//    ("4XX"), else "default". A status the operation does not document fails.
// 5. The Content-Type must be one the response documents (exact, then without
//    parameters, then a wildcard); a response without content must have no
//    body. JSON bodies (application/json, application/problem+json, any
//    +json) must parse and validate against the documented schema (Ajv, JSON
//    Schema 2020-12 as OpenAPI 3.1 uses it, formats checked). Other media
//    types (CSV, SVG, PNG, HTML, PDF, Prometheus text) are checked for their
//    type only.
// Every mismatch is listed once per (method, template, status, error) with its
// count and one example path; the exit status is 1 when there is any, or when
// the log is empty (a run that checked nothing must not pass).
import fs from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [docPath, logPath] = process.argv.slice(2);
if (!docPath || !logPath) {
	console.error("usage: validate-responses.mjs OPENAPI.json RESPONSES.jsonl");
	process.exit(2);
}
const doc = JSON.parse(fs.readFileSync(docPath, "utf8"));
const OPS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

// The document is added whole under one id, so each response schema is
// compiled by its JSON pointer and its $refs resolve against the document.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, "openapi");
const validators = new Map();
function validatorAt(pointer) {
	let v = validators.get(pointer);
	if (!v) {
		v = ajv.getSchema("openapi#" + pointer);
		if (!v)
			throw new Error(`no schema at ${pointer}`);
		validators.set(pointer, v);
	}
	return v;
}

const escape = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");

// A response object and its JSON pointer, following a components $ref.
function resolveResponse(response, pointer) {
	if (response && response.$ref) {
		const name = response.$ref.replace("#/components/responses/", "");
		return { response: doc.components.responses[name], pointer: `/components/responses/${escape(name)}` };
	}
	return { response, pointer };
}

const templates = Object.keys(doc.paths).map((t) => ({ template: t, segments: t.split("/") }));

function matchTemplates(path) {
	const segs = path.split("/");
	const found = templates.filter(
		(t) =>
			t.segments.length === segs.length &&
			t.segments.every((s, i) => (s.startsWith("{") ? segs[i] !== "" : s === segs[i])),
	);
	// A literal segment before a {parameter} one, at the first difference.
	found.sort((a, b) => {
		for (let i = 0; i < a.segments.length; i++) {
			const pa = a.segments[i].startsWith("{"), pb = b.segments[i].startsWith("{");
			if (pa !== pb)
				return pa ? 1 : -1;
		}
		return 0;
	});
	return found;
}

// Statuses every operation documents: what the server may answer before it
// routes, for any path. Each is checked against the shared response the
// operations use for it.
const generic = new Map();
{
	const ops = [];
	for (const [t, item] of Object.entries(doc.paths))
		for (const m of OPS)
			if (item[m])
				ops.push({ t, m, op: item[m] });
	for (const code of Object.keys(ops[0].op.responses))
		if (ops.every(({ op }) => op.responses[code]))
			generic.set(code, resolveResponse(ops[0].op.responses[code],
				`/paths/${escape(ops[0].t)}/${ops[0].m}/responses/${code}`));
}
const shared = (name) => ({ response: doc.components.responses[name], pointer: `/components/responses/${name}` });

function pickResponse(op, opPointer, status) {
	const code = String(status);
	for (const key of [code, code[0] + "XX", "default"])
		if (op.responses[key])
			return resolveResponse(op.responses[key], `${opPointer}/responses/${key}`);
	return null;
}

const isJson = (type) => /^application\/(.+\+)?json$/.test(type);

function pickMedia(content, contentType) {
	if (!contentType)
		return null;
	const full = contentType.trim().toLowerCase();
	const base = full.split(";")[0].trim();
	for (const key of Object.keys(content)) {
		const k = key.toLowerCase();
		if (k === full || k === base || k.split(";")[0].trim() === base)
			return key;
	}
	for (const key of Object.keys(content))
		if (key === "*/*" || (key.endsWith("/*") && base.startsWith(key.slice(0, -1))))
			return key;
	return null;
}

// Returns a list of problems (strings) for one logged answer, and the
// template it was checked under.
function check(entry) {
	const { method, status } = entry;
	if (typeof entry.path !== "string")
		return { template: "(path not UTF-8)", problems: ["the request path is not UTF-8"] };
	const path = entry.path.split("?")[0];
	const candidates = matchTemplates(path);
	let chosen = null, template = "(unrouted)", headOnly = method === "HEAD";

	if (candidates.length === 0) {
		chosen = status === 404 ? shared("NotFound") : generic.get(String(status));
		if (!chosen)
			return { template, problems: [`status ${status} for an unrouted path (only 404 and ${[...generic.keys()].join(", ")})`] };
	} else {
		template = candidates[0].template;
		const m = method.toLowerCase();
		const want = m === "head" ? "get" : m;
		const owner = candidates.find((c) => doc.paths[c.template][want]);
		if (owner) {
			template = owner.template;
			const opPointer = `/paths/${escape(owner.template)}/${want}`;
			chosen = pickResponse(doc.paths[owner.template][want], opPointer, status);
			if (!chosen)
				return { template, problems: [`status ${status} is not documented for ${method} ${template}`] };
		} else if (m === "options") {
			if (status === 204)
				return { template, problems: entry.body ? ["OPTIONS 204 with a body"] : [] };
			chosen = generic.get(String(status));
		} else {
			chosen = status === 405 ? shared("MethodNotAllowed") : generic.get(String(status));
		}
		if (!chosen)
			return { template, problems: [`status ${status} for ${method}, which ${template} does not answer (405 expected)`] };
	}

	const { response, pointer } = chosen;
	const content = response.content || {};
	const hasBody = entry.body === null || (entry.body !== undefined && entry.body !== "");
	if (headOnly)
		return { template, problems: [] };
	if (Object.keys(content).length === 0)
		return { template, problems: hasBody ? [`status ${status} documents no content but the answer has a body`] : [] };
	if (!hasBody && (status === 204 || status === 304))
		return { template, problems: [] };
	const media = pickMedia(content, entry.content_type);
	if (!media)
		return { template, problems: [`Content-Type ${entry.content_type ?? "(none)"} is not documented (${Object.keys(content).join(", ")})`] };
	const baseType = entry.content_type.split(";")[0].trim().toLowerCase();
	if (!isJson(baseType))
		return { template, problems: [] };
	if (entry.body === null)
		return { template, problems: [`${baseType} body is not UTF-8`] };
	let body;
	try {
		body = JSON.parse(entry.body);
	} catch (e) {
		return { template, problems: [`${baseType} body is not JSON: ${e.message}`] };
	}
	if (!content[media].schema)
		return { template, problems: [] };
	const validate = validatorAt(`${pointer}/content/${escape(media)}/schema`);
	if (validate(body))
		return { template, problems: [] };
	return {
		template,
		problems: validate.errors.map((e) => `${e.instancePath || "(body)"} ${e.message}` +
			(e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : "") +
			` [schema ${e.schemaPath}]`),
	};
}

const lines = fs.existsSync(logPath) ? fs.readFileSync(logPath, "utf8").split("\n").filter(Boolean) : [];
if (lines.length === 0) {
	console.error(`openapi-validate: ${logPath} holds no responses: nothing was checked`);
	process.exit(1);
}
const failures = new Map();
const skipped = new Map();
let passed = 0, failed = 0;
for (const line of lines) {
	const entry = JSON.parse(line);
	const consoleFile = typeof entry.path === "string" && /^\/console(\/|\?|$)/.test(entry.path);
	const reason = entry.unchecked ||
		(consoleFile ? "the web console's files (/console/...) are not part of the API document" : null);
	if (reason) {
		skipped.set(reason, (skipped.get(reason) || 0) + 1);
		continue;
	}
	const { template, problems } = check(entry);
	if (problems.length === 0) {
		passed++;
		continue;
	}
	failed++;
	for (const p of problems) {
		const key = `${entry.method} ${template} ${entry.status}: ${p}`;
		const f = failures.get(key) || { count: 0, example: entry.path, body: entry.body };
		f.count++;
		failures.set(key, f);
	}
}
for (const [key, f] of failures) {
	const body = typeof f.body === "string" ? f.body.slice(0, 300) : f.body;
	console.log(`FAIL ${key}\n     ${f.count}x, e.g. ${f.example}: ${JSON.stringify(body)}`);
}
for (const [reason, count] of skipped)
	console.log(`skipped ${count}x: ${reason}`);
console.log(`openapi-validate: ${lines.length} responses logged, checked against ${docPath}`);
console.log(`openapi-validate: ${passed} passed, ${failed} failed, ${[...skipped.values()].reduce((a, b) => a + b, 0)} skipped`);
process.exit(failed ? 1 : 0);
