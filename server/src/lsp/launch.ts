#!/usr/bin/env node
// The server process's entry (dist/server.js). It runs the server bundle (dist/serverBundle.js)
// with V8's code cache: the first process stores, beside the bundle, the bytecode compiled up to its
// first analysis, and later ones skip most of the parsing and compiling on their cold start.
// The cache's name holds the bundle's hash and the V8 version, so a cache from another build or
// another runtime (VS Code's Electron versus node) is never offered; V8 still checks what it is
// given (a rejected cache only costs the compile it would have saved), and a damaged file is
// caught by our own digest, since V8 would crash on it. Where the folder is not
// writable (an install in the Nix store) the server simply runs uncached.
// First: V8 refuses code cache made under other flags, so the flag is set before the cache is read or made.
import './heapPolicy';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { join } from 'node:path';
import { constants, Script } from 'node:vm';
import { readRegularFile } from '../regularFile';

/** Put in by scripts/bundle.mjs: the sha256 of serverBundle.js. */
declare const SERVER_BUNDLE_HASH: string;

const bundlePath = join(__dirname, 'serverBundle.js');
const cachePath = join(__dirname, `serverBundle.${SERVER_BUNDLE_HASH.slice(0, 16)}.${process.arch}.v8-${process.versions.v8}.cache`);

/** The cache file: a sha256 of the data, then V8's data. */
const DIGEST_BYTES = 32;
/** Far above any real cache (a few MiB): a bigger file is not ours. */
const MAX_CODE_CACHE_BYTES = 256 * 1024 * 1024;
const digest = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

/** The stored cache, if there is one and it is intact: node's V8 does not check its data and crashes on a damaged one. */
function readCodeCache(): Buffer | undefined {
  const read = readRegularFile(cachePath, { maxBytes: MAX_CODE_CACHE_BYTES });
  if (!read.ok) return undefined; // none yet (or unreadable, or not a regular file): compile from source
  const stored = read.bytes;
  const data = stored.subarray(DIGEST_BYTES);
  return stored.length > DIGEST_BYTES && digest(data).equals(stored.subarray(0, DIGEST_BYTES)) ? data : undefined;
}

const cachedData = readCodeCache();
const script = new Script(wrap(readFileSync(bundlePath, 'utf8')), {
  filename: bundlePath,
  cachedData,
  // Keeps import() working inside the bundle as it would under require (undefined before node 20.12).
  importModuleDynamically: constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
const bundle = { exports: {} as { firstAnalysis?: Promise<void> } };
script.runInThisContext()(bundle.exports, createRequire(bundlePath), bundle, bundlePath, __dirname);

if (cachedData === undefined || script.cachedDataRejected) {
  // After the first diagnostics are out, so the cache covers the analysis and delays nothing visible.
  void bundle.exports.firstAnalysis?.then(() => setImmediate(storeCodeCache));
}

function storeCodeCache(): void {
  // Written aside and renamed, so a server starting meanwhile never reads half a cache.
  const partial = `${cachePath}.${process.pid}`;
  try {
    const data = script.createCachedData();
    writeFileSync(partial, Buffer.concat([digest(data), data]));
    renameSync(partial, cachePath);
  } catch {
    rmSync(partial, { force: true });
  }
}
