/** A runtime setting's value in words, for diff's change values and the HTML report: "10.10.0.0/16 size 24, 10.20.0.0/16 size 24". */
export function settingValueText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' && v !== null && 'base' in v && 'size' in v ? `${String(v.base)} size ${String(v.size)}` : String(v))).join(', ') || '(none)';
  return String(value);
}
