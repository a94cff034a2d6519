/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF; a field holding a
 * comma, a quote, CR or LF is wrapped in double quotes with its quotes doubled.
 *
 * Files start with a UTF-8 byte order mark: without it Excel reads a CSV in the machine's legacy
 * code page and garbles every non-Latin name; LibreOffice, Google Sheets and CSV libraries
 * accept (or strip) it.
 */

/** The UTF-8 byte order mark, as the file's first character. */
export const bom = "\uFEFF";

/** One field, quoted when it must be. */
export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, with its CRLF. */
export const csvRecord = (fields: readonly (string | number | null | undefined)[]): string => `${fields.map(csvField).join(",")}\r\n`;
