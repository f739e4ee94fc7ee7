/** JSON Pointers (RFC 6901) into a snapshot, as error locations name them. */

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '/' : path.map((k) => `/${escapePointer(String(k))}`).join('');
}
