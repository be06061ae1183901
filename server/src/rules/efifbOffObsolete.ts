// video=efifb:off was the fix for the host's boot framebuffer holding the GPU. NixOS kernels
// since 5.15 boot with simpledrm rather than efifb, and since Linux 6.0 vfio-pci removes the
// firmware framebuffer of a VGA device it takes, so the parameter usually does nothing now.
import { atLeast, kernelVersion } from '../vfio/kernelVersion';
import { kernelParams } from '../vfio/kernelParams';
import { fill } from './messages';
import { Rule, ViewFinding } from './types';

export const EFIFB_OFF_OBSOLETE = 'efifb-off-obsolete';

const MESSAGES = {
  obsolete:
    '{text} usually does nothing here ({kernel}): NixOS kernels since 5.15 hand the boot framebuffer to simpledrm rather than efifb or vesafb, and since Linux 6.0 vfio-pci removes the firmware framebuffer of a VGA device it takes. ' +
    'If the host still holds the card at boot, guides use initcall_blacklist=sysfb_init instead.',
} as const;

export const efifbOffObsolete: Rule = {
  messages: MESSAGES,
  code: EFIFB_OFF_OBSOLETE,
  severity: 'info',
  needsHardware: false,
  title: 'video=efifb:off on a current kernel',
  checkView({ view, hardware, settings }) {
    const findings: ViewFinding[] = [];
    // Also the guides' `video=vesafb:off,efifb:off` and `video=vesafb:off`.
    const off = kernelParams(view, { effective: false, owned: true }).filter(
      ({ text }) => text && /^video=(efifb|vesafb)(:off)?(,(efifb|vesafb):off)*$/.test(text) && /:off/.test(text),
    );
    // The kernel is read only when the view owns such a parameter.
    if (off.length === 0) return findings;
    const kernel = kernelVersion(view, hardware, settings.nixosRelease);
    if (atLeast(kernel, 5, 15) === false) return findings;
    for (const { text, item, definition } of off) {
      if (!text) continue;
      findings.push({
        owner: definition,
        code: EFIFB_OFF_OBSOLETE,
        severity: 'info',
        message: fill(MESSAGES.obsolete, { text, kernel: kernel.source }),
        file: definition.file,
        range: item.range,
        fix: { fix: 'remove-list-item', title: `Remove ${text}`, args: { option: 'boot.kernelParams', item: text } },
      });
    }
    return findings;
  },
};
