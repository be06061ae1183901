// `nix-vfio check --format sarif` against the OASIS SARIF 2.1.0 JSON schema (the final rtm.5
// schema, as shipped in @microsoft/jest-sarif; read from node_modules, no network).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv-draft-04';
import { runCli } from '../server/src/cli/main';
import { FIXTURES, REPO_ROOT } from './helpers';

const SCHEMA = join(REPO_ROOT, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
const TWO_HOSTS = join(FIXTURES, 'hosts', 'flake-two-hosts');

function validator() {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
  assert.match(schema.title, /SARIF\) Version 2\.1\.0/);
  // The schema's `language` pattern has a stray `]`, which only non-unicode regular expressions accept.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  return Object.assign((data: unknown) => validate(data), { errors: () => validate.errors });
}

async function sarifOf(argv: string[], cwd: string): Promise<{ code: number; log: any }> {
  let stdout = '';
  const code = await runCli(['check', ...argv, '--format', 'sarif'], { stdout: (text) => (stdout += text), stderr: () => undefined, cwd });
  return { code, log: JSON.parse(stdout) };
}

describe('SARIF output', () => {
  it('validates against the SARIF 2.1.0 schema, with each result placed, levelled and named after its host', async () => {
    const validate = validator();
    const { code, log } = await sarifOf(['.'], TWO_HOSTS);
    assert.equal(code, 1);
    assert.ok(validate(log), JSON.stringify(validate.errors(), null, 2));
    const [run] = log.runs;
    assert.equal(log.version, '2.1.0');
    assert.deepEqual(
      run.results.map((result: any) => [
        result.ruleId,
        result.level,
        result.locations[0].physicalLocation.artifactLocation.uri,
        result.locations[0].physicalLocation.region.startLine,
        result.properties.host,
      ]),
      [
        ['iommu-pt-info', 'note', 'hosts/desk/default.nix', 12, 'desk'],
        ['vfio-group-incomplete', 'error', 'modules/vfio.nix', 6, 'desk'],
        ['vfio-device-not-present', 'error', 'modules/vfio.nix', 7, 'desk'],
      ],
    );
    for (const result of run.results) assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
  });

  it('an empty run is valid too, and the validator does reject a log that breaks the schema', async () => {
    const validate = validator();
    const { code, log } = await sarifOf(['.', '--host', 'laptop'], TWO_HOSTS);
    assert.equal(code, 0);
    assert.ok(validate(log), JSON.stringify(validate.errors()));
    assert.deepEqual(log.runs[0].results, []);
    const broken = structuredClone((await sarifOf(['.'], TWO_HOSTS)).log);
    broken.runs[0].results[0].level = 'fatal';
    assert.equal(validate(broken), false);
  });
});
