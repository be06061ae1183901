// An ACS override patch in boot.kernelPatches whose file name or URL names a kernel version other
// than the one configured. Out-of-tree patches are cut against one kernel's
// drivers/pci/quirks.c; on another version they may still apply (GNU patch takes offsets and
// fuzz) or stop the build with "Hunk #1 FAILED". Which one cannot be known without the patch,
// so this only says so (info).
import { atLeast, kernelVersion } from '../vfio/kernelVersion';
import { Finding, Rule } from './types';

export const ACS_PATCH_KERNEL_MISMATCH = 'acs-patch-kernel-mismatch';

/** `acs-override-5.10.patch`, `linux-6.1`, `/v5.4/`, `_6_6`: a kernel version in a patch's name or address. */
const VERSION_IN_NAME = /(?:^|[^\w.])(?:linux|kernel|v)?[-_/]?([2-7])[._]([0-9]{1,2})(?![0-9])/gi;

export const acsPatchKernelMismatch: Rule = {
  code: ACS_PATCH_KERNEL_MISMATCH,
  severity: 'info',
  needsHardware: false,
  acrossViews: true,
  title: 'An ACS override patch named for another kernel version than the one configured',
  check({ views, hardware, settings }) {
    const findings: Finding[] = [];
    for (const view of views) {
      for (const definition of view.definitions('boot.kernelPatches')) {
        if (definition.value.kind !== 'list' || !view.owns(definition)) continue;
        const source = view.model.files.get(definition.file)?.source;
        if (!source) continue;
        for (const item of definition.value.items) {
          if (item.value.kind !== 'attrs') continue;
          const text = source.slice(item.value.range.start, item.value.range.end);
          // The patch's own name and where it comes from; never a hash.
          const said = [...text.matchAll(/\b(name|patch|url|urls)\s*=\s*(\[[^\]]*\]|"[^"]*"|[^;\s]+)/g)].map((match) => ({
            text: match[2]!,
            start: item.value.range.start + match.index + match[0].length - match[2]!.length,
          }));
          if (!said.some((part) => /acs/i.test(part.text))) continue;
          let named: { version: [number, number]; start: number; end: number } | undefined;
          for (const part of said) {
            for (const match of part.text.matchAll(VERSION_IN_NAME)) {
              const version: [number, number] = [Number(match[1]), Number(match[2])];
              // Too old for any kernel NixOS still builds; likely not a version at all (e.g. a 2.0 in a path).
              if (version[0] < 4) continue;
              const start = part.start + match.index + match[0].length - `${match[1]}.${match[2]}`.length;
              named = { version, start, end: part.start + match.index + match[0].length };
              break;
            }
            if (named) break;
          }
          if (!named) continue;
          const kernel = kernelVersion(view, hardware, settings.nixosRelease);
          if (!kernel.version) continue;
          const [major, minor] = named.version;
          if (atLeast(kernel, major, minor) && !atLeast(kernel, major, minor + 1)) continue;
          findings.push({
            code: ACS_PATCH_KERNEL_MISMATCH,
            severity: 'info',
            message:
              `This ACS override patch is named for Linux ${major}.${minor}, but the kernel is ${kernel.version.join('.')} (${kernel.source}). ` +
              'A patch cut for another kernel may still apply (with offsets) or stop the build with "Hunk #1 FAILED" in drivers/pci/quirks.c; ' +
              'if the build fails there, use the patch made for your kernel version, or a kernel that carries it.',
            file: definition.file,
            range: { start: named.start, end: named.end },
          });
        }
      }
    }
    return findings;
  },
};
