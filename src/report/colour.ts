/**
 * ANSI colours for the text report: only on a terminal, never with NO_COLOR (https://no-color.org).
 */

export interface Palette {
  error: (text: string) => string;
  warning: (text: string) => string;
  info: (text: string) => string;
  bold: (text: string) => string;
  dim: (text: string) => string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export const COLOURS: Palette = {
  error: sgr(31, 39),
  warning: sgr(33, 39),
  info: sgr(36, 39),
  bold: sgr(1, 22),
  dim: sgr(2, 22),
};

const same = (text: string) => text;
export const NO_COLOURS: Palette = { error: same, warning: same, info: same, bold: same, dim: same };

/** Any NO_COLOR, even empty, turns colours off: plain text is never the wrong answer. */
export function wantsColour(stream: { isTTY: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY && env.NO_COLOR === undefined;
}
