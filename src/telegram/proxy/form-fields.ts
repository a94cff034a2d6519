/**
 * The text fields of a multipart/form-data body, read as the body streams past on its way to
 * Telegram. The proxy needs a few of them (`chat_id`) to record what an upload sent; the files
 * themselves are skipped, never held (util/multipart.ts keeps only a few KiB of the stream), and
 * text is kept up to a cap, so an upload of any size costs this reader next to nothing.
 */
import { boundaryOf, multipartReader } from "../../util/multipart.ts";

/** Collects text fields from the chunks of one multipart body. */
export interface FormFields {
  /** Reads the next chunk of the body. */
  push(chunk: Uint8Array): void;
  /** The complete text fields read so far (fields past the cap are left out). */
  readonly fields: Record<string, string>;
}

/**
 * A reader for a body of `contentType` (undefined when it names no boundary). `maxTextBytes`
 * bounds the text kept in all.
 */
export function formFieldsReader(contentType: string, maxTextBytes = 1024 * 1024): FormFields | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary) return undefined;
  const fields: Record<string, string> = {};
  let kept = 0;
  // The text field being read; undefined while a file (or a nameless part) streams past.
  let field: { name: string; chunks: Uint8Array[]; over: boolean } | undefined;
  const reader = multipartReader(boundary, {
    start: (head) => {
      field = head.filename === undefined && head.name !== undefined ? { name: head.name, chunks: [], over: false } : undefined;
    },
    data: (bytes) => {
      if (!field || field.over) return;
      kept += bytes.length;
      if (kept > maxTextBytes) field.over = true;
      else field.chunks.push(bytes.slice());
    },
    end: () => {
      if (field && !field.over) fields[field.name] = decode(field.chunks);
      field = undefined;
    },
  });
  return { push: (chunk) => reader.push(chunk), fields };
}

function decode(chunks: readonly Uint8Array[]): string {
  const decoder = new TextDecoder();
  return chunks.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
}
