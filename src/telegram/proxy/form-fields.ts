/**
 * The text fields of a multipart/form-data body, read as the body streams past on its way to
 * Telegram. The proxy needs a few of them (`chat_id`) to record what an upload sent; the files
 * themselves are skipped, never held, so an upload of any size costs this reader a few KiB:
 * the current part's headers, the tail of the last chunk (a boundary may straddle two chunks),
 * and text fields up to a cap.
 */

/** Collects text fields from the chunks of one multipart body. */
export interface FormFields {
  /** Reads the next chunk of the body. */
  push(chunk: Uint8Array): void;
  /** The complete text fields read so far (fields over the cap are left out). */
  readonly fields: Record<string, string>;
}

/** Headers of one part longer than this: not a form the proxy can read (it stops reading). */
const maxPartHeaderBytes = 16 * 1024;

const crlf = new Uint8Array([13, 10]);
const dashes = new Uint8Array([45, 45]);

/**
 * A reader for a body of `contentType` (undefined when it names no boundary). `maxTextBytes`
 * bounds the text kept in all.
 */
export function formFieldsReader(contentType: string, maxTextBytes = 1024 * 1024): FormFields | undefined {
  const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) return undefined;
  const delimiter = new TextEncoder().encode(`\r\n--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string> = {};
  // The body's first boundary has no CRLF before it; a virtual one lets one delimiter match all.
  let pending: Uint8Array = crlf;
  let state: "content" | "boundary-line" | "headers" | "done" = "content";
  // The part being read: a text field (collected) or anything else (undefined: skipped).
  let field: { name: string; chunks: Uint8Array[]; size: number; over: boolean } | undefined;
  let kept = 0;

  const keep = (bytes: Uint8Array) => {
    if (!field || field.over || bytes.length === 0) return;
    if (kept + bytes.length > maxTextBytes) {
      field.over = true;
      return;
    }
    kept += bytes.length;
    field.size += bytes.length;
    field.chunks.push(bytes.slice());
  };

  const endPart = () => {
    if (field && !field.over) fields[field.name] = new TextDecoder().decode(concat(field.chunks, field.size));
    field = undefined;
  };

  const step = (): boolean => {
    switch (state) {
      case "content": {
        const at = indexOf(pending, delimiter);
        if (at < 0) {
          // All but a possible start of the delimiter is content.
          const safe = Math.max(0, pending.length - (delimiter.length - 1));
          keep(pending.subarray(0, safe));
          pending = pending.subarray(safe);
          return false;
        }
        keep(pending.subarray(0, at));
        endPart();
        pending = pending.subarray(at + delimiter.length);
        state = "boundary-line";
        return true;
      }
      case "boundary-line": {
        if (pending.length < 2) return false;
        if (startsWith(pending, dashes)) {
          state = "done";
          return false;
        }
        const eol = indexOf(pending, crlf);
        if (eol < 0) {
          if (pending.length > maxPartHeaderBytes) state = "done";
          return false;
        }
        pending = pending.subarray(eol + 2);
        state = "headers";
        return true;
      }
      case "headers": {
        // A part without headers starts with the blank line at once.
        const end = startsWith(pending, crlf) ? 0 : indexOf(pending, new Uint8Array([13, 10, 13, 10]));
        if (end < 0) {
          if (pending.length > maxPartHeaderBytes) state = "done";
          return false;
        }
        field = textField(new TextDecoder().decode(pending.subarray(0, end)));
        pending = pending.subarray(end === 0 ? 2 : end + 4);
        state = "content";
        return true;
      }
      case "done":
        pending = new Uint8Array(0);
        return false;
    }
  };

  return {
    push(chunk) {
      if (state === "done") return;
      pending = pending.length === 0 ? chunk : concat([pending, chunk], pending.length + chunk.length);
      while (step());
    },
    fields,
  };
}

/** A text field's name from a part's headers; undefined for a file part or a part without a name. */
function textField(headers: string): { name: string; chunks: Uint8Array[]; size: number; over: boolean } | undefined {
  const disposition = headers.split("\r\n").find((line) => /^content-disposition\s*:/i.test(line));
  if (!disposition || /;\s*filename\*?=/i.test(disposition)) return undefined;
  const name = /;\s*name=(?:"([^"]*)"|([^;\s]+))/i.exec(disposition);
  return name ? { name: name[1] ?? name[2], chunks: [], size: 0, over: false } : undefined;
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function indexOf(bytes: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (let at = bytes.indexOf(first); at >= 0 && at + needle.length <= bytes.length; at = bytes.indexOf(first, at + 1)) {
    let i = 1;
    while (i < needle.length && bytes[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
  }
  return -1;
}
