// Every place a configuration hands a PCI device to vfio-pci, as ids (`vfio-pci.ids=` kernel
// parameter, `options vfio-pci ids=` in modprobe config) or as slots (addresses written to
// driver_override in boot scripts or by udev rules), each with the exact source of the id or address.
import { ConfigView, configView, configViews, Definition, modelPosition, OptionModel, pathKey } from '../model/optionModel';
import { charSources, HOLE, ListOrigin, sourceRangeOf, Value } from '../model/values';
import type { TextRange } from '../text';
import { KERNEL_PARAMS } from './kernelParams';
import { normaliseModuleName } from './kernelModules';
import { IdAssignment, markOverridden } from './effectiveIds';
import { COMMAND_OPTIONS } from './scripts';
import { MODPROBE_OPTIONS, modprobeTexts, movesVfioLoad } from './modprobeFiles';
import { overrideWrites, VFIO_MODULE_NAME, writesModuleName } from './overrideDriverName';
import { SHORT_ADDRESS, shortAddressInPath } from './shortAddresses';
import { UDEV_RULE_OPTIONS, udevOverrides } from './udevRules';

export type BindingVia = 'kernel-param' | 'modprobe' | 'driver-override' | 'udev-rule';

export interface VfioBinding {
  kind: 'id' | 'slot';
  /** The id or address as written. */
  token: string;
  via: BindingVia;
  definition: Definition;
  /**
   * The file `range` is in: the definition's, or, for a token of an option the host's own module
   * declares and another file sets (`my.vfio.ids = [ … ]` read as `cfg.ids`), that file.
   */
  file: string;
  /** Where the token is written; the whole value when it has no single place. */
  range: TextRange;
  /** True when `range` is exactly the token (fixes may edit it). */
  exact: boolean;
  /** Set when the token is a whole element of a list joined with concatStringsSep. */
  origin?: ListOrigin;
  /** For ids: the `vfio-pci.ids=` parameter or `options vfio-pci ids=` it is written in. */
  assignment?: IdAssignment;
  /**
   * Set when the binding certainly takes no device: an address without its `0000:` domain where
   * sysfs needs the full name (`/sys/bus/pci/devices/0f:00.0/…` is no file, `KERNEL=="0f:00.0"`
   * matches nothing; shortAddresses.ts), or the script or rule writes `vfio_pci`, the module's
   * name, where driver_override needs the driver's, `vfio-pci` (overrideDriverName.ts). Editor
   * features and rules treat it as binding nothing.
   */
  noDevice?: 'short-address' | 'module-name';
}

export { MODPROBE_OPTIONS };

export const PCI_ADDRESS = /(?<![0-9a-fA-F:])((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])(?![0-9a-fA-F])/g;

/** `0f:00.0` → `0000:0f:00.0`, lower case. */
export function normaliseAddress(address: string): string {
  const lower = address.toLowerCase();
  return /^[0-9a-f]{4}:/.test(lower) && lower.length === 12 ? lower : `0000:${lower}`;
}

interface Mapped {
  text: string;
  sources: readonly number[];
}

function tokensOf(list: string, offset: number): { token: string; start: number }[] {
  const tokens: { token: string; start: number }[] = [];
  for (const match of list.matchAll(/[^,]+/g)) {
    const token = match[0].trim();
    if (token === '' || token.includes(HOLE)) continue;
    tokens.push({ token, start: offset + match.index! + match[0].indexOf(token) });
  }
  return tokens;
}

function binding(kind: VfioBinding['kind'], token: string, start: number, mapped: Mapped, value: Value, via: BindingVia, definition: Definition): VfioBinding {
  const exact = sourceRangeOf(mapped, start, start + token.length);
  if (!exact) {
    // Written in another file (userOptions.ts): pointed at there, never edited from here.
    const elsewhere = writtenElsewhere(value, start, start + token.length);
    if (elsewhere) return { kind, token, via, definition, file: elsewhere.file, range: elsewhere.range, exact: false };
  }
  const origin = originAt(value, mapped, start, token.length);
  // Text reached through a function or a set field is pointed at where it is written, but not edited there.
  const editable = exact !== undefined && !reachedThrough(value, exact);
  return { kind, token, via, definition, file: definition.file, range: exact ?? value.range, exact: editable, origin: editable ? origin : undefined };
}

