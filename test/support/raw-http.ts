/**
 * HTTP/1.1 over a bare TCP socket, for tests of what a server does with hostile requests:
 * several requests written back to back on one kept-alive connection (a huge body included),
 * and the answers parsed as they arrive — so a reset, or an answer that never comes, shows.
 */
import { Buffer } from "node:buffer";
import { connect } from "node:net";
import { concatBytes as concat } from "../../src/util/bytes.ts";

/** One parsed answer. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A POST request as bytes; `chunked` sends the body in 64 KiB chunks without a length. */
export function rawPost(path: string, body: Uint8Array | string, o: { chunked?: boolean; headers?: Record<string, string> } = {}): Uint8Array {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const head = [`POST ${path} HTTP/1.1`, "Host: 127.0.0.1", "Content-Type: application/json", ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`)];
  if (!o.chunked) return concat([text([...head, `Content-Length: ${bytes.length}`, "", ""].join("\r\n")), bytes]);
  const parts: Uint8Array[] = [text([...head, "Transfer-Encoding: chunked", "", ""].join("\r\n"))];
  for (let at = 0; at < bytes.length; at += 65536) {
    const chunk = bytes.subarray(at, at + 65536);
    parts.push(text(`${chunk.length.toString(16)}\r\n`), chunk, text("\r\n"));
  }
  parts.push(text("0\r\n\r\n"));
  return concat(parts);
}

/**
 * Writes `requests` on one connection and resolves with the answers once `expected` arrived, or
 * with what arrived and why it stopped (`ended`: the server closed or reset the connection).
 */
export function exchange(port: number, requests: readonly Uint8Array[], expected: number, timeoutMs = 20_000): Promise<{ answers: RawAnswer[]; ended?: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let buffer: Uint8Array = new Uint8Array(0);
    const answers: RawAnswer[] = [];
    let done = false;
    const finish = (ended?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answers, ...(ended ? { ended } : {}) });
    };
    const timer = setTimeout(() => finish("timed out"), timeoutMs);
    socket.on("data", (chunk: Uint8Array) => {
      buffer = concat([buffer, chunk]);
      for (;;) {
        const parsed = parseAnswer(buffer);
        if (!parsed) break;
        answers.push(parsed.answer);
        buffer = buffer.subarray(parsed.used);
        if (answers.length === expected) return finish();
      }
    });
    socket.on("error", (error) => finish(`error: ${error.message}`));
    socket.on("close", () => finish("closed"));
    for (const request of requests) socket.write(request);
  });
}

const text = (s: string) => new TextEncoder().encode(s);

const indexOf = (bytes: Uint8Array, needle: string, from = 0) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle, from);

/** The first complete answer in `bytes` and how many bytes it took, or undefined if incomplete. */
function parseAnswer(bytes: Uint8Array): { answer: RawAnswer; used: number } | undefined {
  const headEnd = indexOf(bytes, "\r\n\r\n");
  if (headEnd < 0) return undefined;
  const [statusLine, ...lines] = new TextDecoder().decode(bytes.subarray(0, headEnd)).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(" ")[1]);
  let at = headEnd + 4;
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    const body: Uint8Array[] = [];
    for (;;) {
      const lineEnd = indexOf(bytes, "\r\n", at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(new TextDecoder().decode(bytes.subarray(at, lineEnd)), 16);
      if (bytes.length < lineEnd + 2 + size + 2) return undefined;
      body.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
      if (size === 0) return { answer: { status, headers, body: new TextDecoder().decode(concat(body)) }, used: at };
    }
  }
  const length = Number(headers["content-length"] ?? 0);
  if (bytes.length < at + length) return undefined;
  return { answer: { status, headers, body: new TextDecoder().decode(bytes.subarray(at, at + length)) }, used: at + length };
}
