/**
 * The records parseIptablesSave returns, built once in their final shape.
 *
 * A large dump holds 100k+ rules: plain literals grown one optional property at a time end up with
 * dozens of hidden classes (one per combination of fields) and an out-of-object property store each,
 * and the model used to add `evidence` and `jumpChain` afterwards, changing the shape of every rule again.
 * Here every field exists from construction (absent ones hold undefined, which `toEqual` and
 * JSON.stringify treat as absent), and the evidence line is made only when someone asks for it.
 */
import type { Evidence } from './common.js';
import type { IptChainDecl, IptCounters, IptMatch, IptRule, IptTarget, IptValue } from './types.js';

/** The shared value of fields that hold no items: frozen, so that nobody can fill it for every rule at once. */
export const NO_MATCHES: IptMatch[] = Object.freeze([]) as unknown as IptMatch[];

/**
 * One `-A` line. `Link` is what a consumer resolves the target to (the model's chain).
 * `evidence` is a getter on the prototype, made on first use and kept.
 */
export class IptRuleRecord<Link extends object = object> implements IptRule {
  counters: IptCounters | undefined = undefined;
  protocol: IptValue | undefined = undefined;
  source: IptValue | undefined = undefined;
  destination: IptValue | undefined = undefined;
  inInterface: IptValue | undefined = undefined;
  outInterface: IptValue | undefined = undefined;
  fragment: { negated: boolean } | undefined = undefined;
  matches: IptMatch[] = NO_MATCHES;
  target: IptTarget | undefined = undefined;
  comment: string | undefined = undefined;
  /** The user chain the target names, once a consumer resolved it (src/model/netfilter.ts). */
  jumpChain: Link | undefined = undefined;
  #evidenceSource: string;
  #evidence: Evidence | undefined = undefined;

  constructor(
    public table: string,
    public chain: string,
    public position: number,
    public line: number,
    public text: string,
    evidenceSource: string,
  ) {
    this.#evidenceSource = evidenceSource;
  }

  /** The source label quoted in `evidence`. */
  get evidenceSource(): string {
    return this.#evidenceSource;
  }

  /** Quote this rule under another source label (the model's label, when it differs from the parser's). */
  set evidenceSource(source: string) {
    if (source === this.#evidenceSource) return;
    this.#evidenceSource = source;
    this.#evidence = undefined;
  }

  get evidence(): Evidence {
    return (this.#evidence ??= { source: this.#evidenceSource, line: this.line, text: this.text });
  }
}

/** One `:CHAIN POLICY [packets:bytes]` line, or a chain the dump uses without declaring it (`implicit`). */
export class IptChainRecord implements IptChainDecl {
  counters: IptCounters | undefined = undefined;
  implicit: boolean | undefined = undefined;

  constructor(
    public name: string,
    public builtin: boolean,
    public policy: string | null,
    public line: number,
    public text: string,
  ) {}
}
