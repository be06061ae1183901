// Generated pathological configurations, shared by the tests and the bench.

/** A select chain of `names` names in a list: `x.a.a.a…`. */
export function selectChain(names: number): string {
  return `{ config, ... }:\nlet x = { }; in\n{\n  boot.kernelParams = [ x${'.a'.repeat(names)} ];\n  boot.kernelModules = [ "vfio pci" ];\n}\n`;
}

/** `count` specialisations, each setting kernel parameters and modules. */
export function manySpecialisations(count: number): string {
  const lines = ['{ ... }:', '{', '  boot.kernelParams = [ "intel_iommu=on" ];'];
  for (let i = 0; i < count; i++) {
    lines.push(`  specialisation.s${i}.configuration = { boot.kernelParams = [ "iommu=pt" "amd_iommu=on" ]; boot.kernelModules = [ "vfio_pci" ]; };`);
  }
  return [...lines, '}', ''].join('\n');
}

/**
 * A configuration with many findings of one kind: `lines` lines of `options vfio-pci ids=` naming
 * the ids of the guide machine's twin GTX 980s (each id collides: two vfio-id-collision findings
 * a line, plus vfio-boot-gpu-bound), among harmless lines up to `size` lines in all.
 */
export function collidingModprobeLines(lines: number, size = lines): string {
  const options = Array.from({ length: Math.max(lines, size) }, (_, i) =>
    i < lines ? '    options vfio-pci ids=10de:13c0,10de:0fbb\n' : '    options kvm ignore_msrs=1\n',
  ).join('');
  return `{ ... }:\n{\n  boot.kernelParams = [ "intel_iommu=on" ];\n  boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];\n  boot.extraModprobeConfig = ''\n${options}  '';\n}\n`;
}

/** Kernel parameters nothing reports, `p<i>=1`, so that files with few and many findings can have one size. */
const fillerParams = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => `    "p${from + i}=1"\n`).join('');

/**
 * `items` copies of `"amd_iommu=on"` (one amd-iommu-on-invalid each), among harmless parameters up
 * to `size` items. `mapped`: made by `map` from lists of `"on"`s (200 a list: the model reads `map`
 * over lists of up to 256), so no list element is the item itself and no removal can be offered.
 */
export function repeatedAmdIommuOn(items: number, mapped = false, size = items): string {
  if (!mapped) return `{ ... }:\n{\n  boot.kernelParams = [\n${'    "amd_iommu=on"\n'.repeat(items)}${fillerParams(items, size)}  ];\n}\n`;
  const lists = Array.from({ length: Math.ceil(items / 200) }, (_, i) => `[\n${'    "on"\n'.repeat(Math.min(200, items - i * 200))}  ]`);
  const mappedLists = lists.map((list) => `map param ${list}`).join(' ++ ');
  return `{ ... }:\nlet\n  param = value: "amd_iommu=\${value}";\nin\n{\n  boot.kernelParams = [\n${fillerParams(items, size)}  ] ++ ${mappedLists};\n}\n`;
}

/** `items` distinct PCI addresses written as vfio-pci ids (one vfio-id-malformed each, each fix its own), among harmless parameters up to `size`. */
export function addressesAsIds(items: number, size = items): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const list = Array.from({ length: items }, (_, i) => `    "vfio-pci.ids=0000:${hex(i >> 3)}:${hex(i & 7)}.0"\n`).join('');
  return `{ ... }:\n{\n  boot.kernelParams = [\n${list}${fillerParams(items, size)}  ];\n}\n`;
}
