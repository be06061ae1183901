// The analysis driver runs a per-view rule on the base configuration and on each specialisation,
// keeping a finding only in the view that owns its definition; a rule that opts out with
// `acrossViews: true` runs once and sees every view.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { configViews } from '../server/src/model/optionModel';
import { checkRule, CURRENT_NIXOS_RELEASE, Rule, RuleContext } from '../server/src/rules/types';
import { kernelParams } from '../server/src/vfio/kernelParams';
import { sharedParser } from './helpers';

const CONFIG = `{ lib, ... }:
{
  boot.kernelParams = [ "quiet" ];
  specialisation.vm.configuration = {
    boot.kernelParams = [ "splash" ];
  };
  specialisation.plain.configuration = { };
}
`;

async function context(): Promise<RuleContext> {
  const path = '/driver/configuration.nix';
  const model = buildModel(
    path,
    diskLoader(await sharedParser(), (file) => (file === path ? { text: CONFIG } : undefined)),
  );
  return { model, views: configViews(model), settings: { disabledRules: [], nixosRelease: CURRENT_NIXOS_RELEASE } };
}

/** Reports every kernel parameter each view sees, the base's too: the driver must drop those a view does not own. */
const everyParameter: Rule = {
  code: 'every-parameter',
  severity: 'info',
  needsHardware: false,
  title: 'every parameter',
  checkView({ view }) {
    return kernelParams(view, { effective: false }).map(({ text, item, definition }) => ({
      owner: definition,
      code: 'every-parameter',
      severity: 'info',
      message: `${text} seen from ${view.specialisation ?? 'the base'}`,
      file: definition.file,
      range: item.range,
    }));
  },
};

describe('per-view rule driver', () => {
  it('runs a rule per view and keeps each finding in the view that owns its definition', async () => {
    const findings = checkRule(everyParameter, await context());
    assert.deepEqual(
      findings.map((finding) => finding.message),
      ['quiet seen from the base', 'splash seen from vm'],
    );
  });

  it('keeps findings about no definition (owner undefined) in every view', async () => {
    const missing: Rule = {
      code: 'missing',
      severity: 'info',
      needsHardware: false,
      title: 'missing',
      checkView: ({ model, view }) => [
        { owner: undefined, code: 'missing', severity: 'info', message: view.specialisation ?? 'base', file: model.root, range: { start: 0, end: 0 } },
      ],
    };
    assert.deepEqual(
      checkRule(missing, await context()).map((finding) => finding.message),
      ['base', 'vm', 'plain'],
    );
  });

  it('runs an acrossViews rule once, with every view', async () => {
    let calls = 0;
    const across: Rule = {
      code: 'across',
      severity: 'info',
      needsHardware: false,
      acrossViews: true,
      title: 'across',
      check: ({ views }) => {
        calls++;
        assert.deepEqual(
          views.map((view) => view.specialisation),
          [undefined, 'vm', 'plain'],
        );
        return [];
      },
    };
    checkRule(across, await context());
    assert.equal(calls, 1);
  });

  it('strips the owner from the findings it passes on', async () => {
    for (const finding of checkRule(everyParameter, await context())) assert.ok(!('owner' in finding));
  });
});
