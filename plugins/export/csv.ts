/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF; a field holding a
 * comma, a quote, CR or LF is wrapped in double quotes with its quotes doubled.
 *
 * Files start with a UTF-8 byte order mark: without it Excel reads a CSV in the machine's legacy
 * code page and garbles every non-Latin name; LibreOffice, Google Sheets and CSV libraries
 * accept (or strip) it.
 *
 * Texts that would start a formula are defused with a leading `'` (see {@link csvField}).
 */

/** The UTF-8 byte order mark, as the file's first character. */
export const bom = "\uFEFF";

/** A plain decimal number (ids like -100123, counts, 1.5): a spreadsheet reads it as that number, never as a formula. */
const plainNumber = /^[+-]?\d+(\.\d+)?$/;

/**
 * A text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first: CSV
 * injection, e.g. a user named `=HYPERLINK(…)`) gets a `'` in front, as OWASP advises; the
 * spreadsheet shows the text. Plain numbers are left alone, so negative group ids stay numbers.
 */
function defused(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !plainNumber.test(text) ? `'${text}` : text;
}

/** One field, defused (see {@link defused}) and quoted when it must be. */
export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : typeof value === "number" ? String(value) : defused(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, with its CRLF. */
export const csvRecord = (fields: readonly (string | number | null | undefined)[]): string => `${fields.map(csvField).join(",")}\r\n`;
