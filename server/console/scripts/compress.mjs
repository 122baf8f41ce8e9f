// Writes X.gz and X.br beside every compressible file of the built console,
// so fieldtrace answers precompressed bytes and never compresses per request.
// Node's own zlib (gzip level 9, brotli quality 11); files that do not shrink
// get no sibling.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.map']);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const root = process.argv[2];
if (!root) {
  console.error('usage: compress.mjs DIR');
  process.exit(2);
}
let files = 0;
for (const path of walk(root)) {
  if (!COMPRESSIBLE.has(extname(path))) continue;
  const raw = readFileSync(path);
  const gz = gzipSync(raw, { level: 9 });
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  if (gz.length < raw.length) writeFileSync(path + '.gz', gz);
  if (br.length < raw.length) writeFileSync(path + '.br', br);
  files++;
}
console.log(`compress: ${files} files in ${root}`);
