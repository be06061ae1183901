// LSP wiring of the core's editor help: hover, inlay hints, completion, the hardware request the
// client's views and pickers use, and the "pass through this device" command.
import {
  Connection,
  ErrorCodes,
  InlayHint,
  LSPErrorCodes,
  InlayHintKind,
  InsertTextMode,
  MarkupKind,
  MessageType,
  ResponseError,
  ShowMessageNotification,
  ServerCapabilities,
  TextDocumentPositionParams,
} from 'vscode-languageserver';
import { Analysis, DEFAULT_SETTINGS, runRules } from '../analysis/analyze';
import { codeLenses } from '../editor/codeLens';
import { describeChanges, remainingFindings, summarizeEdits } from '../editor/commandSummary';
import { completionsAt } from '../editor/completion';
import { setupCompletionsAt } from '../editor/setupCompletions';
import { hoverAt } from '../editor/hover';
import { inlayHints } from '../editor/inlayHints';
import { applySteps, groupPassThroughRefusal, PassthroughPlan, planPassthrough } from '../editor/passthrough';
import { isSetupStep, planSetupStep } from '../editor/setupSteps';
import { markdownText, snapshotText } from '../hardware/displayText';
import { describeDevice, devicesFor } from '../vfio/devices';
import { modelBindings } from '../vfio/vfioBindings';
import { AnalysisSettings } from '../rules/types';
import { verifyPassthrough } from '../editor/verify';
import { noGroupsReason } from '../hardware/groupsTable';
import { importListing } from '../hardware/importListing';
import { importMessages } from '../hardware/importReport';
import { HardwareSnapshot, iommuGroups, isIsolatedGroup } from '../hardware/snapshot';
import { ParsedSource } from '../model/buildModel';
import { OptionModel } from '../model/optionModel';
import { NixParser } from '../parse/nixParser';
import { applyEdits, LineIndex } from '../text';
import { toRange, toWorkspaceEdit } from './convert';
import { HardwareInUse } from '../host/hardwareSources';
import {
  CommandResult,
  HARDWARE_REQUEST,
  IMPORT_LISTING_REQUEST,
  ImportListingParams,
  ImportListingResponse,
  HardwareResponse as ProtocolHardwareResponse,
  SERVER_COMMANDS,
  VERIFY_REQUEST,
  VerifyResponse,
} from '../../../shared/protocol';

export const PASS_THROUGH_COMMAND = SERVER_COMMANDS.passThroughDevice;
export const SETUP_STEP_COMMAND = SERVER_COMMANDS.setUpStep;
export const SHOW_DEVICES_COMMAND = SERVER_COMMANDS.showDevices;
export { HARDWARE_REQUEST, VERIFY_REQUEST };

export const EDITOR_CAPABILITIES: ServerCapabilities = {
  hoverProvider: true,
  codeLensProvider: { resolveProvider: false },
  inlayHintProvider: true,
  completionProvider: { triggerCharacters: ['=', ',', '"', ' '] },
  executeCommandProvider: { commands: [PASS_THROUGH_COMMAND, SETUP_STEP_COMMAND, SHOW_DEVICES_COMMAND] },
};

export interface AnalysisContext {
  path: string;
  root: string;
  analysis: Analysis;
  hardware?: HardwareSnapshot;
  lines(file: string): LineIndex;
  uriOf(file: string): string;
  /** The text version edits to `file` are computed on (null: not open), when the client takes versioned edits. */
  versionOf?: (file: string) => number | null;
  /** The root's model re-read with some files' texts replaced. */
  rebuild(texts: ReadonlyMap<string, string>): OptionModel;
  /** The settings the root was analysed with (for what remains after a command's edits). */
  settings?: AnalysisSettings;
}

/** A loader result for text that is not on disk (an edit in progress); its tree is freed after the walk. */
export function parseText(parser: NixParser, path: string, text: string): ParsedSource {
  const tree = parser.parse(text);
  return { path, text, tree, release: () => tree.delete() };
}

/** The server sends the whole snapshot; the protocol says what the client may read of it. */
export type HardwareResponse = ProtocolHardwareResponse<HardwareSnapshot>;
export type { CommandResult };