/** Where text[start, end) is written as is in a file other than the definition's, when it is. */
function writtenElsewhere(value: Value, start: number, end: number): { file: string; range: TextRange } | undefined {
  if (value.kind !== 'string') return undefined;
  const files = new Set(value.parts.flatMap((part) => (part.kind === 'text' && part.file !== undefined ? [part.file] : [])));
  for (const file of files) {
    const mapped = charSources(value, file);
    const range = mapped && sourceRangeOf(mapped, start, end);
    if (range) return { file, range };
  }
  return undefined;
}

/** Whether the text at `range` came through a function or a set field (`derived`). */
function reachedThrough(value: Value, range: TextRange): boolean {
  if (value.kind !== 'string') return false;
  return value.parts.some(
    (part) =>
      part.kind === 'text' &&
      part.derived === true &&
      part.file === undefined &&
      part.source !== undefined &&
      part.source.start < range.end &&
      range.start < part.source.end,
  );
}

/** The list element a token came from, when the token is that element's whole text. */
function originAt(value: Value, mapped: Mapped, start: number, length: number): ListOrigin | undefined {
  if (value.kind !== 'string') return undefined;
  const first = mapped.sources[start];
  for (const part of value.parts) {
    if (part.kind !== 'text' || !part.origin || !part.source) continue;
    if (part.source.start === first && part.text.trim().length === length) return part.origin;
  }
  return undefined;
}

function stringDefinitions(view: ConfigView, options: readonly string[], owned = false): { definition: Definition; mapped: Mapped }[] {
  return options.flatMap((option) =>
    (owned ? view.ownDefinitions(option) : view.definitions(option)).flatMap((definition) => {
      const mapped = charSources(definition.value);
      return mapped ? [{ definition, mapped }] : [];
    }),
  );
}

interface ViewBindings {
  /** Everything written, overridden ids included. */
  written: VfioBinding[];
  /** What takes effect: ids of an assignment a later one replaces are left out. */
  effective: VfioBinding[];
  assignments: IdAssignment[];
}

const bindingsByView = new WeakMap<ConfigView, ViewBindings>();

function viewBindings(view: ConfigView): ViewBindings {
  let cached = bindingsByView.get(view);
  if (cached) return cached;
  if (view.readsOwnOnly && view.inheritedEffective(KERNEL_PARAMS) === 'same') {
    // The base's bindings are read once, not again for each of thousands of specialisations: a
    // specialisation that writes none of its own has exactly the base's, else its own are merged in.
    const own = readBindings(view, true);
    const base = viewBindings(configView(view.model));
    // Where vfio-pci loads decides which modprobe.d files apply, and in which order
    // (modprobeFiles.ts): a specialisation that moves it reads everything again.
    if (!(movesVfioLoad(view) && [...base.assignments, ...own.assignments].some((assignment) => assignment.via === 'modprobe'))) {
      cached = own.bindings.length === 0 && own.assignments.length === 0 ? base : withOwnBindings(view.model, base, own);
    }
  }
  if (!cached) {
    const { bindings, assignments } = readBindings(view, false);
    markOverridden(assignments);
    cached = { written: bindings, effective: bindings.filter((binding) => !binding.assignment?.overriddenBy), assignments };
  }
  bindingsByView.set(view, cached);
  return cached;
}

/** The options each kind of binding is read from, in the order `readBindings` reads them. */
const OPTIONS_READ: Record<BindingVia, readonly string[]> = {
  'kernel-param': [KERNEL_PARAMS],
  modprobe: MODPROBE_OPTIONS,
  'driver-override': COMMAND_OPTIONS,
  'udev-rule': UDEV_RULE_OPTIONS,
};
const VIA_ORDER: readonly BindingVia[] = ['kernel-param', 'modprobe', 'driver-override', 'udev-rule'];

