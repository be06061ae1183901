// The IOMMU and ACS setup completions: a kernel parameter joins the file's boot.kernelParams list
// (as an additional edit) instead of a second `boot.kernelParams = …;`, which Nix rejects as a
// duplicate attribute.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { complete, nixParses } from './completionHelpers';

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
