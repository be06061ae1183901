// Rules as data: each fixture configuration × hardware snapshot → the expected findings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedParser } from './helpers';
import { analyzeCase, expectedCodes, findingLines, ruleCases, SHARED_SCENARIOS } from './ruleFixtures';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { configViews } from '../server/src/model/optionModel';
import { RULES } from '../server/src/rules/registry';
import { kernelVersion } from '../server/src/vfio/kernelVersion';

const UPDATING = process.env.UPDATE_EXPECT === '1';

describe('rule fixtures', () => {
  for (const testCase of ruleCases()) {
    it(testCase.name, async () => {
      const analysis = analyzeCase(testCase, await sharedParser());
      assert.deepEqual(analysis.ruleFailures, []);
      const lines = findingLines(analysis, testCase.dir);
      if (UPDATING) writeFileSync(join(testCase.dir, 'expected.txt'), lines.map((line) => `${line}\n`).join(''));
      else assert.deepEqual(lines, testCase.expected, `${testCase.name}/expected.txt (UPDATE_EXPECT=1 rewrites it; review the diff)`);
      for (const finding of analysis.findings) assert.ok(finding.message.length > 20, `${finding.code} has a real message`);
    });
  }
});

describe('every rule has fixtures', () => {
  const cases = ruleCases();
  const codes = RULES.map((rule) => rule.code);

  it('folders are named after rule codes (or are the shared one), shared scenarios name the rules they are about', () => {
    for (const testCase of cases) {
      assert.ok(testCase.about.length > 0, `${testCase.name} says which rules it is about`);
      for (const code of testCase.about) assert.ok(codes.includes(code), `${testCase.name}: ${code} is a rule code`);
      if (testCase.name.startsWith(`${SHARED_SCENARIOS}/`)) continue;
      assert.equal(testCase.about.length, 1);
    }
  });

  for (const code of codes) {
    it(`${code}: a scenario where it reports and one where it stays silent`, () => {
      const about = cases.filter((testCase) => testCase.about.includes(code));
      const reporting = about.filter((testCase) => expectedCodes(testCase.expected).includes(code));
      assert.ok(reporting.length > 0, `no fixture in test/fixtures/rules/${code}/ (or a shared one about it) where ${code} reports`);
      assert.ok(reporting.length < about.length, `no fixture in test/fixtures/rules/${code}/ (or a shared one about it) where ${code} stays silent`);
    });
  }
});

describe('kernel version the rules assume', () => {
  const versionOf = async (text: string, nixosRelease: string) => {
    const path = '/virtual/kernel-version/configuration.nix';
    const model = buildModel(
      path,
      diskLoader(await sharedParser(), (file) => (file === path ? { text } : undefined)),
    );
    return kernelVersion(configViews(model)[0]!, undefined, nixosRelease);
  };

  it('names the target release and its default kernel when nothing else says', async () => {
    const kernel = await versionOf('{ }', '24.05');
    assert.deepEqual(kernel.version, [6, 6]);
    assert.match(kernel.source, /default kernel of NixOS 24\.05 \(6\.6\)/);
  });

  it('says "or newer" for a release newer than the ones it knows', async () => {
    const kernel = await versionOf('{ boot.kernelPackages = pkgs.linuxPackages; }', '26.05');
    assert.deepEqual(kernel.version, [6, 12]);
    assert.match(kernel.source, /NixOS 26\.05 \(6\.12 or newer\)/);
  });

  it('prefers a pinned kernel and says so', async () => {
    const kernel = await versionOf('{ pkgs, ... }: { boot.kernelPackages = pkgs.linuxPackages_6_1; }', '25.11');
    assert.deepEqual(kernel.version, [6, 1]);
    assert.match(kernel.source, /boot\.kernelPackages is pkgs\.linuxPackages_6_1/);
  });
});

describe('which initrd honours the blacklist', () => {
  const messages = async (name: string) => {
    const testCase = ruleCases().find((candidate) => candidate.scenario === name)!;
    return analyzeCase(testCase, await sharedParser())
      .findings.filter((finding) => finding.code === 'module-blacklisted-and-loaded')
      .map((finding) => finding.message);
  };

  it('says the scripted initrd loads a blacklisted module anyway', async () => {
    assert.match((await messages('blacklist-conflicts'))[0]!, /scripted initrd still loads it/);
  });

  it('says the systemd initrd skips it', async () => {
    assert.match((await messages('blacklist-systemd-initrd'))[0]!, /systemd initrd .* skips it/);
  });
});
