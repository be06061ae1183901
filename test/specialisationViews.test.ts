// A specialisation's view reads only its own definitions where a rule reports per definition
// (`ConfigView.ownDefinitions`, `readsOwnOnly`), and shares what was read from the base where it
// adds nothing (vfio bindings, kernel-param-conflict's entries). The findings must be exactly the
// ones every view gets when it reads all its definitions (`readViewsInFull`, how every view read
// before), and so must what each view reads (modules, modprobe lines, vfio bindings): compared here on every rule fixture, on each fixture imported into specialisations of
// several kinds, and on generated configurations with many specialisations.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Analysis, runRules } from '../server/src/analysis/analyze';
import type { HardwareSnapshot } from '../server/src/hardware/snapshot';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { ConfigView, configViews, readViewsInFull } from '../server/src/model/optionModel';
import type { IdAssignment } from '../server/src/vfio/effectiveIds';
import { blacklisted, kernelModules } from '../server/src/vfio/kernelModules';
import { blacklistedModules, modprobeLines } from '../server/src/vfio/modprobeConfig';
import { idAssignments, VfioBinding, vfioBindings, writtenBindings } from '../server/src/vfio/vfioBindings';
import { AnalysisSettings } from '../server/src/rules/types';
import { loadMachine, ruleCases } from './ruleFixtures';
import { DEFAULT_SETTINGS } from '../server/src/analysis/analyze';
import { seededRandom, sharedParser } from './helpers';

interface Compared {
  shortcut: Analysis;
  full: Analysis;
  /** Each view's vfio bindings and id assignments, as `bindingsOf` writes them. */
  shortcutBindings: unknown[];
  fullBindings: unknown[];
}

/** A view's modules, modprobe lines, blacklist, bindings (in order) and id assignments with which one overrides which, by position. */
function bindingsOf(view: ConfigView): unknown {
  const assignments = idAssignments(view);
  const at = (assignment: IdAssignment | undefined) => (assignment === undefined ? undefined : assignments.indexOf(assignment));
  const shown = (binding: VfioBinding) => [binding.via, binding.token, binding.file, binding.range, binding.exact, binding.noDevice, at(binding.assignment)];
  return {
    modules: kernelModules(view).map((entry) => [entry.name, entry.option, entry.range, entry.definition.file]),
    initrdModules: kernelModules(view, ['boot.initrd.kernelModules']).map((entry) => [entry.name, entry.range]),
    modprobe: modprobeLines(view).map((line) => [line.text, line.range, line.words]),
    blacklisted: [...blacklisted(view)],
    blacklistedModules: [...blacklistedModules(view)],
    written: writtenBindings(view).map(shown),
    effective: vfioBindings(view).map(shown),
    assignments: assignments.map((assignment) => [assignment.via, assignment.range, assignment.ids.map(shown), at(assignment.overriddenBy)]),
  };
}

/** The findings with each view reading only its own definitions (as shipped) and with every view reading all of them. */
async function bothWays(root: string, hardware: HardwareSnapshot | undefined, settings: AnalysisSettings): Promise<Compared> {
  const parser = await sharedParser();
  const shortcutModel = buildModel(root, diskLoader(parser));
  const shortcut = runRules(shortcutModel, hardware, settings);
  const fullModel = buildModel(root, diskLoader(parser));
  readViewsInFull(fullModel);
  const full = runRules(fullModel, hardware, settings);
  return { shortcut, full, shortcutBindings: configViews(shortcutModel).map(bindingsOf), fullBindings: configViews(fullModel).map(bindingsOf) };
}

function assertSame({ shortcut, full, shortcutBindings, fullBindings }: Compared, name: string): void {
  assert.deepEqual(shortcutBindings, fullBindings, `${name}: what the views read differs`);
  assert.deepEqual(
    shortcut.ruleFailures.map((failure) => failure.code),
    full.ruleFailures.map((failure) => failure.code),
    `${name}: rule failures`,
  );
  assert.deepEqual(shortcut.findings, full.findings, `${name}: findings differ`);
}

/**
 * The fixture imported into the base and again into specialisations: one that adds it again
 * (owns copies of every definition), one that forces its own kernel parameters (drops the base's),
 * one that does not inherit the base, one whose own parameters contradict, reserve hugepages,
 * override ACS and bind ids, and one that sets nothing the rules read.
 */
function wrapper(fixtureRoot: string): string {
  // An absolute path string: imports take one as the file it names.
  const imported = JSON.stringify(fixtureRoot);
  return `{ lib, ... }:
{
  imports = [ ${imported} ];
  specialisation.again.configuration = { imports = [ ${imported} ]; };
  specialisation.forced.configuration.boot.kernelParams = lib.mkForce [ "iommu=pt" "intel_iommu=off" ];
  specialisation.alone = {
    inheritParentConfig = false;
    configuration = { imports = [ ${imported} ]; boot.kernelParams = [ "amd_iommu=on" ]; };
  };
  specialisation.extra.configuration = {
    boot.kernelParams = [ "intel_iommu=off" "iommu=nopt" "hugepages=4" "pcie_acs_override=downstream" "amd_iommu=on" "vfio-pci.ids=10de:1b80" "video=efifb:off" "ids=1002:67df" "allow_unsafe_interrupts=1" "pci=nomsi" "intel_iomu=on" ];
    boot.extraModprobeConfig = "options vfio-pci ids=10de:1b81";
    boot.kernel.sysctl."vm.nr_hugepages" = 8;
    boot.kernelModules = lib.mkForce [ "kvm-amd" ];
  };
  specialisation.quiet.configuration.services.openssh.enable = true;
}
`;
}

