// "Import pasted hardware listing", without VS Code (tested by test/client.test.ts): the pasted
// text goes to the server's `nixVfio/importListing`; when the paste holds several listings of one
// machine the user picks one and it is asked again; the snapshot is saved as
// hardware.nix-vfio.json beside the configuration, and every message the server gave is shown.
import { IMPORT_LISTING_REQUEST, ImportListingParams, ImportListingResponse } from '../../shared/protocol';

/** The snapshot file the server looks for beside a configuration. */
export const SNAPSHOT_FILE_NAME = 'hardware.nix-vfio.json';

/** What the flow needs from the editor: the request, the questions to the user, the file system. */
export interface ImportListingIo {
  request(method: typeof IMPORT_LISTING_REQUEST, params: ImportListingParams): Promise<ImportListingResponse>;
  /** The section to use, or undefined when the user cancels. */
  chooseSection(message: string, sections: { number: number; label: string }[]): Promise<number | undefined>;
  /** Whether to replace a snapshot file that is there already. */
  confirmOverwrite(target: string): Promise<boolean>;
  exists(target: string): Promise<boolean>;
  write(target: string, text: string): Promise<void>;
}

export type ImportListingOutcome =
  | { kind: 'saved'; target: string; devices: number; messages: string[] }
  | { kind: 'refused'; message: string; messages: string[] }
  | { kind: 'cancelled'; messages: string[] };

/** `configurationUri`'s folder joined with the snapshot file name (URIs as strings, `/`-separated). */
export function snapshotTargetBeside(configurationUri: string): string {
  return `${configurationUri.slice(0, configurationUri.lastIndexOf('/') + 1)}${SNAPSHOT_FILE_NAME}`;
}

export async function importPastedListing(text: string, configurationUri: string, io: ImportListingIo): Promise<ImportListingOutcome> {
  if (text.trim() === '') return { kind: 'refused', message: 'Nothing pasted: copy the listing (lspci, an IOMMU-group script’s output…) first.', messages: [] };
  let response = await io.request(IMPORT_LISTING_REQUEST, { text });
  if (!response.ok && response.kind === 'choose-section') {
    const section = await io.chooseSection(response.message, response.sections);
    if (section === undefined) return { kind: 'cancelled', messages: response.messages };
    response = await io.request(IMPORT_LISTING_REQUEST, { text, section });
  }
  if (!response.ok) return { kind: 'refused', message: response.message, messages: response.messages };
  const target = snapshotTargetBeside(configurationUri);
  if ((await io.exists(target)) && !(await io.confirmOverwrite(target))) return { kind: 'cancelled', messages: response.messages };
  await io.write(target, `${JSON.stringify(response.snapshot, null, 2)}\n`);
  const devices = (response.snapshot as { devices?: unknown[] }).devices?.length ?? 0;
  return { kind: 'saved', target, devices, messages: response.messages };
}