export class EditorFeatures {
  /** Set when the client shows command results and notes itself (Nix VFIO's VS Code extension): no window/showMessage for them. */
  clientShowsResults = false;

  constructor(
    private readonly connection: Connection,
    private readonly analysisFor: (uri: string) => Promise<AnalysisContext | undefined>,
    /** A fresh scan of the running machine: what "verify" compares against. */
    private readonly scanMachine: () => HardwareInUse,
  ) {}

  register(): void {
    const { connection } = this;
    connection.onHover(async (params) => {
      const found = await this.at(params);
      if (!found) return null;
      const hover = hoverAt(found.context.analysis.model, found.context.hardware, found.context.path, found.offset);
      if (!hover) return null;
      // Clients that show diagnostics apart from the hover (Neovim, Helix) get the findings on the token after the device;
      // VS Code shows them in the same hover already.
      const findings = this.clientShowsResults
        ? []
        : found.context.analysis.findings.filter(
            (finding) => finding.file === found.context.path && finding.range.start <= found.offset && found.offset <= finding.range.end,
          );
      const notes = findings.map((finding) => `${finding.severity} \`${finding.code}\`: ${markdownText(firstSentence(finding.message))}`);
      const value = notes.length > 0 ? `${hover.markdown}\n\n---\n\n${notes.join('  \n')}` : hover.markdown;
      return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(found.lines, hover.range) };
    });
    connection.languages.inlayHint.on(async (params) => {
      const context = await this.analysisFor(params.textDocument.uri);
      if (!context) return [];
      const lines = context.lines(context.path);
      const start = lines.offsetAt(params.range.start);
      const end = lines.offsetAt(params.range.end);
      return inlayHints(context.analysis.model, context.hardware, context.path)
        .filter((hint) => hint.offset >= start && hint.offset <= end)
        .map((hint): InlayHint => ({ position: lines.positionAt(hint.offset), label: hint.label, kind: InlayHintKind.Type, paddingLeft: false }));
    });
    connection.onCompletion(async (params) => {
      const found = await this.at(params);
      if (!found) return [];
      const { model } = found.context.analysis;
      return [
        ...completionsAt(model, found.context.hardware, found.context.path, found.offset),
        ...setupCompletionsAt(model, found.context.hardware, found.context.path, found.offset),
      ].map((item) => ({
        label: item.label,
        detail: item.detail,
        sortText: item.sortText,
        textEdit: { range: toRange(found.lines, item.replace), newText: item.insertText },
        // The core indents every line itself; a client adjusting it again would indent twice.
        insertTextMode: InsertTextMode.asIs,
        // Merged into the file's existing list: never a second boot.kernelParams (setupCompletions.ts).
        ...(item.additionalEdits
          ? { additionalTextEdits: item.additionalEdits.map((edit) => ({ range: toRange(found.lines, edit.range), newText: edit.newText })) }
          : {}),
      }));
    });
    connection.onCodeLens(async (params) => {
      const context = await this.analysisFor(params.textDocument.uri);
      if (!context) return [];
      const lines = context.lines(context.path);
      // Every lens has an action a generic client can run (the server shows the devices' facts).
      return codeLenses(context.analysis.model, context.hardware, context.path).map((lens) => ({
        range: toRange(lines, lens.range),
        command: { title: lens.title, command: SHOW_DEVICES_COMMAND, arguments: [{ uri: params.textDocument.uri, addresses: lens.addresses }] },
      }));
    });
    connection.onRequest(VERIFY_REQUEST, async (params: { uri: string }): Promise<VerifyResponse> => {
      const context = await this.analysisFor(params.uri);
      if (!context) return { error: 'this file is not part of a configuration Nix VFIO has read' };
      const live = this.scanMachine();
      if (!live.snapshot) return { error: live.problem ?? 'this machine cannot be scanned' };
      return verifyPassthrough(context.analysis.model, live.snapshot);
    });
    connection.onRequest(HARDWARE_REQUEST, async (params: { uri: string }): Promise<HardwareResponse> => {
      const context = await this.analysisFor(params.uri);
      if (!context?.hardware) return { groups: [] };
      const hardware = context.hardware;
      const groups = [...iommuGroups(hardware)].map(([group, devices]) => {
        const refused = groupPassThroughRefusal(hardware, devices);
        return {
          group,
          devices: devices.map((device) => device.address),
          isolated: isIsolatedGroup(devices),
          ...(refused ? { passThroughRefused: refused } : {}),
        };
      });
      return {
        snapshot: context.hardware,
        groups,
        noGroupsReason: groups.length === 0 ? noGroupsReason(context.hardware) : undefined,
        bindings: this.bindingLines(context),
      };
    });
    connection.onRequest(IMPORT_LISTING_REQUEST, (params: ImportListingParams): ImportListingResponse<HardwareSnapshot> => answerImport(params));
    connection.onExecuteCommand(async (params) => {
      const [argument] = (params.arguments ?? []) as { uri?: string; address?: string; step?: unknown; addresses?: unknown; allowSharedGroup?: unknown }[];
      // Failures are JSON-RPC errors with a message every client shows; notes go to window/showMessage.
      const fail = (message: string) => new ResponseError(ErrorCodes.InvalidParams, message);
      if (params.command !== PASS_THROUGH_COMMAND && params.command !== SETUP_STEP_COMMAND && params.command !== SHOW_DEVICES_COMMAND) {
        return fail(`unknown command ${params.command}`);
      }
      if (typeof argument?.uri !== 'string') return fail('no configuration given');
      const context = await this.analysisFor(argument.uri);
      if (!context) return fail('this file is not part of a configuration Nix VFIO has read');
      if (params.command === SHOW_DEVICES_COMMAND) return this.showDevices(context, argument.addresses);
      let result: CommandResult | { error: string };
      if (params.command === SETUP_STEP_COMMAND) {
        if (!isSetupStep(argument.step)) return fail('unknown setup step');
        result = await this.applyPlan(
          context,
          planSetupStep(context.analysis.model, context.hardware, argument.step),
          `Set up ${argument.step}`,
          'Nothing to add: this step is already in the configuration.',
        );
      } else {
        if (typeof argument.address !== 'string') return fail('no device given');
        if (!context.hardware) return fail('no hardware snapshot for this configuration');
        result = await this.applyPlan(
          context,
          planPassthrough(context.analysis.model, context.hardware, argument.address, { allowSharedGroup: argument.allowSharedGroup === true }),
          'Pass through device',
          'Nothing to add: this device is already passed through.',
        );
      }
      if ('error' in result) return new ResponseError(LSPErrorCodes.RequestFailed, result.error);
      if (!this.clientShowsResults) {
        const text = [result.summary, ...result.notes].filter(Boolean).join(' ');
        if (text) void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: text });
      }
      return result;
    });
  }

  /** Applies a plan's fixes as one workspace edit; answers with what changed, what remains and the notes, or the plan's error. */
  private async applyPlan(
    context: AnalysisContext,
    plan: PassthroughPlan | { error: string },
    label: string,
    nothingToDo: string,
  ): Promise<CommandResult | { error: string }> {
    if ('error' in plan) return plan;
    const model = context.analysis.model;
    const edits = applySteps(model, plan.steps, (texts) => context.rebuild(texts));
    if (edits.length === 0) return { notes: plan.steps.length > 0 ? [nothingToDo, ...plan.notes] : plan.notes };
    const result = await this.connection.workspace.applyEdit({ label, edit: toWorkspaceEdit(edits, context.lines, context.uriOf, context.versionOf) });
    if (!result.applied)
      return {
        applied: false,
        notes: plan.notes,
        summary: `Nothing was changed: the editor did not apply the edit${result.failureReason ? ` (${result.failureReason})` : ''}.`,
      };
    const originals = new Map([...model.files].map(([path, file]) => [path, file.text]));
    const { changed, undo } = summarizeEdits(originals, edits);
    const edited = new Map(originals);
    for (const file of new Set(edits.map((edit) => edit.file)))
      edited.set(
        file,
        applyEdits(
          originals.get(file) ?? '',
          edits.filter((edit) => edit.file === file),
        ),
      );
    // What remains: the configuration as it is now checked again (settings as the analysis had them).
    const after = runRules(context.rebuild(edited), context.hardware, context.settings ?? DEFAULT_SETTINGS);
    const remaining = remainingFindings(after.findings);
    const editedLines = (file: string) => new LineIndex(edited.get(file) ?? '');
    const left = remaining.slice(0, 3).map((finding) => finding.message);
    const summary = `Changed ${describeChanges(changed)}.${remaining.length === 0 ? ' Nothing left to fix.' : ` Still to fix (${remaining.length}): ${left.join(' ')}${remaining.length > left.length ? ' …' : ''}`}`;
    return {
      applied: true,
      notes: plan.notes,
      summary,
      changes: changed.map(({ file, fromLine, toLine }) => ({ uri: context.uriOf(file), fromLine, toLine })),
      undo: toWorkspaceEdit(undo, editedLines, context.uriOf),
      remaining: remaining.map((finding) => ({
        uri: context.uriOf(finding.file),
        line: editedLines(finding.file).positionAt(finding.range.start).line,
        severity: finding.severity,
        message: finding.message,
      })),
    };
  }

  /** The code lens's action: the facts of the devices a binding takes, as a message every client shows. */
  private showDevices(context: AnalysisContext, addresses: unknown): { shown: number } {
    const wanted = Array.isArray(addresses) ? addresses.filter((address): address is string => typeof address === 'string') : [];
    const devices = (context.hardware?.devices ?? []).filter((device) => wanted.includes(device.address));
    const text =
      devices.length === 0
        ? 'This binding takes no device of the hardware this configuration is checked against.'
        : devices
            .map(
              (device) =>
                `${describeDevice(device)}: IOMMU group ${device.iommuGroup ?? 'none'}, driver now ${device.driver === undefined ? 'unknown' : device.driver === null ? 'none' : snapshotText(device.driver)}`,
            )
            .join('; ');
    void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: text });
    return { shown: devices.length };
  }

  /** Per device, the configuration lines that bind it to vfio-pci. */
  private bindingLines(context: AnalysisContext): NonNullable<HardwareResponse['bindings']> {
    const result: NonNullable<HardwareResponse['bindings']> = {};
    if (!context.hardware) return result;
    for (const binding of modelBindings(context.analysis.model)) {
      const file = binding.file;
      const lines = context.lines(file);
      const line = lines.positionAt(binding.range.start).line;
      const source = context.analysis.model.files.get(file)?.text ?? '';
      const start = lines.offsetAt({ line, character: 0 });
      const end = source.indexOf('\n', start);
      const text = source
        .slice(start, end < 0 ? undefined : end)
        .trim()
        .slice(0, 120);
      for (const device of devicesFor(binding, context.hardware)) {
        const list = (result[device.address] ??= []);
        if (!list.some((entry) => entry.uri === context.uriOf(file) && entry.line === line)) list.push({ uri: context.uriOf(file), line, text });
      }
    }
    return result;
  }

  private async at(params: TextDocumentPositionParams): Promise<{ context: AnalysisContext; offset: number; lines: LineIndex } | undefined> {
    const context = await this.analysisFor(params.textDocument.uri);
    if (!context) return undefined;
    const lines = context.lines(context.path);
    return { context, offset: lines.offsetAt(params.position), lines };
  }
}

/** A finding's first sentence: enough under a hover, the rest is in the diagnostic. */
function firstSentence(message: string): string {
  const end = message.search(/\.\s/);
  return end < 0 ? message : message.slice(0, end + 1);
}

/** The editor's import of a pasted listing: the same reading and the same messages as `nix-vfio scan --from`. */
export function answerImport(params: ImportListingParams): ImportListingResponse<HardwareSnapshot> {
  if (typeof params?.text !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'no listing text given');
  const section = Number.isInteger(params.section) && (params.section as number) > 0 ? params.section : undefined;
  const cpuVendor = params.cpuVendor === 'intel' || params.cpuVendor === 'amd' ? params.cpuVendor : undefined;
  const result = importListing(params.text, { ...(section ? { section } : {}), ...(cpuVendor ? { cpuVendor } : {}) });
  const messages = importMessages(result, 'pasted listing');
  if (result.ok) return { ok: true, snapshot: result.snapshot, messages };
  return { ok: false, kind: result.kind, message: result.message, messages, sections: result.sections.map(({ number, label }) => ({ number, label })) };
}
