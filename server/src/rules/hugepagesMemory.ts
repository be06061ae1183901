// Hugepages reserved at boot take that memory from the host whether a VM runs or not. Said as an
// amount, since `hugepages=16` means 32 MiB with 2 MiB pages but 16 GiB with 1 GiB pages.
import { kernelParams } from '../vfio/kernelParams';
import type { Definition } from '../model/optionModel';
import type { TextRange } from '../text';
import { Rule, ViewFinding } from './types';

export const HUGEPAGES_MEMORY = 'hugepages-memory';

const NR_HUGEPAGES = 'boot.kernel.sysctl.vm.nr_hugepages';

/** `2M`, `1G`, `2048k` in bytes. */
function sizeOf(text: string): number | undefined {
  const match = /^(\d+)([kKmMgG])?$/.exec(text);
  if (!match) return undefined;
  const unit = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[(match[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(match[1]) * unit;
}

function amount(bytes: number): string {
  return bytes >= 2 ** 30 ? `${+(bytes / 2 ** 30).toFixed(1)} GiB` : `${+(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** The machine's memory when the snapshot says it (a newer snapshot field; read loosely). */
function machineMemory(hardware: unknown): number | undefined {
  const memory = (hardware as { memory?: { totalBytes?: unknown; total?: unknown } } | undefined)?.memory;
  const total = memory?.totalBytes ?? memory?.total;
  return typeof total === 'number' && total > 0 ? total : undefined;
}

export const hugepagesMemory: Rule = {
  code: HUGEPAGES_MEMORY,
  severity: 'info',
  otherSeverities: ['warning'],
  needsHardware: false,
  title: 'Hugepages reserved at boot, as an amount of memory',
  checkView({ view, hardware }) {
    const findings: ViewFinding[] = [];
    // Only a reservation it defines itself can be a specialisation's finding: without one, the
    // base's parameters are not gone over again.
    if (
      view.readsOwnOnly &&
      !kernelParams(view, { owned: true }).some(({ text }) => text?.split('=', 1)[0] === 'hugepages') &&
      view.ownDefinitions(NR_HUGEPAGES).length === 0
    )
      return findings;
    const total = machineMemory(hardware);
    const reservations: { bytes: number; definition: Definition; range: TextRange; what: string }[] = [];
    // The kernel reads the command line in order: `hugepages=N` counts pages of the size set by
    // the `hugepagesz=` before it, else the default size (2 MiB on x86).
    let size = 2 ** 21;
    let defaultSize = 2 ** 21;
    for (const { text, item, definition } of kernelParams(view)) {
      if (!text || item.conditions.length > 0) continue;
      const [name, value = ''] = text.split('=', 2);
      if (name === 'hugepagesz') size = sizeOf(value) ?? size;
      if (name === 'default_hugepagesz') {
        defaultSize = sizeOf(value) ?? defaultSize;
        size = defaultSize;
      }
      if (name === 'hugepages' && /^\d+$/.test(value))
        reservations.push({ bytes: Number(value) * size, definition, range: item.range, what: `${text} (${amount(size)} pages)` });
    }
    for (const definition of view.definitions(NR_HUGEPAGES)) {
      // The sysctl counts pages of the default size.
      if (definition.value.kind === 'int')
        reservations.push({
          bytes: definition.value.value * defaultSize,
          definition,
          range: definition.bindingRange,
          what: `vm.nr_hugepages = ${definition.value.value} (${amount(defaultSize)} pages)`,
        });
    }
    for (const reservation of reservations) {
      const tooMuch = total !== undefined && reservation.bytes >= total;
      findings.push({
        owner: reservation.definition,
        code: HUGEPAGES_MEMORY,
        severity: tooMuch ? 'warning' : 'info',
        message:
          `${reservation.what} reserves ${amount(reservation.bytes)} at boot; the host cannot use it even while no VM runs.` +
          (tooMuch
            ? ` The hardware snapshot shows ${amount(total!)} of memory in all: the host will not have enough left to boot properly.`
            : " Reserve what the VM's memory needs, or let libvirt allocate hugepages when the VM starts."),
        file: reservation.definition.file,
        range: reservation.range,
      });
    }
    return findings;
  },
};
