/**
 * The model back in nft's text syntax: the evidence text of a rule read from JSON, and the renderer of
 * whole rulesets that the round-trip tests parse again.
 */
import type { NftExpr, NftRule, NftRuleset, NftSet, NftStatement, NftValue, NftVerdict } from './nft-types.js';

/** Meta keys nft prints without `meta` in front. */
export const UNQUALIFIED_META = new Set(['iif', 'oif', 'iifname', 'oifname', 'iiftype', 'oiftype', 'iifgroup', 'oifgroup']);

/** A string as nft prints it: bare where it is a plain word, quoted otherwise. */
function word(s: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/.test(s) && !/^\d+$/.test(s) ? s : JSON.stringify(s);
}

export function renderExpr(e: NftExpr): string {
  switch (e.kind) {
    case 'payload':
      return `${e.protocol} ${e.field}`;
    case 'meta':
      return UNQUALIFIED_META.has(e.key) ? e.key : `meta ${e.key}`;
    case 'ct':
      return ['ct', e.dir, e.family, e.key].filter((p) => p !== undefined).join(' ');
    case 'fib':
      return `fib ${e.flags.join(' . ')} ${e.result}`;
    case 'binop':
      return `${renderExpr(e.left)} ${e.op} ${renderValue(e.right)}`;
    case 'concat':
      return e.parts.map(renderExpr).join(' . ');
    case 'numgen':
      return `numgen ${e.mode} mod ${e.mod}${e.offset !== 0 ? ` offset ${e.offset}` : ''}`;
    case 'unknown':
      return e.text;
  }
}

/** Strings that are names (interfaces) are quoted by nft; symbolic constants are not. */
export function renderValue(v: NftValue, quoteStrings = false): string {
  switch (v.kind) {
    case 'string':
      return quoteStrings ? JSON.stringify(v.value) : word(v.value);
    case 'number':
      return String(v.value);
    case 'prefix':
      return `${v.addr}/${v.len}`;
    case 'range':
      return `${renderValue(v.from, quoteStrings)}-${renderValue(v.to, quoteStrings)}`;
    case 'set':
      return `{ ${v.items.map((i) => renderValue(i, quoteStrings)).join(', ')} }`;
    case 'ref':
      return `@${v.name}`;
    case 'concat':
      return v.parts.map((p) => renderValue(p, quoteStrings)).join(' . ');
    case 'map':
      return `{ ${v.pairs.map((p) => `${renderValue(p.key, quoteStrings)} : ${renderValue(p.value, quoteStrings)}`).join(', ')} }`;
    case 'verdict':
      return renderVerdict(v.verdict);
    case 'expr':
      return renderExpr(v.expr);
    case 'unknown':
      return v.text;
  }
}

export function renderVerdict(v: NftVerdict): string {
  switch (v.kind) {
    case 'jump':
    case 'goto':
      return `${v.kind} ${word(v.target)}`;
    case 'reject':
      return v.with === undefined ? 'reject' : `reject with ${v.with}`;
    case 'queue':
      return v.text === undefined ? 'queue' : `queue ${v.text}`;
    default:
      return v.kind;
  }
}

/** Does the left side compare names (quoted by nft), not symbolic constants? */
function namesStrings(e: NftExpr): boolean {
  return e.kind === 'meta' && /^(iif|oif)(name)?$|^(bri_)?(iif|oif)name$/.test(e.key);
}

export function renderStatement(s: NftStatement): string {
  switch (s.kind) {
    case 'match': {
      const quote = namesStrings(s.left);
      const right =
        s.op === 'in' && s.right.kind === 'set' ? s.right.items.map((i) => renderValue(i, quote)).join(',') : renderValue(s.right, quote);
      const op = s.op === 'in' || (s.op === '==' && s.left.kind !== 'binop') ? '' : s.op;
      return [renderExpr(s.left), op, right].filter((p) => p !== '').join(' ');
    }
    case 'counter':
      return s.packets === undefined ? 'counter' : `counter packets ${s.packets} bytes ${s.bytes ?? 0}`;
    case 'verdict':
      return renderVerdict(s.verdict);
    case 'vmap':
      return `${renderExpr(s.key)} vmap ${renderValue(s.map, namesStrings(s.key))}`;
    case 'nat': {
      const parts: string[] = [s.nat];
      if (s.family) parts.push(s.family);
      if (s.addr !== undefined || s.port !== undefined) {
        let to = s.addr === undefined ? '' : renderValue(s.addr);
        if (s.addr?.kind === 'string' && s.addr.value.includes(':') && s.port !== undefined) to = `[${to}]`;
        if (s.port !== undefined) to += `:${renderValue(s.port)}`;
        parts.push('to', to);
      }
      if (s.flags && s.flags.length > 0) parts.push(s.flags.join(','));
      return parts.join(' ');
    }
    case 'set':
      return `${renderExpr(s.target)} set ${renderValue(s.value)}`;
    case 'log': {
      const parts = ['log'];
      if (s.prefix !== undefined) parts.push('prefix', JSON.stringify(s.prefix));
      if (s.level !== undefined) parts.push('level', s.level);
      if (s.group !== undefined) parts.push('group', String(s.group));
      return parts.join(' ');
    }
    case 'notrack':
      return 'notrack';
    case 'xt':
      return s.text;
    case 'unknown':
      return s.text;
  }
}

export function renderRuleBody(statements: readonly NftStatement[], comment?: string): string {
  const body = statements.map(renderStatement).join(' ');
  return comment === undefined ? body : `${body} comment ${JSON.stringify(comment)}`;
}

function renderRule(r: NftRule): string {
  return renderRuleBody(r.statements, r.comment);
}

function renderSet(s: NftSet): string[] {
  const out = [`\t${s.kind} ${word(s.name)} {`, `\t\ttype ${s.type}${s.dataType === undefined ? '' : ` : ${s.dataType}`}`];
  if (s.flags.length > 0) out.push(`\t\tflags ${s.flags.join(',')}`);
  if (s.elements.length > 0) {
    const items = s.elements.map((e) => (e.value === undefined ? renderValue(e.key) : `${renderValue(e.key)} : ${renderValue(e.value)}`));
    out.push(`\t\telements = { ${items.join(',\n\t\t\t     ')} }`);
  }
  out.push('\t}');
  return out;
}

/** A ruleset as `nft list ruleset` prints it (with `# handle N` where the model has handles). */
export function renderRuleset(rs: NftRuleset): string {
  const out: string[] = [];
  for (const t of rs.tables) {
    if (t.managedBy === 'iptables-nft') out.push(`# Warning: table ${t.family} ${t.name} is managed by iptables-nft, do not touch!`);
    out.push(`table ${t.family} ${word(t.name)} {${t.handle === undefined ? '' : ` # handle ${t.handle}`}`);
    for (const s of t.sets) out.push(...renderSet(s), '');
    for (const c of t.chains) {
      out.push(`\tchain ${word(c.name)} {${c.handle === undefined ? '' : ` # handle ${c.handle}`}`);
      if (c.base) {
        const dev = c.base.device === undefined ? '' : ` device ${JSON.stringify(c.base.device)}`;
        out.push(`\t\ttype ${c.base.type} hook ${c.base.hook}${dev} priority ${c.base.priority}; policy ${c.base.policy};`);
      }
      for (const r of c.rules) out.push(`\t\t${renderRule(r)}${r.handle === undefined ? '' : ` # handle ${r.handle}`}`);
      out.push('\t}');
    }
    out.push('}');
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
