// The client's pure parts added for #20's polish: the status item's error/warning counts, reset
// facts from snapshot v2, groups the pass-through guard refuses (computed by the server, drawn by
// the client), and "Import pasted hardware listing" over the server's own import answer.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deviceFacts } from '../client/src/groups';
import { importPastedListing, ImportListingIo, snapshotTargetBeside } from '../client/src/importListingFlow';
import { statusText } from '../client/src/statusText';
import { topologyHtml } from '../client/src/topologyHtml';
import { groupPassThroughRefusal, planPassthrough } from '../server/src/editor/passthrough';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { iommuGroups, isIsolatedGroup } from '../server/src/hardware/snapshot';
import { answerImport } from '../server/src/lsp/editorFeatures';
import { groupLead } from '../client/src/groups';
import { FIXTURES, REPO_ROOT, sharedParser } from './helpers';
import { loadMachine } from './ruleFixtures';

describe('status item counts errors and warnings', () => {
  const base = { root: 'file:///w/configuration.nix', hardwareSource: '/w/hardware.nix-vfio.json' };
  it('names only the kinds there are, with an error icon when there are errors', () => {
    assert.equal(statusText({ ...base, findings: 6, errors: 2, warnings: 1 }).text, '$(error) VFIO: hardware.nix-vfio.json · 2 errors, 1 warning, 3 infos');
    assert.equal(statusText({ ...base, findings: 1, errors: 0, warnings: 1 }).text, '$(circuit-board) VFIO: hardware.nix-vfio.json · 1 warning');
    assert.equal(statusText({ ...base, findings: 2, errors: 0, warnings: 0 }).text, '$(circuit-board) VFIO: hardware.nix-vfio.json · 2 infos');
    assert.equal(statusText({ ...base, findings: 0, errors: 0, warnings: 0 }).text, '$(circuit-board) VFIO: hardware.nix-vfio.json · no findings');
    assert.match(statusText({ ...base, findings: 3, errors: 1, warnings: 2 }).tooltip, /; 1 error, 2 warnings\./);
  });
  it('a server that sends no counts still gets the total', () => {
    assert.equal(statusText({ ...base, findings: 4 }).text, '$(circuit-board) VFIO: hardware.nix-vfio.json · 4 findings');
  });
});

describe('reset facts come from snapshot v2 resetSupported', () => {
  const gpu = loadMachine('guide-desktop').devices.find((device) => device.address === '0000:0f:00.0')!;
  it('says whether the kernel can reset the device, and unknown when the snapshot does not say', () => {
    assert.ok(deviceFacts({ ...gpu, resetSupported: true }).includes('reset: the kernel can reset it alone'));
    assert.ok(deviceFacts({ ...gpu, resetSupported: false }).some((line) => line.startsWith('reset: no reset of its own')));
    const { resetSupported: _unused, ...unknown } = { ...gpu, resetSupported: true };
    assert.ok(deviceFacts(unknown).includes('reset: unknown'));
  });
});

describe('groups the pass-through guard refuses', () => {
  const laptop = loadMachine('intel-laptop-shared');
  const laptopGroups = [...iommuGroups(laptop)].map(([group, devices]) => ({
    group,
    devices,
    isolated: isIsolatedGroup(devices),
    passThroughRefused: groupPassThroughRefusal(laptop, devices),
  }));
  it('the server names what the host needs: the NVMe drive beside the laptop GPU', () => {
    const shared = laptopGroups.find(({ group }) => group === 1)!;
    assert.match(shared.passThroughRefused ?? '', /NVMe.*storage controller: the host may lose its disks/);
    const desktop = loadMachine('guide-desktop');
    assert.equal(groupPassThroughRefusal(desktop, iommuGroups(desktop).get(33)!), undefined, 'a second GPU alone in its group goes ahead');
  });
  it('on every fixture machine, a group is marked refused exactly when the plan from its lead is refused', async () => {
    const path = '/virtual/polish/configuration.nix';
    const text = '{ ... }: { networking.hostName = "box"; }\n';
    const model = buildModel(
      path,
      diskLoader(await sharedParser(), (file) => (file === path ? { text } : undefined)),
    );
    let refused = 0;
    let offered = 0;
    for (const name of readdirSync(join(FIXTURES, 'machines')).filter((file) => file.endsWith('.json'))) {
      const machine = loadMachine(name.replace(/\.json$/, ''));
      for (const [group, devices] of iommuGroups(machine)) {
        const lead = groupLead(devices);
        if (!lead) continue;
        const plan = planPassthrough(model, machine, lead.address);
        const refusal = groupPassThroughRefusal(machine, devices);
        assert.equal(refusal !== undefined, 'hostNeeds' in plan, `${name} group ${group}: ${refusal ?? 'offered'}`);
        if (refusal) refused++;
        else offered++;
      }
    }
    assert.ok(refused > 0 && offered > 0, `both kinds occur (${refused} refused, ${offered} offered)`);
  });

  it('the picture shows why instead of a button that would fail', () => {
    const html = topologyHtml({ groups: laptopGroups, bindings: {}, configuration: 'configuration.nix', nonce: 'n', cspSource: 's' });
    const box = html.slice(html.indexOf('data-group="1"'), html.indexOf('</section>', html.indexOf('data-group="1"')));
    assert.doesNotMatch(box, /data-action="passThrough"/);
    assert.match(box, /<span class="refused" title="[^"]*NVMe[^"]*">host needs it<\/span>/);
    assert.match(box, /<div class="refused">The host needs /);
  });
});

