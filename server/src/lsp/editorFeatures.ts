// LSP wiring of the core's editor help: hover, inlay hints, completion, the hardware request the
// client's views and pickers use, and the "pass through this device" command.
import { Connection, InlayHint, InlayHintKind, MarkupKind, ServerCapabilities, TextDocumentPositionParams } from 'vscode-languageserver';
import { Analysis } from '../analysis/analyze';
import { codeLenses } from '../editor/codeLens';
import { completionsAt } from '../editor/completion';
import { hoverAt } from '../editor/hover';
import { inlayHints } from '../editor/inlayHints';
import { applySteps, PassthroughPlan, planPassthrough } from '../editor/passthrough';
import { isSetupStep, planSetupStep } from '../editor/setupSteps';
import { verifyPassthrough, VerifyReport } from '../editor/verify';
import { noGroupsReason } from '../hardware/groupsTable';
import { HardwareSnapshot, iommuGroups, isIsolatedGroup } from '../hardware/snapshot';
import { ParsedSource } from '../model/buildModel';
import { OptionModel } from '../model/optionModel';
import { NixParser } from '../parse/nixParser';
import { LineIndex } from '../text';
import { toRange, toWorkspaceEdit } from './convert';
import { HardwareInUse } from './hardwareSources';

export const PASS_THROUGH_COMMAND = 'nixVfio.server.passThroughDevice';
/** A walkthrough step done in the configuration: `{ uri, step: 'iommu' | 'libvirt' }`. */
export const SETUP_STEP_COMMAND = 'nixVfio.server.setUpStep';
export const HARDWARE_REQUEST = 'nixVfio/hardware';

export const VERIFY_REQUEST = 'nixVfio/verify';

export const EDITOR_CAPABILITIES: ServerCapabilities = {
  hoverProvider: true,
  codeLensProvider: { resolveProvider: false },
  inlayHintProvider: true,
  completionProvider: { triggerCharacters: ['=', ',', '"', ' '] },
  executeCommandProvider: { commands: [PASS_THROUGH_COMMAND, SETUP_STEP_COMMAND] },
};

export interface AnalysisContext {
  path: string;
  root: string;
  analysis: Analysis;
  hardware?: HardwareSnapshot;
  lines(file: string): LineIndex;
  uriOf(file: string): string;
  /** The root's model re-read with some files' texts replaced. */
  rebuild(texts: ReadonlyMap<string, string>): OptionModel;
}

/** A loader result for text that is not on disk (an edit in progress); its tree is freed after the walk. */
export function parseText(parser: NixParser, path: string, text: string): ParsedSource {
  const tree = parser.parse(text);
  return { path, text, tree, release: () => tree.delete() };
}

export interface HardwareResponse {
  /** Absent when no snapshot is known for this document. */
  snapshot?: HardwareSnapshot;
  groups: { group: number; devices: string[]; isolated: boolean }[];
  /** Present when the snapshot has no groups: why, in words for the user. */
  noGroupsReason?: string;
}

export class EditorFeatures {
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
      return hover ? { contents: { kind: MarkupKind.Markdown, value: hover.markdown }, range: toRange(found.lines, hover.range) } : null;
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
      return completionsAt(found.context.analysis.model, found.context.hardware, found.context.path, found.offset).map((item) => ({
        label: item.label,
        detail: item.detail,
        sortText: item.sortText,
        textEdit: { range: toRange(found.lines, item.replace), newText: item.insertText },
      }));
    });
    connection.onCodeLens(async (params) => {
      const context = await this.analysisFor(params.textDocument.uri);
      if (!context) return [];
      const lines = context.lines(context.path);
      return codeLenses(context.analysis.model, context.hardware, context.path).map((lens) => ({
        range: toRange(lines, lens.range),
        command: { title: lens.title, command: '' },
      }));
    });
    connection.onRequest(VERIFY_REQUEST, async (params: { uri: string }): Promise<VerifyReport | { error: string }> => {
      const context = await this.analysisFor(params.uri);
      if (!context) return { error: 'this file is not part of a configuration Nix VFIO has read' };
      const live = this.scanMachine();
      if (!live.snapshot) return { error: live.problem ?? 'this machine cannot be scanned' };
      return verifyPassthrough(context.analysis.model, live.snapshot);
    });
    connection.onRequest(HARDWARE_REQUEST, async (params: { uri: string }): Promise<HardwareResponse> => {
      const context = await this.analysisFor(params.uri);
      if (!context?.hardware) return { groups: [] };
      const groups = [...iommuGroups(context.hardware)].map(([group, devices]) => ({ group, devices: devices.map((device) => device.address), isolated: isIsolatedGroup(devices) }));
      return { snapshot: context.hardware, groups, noGroupsReason: groups.length === 0 ? noGroupsReason(context.hardware) : undefined };
    });
    connection.onExecuteCommand(async (params) => {
      if (params.command !== PASS_THROUGH_COMMAND && params.command !== SETUP_STEP_COMMAND) return undefined;
      const [argument] = (params.arguments ?? []) as { uri?: string; address?: string; step?: unknown }[];
      if (typeof argument?.uri !== 'string') return { error: 'no configuration given' };
      const context = await this.analysisFor(argument.uri);
      if (!context) return { error: 'this file is not part of a configuration Nix VFIO has read' };
      if (params.command === SETUP_STEP_COMMAND) {
        if (!isSetupStep(argument.step)) return { error: 'unknown setup step' };
        return this.applyPlan(context, planSetupStep(context.analysis.model, context.hardware, argument.step), `Set up ${argument.step}`, 'Nothing to add: this step is already in the configuration.');
      }
      if (typeof argument.address !== 'string') return { error: 'no device given' };
      if (!context.hardware) return { error: 'no hardware snapshot for this configuration' };
      return this.applyPlan(context, planPassthrough(context.analysis.model, context.hardware, argument.address), 'Pass through device', 'Nothing to add: this device is already passed through.');
    });
  }

  /** Applies a plan's fixes as one workspace edit; answers with the plan's notes or its error. */
  private async applyPlan(context: AnalysisContext, plan: PassthroughPlan | { error: string }, label: string, nothingToDo: string) {
    if ('error' in plan) return plan;
    const edits = applySteps(context.analysis.model, plan.steps, (texts) => context.rebuild(texts));
    if (edits.length === 0) return { notes: plan.steps.length > 0 ? [nothingToDo, ...plan.notes] : plan.notes };
    const result = await this.connection.workspace.applyEdit({ label, edit: toWorkspaceEdit(edits, context.lines, context.uriOf) });
    return { applied: result.applied, notes: plan.notes };
  }

  private async at(params: TextDocumentPositionParams): Promise<{ context: AnalysisContext; offset: number; lines: LineIndex } | undefined> {
    const context = await this.analysisFor(params.textDocument.uri);
    if (!context) return undefined;
    const lines = context.lines(context.path);
    return { context, offset: lines.offsetAt(params.position), lines };
  }
}
