/** What every per-source redactor needs: the address mapper, the tokens, and the names to replace in any text. */
import type { AddressMapper } from './addresses.js';
import type { IdentifierNames } from './identifiers.js';
import type { InterfaceNames } from './interface-names.js';
import type { Tokens } from './tokens.js';

export interface RedactContext {
  addresses: AddressMapper;
  tokens: Tokens;
  /** The hostname, its domain, the user: replaced wherever they appear. */
  identifiers: IdentifierNames;
  /** With --redact-interfaces: every interface name of the snapshot, replaced wherever it appears. */
  interfaces: InterfaceNames | undefined;
}

/** A source whose structure the redactor could not follow: it is dropped, never written unredacted. */
export class UnredactableSource extends Error {
  override readonly name = 'UnredactableSource';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}
