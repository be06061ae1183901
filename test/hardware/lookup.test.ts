// Which snapshot a configuration is checked against (docs/hardware-snapshot.md): the setting, else
// the nearest hardware.nix-vfio.json up to the workspace folder (one per host in a flake), else
// this machine, else none.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseHardware, HardwareChoice } from '../../server/src/hardware/lookup';

/** A flake with two hosts, one of them with its own snapshot, and one shared at the top. */
const FILES = new Set([
  '/ws/flake/hosts/desk/hardware.nix-vfio.json',
  '/ws/flake/hardware.nix-vfio.json',
  '/elsewhere/hardware.nix-vfio.json',
  '/ws/snapshots/desk.json',
]);
const exists = (path: string) => FILES.has(path);
const DEFAULTS = { snapshotFile: '', scanMachine: true };

const CASES: { name: string; config: string; settings?: Partial<typeof DEFAULTS>; folders?: string[]; expected: HardwareChoice }[] = [
  {
    name: 'a host with its own snapshot',
    config: '/ws/flake/hosts/desk/configuration.nix',
    expected: { kind: 'file', path: '/ws/flake/hosts/desk/hardware.nix-vfio.json' },
  },
  {
    name: 'a host without one takes the nearest parent',
    config: '/ws/flake/hosts/laptop/configuration.nix',
    expected: { kind: 'file', path: '/ws/flake/hardware.nix-vfio.json' },
  },
  {
    name: 'a module deeper down takes its host',
    config: '/ws/flake/hosts/desk/vfio/default.nix',
    expected: { kind: 'file', path: '/ws/flake/hosts/desk/hardware.nix-vfio.json' },
  },
  {
    name: 'the search stops at the workspace folder',
    config: '/ws/flake/hosts/laptop/configuration.nix',
    folders: ['/ws/flake/hosts'],
    expected: { kind: 'machine' },
  },
  {
    name: 'the setting wins, relative to the configuration',
    config: '/ws/flake/hosts/desk/configuration.nix',
    settings: { snapshotFile: '../../../snapshots/desk.json' },
    expected: { kind: 'file', path: '/ws/snapshots/desk.json' },
  },
  { name: 'no file: this machine', config: '/ws/other/configuration.nix', expected: { kind: 'machine' } },
  { name: 'no file and no machine scan: none', config: '/ws/other/configuration.nix', settings: { scanMachine: false }, expected: { kind: 'none' } },
  { name: 'outside the workspace, only its own folder', config: '/elsewhere/sub/configuration.nix', expected: { kind: 'machine' } },
  {
    name: 'outside the workspace, its own folder counts',
    config: '/elsewhere/configuration.nix',
    expected: { kind: 'file', path: '/elsewhere/hardware.nix-vfio.json' },
  },
];

describe('hardware lookup', () => {
  for (const { name, config, settings, folders, expected } of CASES) {
    it(name, () => {
      assert.deepEqual(chooseHardware(config, { ...DEFAULTS, ...settings }, folders ?? ['/ws'], exists), expected);
    });
  }
});
