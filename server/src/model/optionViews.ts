// Which configuration's option values the evaluator reads while the walker is somewhere: the
// base's, or a specialisation's (userOptions.ts). A `mkIf` in the base whose condition reads an
// option a specialisation sets itself is decided in every view: off in the base and on in a
// specialisation, its block is walked for that specialisation only.
import type { SyntaxNode } from '../parse/nixParser';
import { decide } from './decide';
import type { Evaluator } from './evaluate';
import type { Scope } from './scope';
import { NO_OPTION_VALUES, ViewOptionValues } from './userOptions';

/** A condition decided across views: `decided` as the base walk should take it, and where its block is on alone. */
export interface ViewsDecision {
  decided: boolean | undefined;
  /** Off in the base, on in these specialisations (each walks the block for itself). */
  onlyIn?: string[];
}

export class OptionViews {
  /** The specialisation whose values are read, undefined for the base. */
  private current: string | undefined;

  constructor(
    private readonly evaluator: Evaluator,
    private readonly values: ViewOptionValues = NO_OPTION_VALUES,
  ) {
    this.use(undefined, false);
  }

  private use(specialisation: string | undefined, deciding: boolean): void {
    this.current = specialisation;
    const evaluator = this.evaluator;
    evaluator.optionValues = specialisation === undefined ? this.values.base : (this.values.specialisations.get(specialisation) ?? this.values.base);
    // In the base a read of an option some specialisation sets differs by view; deciding a condition per view reads it.
    evaluator.differing = specialisation === undefined && !deciding && this.values.differing.size > 0 ? this.values.differing : undefined;
    evaluator.generation++;
  }

  /** Runs `walk` reading `specialisation`'s values (the walk of its configuration, or of a block on there). */
  within(specialisation: string | undefined, walk: () => void): void {
    const outer = this.current;
    if (outer === specialisation) return walk();
    this.use(specialisation, false);
    try {
      walk();
    } finally {
      this.use(outer, false);
    }
  }

  /**
   * `condition` of a mkIf/optionalAttrs met while walking `specialisation` (undefined: the base).
   * In the base, when a specialisation building on it sets an option: decided in each view; the
   * same everywhere, or off in the base and known in each specialisation, is settled, anything
   * else is not (the block stays under its condition in the base, as every view inherits it).
   */
  decide(condition: SyntaxNode, scope: Scope, specialisation: string | undefined): ViewsDecision {
    if (specialisation !== undefined || this.values.differingIn.length === 0) return { decided: decide(this.evaluator, condition, scope) };
    this.use(undefined, true);
    const inBase = decide(this.evaluator, condition, scope);
    const elsewhere = this.values.differingIn.map((name) => {
      this.use(name, true);
      return { name, decided: decide(this.evaluator, condition, scope) };
    });
    this.use(undefined, false);
    if (elsewhere.every((view) => view.decided === inBase)) return { decided: inBase };
    if (inBase === false && elsewhere.every((view) => view.decided !== undefined))
      return { decided: false, onlyIn: elsewhere.filter((view) => view.decided).map((view) => view.name) };
    return { decided: undefined };
  }
}
