/**
 * `netaudit explain ID` in text: what a rule checks, why, how to fix it, and the facts it reads.
 */
import type { LoadedRule } from '../engine/catalog.js';
import type { FactDoc } from '../engine/facts/index.js';
import { describeConditions, factsUsed, messageFacts } from './conditions.js';
import { printable } from './escape.js';
import { installedRuleDocsUrl, isBuiltinRule } from './links.js';

export function explainRule(rule: LoadedRule, factDocs: readonly FactDoc[], askedAs = rule.meta.id): string {
  const { meta, definition } = rule;
  const out: string[] = [];
  out.push(`${meta.id}: ${meta.title}`);
  if (askedAs !== meta.id) out.push(`(${askedAs} is an old id of this rule)`);
  out.push(`severity ${meta.severity}, subject ${meta.subject}, from ${meta.origin}${meta.deprecated ? ', DEPRECATED' : ''}`);
  out.push(`requires: ${meta.requires.length ? meta.requires.join(', ') : 'nothing'}`);
  out.push('', 'Why it matters', ...indented(meta.rationale));
  out.push('', 'How to fix', ...indented(meta.remediation));
  if (meta.references.length) out.push('', 'References', ...meta.references.map((r) => `  ${r}`));
  out.push('', 'Fires when', ...describeConditions(definition.conditions, '  '));
  out.push('', 'Message', `  ${definition.message}`);

  const facts = usedFacts(rule);
  if (facts.length) {
    const docs = new Map(factDocs.filter((d) => d.subject === meta.subject).map((d) => [d.name, d]));
    out.push('', `Facts used (subject ${meta.subject})`);
    for (const name of facts) {
      const doc = docs.get(name);
      out.push(doc ? `  ${name} (${doc.type}): ${doc.description}` : `  ${name}`);
    }
  }
  const suppressedBy = definition.suppressedBy;
  if (suppressedBy.length) out.push('', `Not reported when one of these fires: ${suppressedBy.join(', ')}`);
  out.push('', `Disable it: netaudit audit --disable ${meta.id} INPUT`);
  if (isBuiltinRule(meta)) out.push(`Documentation: ${installedRuleDocsUrl(meta.id)}`);
  return `${printable(out.join('\n'))}\n`;
}

/** Facts read by conditions, printed by the message, or quoted as evidence, in that order. */
export function usedFacts(rule: LoadedRule): string[] {
  const { definition } = rule;
  return [
    ...new Set([
      ...factsUsed(definition.conditions),
      ...messageFacts(definition.message),
      ...definition.evidence.map((e) => (typeof e === 'string' ? e : e.fact)),
    ]),
  ];
}

const WIDTH = 100;

/** Paragraphs indented and wrapped at word boundaries; a word longer than the width stays whole. */
function indented(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + 1 + word.length > WIDTH - 2) {
        out.push(`  ${line}`);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(`  ${line}`);
  }
  return out;
}
