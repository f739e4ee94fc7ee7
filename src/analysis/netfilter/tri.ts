/**
 * Three-valued answers: the model often cannot know whether a rule matches (ipset contents, packet
 * marks, rate limits), and saying "maybe" keeps the rules that build on these answers honest.
 */
export type Tri = 'yes' | 'no' | 'maybe';

/** Conjunction: every criterion of a rule must hold. */
export function triAnd(a: Tri, b: Tri): Tri {
  if (a === 'no' || b === 'no') return 'no';
  if (a === 'maybe' || b === 'maybe') return 'maybe';
  return 'yes';
}

export function triNot(a: Tri): Tri {
  return a === 'yes' ? 'no' : a === 'no' ? 'yes' : 'maybe';
}

/** Apply an iptables `!` to a criterion's answer. */
export function triNegate(a: Tri, negated: boolean): Tri {
  return negated ? triNot(a) : a;
}

export function triOf(value: boolean | undefined): Tri {
  return value === undefined ? 'maybe' : value ? 'yes' : 'no';
}