describe('Import pasted hardware listing', () => {
  const listing = (name: string) => readFileSync(join(REPO_ROOT, 'test', 'hardware', 'listings', name), 'utf8');
  const configuration = 'file:///home/me/nixos/configuration.nix';
  function io(existing: string[] = [], answers: { section?: number; overwrite?: boolean } = {}) {
    const written = new Map<string, string>();
    const asked: string[] = [];
    const fake: ImportListingIo = {
      request: async (_method, params) => answerImport(params),
      chooseSection: async (message, sections) => {
        asked.push(`${message} [${sections.map((section) => section.number).join(',')}]`);
        return answers.section;
      },
      confirmOverwrite: async () => answers.overwrite ?? false,
      exists: async (target) => existing.includes(target) || written.has(target),
      write: async (target, text) => void written.set(target, text),
    };
    return { fake, written, asked };
  }

  it('saves the snapshot as hardware.nix-vfio.json beside the configuration, with the skipped lines as messages', async () => {
    const { fake, written } = io();
    const outcome = await importPastedListing(listing('markdown-bold-bullets.md'), configuration, fake);
    assert.equal(outcome.kind, 'saved');
    assert.equal(snapshotTargetBeside(configuration), 'file:///home/me/nixos/hardware.nix-vfio.json');
    const saved = JSON.parse(written.get('file:///home/me/nixos/hardware.nix-vfio.json')!) as { devices: { iommuGroup: number }[] };
    assert.deepEqual(
      saved.devices.map((device) => device.iommuGroup),
      [24, 24, 25, 25],
    );
    assert.ok(outcome.kind === 'saved' && outcome.devices === 4 && outcome.messages.length === 3);
  });

  it('asks which section when the paste holds two listings, and saves the one chosen', async () => {
    const { fake, written, asked } = io([], { section: 2 });
    const outcome = await importPastedListing(listing('two-snapshots.md'), configuration, fake);
    assert.equal(asked.length, 1);
    assert.match(asked[0]!, /\[1,2\]$/);
    assert.equal(outcome.kind, 'saved');
    const saved = JSON.parse([...written.values()][0]!) as { devices: { iommuGroup: number }[] };
    assert.deepEqual(
      saved.devices.map((device) => device.iommuGroup),
      [0, 4, 5, 16, 17],
    );
  });

  it('writes nothing when the user cancels the question or keeps an existing snapshot, or when nothing is pasted', async () => {
    const cancelled = io();
    assert.equal((await importPastedListing(listing('two-snapshots.md'), configuration, cancelled.fake)).kind, 'cancelled');
    assert.equal(cancelled.written.size, 0);
    const kept = io(['file:///home/me/nixos/hardware.nix-vfio.json'], { overwrite: false });
    assert.equal((await importPastedListing(listing('markdown-bold-bullets.md'), configuration, kept.fake)).kind, 'cancelled');
    assert.equal(kept.written.size, 0);
    const replaced = io(['file:///home/me/nixos/hardware.nix-vfio.json'], { overwrite: true });
    assert.equal((await importPastedListing(listing('markdown-bold-bullets.md'), configuration, replaced.fake)).kind, 'saved');
    const empty = io();
    assert.equal((await importPastedListing('  \n', configuration, empty.fake)).kind, 'refused');
    const junk = io();
    const refused = await importPastedListing('hello\nworld\n', configuration, junk.fake);
    assert.equal(refused.kind, 'refused');
    assert.equal(junk.written.size, 0);
  });
});
