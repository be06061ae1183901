// Options lines in modprobe.d files written with environment.etc: which are read, and in which
// order kmod applies them against boot.extraModprobeConfig (/etc/modprobe.d/nixos.conf).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { configView } from '../server/src/model/optionModel';
import { vfioLoadStage } from '../server/src/vfio/modprobeFiles';
import { vfioBindings } from '../server/src/vfio/vfioBindings';
import { sharedParser } from './helpers';

async function modelOf(text: string) {
  const path = '/virtual/modprobe-files/configuration.nix';
  return buildModel(
    path,
    diskLoader(await sharedParser(), (file) => (file === path ? { text } : undefined)),
  );
}

const ids = (model: Awaited<ReturnType<typeof modelOf>>, specialisation?: string) =>
  vfioBindings(configView(model, specialisation))
    .filter((binding) => binding.kind === 'id')
    .map((binding) => binding.token);

describe('modprobe.d files written with environment.etc', () => {
  it('apply in name order when vfio-pci loads in stage 2: the later file wins', async () => {
    const model = await modelOf(`{
      boot.kernelModules = [ "vfio_pci" ];
      boot.extraModprobeConfig = "options vfio-pci ids=10de:13c0";
      environment.etc."modprobe.d/vfio.conf".text = "options vfio-pci ids=10de:0fbb";
    }`);
    assert.equal(vfioLoadStage(configView(model)), 'stage2');
    assert.deepEqual(ids(model), ['10de:0fbb']);
    const earlier = await modelOf(`{
      boot.kernelModules = [ "vfio_pci" ];
      boot.extraModprobeConfig = "options vfio-pci ids=10de:13c0";
      environment.etc."modprobe.d/00-vfio.conf".text = "options vfio-pci ids=10de:0fbb";
    }`);
    assert.deepEqual(ids(earlier), ['10de:13c0']);
  });

  it('never reach vfio-pci loaded in the initrd, also when only a specialisation loads it there', async () => {
    const model = await modelOf(`{
      boot.kernelModules = [ "vfio_pci" ];
      environment.etc."modprobe.d/vfio.conf".text = "options vfio-pci ids=10de:0fbb";
      specialisation.early.configuration.boot.initrd.kernelModules = [ "vfio_pci" ];
    }`);
    assert.deepEqual(ids(model), ['10de:0fbb']);
    assert.equal(vfioLoadStage(configView(model, 'early')), 'initrd');
    assert.deepEqual(ids(model, 'early'), []);
  });

  it("a specialisation's own file is ordered against the base's nixos.conf", async () => {
    const model = await modelOf(`{
      boot.kernelModules = [ "vfio_pci" ];
      boot.extraModprobeConfig = "options vfio-pci ids=10de:13c0";
      specialisation.vm.configuration.environment.etc."modprobe.d/vfio.conf".text = "options vfio-pci ids=10de:0fbb";
    }`);
    assert.deepEqual(ids(model), ['10de:13c0']);
    assert.deepEqual(ids(model, 'vm'), ['10de:0fbb']);
  });

  it('keep both when the order is not certain, and skip names kmod does not read', async () => {
    const model = await modelOf(`{ config, lib, ... }: {
      boot.initrd.kernelModules = lib.mkIf config.services.xserver.enable [ "vfio_pci" ];
      boot.extraModprobeConfig = "options vfio-pci ids=10de:13c0";
      environment.etc."modprobe.d/vfio.conf".text = "options vfio-pci ids=10de:0fbb";
      environment.etc."modprobe.d/vfio.off".text = "options vfio-pci ids=8086:1234";
      environment.etc."modprobe.d/.hidden.conf".text = "options vfio-pci ids=8086:5678";
    }`);
    assert.equal(vfioLoadStage(configView(model)), 'unknown');
    assert.deepEqual(ids(model).sort(), ['10de:0fbb', '10de:13c0']);
  });
});