const work = mkdtempSync(join(tmpdir(), 'nix-vfio-spec-views-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('specialisation views read only their own definitions, with the same findings', () => {
  const cases = ruleCases();

  it('on every rule fixture', async () => {
    for (const fixture of cases) assertSame(await bothWays(fixture.root, fixture.hardware, fixture.settings), fixture.name);
  });

  it('on every rule fixture imported into specialisations (again, forced, not inheriting, contradicting, quiet)', async () => {
    let compared = 0;
    for (const [index, fixture] of cases.entries()) {
      const root = join(work, `wrapped${index}.nix`);
      writeFileSync(root, wrapper(fixture.root));
      const result = await bothWays(root, fixture.hardware, fixture.settings);
      assertSame(result, `${fixture.name} in specialisations`);
      compared += result.full.findings.length;
    }
    // The wrapper itself must make findings in its specialisations, or the comparison says little.
    assert.ok(compared > cases.length * 5, `only ${compared} findings over ${cases.length} wrapped fixtures`);
  });

  it('on generated configurations: many base bindings, many specialisations, both with VFIO parameters', async () => {
    const random = seededRandom(3);
    const params = [
      'intel_iommu=on',
      'intel_iommu=off',
      'iommu=pt',
      'iommu=nopt',
      'amd_iommu=on',
      'hugepagesz=1G',
      'hugepages=4',
      'pcie_acs_override=downstream',
      'vfio-pci.ids=10de:1b80',
      'vfio_pci.ids=10de:1b81',
      'video=efifb:off',
      'pci=nomsi',
      'quiet',
      'a b',
    ];
    const pick = () => params[Math.floor(random() * params.length)]!;
    const wrappers = ['', 'lib.mkForce ', 'lib.mkDefault ', 'lib.mkIf true '];
    const machine = loadMachine('guide-desktop');
    for (let round = 0; round < 6; round++) {
      const base = Array.from(
        { length: 40 },
        (_, i) =>
          `    { boot.kernelParams = ${i % 17 === 16 ? wrappers[round % 4] : ''}[ "${pick()}" "p${i}=${i}" ]; ` +
          (i % 5 === 0
            ? `boot.kernelModules = [ "m${i}" ]; boot.extraModprobeConfig = "options m${i} x=1\\nblacklist b${i + 1}"; boot.blacklistedKernelModules = [ "b${i}" ]; `
            : '') +
          '}',
      );
      const specs = Array.from({ length: 60 }, (_, i) => {
        const own = i % 3 === 0 ? '' : `boot.kernelParams = ${wrappers[Math.floor(random() * wrappers.length)]}[ "${pick()}" "${pick()}" ];`;
        const inherit = i % 11 === 10 ? 'inheritParentConfig = false; ' : '';
        const modprobe = i % 7 === 6 ? `boot.extraModprobeConfig = "options vfio-pci ids=10de:1b8${i % 10}";` : '';
        const modules =
          i % 4 === 1
            ? `boot.kernelModules = [ "vfio_pci" "kvm-intel" ]; boot.initrd.kernelModules = [ "vfio" ]; boot.blacklistedKernelModules = [ "b${i}" ];`
            : '';
        return `  specialisation.s${i} = { ${inherit}configuration = { ${own} ${modprobe} ${modules} }; };`;
      });
      const root = join(work, `generated${round}.nix`);
      // Half the specialisations in an import (before the base's definitions in model order), half after them.
      const [imported, inline] = [specs.filter((_, i) => i % 2 === 0), specs.filter((_, i) => i % 2 === 1)];
      writeFileSync(
        root,
        `{ lib, ... }:\n{\n  imports = [ ./generated${round}-specs.nix ];\n  config = lib.mkMerge [\n${base.join('\n')}\n    {\n${inline.join('\n')}\n    }\n  ];\n}\n`,
      );
      writeFileSync(join(work, `generated${round}-specs.nix`), `{ lib, ... }:\n{\n${imported.join('\n')}\n}\n`);
      for (const hardware of [undefined, machine]) {
        const result = await bothWays(root, hardware, DEFAULT_SETTINGS);
        assertSame(result, `generated round ${round}${hardware ? ' with hardware' : ''}`);
        const model = buildModel(root, diskLoader(await sharedParser()));
        assert.ok(configViews(model).length > 50, 'the specialisations are read');
        assert.ok(result.full.findings.length > 50, `round ${round}: only ${result.full.findings.length} findings`);
      }
    }
  });
});
