// The IOMMU and ACS setup completions: a kernel parameter joins the file's boot.kernelParams list
// (as an additional edit) instead of a second `boot.kernelParams = …;`, which Nix rejects as a
// duplicate attribute.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, TestContext } from 'node:test';
import { setupCompletionsAt } from '../server/src/editor/setupCompletions';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { applyEdits } from '../server/src/text';
import { loadMachine } from './ruleFixtures';
import { sharedParser } from './helpers';
import { needsNixInstantiate, nixParseError } from './nixInstantiate';

const CURSOR = '‸';

/** Completes at the cursor mark of `text` and returns the items with the file's text after each. */
async function complete(text: string, machine = 'guide-970-980'): Promise<{ label: string; result: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-setup-'));
  try {
    const file = join(dir, 'configuration.nix');
    const offset = text.indexOf(CURSOR);
    const written = text.replace(CURSOR, '');
    writeFileSync(file, written);
    const model = buildModel(file, diskLoader(await sharedParser()));
    return setupCompletionsAt(model, loadMachine(machine), file, offset).map((item) => ({
      label: item.label,
      result: applyEdits(written, [{ range: item.replace, newText: item.insertText }, ...(item.additionalEdits ?? [])]),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Nix accepts the text (skipped, and reported so, only with NIX_VFIO_SKIP_NIX=1 where nix-instantiate is missing). */
function nixParses(t: TestContext, text: string): void {
  if (needsNixInstantiate(t)) assert.equal(nixParseError(text), undefined, text);
}

const count = (text: string, what: string) => text.split(what).length - 1;

describe('IOMMU and ACS setup completions', () => {
  it('the IOMMU parameter joins an existing boot.kernelParams list', async (t) => {
    const items = await complete('{ ... }:\n{\n  boot.kernelParams = [ "quiet" ];\n  vfio-iom‸\n}\n');
    const iommu = items.find((item) => item.label === 'vfio-iommu');
    assert.ok(iommu);
    assert.equal(iommu.result, '{ ... }:\n{\n  boot.kernelParams = [ "quiet" "intel_iommu=on" ];\n  \n}\n');
    assert.equal(count(iommu.result, 'kernelParams'), 1);
    nixParses(t, iommu.result);
  });

  it('the IOMMU parameter inside `boot = { … }` also joins the list there', async (t) => {
    const items = await complete('{ ... }:\n{\n  boot = {\n    kernelParams = [\n      "quiet"\n    ];\n  };\n  vfio-iommu‸\n}\n');
    const iommu = items.find((item) => item.label === 'vfio-iommu');
    assert.ok(iommu);
    assert.match(iommu.result, /"quiet"\n {6}"intel_iommu=on"\n/);
    nixParses(t, iommu.result);
  });

  it('without boot.kernelParams in the file it writes the binding', async () => {
    const items = await complete('{ ... }:\n{\n  networking.hostName = "desk";\n  vfio-iommu‸\n}\n');
    assert.equal(
      items.find((item) => item.label === 'vfio-iommu')?.result,
      '{ ... }:\n{\n  networking.hostName = "desk";\n  boot.kernelParams = [ "intel_iommu=on" ];\n}\n',
    );
  });

  it('offers nothing that would define boot.kernelParams twice: already there, or bound to an expression', async () => {
    assert.deepEqual(await complete('{ ... }:\n{\n  boot.kernelParams = [ "intel_iommu=on" ];\n  vfio-iommu‸\n}\n'), []);
    assert.deepEqual(await complete('{ lib, ... }:\nlet params = [ ]; in\n{\n  boot.kernelParams = lib.mkForce params;\n  vfio-iommu‸\n}\n'), []);
  });

  it('nothing for the IOMMU on an AMD machine, and nothing inside a value', async () => {
    assert.deepEqual(await complete('{ ... }:\n{\n  vfio-iommu‸\n}\n', 'amd-desktop'), []);
    assert.deepEqual(await complete("{ ... }:\n{\n  boot.postBootCommands = ''\n    vfio-iommu‸\n  '';\n}\n"), []);
  });

  it('the ACS patch merges its parameter into the existing list and parses', async (t) => {
    const items = await complete('{ ... }:\n{\n  boot.kernelParams = [ "intel_iommu=on" ];\n  vfio-acs‸\n}\n');
    const acs = items.find((item) => item.label === 'vfio-acs-patch');
    assert.ok(acs);
    assert.equal(count(acs.result, 'kernelParams'), 1);
    assert.match(acs.result, /"intel_iommu=on" "pcie_acs_override=downstream,multifunction"/);
    assert.match(acs.result, /boot\.kernelPatches = \[/);
    nixParses(t, acs.result);
  });
});
