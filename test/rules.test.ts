// Rules as data: each fixture configuration × hardware snapshot → the expected findings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedParser } from './helpers';
import { analyzeCase, findingLines, ruleCases } from './ruleFixtures';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { configViews } from '../server/src/model/optionModel';
import { kernelVersion } from '../server/src/rules/facts/kernelVersion';

describe('rule fixtures', () => {
  for (const testCase of ruleCases()) {
    it(testCase.name, async () => {
      const analysis = analyzeCase(testCase, await sharedParser());
      assert.deepEqual(analysis.ruleFailures, []);
      assert.deepEqual(findingLines(analysis, testCase.dir), [...testCase.expected].sort());
      for (const finding of analysis.findings) assert.ok(finding.message.length > 20, `${finding.code} has a real message`);
    });
  }
});

describe('kernel version the rules assume', () => {
  const versionOf = async (text: string, nixosRelease: string) => {
    const path = '/virtual/kernel-version/configuration.nix';
    const model = buildModel(path, diskLoader(await sharedParser(), (file) => (file === path ? { text } : undefined)));
    return kernelVersion(configViews(model)[0], undefined, nixosRelease);
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
    const testCase = ruleCases().find((candidate) => candidate.name === name)!;
    return analyzeCase(testCase, await sharedParser()).findings.filter((finding) => finding.code === 'module-blacklisted-and-loaded').map((finding) => finding.message);
  };

  it('says the scripted initrd loads a blacklisted module anyway', async () => {
    assert.match((await messages('blacklist-conflicts'))[0], /scripted initrd still loads it/);
  });

  it('says the systemd initrd skips it', async () => {
    assert.match((await messages('blacklist-systemd-initrd'))[0], /systemd initrd .* skips it/);
  });
});
