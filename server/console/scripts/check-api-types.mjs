// The typed API client is generated from docs/openapi.json (npm run gen:api).
// The build fails when the committed src/api/schema.d.ts no longer matches the
// document, so the console and the API cannot drift apart unnoticed.
import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const doc = new URL('../../../docs/openapi.json', import.meta.url);
const committed = new URL('../src/api/schema.d.ts', import.meta.url);
const ast = await openapiTS(JSON.parse(readFileSync(doc, 'utf8')));
const fresh = astToString(ast);
const have = readFileSync(committed, 'utf8');
const strip = (s) => s.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim();
if (strip(fresh) !== strip(have)) {
  console.error('src/api/schema.d.ts is out of date with docs/openapi.json: run `npm run gen:api`');
  process.exit(1);
}
