// What specialisations cost over a large base configuration: every specialisation inherits the
// base's definitions, and each view once read them all again (base × specialisations). Checked
// in process (model and rules), beside the same run's floor: the base checked without the
// specialisations plus the specialisations checked without the base, which is what reading the
// base once and each specialisation's own definitions once would cost. Target: twice that floor.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { NixParser } = require(join(root, 'out/server/src/parse/nixParser.js'));
const { analyzeConfiguration } = require(join(root, 'out/server/src/analysis/analyze.js'));
const { diskLoader } = require(join(root, 'out/server/src/model/loadFiles.js'));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** Bindings of the options the vfio layer reads per view, one per base entry in turn. */
const MIXED = [
  (i) => `boot.kernelParams = [ "p${i}=1" ];`,
  (i) => `boot.kernelModules = [ "m${i}" ];`,
  (i) => `boot.initrd.kernelModules = [ "i${i}" ];`,
  (i) => `boot.blacklistedKernelModules = [ "b${i}" ];`,
  (i) => `boot.extraModprobeConfig = "options m${i} x=1";`,
  (i) => `services.s${i}.enable = true;`,
];

/**
 * Each shape: the base module's bindings and the specialisations' module (imported by the base).
 * The first is the generated-shapes fuzz case that took over 20 s (one binding a line, as the
 * fuzzing writes them); the others are written as people write modules (mkMerge of sets).
 */
const SHAPES = [
  {
    name: '5,260 base boot.kernelParams bindings × 1,979 specialisations setting their own (the shapes fuzzing case)',
    base: Array.from({ length: 5260 }, (_, i) => `  boot.kernelParams = [ "p${i}=${i}" ];`).join('\n'),
    specialisations: Array.from({ length: 1979 }, (_, i) => `  specialisation.s${i}.configuration.boot.kernelParams = [ "iommu=pt" "amd_iommu=on" ];`).join(
      '\n',
    ),
  },
  {
    name: '2,500 base boot.kernelParams + 2,500 other bindings (mkMerge) × 2,000 specialisations with parameters and modules',
    base: `  config = lib.mkMerge [\n${Array.from(
      { length: 2500 },
      (_, i) => `    { boot.kernelParams = [ "p${i}=${i}" ${i % 100 === 0 ? '"intel_iommu=on" ' : ''}]; services.s${i}.enable = true; }`,
    ).join('\n')}\n  ];`,
    specialisations: Array.from(
      { length: 2000 },
      (_, i) =>
        `  specialisation.vm${i}.configuration = {\n    boot.kernelParams = [ "intel_iommu=${i % 2 ? 'on' : 'off'}" "vfio-pci.ids=10de:1b8${i % 10}" ];\n    boot.kernelModules = [ "vfio_pci" ];\n  };`,
    ).join('\n'),
  },
  {
    name: '5,000 base bindings of six options (mkMerge) × 2,000 specialisations with parameters, modules, modprobe lines and a blacklist',
    base: `  config = lib.mkMerge [\n${Array.from({ length: 5000 }, (_, i) => `    { ${MIXED[i % MIXED.length]?.(i) ?? ''} }`).join('\n')}\n  ];`,
    specialisations: Array.from(
      { length: 2000 },
      (_, i) =>
        `  specialisation.vm${i}.configuration = {\n    boot.kernelParams = [ "intel_iommu=on" "vfio-pci.ids=10de:1b8${i % 10}" ];\n` +
        '    boot.kernelModules = [ "vfio_pci" "kvm-intel" ];\n    boot.initrd.kernelModules = [ "vfio_pci" "vfio" ];\n' +
        '    boot.extraModprobeConfig = "softdep nvidia pre: vfio-pci";\n    boot.blacklistedKernelModules = [ "nouveau" ];\n  };',
    ).join('\n'),
  },
];

function analyse(parser, files) {
  const started = performance.now();
  const analysis = analyzeConfiguration(
    '/bench/configuration.nix',
    diskLoader(parser, (path) => (files[path] === undefined ? undefined : { text: files[path] })),
    undefined,
  );
  return { ms: performance.now() - started, findings: analysis.findings.length, failures: analysis.ruleFailures.length };
}

const moduleText = (body, imports) => `{ lib, ... }:\n{\n${imports ? `  imports = [ ./specialisations.nix ];\n` : ''}${body}\n}\n`;

export async function benchSpecialisations({ quick = false } = {}) {
  const parser = await NixParser.create();
  const runs = quick ? 1 : 3;
  const rows = [];
  for (const shape of SHAPES) {
    const whole = {
      '/bench/configuration.nix': moduleText(shape.base, true),
      '/bench/specialisations.nix': moduleText(shape.specialisations, false),
    };
    const baseAlone = { '/bench/configuration.nix': moduleText(shape.base, false) };
    const specialisationsAlone = { '/bench/configuration.nix': moduleText(shape.specialisations, false) };
    analyse(parser, whole); // warm-up
    const wholeRuns = Array.from({ length: runs }, () => analyse(parser, whole));
    const baseMs = median(Array.from({ length: runs }, () => analyse(parser, baseAlone).ms));
    const specialisationsMs = median(Array.from({ length: runs }, () => analyse(parser, specialisationsAlone).ms));
    const ms = median(wholeRuns.map((run) => run.ms));
    const floor = baseMs + specialisationsMs;
    rows.push([
      `${shape.name} (in process: model + rules)`,
      ms,
      2 * floor,
      'ms',
      `${wholeRuns[0]?.findings ?? 0} findings${wholeRuns[0]?.failures ? `, ${wholeRuns[0].failures} RULE FAILURES` : ''}; ×${(ms / floor).toFixed(2)} the floor`,
      `2 × floor ${floor.toFixed(0)} ms: base alone ${baseMs.toFixed(0)} + specialisations alone ${specialisationsMs.toFixed(0)} ms`,
    ]);
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { printRows } = await import('./bench-lsp.mjs');
  printRows('Specialisations over a large base', await benchSpecialisations({ quick: process.argv.includes('--quick') }));
}
