// The editor's import of a pasted listing (`nixVfio/importListing`) over the real server: the same
// reading as the CLI, every skipped line in `messages`, and the section question when the paste
// holds two listings of one machine.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IMPORT_LISTING_REQUEST, ImportListingResponse } from '../../shared/protocol';
import { REPO_ROOT } from '../helpers';
import { LspSession, startLspSession } from '../lspSession';

const listing = (name: string) => readFileSync(join(REPO_ROOT, 'test', 'hardware', 'listings', name), 'utf8');

describe('editor import of a pasted listing', () => {
  let session: LspSession;
  let workspace: string;
  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-import-'));
    session = await startLspSession(workspace);
  });
  after(async () => {
    await session.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('answers with the snapshot and every skipped line, numbered, with why (never its text)', async () => {
    const response = (await session.connection.sendRequest(IMPORT_LISTING_REQUEST, { text: listing('markdown-bold-bullets.md') })) as ImportListingResponse<{
      devices: { iommuGroup: number }[];
    }>;
    assert.ok(response.ok);
    assert.deepEqual(
      response.snapshot.devices.map((device) => device.iommuGroup),
      [24, 24, 25, 25],
    );
    assert.deepEqual(response.messages, [
      'pasted listing:1: skipped, a markdown heading',
      'pasted listing:3: skipped, not a line of any listing this import reads',
      'pasted listing:13: skipped, not a line of any listing this import reads',
    ]);
  });

  it('asks which section when the paste holds two listings of one machine, and takes the one chosen', async () => {
    const asked = (await session.connection.sendRequest(IMPORT_LISTING_REQUEST, { text: listing('two-snapshots.md') })) as ImportListingResponse;
    assert.ok(!asked.ok);
    assert.equal(asked.kind, 'choose-section');
    assert.deepEqual(
      asked.sections.map((section) => section.number),
      [1, 2],
    );
    const chosen = (await session.connection.sendRequest(IMPORT_LISTING_REQUEST, { text: listing('two-snapshots.md'), section: 2 })) as ImportListingResponse<{
      devices: { iommuGroup: number }[];
    }>;
    assert.ok(chosen.ok);
    assert.deepEqual(
      chosen.snapshot.devices.map((device) => device.iommuGroup),
      [0, 4, 5, 16, 17],
    );
    assert.match(chosen.messages.join('\n'), /section 1 \(lines 3–7, 5 devices\) left out/);
  });

  it('a request without text is an invalid-params error, not a crash', async () => {
    await assert.rejects(session.connection.sendRequest(IMPORT_LISTING_REQUEST, {}), /no listing text given/);
  });
});
