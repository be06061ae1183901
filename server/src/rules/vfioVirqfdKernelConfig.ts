// VFIO_VIRQFD answered in boot.kernelPatches on Linux 6.2 or newer. The symbol never had a prompt;
// since "vfio: Fold vfio_virqfd.ko into vfio.ko" (e2d55709398e, 6.2) it is a bool that vfio-pci
// (VFIO_PCI_CORE) selects, so it is `y` whenever vfio-pci is built. nixpkgs' generate-config.pl
// compares every answer with the final .config and fails the build on a required answer that
// came out otherwise ("option not set correctly"), unless ignoreConfigErrors, which is false for
// the x86 "pc" platform (pkgs/os-specific/linux/kernel/generic.nix). So `m` certainly fails on an
// x86 machine; `y` changes nothing.
import { cpuVendor } from '../vfio/cpuVendor';
import { kernelConfigAnswers } from '../vfio/kernelConfig';
import { atLeast, kernelVersion } from '../vfio/kernelVersion';
import { Finding, Rule, Severity } from './types';

export const VFIO_VIRQFD_KERNEL_CONFIG = 'vfio-virqfd-kernel-config';

const GENERATOR = "nixpkgs' kernel config generator (generate-config.pl)";

export const vfioVirqfdKernelConfig: Rule = {
  code: VFIO_VIRQFD_KERNEL_CONFIG,
  severity: 'warning',
  otherSeverities: ['error', 'info'],
  needsHardware: false,
  acrossViews: true,
  title: 'VFIO_VIRQFD answered in boot.kernelPatches on Linux 6.2 or newer, where it is a bool vfio-pci selects',
  check({ views, hardware, settings }) {
    const findings: Finding[] = [];
    for (const view of views) {
      const answers = kernelConfigAnswers(view).filter((answer) => answer.name === 'VFIO_VIRQFD' && view.owns(answer.definition));
      if (answers.length === 0) continue;
      const kernel = kernelVersion(view, hardware, settings.nixosRelease);
      const newKernel = atLeast(kernel, 6, 2);
      if (newKernel === false) continue;
      // Only a kernel the configuration or the machine names is certain; a release default is an assumption.
      const kernelCertain = newKernel === true && (kernel.packagesText !== undefined || hardware?.kernel?.release !== undefined);
      // ignoreConfigErrors defaults to false only for the "pc" (x86) platform.
      const vendor = cpuVendor(view, hardware);
      const when = newKernel ? `Since Linux 6.2 (${kernel.source})` : `If the kernel is 6.2 or newer (${kernel.source})`;
      for (const answer of answers) {
        const written = `"VFIO_VIRQFD${answer.optional ? '?' : ''} ${answer.value}"`;
        let severity: Severity;
        let message: string;
        if (answer.optional) {
          if (!newKernel) continue;
          severity = 'info';
          message = `${when} VFIO_VIRQFD is part of vfio: a bool that vfio-pci selects, with no question of its own. ${written} is optional, so ${GENERATOR} only warns if it comes out otherwise; the line can go.`;
        } else if (answer.value === 'y') {
          if (!newKernel) continue;
          severity = 'info';
          message = `${when} VFIO_VIRQFD is part of vfio: a bool that vfio-pci selects, so it is already y whenever vfio-pci is built. ${written} changes nothing; the line can go.`;
        } else if (answer.value === 'm') {
          severity = kernelCertain && vendor ? 'error' : 'warning';
          message =
            `${when} VFIO_VIRQFD is a bool (vfio_virqfd.ko was folded into vfio.ko), so it cannot be m: with vfio-pci built it is y. ` +
            `${GENERATOR} checks every answer against the final .config and stops the build: "error: option not set correctly: VFIO_VIRQFD (wanted 'm', got 'y')"` +
            (severity === 'error'
              ? ` (config errors are not ignored on x86, and ${vendor!.source}).`
              : ' (on x86, where config errors are not ignored by default).') +
            ' Remove the line; vfio-pci brings it in by itself.';
        } else {
          if (!newKernel) continue;
          severity = 'warning';
          message =
            `${when} VFIO_VIRQFD is a bool that vfio-pci selects: while vfio-pci is built it comes out y, not ${answer.value}, and ${GENERATOR} stops the build ("option not set correctly"). ` +
            'It cannot be turned off on its own; remove the line.';
        }
        findings.push({
          code: VFIO_VIRQFD_KERNEL_CONFIG,
          severity,
          message,
          file: answer.definition.file,
          range: answer.range,
          fix: { fix: 'remove-kernel-config-answer', title: `Remove ${written}`, args: { name: answer.name, value: answer.value } },
        });
      }
    }
    return findings;
  },
};