/** Where the definition's option comes in `OPTIONS_READ`; modprobe.d files written with environment.etc come after the options (modprobeFiles.ts). */
function optionIndex(via: BindingVia, definition: Definition): number {
  const index = OPTIONS_READ[via].indexOf(pathKey(definition.path));
  return index >= 0 ? index : OPTIONS_READ[via].length;
}

/**
 * What `readBindings` gives for a specialisation, from the base's bindings (copied, so whether an
 * assignment is overridden is worked out for this view) and its own merged in the order it reads
 * them: by kind, then option, then model order. Only when the base's part of its kernel parameters
 * is the base view's (`inheritedEffective`).
 */
function withOwnBindings(model: OptionModel, base: ViewBindings, own: { bindings: VfioBinding[]; assignments: IdAssignment[] }): ViewBindings {
  const key = (via: BindingVia, definition: Definition): [number, number, number] => [
    VIA_ORDER.indexOf(via),
    optionIndex(via, definition),
    modelPosition(model, definition),
  ];
  const before = (a: [number, number, number], b: [number, number, number]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const merge = <T>(inherited: readonly T[], mine: readonly T[], keyOf: (item: T) => [number, number, number]): T[] => {
    const merged: T[] = [];
    let i = 0;
    let j = 0;
    while (i < inherited.length || j < mine.length) {
      if (j >= mine.length || (i < inherited.length && before(keyOf(inherited[i]!), keyOf(mine[j]!)) < 0)) merged.push(inherited[i++]!);
      else merged.push(mine[j++]!);
    }
    return merged;
  };
  const copies = new Map<IdAssignment, IdAssignment>();
  for (const assignment of base.assignments) {
    const { overriddenBy: _marked, ...rest } = assignment;
    copies.set(assignment, { ...rest, ids: [] });
  }
  const inherited = base.written.map((binding) => {
    const copy: VfioBinding = { ...binding };
    const assignment = binding.assignment && copies.get(binding.assignment);
    if (assignment) {
      copy.assignment = assignment;
      assignment.ids.push(copy);
    }
    return copy;
  });
  const assignments = merge([...copies.values()], own.assignments, (assignment) => key(assignment.via, assignment.definition));
  const written = merge(inherited, own.bindings, (binding) => key(binding.via, binding.definition));
  markOverridden(assignments);
  return { written, effective: written.filter((binding) => !binding.assignment?.overriddenBy), assignments };
}

/**
 * The view's bindings that take effect, read once per view (several rules ask). vfio-pci's `ids`
 * is one string parameter, so of two assignments the last one wins (see effectiveIds.ts); the
 * ids of the one it replaces are not here.
 */
export function vfioBindings(view: ConfigView): VfioBinding[] {
  return viewBindings(view).effective;
}

/** Every binding written in the view, also ids a later assignment overrides (fixes, malformed ids). */
export function writtenBindings(view: ConfigView): VfioBinding[] {
  return viewBindings(view).written;
}

/** Each `vfio-pci.ids=` parameter and `options vfio-pci ids=` in the view, in the order modprobe applies them where known. */
export function idAssignments(view: ConfigView): IdAssignment[] {
  return viewBindings(view).assignments;
}

/** The view's bindings; `owned`: only those of definitions it owns (`ConfigView.ownDefinitions`). */
function readBindings(view: ConfigView, owned: boolean): { bindings: VfioBinding[]; assignments: IdAssignment[] } {
  const bindings: VfioBinding[] = [];
  const assignments: IdAssignment[] = [];
  for (const definition of owned ? view.ownDefinitions(KERNEL_PARAMS, { effective: true }) : view.effectiveDefinitions(KERNEL_PARAMS)) {
    if (definition.value.kind !== 'list') continue;
    definition.value.items.forEach((item, index) => {
      const mapped = charSources(item.value);
      const match = mapped && /^vfio[-_]pci\.ids=/.exec(mapped.text);
      if (!mapped || !match) return;
      const list = mapped.text.slice(match[0].length);
      const assignment: IdAssignment = {
        via: 'kernel-param',
        definition,
        range: item.range,
        order: index,
        conditions: item.conditions,
        ids: [],
        complete: !list.includes(HOLE),
        item,
      };
      assignments.push(assignment);
      for (const { token, start } of tokensOf(list, match[0].length)) {
        const found = binding('id', token, start, mapped, item.value, 'kernel-param', definition);
        found.assignment = assignment;
        assignment.ids.push(found);
        bindings.push(found);
      }
    });
  }
  for (const { definition, file } of modprobeTexts(view, owned)) {
    const mapped = charSources(definition.value);
    if (!mapped) continue;
    for (const line of mapped.text.matchAll(/^[ \t]*options[ \t]+(\S+)[ \t]+([^\r\n]*)$/gm)) {
      if (normaliseModuleName(line[1]!) !== 'vfio_pci') continue;
      const argumentsStart = line.index! + line[0].length - line[2]!.length;
      // `ids=` twice on one line are two assignments too.
      for (const ids of line[2]!.matchAll(/(?:^|[ \t])ids=(\S*)/g)) {
        const listStart = argumentsStart + ids.index + ids[0].length - ids[1]!.length;
        const wordStart = listStart - 'ids='.length;
        // The line from its `options` word (its indentation is not part of it).
        const lineStart = line.index! + line[0].length - line[0].trimStart().length;
        const lineRange = sourceRangeOf(mapped, lineStart, line.index! + line[0].length);
        const assignment: IdAssignment = {
          via: 'modprobe',
          definition,
          file,
          range: lineRange ?? definition.value.range,
          order: listStart,
          conditions: [],
          ids: [],
          complete: !ids[1]!.includes(HOLE),
          line: {
            exact: lineRange,
            word: sourceRangeOf(mapped, wordStart, listStart + ids[1]!.length),
            onlyOption: line[2]!.trim() === ids[0].trim(),
          },
        };
        assignments.push(assignment);
        for (const { token, start } of tokensOf(ids[1]!, listStart)) {
          const found = binding('id', token, start, mapped, definition.value, 'modprobe', definition);
          found.assignment = assignment;
          assignment.ids.push(found);
          bindings.push(found);
        }
      }
    }
  }
  for (const { definition, mapped } of stringDefinitions(view, COMMAND_OPTIONS, owned)) {
    // A script that writes vfio-pci into driver_override binds every address it names.
    if (!mapped.text.includes('driver_override') || !/vfio[-_]pci/.test(mapped.text)) continue;
    const writes = overrideWrites(mapped.text);
    for (const match of mapped.text.matchAll(PCI_ADDRESS)) {
      const slot = binding('slot', match[1]!, match.index!, mapped, definition.value, 'driver-override', definition);
      if (shortAddressInPath(mapped.text, match.index!, match[1]!)) slot.noDevice = 'short-address';
      else if (writesModuleName(writes, match.index!, match.index! + match[1]!.length)) slot.noDevice = 'module-name';
      bindings.push(slot);
    }
  }
  for (const { definition, mapped } of stringDefinitions(view, UDEV_RULE_OPTIONS, owned)) {
    // `KERNEL=="0000:0f:00.0", ATTR{driver_override}="vfio-pci"`: the rule binds that address.
    for (const override of udevOverrides(mapped.text)) {
      const slot = binding('slot', override.address, override.start, mapped, definition.value, 'udev-rule', definition);
      // The device's kernel name always has the domain: `KERNEL=="0f:00.0"` matches nothing.
      if (SHORT_ADDRESS.test(override.address)) slot.noDevice = 'short-address';
      else if (override.driver === VFIO_MODULE_NAME) slot.noDevice = 'module-name';
      bindings.push(slot);
    }
  }
  return { bindings, assignments };
}

export interface ModuleNameWrite {
  definition: Definition;
  /** Where `vfio_pci` is written (the whole value when it has no single place). */
  range: TextRange;
  /** True when `range` is exactly that word, written there and nowhere shared (a fix may edit it). */
  exact: boolean;
  /** The addresses whose driver_override it is written to, as written. */
  addresses: string[];
  via: 'driver-override' | 'udev-rule';
}

/**
 * Each place a boot script or udev rule of `option` writes `vfio_pci`, the module's name, into
 * driver_override, where only the driver's name `vfio-pci` binds (overrideDriverName.ts).
 */
export function moduleNameWrites(view: ConfigView, option: string): ModuleNameWrite[] {
  const found: ModuleNameWrite[] = [];
  const at = (definition: Definition, mapped: Mapped, start: number): Pick<ModuleNameWrite, 'range' | 'exact'> => {
    const range = sourceRangeOf(mapped, start, start + VFIO_MODULE_NAME.length);
    return { range: range ?? definition.value.range, exact: range !== undefined && !reachedThrough(definition.value, range) };
  };
  for (const { definition, mapped } of stringDefinitions(view, [option])) {
    if (COMMAND_OPTIONS.includes(option)) {
      const writes = overrideWrites(mapped.text);
      for (const write of writes) {
        if (write.name !== VFIO_MODULE_NAME || write.nameStart === undefined) continue;
        const addresses = [...mapped.text.matchAll(PCI_ADDRESS)]
          .filter((match) => {
            const start = match.index!;
            const end = start + match[1]!.length;
            const inPath = writes.find((other) => other.targetStart <= start && end <= other.targetEnd);
            return inPath ? inPath === write : write.variableTarget;
          })
          .map((match) => match[1]!);
        found.push({ definition, ...at(definition, mapped, write.nameStart), addresses: [...new Set(addresses)], via: 'driver-override' });
      }
    } else if (UDEV_RULE_OPTIONS.includes(option)) {
      for (const override of udevOverrides(mapped.text)) {
        if (override.driver !== VFIO_MODULE_NAME) continue;
        found.push({ definition, ...at(definition, mapped, override.driverStart), addresses: [override.address], via: 'udev-rule' });
      }
    }
  }
  return found;
}

export interface ParsedId {
  vendor: string;
  device: string;
  subsystemVendor?: string;
  subsystemDevice?: string;
}

/** vfio-pci's `ids` format: vendor:device[:subvendor[:subdevice[:class[:class_mask]]]], hex. */
export function parseVfioId(token: string): ParsedId | undefined {
  const fields = token.split(':');
  if (fields.length < 2 || fields.length > 6) return undefined;
  if (!fields.every((field) => /^(0x)?[0-9a-fA-F]{1,8}$/.test(field))) return undefined;
  const hex4 = (field: string) => field.replace(/^0x/i, '').toLowerCase().padStart(4, '0');
  if (!/^(0x)?[0-9a-fA-F]{4}$/.test(fields[0]!) || !/^(0x)?[0-9a-fA-F]{4}$/.test(fields[1]!)) return undefined;
  return {
    vendor: hex4(fields[0]!),
    device: hex4(fields[1]!),
    subsystemVendor: fields[2] !== undefined ? hex4(fields[2]) : undefined,
    subsystemDevice: fields[3] !== undefined ? hex4(fields[3]) : undefined,
  };
}

const bindingsByModel = new WeakMap<OptionModel, readonly VfioBinding[]>();

/** Every binding written in the model (base and specialisations, overridden ids too), once each; read once per model (every fix of an analysis asks). */
export function modelBindings(model: OptionModel): readonly VfioBinding[] {
  let bindings = bindingsByModel.get(model);
  if (!bindings) {
    const seen = new Map<string, VfioBinding>();
    for (const view of configViews(model)) {
      for (const binding of writtenBindings(view)) seen.set(`${binding.file}:${binding.range.start}:${binding.token}`, binding);
    }
    bindings = [...seen.values()];
    bindingsByModel.set(model, bindings);
  }
  return bindings;
}
