/**
 * A streaming reader of multipart/form-data bodies, lenient the way Telegram's server is: client
 * libraries write part headers in several spellings (grammY sends `form-data;name="a";filename=b`,
 * which the web platform's own `formData()` on Node 20 refuses). Chunks go in as they arrive;
 * parts come out through a sink, so a reader can skip file contents without holding them. It
 * keeps only the current part's headers and the few bytes where a boundary may straddle two
 * chunks.
 */
import { concatBytes } from "./bytes.ts";

/** The head of one part. */
export interface PartHead {
  /** The field name (`name=` of Content-Disposition). */
  readonly name: string | undefined;
  /** Set for a file part (`filename=` or `filename*=`). */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
}

/** Receives the parts of a body, in order. `bytes` are valid only during the call: copy to keep. */
export interface PartSink {
  start(head: PartHead): void;
  data(bytes: Uint8Array): void;
  end(): void;
}

/** Part headers longer than this are not a form: the reader stops (the body is not its to judge). */
const maxHeaderBytes = 16 * 1024;

const crlf = new Uint8Array([13, 10]);
const blankLine = new Uint8Array([13, 10, 13, 10]);
const dashes = new Uint8Array([45, 45]);

/** The boundary a multipart Content-Type names, if any. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? match[1] ?? match[2] : undefined;
}

/** Reads one body with `boundary`, handing its parts to `sink`. */
export function multipartReader(boundary: string, sink: PartSink): { push(chunk: Uint8Array): void } {
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  // The first boundary has no CRLF before it; a virtual one lets one delimiter match them all.
  let pending: Uint8Array = crlf;
  let state: "preamble" | "content" | "boundary-line" | "headers" | "done" = "preamble";

  const step = (): boolean => {
    switch (state) {
      case "preamble":
      case "content": {
        const at = indexOf(pending, delimiter);
        const inPart = state === "content";
        if (at < 0) {
          // All but a possible start of the delimiter is content.
          const safe = Math.max(0, pending.length - (delimiter.length - 1));
          if (inPart && safe > 0) sink.data(pending.subarray(0, safe));
          pending = pending.subarray(safe);
          return false;
        }
        if (inPart) {
          if (at > 0) sink.data(pending.subarray(0, at));
          sink.end();
        }
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
          if (pending.length > maxHeaderBytes) state = "done";
          return false;
        }
        pending = pending.subarray(eol + 2);
        state = "headers";
        return true;
      }
      case "headers": {
        // A part without headers starts with the blank line at once.
        const end = startsWith(pending, crlf) ? 0 : indexOf(pending, blankLine);
        if (end < 0) {
          if (pending.length > maxHeaderBytes) state = "done";
          return false;
        }
        sink.start(partHead(new TextDecoder().decode(pending.subarray(0, end))));
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
      if (state === "done" || chunk.length === 0) return;
      pending = pending.length === 0 ? chunk : concatBytes([pending, chunk]);
      while (step());
    },
  };
}

/** Reads a whole body at once: each part's head and bytes (for bodies already in memory). */
export function readMultipart(contentType: string, body: Uint8Array): { head: PartHead; bytes: Uint8Array }[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) return [];
  const parts: { head: PartHead; bytes: Uint8Array }[] = [];
  let head: PartHead | undefined;
  let chunks: Uint8Array[] = [];
  multipartReader(boundary, {
    start: (h) => ((head = h), (chunks = [])),
    data: (bytes) => chunks.push(bytes.slice()),
    end: () => head && parts.push({ head, bytes: concatBytes(chunks) }),
  }).push(body);
  return parts;
}

/** Name, file name and type from a part's header lines, in any of the spellings clients use. */
function partHead(headers: string): PartHead {
  let disposition = "";
  let contentType: string | undefined;
  for (const line of headers.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (key === "content-disposition") disposition = line.slice(colon + 1);
    else if (key === "content-type") contentType = line.slice(colon + 1).trim();
  }
  const param = (name: string) => {
    const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, "i").exec(disposition);
    return match ? (match[1]?.replace(/\\(.)/g, "$1") ?? match[2].trim()) : undefined;
  };
  const extended = param("filename\\*");
  const filename = extended !== undefined ? decodeExtended(extended) : param("filename");
  return { name: param("name"), filename, contentType };
}

/** RFC 5987 `utf-8''caf%C3%A9.txt`. */
function decodeExtended(value: string): string {
  const match = /^[^']*'[^']*'(.*)$/.exec(value);
  try {
    return decodeURIComponent(match ? match[1] : value);
  } catch {
    return value;
  }
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
