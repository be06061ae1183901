// The untrusted-workspace boundary on real paths: symlinks out are refused, links inside are
// fine, text tricks (`..`, a sibling folder sharing the prefix) do not pass, and a file swapped
// for a link after the check is caught on the opened descriptor.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRegularText } from '../server/src/regularFile';
import { WorkspaceBoundary } from '../server/src/workspaceBoundary';

describe('WorkspaceBoundary', () => {
  it('admits real paths inside a folder only', () => {
    const base = mkdtempSync(join(tmpdir(), 'nix-vfio-boundary-'));
    try {
      const workspace = join(base, 'ws');
      const outside = join(base, 'ws-evil');
      mkdirSync(join(workspace, 'sub'), { recursive: true });
      mkdirSync(outside);
      writeFileSync(join(workspace, 'sub', 'a.nix'), '{ }');
      writeFileSync(join(outside, 'b.nix'), '{ }');
      symlinkSync(outside, join(workspace, 'out'));
      symlinkSync(join(workspace, 'sub'), join(workspace, 'in'));
      symlinkSync(join(outside, 'b.nix'), join(workspace, 'b.nix'));
      // The workspace folder itself reached through a link: judged by where it really is.
      symlinkSync(workspace, join(base, 'ws-link'));
      const boundary = new WorkspaceBoundary([join(base, 'ws-link')]);
      assert.equal(boundary.admits(join(workspace, 'sub', 'a.nix')), true);
      assert.equal(boundary.admits(join(workspace, 'in', 'a.nix')), true);
      assert.equal(boundary.admits(join(workspace, 'missing', 'new.nix')), true, 'a missing file inside: reading it fails on its own');
      assert.equal(boundary.admits(join(workspace, 'out', 'b.nix')), false);
      assert.equal(boundary.admits(join(workspace, 'out', 'missing.nix')), false);
      assert.equal(boundary.admits(join(workspace, 'b.nix')), false);
      assert.equal(boundary.admits(`${workspace}/../ws-evil/b.nix`), false);
      assert.equal(boundary.admits(join(outside, 'b.nix')), false, 'a sibling folder sharing the name prefix is outside');
      assert.equal(boundary.admits('/etc/passwd'), false);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('readRegularFile refuses before opening, and again when the opened file is not where the check said', () => {
    const base = mkdtempSync(join(tmpdir(), 'nix-vfio-boundary-'));
    try {
      writeFileSync(join(base, 'inside.nix'), '{ }');
      const everything = { admits: () => true, contains: () => true };
      assert.ok(readRegularText(join(base, 'inside.nix'), { maxBytes: 100, boundary: everything }).ok);
      const nothing = { admits: () => false, contains: () => true };
      const refused = readRegularText(join(base, 'inside.nix'), { maxBytes: 100, boundary: nothing });
      assert.ok(!refused.ok && refused.kind === 'outside');
      // Admitted by path, but the descriptor turns out to be elsewhere (a link swapped in after the check).
      const swapped = { admits: () => true, contains: () => false };
      const caught = readRegularText(join(base, 'inside.nix'), { maxBytes: 100, boundary: swapped });
      if (process.platform === 'linux') assert.ok(!caught.ok && caught.kind === 'outside');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
