/**
 * The reference evaluation: json-rules-engine itself, one engine per subject kind, run once per subject
 * with that subject's fact getter. Slow (async, ~1 ms per run) but the definition of the semantics the
 * compiled evaluator must reproduce; selected with runAudit(…, { engine: 'reference' }).
 */
import { Engine } from 'json-rules-engine';
import type { FactGetter } from './evaluator.js';
import type { FactParams } from './facts/registry.js';
import { CUSTOM_OPERATORS } from './operators.js';
import type { TopLevelConditionShape } from './rule-file.js';

/** Name of the runtime fact carrying the subject's getter (wrapped: a function value would be called). */
const GETTER_FACT = '__netaudit_subject';

export interface ReferenceRule {
  id: string;
  conditions: TopLevelConditionShape;
}

export class ReferenceEvaluator {
  private readonly engine: Engine;

  constructor(rules: ReferenceRule[], factNames: string[]) {
    this.engine = new Engine([], { allowUndefinedFacts: false });
    for (const op of CUSTOM_OPERATORS) this.engine.addOperator(op.name, (f: unknown, v: unknown) => op.validator(f) && op.cb(f, v));
    for (const name of factNames) {
      this.engine.addFact(name, async (params: FactParams, almanac) => {
        const holder = (await almanac.factValue(GETTER_FACT)) as { get: FactGetter };
        return holder.get(name, params ?? {});
      });
    }
    for (const rule of rules) {
      this.engine.addRule({ name: rule.id, conditions: structuredClone(rule.conditions) as never, event: { type: rule.id } });
    }
  }

  /** Ids of the rules whose conditions hold for the subject behind `get`. */
  async fired(get: FactGetter): Promise<Set<string>> {
    const { events } = await this.engine.run({ [GETTER_FACT]: { get } });
    return new Set(events.map((e) => e.type));
  }
}
