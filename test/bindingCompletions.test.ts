// The vfio binding setup completions (modules, blacklist, ids, by address) that replaced static
// snippets: list items merge into the file's list, text options are written only where none
// exists, the machine's card is used when it is clear, and nothing is offered that would take the
// host's display driver, replace ids already set, or fight a binding the configuration has.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeConfiguration } from '../server/src/analysis/analyze';
import { diskLoader } from '../server/src/model/loadFiles';
import { complete, nixParses } from './completionHelpers';
import { sharedParser } from './helpers';
import { loadMachine } from './ruleFixtures';

const labels = (items: { label: string }[]) => items.map((item) => item.label);

/** The error findings of a configuration text, checked against `machine`. */
async function errorsOf(text: string, machine: string): Promise<string[]> {
  const analysis = analyzeConfiguration(
    '/completed/configuration.nix',
    diskLoader(await sharedParser(), (path) => (path === '/completed/configuration.nix' ? { text } : undefined)),
    loadMachine(machine),
  );
  return analysis.findings.filter((finding) => finding.severity === 'error').map((finding) => `${finding.code}: ${finding.message}`);
}

describe('vfio binding setup completions', () => {
  it('vfio-modules: the missing modules join the initrd list of the file, once', async (t) => {
    const items = await complete('{ ... }:\n{\n  boot.initrd.kernelModules = [ "nvme" "vfio" ];\n  vfio-mod‸\n}\n', 'intel-igpu-gtx');
    const modules = items.find((item) => item.label === 'vfio-modules');
    assert.ok(modules, labels(items).join(', '));
    assert.equal(modules.result, '{ ... }:\n{\n  boot.initrd.kernelModules = [ "nvme" "vfio" "vfio_pci" "vfio_iommu_type1" ];\n  \n}\n');
    nixParses(t, modules.result);
    const again = await complete(modules.result.replace('\n  \n', '\n  vfio-mod‸\n'), 'intel-igpu-gtx');
    assert.ok(!labels(again).includes('vfio-modules'), 'all three are there: nothing more to add');
  });

  it('vfio-modules inside `boot = { … }` is written relative to that set', async (t) => {
    const items = await complete('{ ... }:\n{\n  boot = {\n    loader.systemd-boot.enable = true;\n    vfio-mod‸\n  };\n}\n', 'intel-igpu-gtx');
    const modules = items.find((item) => item.label === 'vfio-modules');
    assert.ok(modules);
    assert.match(modules.result, /\n {4}initrd\.kernelModules = \[ "vfio_pci" "vfio" "vfio_iommu_type1" \];\n/);
    const ids = (await complete('{ ... }:\n{\n  boot = {\n    loader.systemd-boot.enable = true;\n    vfio-ids‸\n  };\n}\n', 'intel-igpu-gtx')).find(
      (item) => item.label === 'vfio-ids',
    );
    assert.ok(ids);
    // Every line at the set's indentation, the text's lines one step deeper.
    assert.match(ids.result, /\n {4}extraModprobeConfig = ''\n {6}options vfio-pci ids=10de:13c0,10de:0fbb\n(?: {6}softdep \S+ pre: vfio-pci\n)+ {4}'';\n/);
    nixParses(t, ids.result);
    nixParses(t, modules.result);
  });

  it('vfio-modules says nothing where early vfio_pci would break a binding or come after a GPU driver', async () => {
    const script =
      "{ ... }:\n{\n  boot.initrd.preDeviceCommands = ''\n    for DEV in 0000:0f:00.0 0000:0f:00.1; do\n      echo vfio-pci > /sys/bus/pci/devices/$DEV/driver_override\n    done\n    modprobe -i vfio-pci\n  '';\n  vfio-mod‸\n}\n";
    assert.ok(!labels(await complete(script, 'intel-igpu-gtx')).includes('vfio-modules'));
    const gpuFirst = '{ ... }:\n{\n  boot.initrd.kernelModules = [ "i915" ];\n  vfio-mod‸\n}\n';
    assert.ok(!labels(await complete(gpuFirst, 'intel-igpu-gtx')).includes('vfio-modules'));
  });

  it('vfio-blacklist offers only drivers no card the host keeps needs, merged into the list', async (t) => {
    // The host runs on the Intel iGPU (i915) and the GTX goes to the guest: nouveau and nvidia may go.
    const items = await complete('{ ... }:\n{\n  boot.blacklistedKernelModules = [ "pcspkr" ];\n  vfio-black‸\n}\n', 'intel-igpu-gtx');
    const offered = labels(items).filter((label) => label.startsWith('vfio-blacklist'));
    assert.deepEqual(offered.sort(), ['vfio-blacklist nouveau']);
    const nouveau = items.find((item) => item.label === 'vfio-blacklist nouveau')!;
    assert.match(nouveau.result, /boot\.blacklistedKernelModules = \[ "pcspkr" "nouveau" \];/);
    nixParses(t, nouveau.result);
    // Two NVIDIA cards and no boot GPU in the snapshot: the host keeps one of them, so no NVIDIA driver may go.
    assert.deepEqual(
      labels(await complete('{ ... }:\n{\n  vfio-black‸\n}\n', 'guide-970-980')).filter((label) => label.startsWith('vfio-blacklist')),
      [],
    );
    // The AMD host GPU's drivers are never offered on the NVIDIA-guest desktop.
    const amd = labels(await complete('{ ... }:\n{\n  vfio-black‸\n}\n', 'amd-desktop')).filter((label) => label.startsWith('vfio-blacklist'));
    assert.ok(amd.length > 0 && amd.every((label) => /nvidia|nouveau/.test(label)), amd.join(', '));
  });

  it("vfio-ids binds the guest card's whole group by id, with softdeps, and the result has no error", async (t) => {
    const text =
      '{ ... }:\n{\n  boot.kernelParams = [ "intel_iommu=on" ];\n  boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];\n  vfio-ids‸\n}\n';
    const ids = (await complete(text, 'intel-igpu-gtx')).find((item) => item.label === 'vfio-ids');
    assert.ok(ids);
    assert.match(ids.result, /options vfio-pci ids=10de:13c0,10de:0fbb\n/);
    assert.match(ids.result, /softdep nouveau pre: vfio-pci\n/);
    nixParses(t, ids.result);
    assert.deepEqual(await errorsOf(ids.result, 'intel-igpu-gtx'), []);
  });

  it('vfio-ids is not offered where ids are set already, or where the ids would take the host card too', async () => {
    const set = '{ ... }:\n{\n  boot.kernelParams = [ "vfio-pci.ids=10de:13c0" ];\n  vfio-ids‸\n}\n';
    assert.ok(!labels(await complete(set, 'intel-igpu-gtx')).includes('vfio-ids'));
    // Identical cards: the by-address binding is offered instead, with the guest card's addresses.
    const twins = await complete('{ ... }:\n{\n  vfio-‸\n}\n', 'twin-gpus');
    assert.ok(!labels(twins).includes('vfio-ids'), labels(twins).join(', '));
    const byAddress = twins.find((item) => item.label === 'vfio-driver-override');
    assert.ok(byAddress);
    assert.match(byAddress.result, /DEVS="0000:08:00\.0 0000:08:00\.1"/);
  });

  it('vfio-driver-override writes udev rules when the systemd initrd is on, and parses', async (t) => {
    const text = '{ ... }:\n{\n  boot.initrd.systemd.enable = true;\n  vfio-driver‸\n}\n';
    const override = (await complete(text, 'twin-gpus')).find((item) => item.label === 'vfio-driver-override');
    assert.ok(override);
    assert.match(override.result, /boot\.initrd\.services\.udev\.rules = ''\n/);
    assert.match(override.result, /KERNEL=="0000:08:00\.0", ATTR\{driver_override\}="vfio-pci"/);
    assert.doesNotMatch(override.result, /preDeviceCommands/);
    nixParses(t, override.result);
  });

  it('without a snapshot the example values are said to be examples; inside a set for another option nothing is written', async () => {
    const items = await complete('{ ... }:\n{\n  vfio-‸\n}\n', undefined);
    const ids = items.find((item) => item.label === 'vfio-ids');
    assert.ok(ids);
    assert.match(ids.result, /ids=10de:1b80,10de:10f0/);
    assert.match(ids.detail, /example ids/);
    assert.match(items.find((item) => item.label === 'vfio-driver-override')?.detail ?? '', /example addresses/);
    assert.deepEqual(await complete('{ ... }:\n{\n  networking = {\n    hostName = "desk";\n    vfio-‸\n  };\n}\n', 'intel-igpu-gtx'), []);
  });
});
