/**
 * Where a SARIF result points: a line of the text the evidence was read from, never a line of the snapshot
 * file that stores that text (line 328 of host.json.gz is not line 328 of the `sysctl -a` inside it).
 *
 * A source that lives in a file of its own (a raw-output directory's file, or one `--sarif-sources` wrote) is
 * that file. Any other source is an artifact of the log named `INPUT#SOURCE` ("host.json.gz#sysctl",
 * "host.json.gz#netns:blue/iptables-save") whose `contents.text` is the source's text, so a viewer shows the
 * quoted line from the log itself. The region is the evidence line; where the quoted text is only part of it
 * (an element of compact `ip -j` JSON, a clipped long line) the columns say which part, and the snippet is
 * always the region's text as the artifact holds it.
 */
import type { Evidence } from '../parse/common.js';
import { clippedPrefix, splitLines } from '../parse/common.js';
import { REPORT_TEXT_MAX } from './bounds.js';
import { pathToFileURL } from 'node:url';

export interface SourceLocator {
  /** The text of a source of an input (by its evidence label), for snippets and embedded artifacts. */
  sourceText?: (input: string, source: string) => string | undefined;
  /** The file holding a source of an input, when it has one; otherwise the text is embedded in the log. */
  sourceFile?: (input: string, source: string) => string | undefined;
  /**
   * For a source joined from several files (Evidence.origin), the file of the input that one of them is, where
   * the input holds it (a raw-output directory's `iptables-L-nat.txt`, a sosreport directory's own file).
   */
  originFile?: (input: string, source: string, file: string) => string | undefined;
}

interface Artifact {
  location: { uri: string };
  contents?: { text: string };
  mimeType?: string;
}

export interface Region {
  startLine: number;
  startColumn?: number;
  endColumn?: number;
  snippet?: { text: string };
}

export interface PhysicalLocation {
  artifactLocation: { uri: string; index: number };
  region: Region;
}

/** The artifacts of one run (one input), each listed once, in the order results first name them. */
export class RunLocations {
  readonly #artifacts: Artifact[] = [];
  readonly #index = new Map<string, number>();
  readonly #lines = new Map<string, string[] | undefined>();

  constructor(
    private readonly input: string,
    private readonly locator: SourceLocator,
  ) {}

  /** The location of an evidence line; without evidence, the input itself at its first line. */
  locate(evidence: Evidence | undefined): PhysicalLocation {
    if (!evidence || evidence.line < 1) {
      return { artifactLocation: this.#artifact(toUriReference(this.input)), region: { startLine: 1 } };
    }
    const text = this.#text(evidence.source);
    const origin = evidence.origin;
    const originFile = origin === undefined ? undefined : this.locator.originFile?.(this.input, evidence.source, origin.file);
    if (origin !== undefined && originFile !== undefined) {
      // The line of the file the joined text took it from; the quoted text is the same line.
      const lines = text === undefined ? undefined : this.#linesOf(evidence.source, text);
      return { artifactLocation: this.#artifact(toUriReference(originFile)), region: evidenceRegion({ ...evidence, line: origin.line }, lines?.[evidence.line - 1]) };
    }
    const file = this.locator.sourceFile?.(this.input, evidence.source);
    const uri = file === undefined ? embeddedUri(this.input, evidence.source) : toUriReference(file);
    const embedded = file === undefined && text !== undefined ? text : undefined;
    const lines = text === undefined ? undefined : this.#linesOf(evidence.source, text);
    return {
      artifactLocation: this.#artifact(uri, embedded),
      region: evidenceRegion(evidence, lines?.[evidence.line - 1]),
    };
  }

  artifacts(): Artifact[] {
    return this.#artifacts;
  }

  #text(source: string): string | undefined {
    return this.locator.sourceText?.(this.input, source);
  }

  #linesOf(source: string, text: string): string[] {
    let lines = this.#lines.get(source);
    if (!lines) {
      lines = splitLines(text);
      this.#lines.set(source, lines);
    }
    return lines;
  }

  #artifact(uri: string, contents?: string): { uri: string; index: number } {
    let index = this.#index.get(uri);
    if (index === undefined) {
      index = this.#artifacts.length;
      this.#index.set(uri, index);
      this.#artifacts.push(contents === undefined ? { location: { uri } } : { location: { uri }, contents: { text: contents }, mimeType: 'text/plain' });
    }
    return { uri, index };
  }
}

/** "host.json.gz#sysctl": the source inside the input, as a relative reference with the label as fragment. */
export function embeddedUri(input: string, source: string): string {
  const fragment = encodeURIComponent(source).replace(/%2F/g, '/').replace(/%3A/g, ':');
  return `${toUriReference(input)}#${fragment}`;
}

/**
 * The region of an evidence line. `line` is that line of the source when its text is known: the quoted text
 * found in it gives the columns; a line that does not hold it is quoted as it is (the line number is the
 * parser's, the text the artifact's). Long lines are cut at REPORT_TEXT_MAX by the columns, never by the snippet alone.
 */
export function evidenceRegion(evidence: Evidence, line: string | undefined): Region {
  const startLine = evidence.line;
  if (line === undefined) return { startLine, snippet: { text: clippedPrefix(evidence.text).slice(0, REPORT_TEXT_MAX) } };
  const quoted = clippedPrefix(evidence.text);
  const at = quoted.length > 0 ? line.indexOf(quoted) : -1;
  const [start, length] = at === -1 ? [0, line.length] : [at, quoted.length];
  const end = start + Math.min(length, REPORT_TEXT_MAX);
  if (start === 0 && end === line.length) return { startLine, snippet: { text: line } };
  return { startLine, startColumn: start + 1, endColumn: end + 1, snippet: { text: line.slice(start, end) } };
}

/** A relative path stays a relative reference (percent-encoded per segment); an absolute one becomes file://. */
export function toUriReference(filePath: string): string {
  if (filePath.startsWith('/')) return pathToFileURL(filePath).href;
  return filePath
    .split(/[\\/]/)
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
