/**
 * Making untrusted text (evidence lines, interface names, comments from iptables rules) safe for each output.
 * A snapshot comes from someone else's machine: its text must not move a terminal's cursor or break XML.
 */

/** C0 controls except tab and newline, DEL, and C1 controls: what a terminal may act on. */
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function hexEscape(ch: string): string {
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** Text for a terminal or a log: control characters shown as \xNN, newlines kept. */
export function printable(text: string): string {
  return text.replace(TERMINAL_CONTROL, hexEscape);
}

/** One line for a terminal: like printable, and newlines shown as \n too. */
export function printableLine(text: string): string {
  return printable(text).replace(/\r?\n/g, '\\n');
}

/**
 * Characters XML 1.0 cannot carry at all, not even as character references:
 * C0 controls other than tab, LF and CR; unpaired surrogates; U+FFFE and U+FFFF.
 */
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function xmlForbidden(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

const XML_TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const XML_ATTR_ESCAPES: Record<string, string> = {
  ...XML_TEXT_ESCAPES,
  '"': '&quot;',
  // As references, so that attribute-value normalisation keeps them.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Element content. */
export function xmlText(text: string): string {
  return text.replace(XML_FORBIDDEN, xmlForbidden).replace(/[&<>]/g, (ch) => XML_TEXT_ESCAPES[ch] ?? ch);
}

/** A double-quoted attribute value. */
export function xmlAttr(text: string): string {
  return text.replace(XML_FORBIDDEN, xmlForbidden).replace(/[&<>"\t\n\r]/g, (ch) => XML_ATTR_ESCAPES[ch] ?? ch);
}
