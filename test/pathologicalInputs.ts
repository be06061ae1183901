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
