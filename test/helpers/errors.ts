import { ParseError } from '../../src/errors.js';

/** Run `fn` and return the ParseError it throws; fail the test if it throws nothing or anything else. */
export function catchError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
  throw new Error('expected a ParseError');
}
