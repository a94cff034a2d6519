/**
 * Reads one HTTP/1.x answer off a connection's bytes as they arrive, for `http1-pool.ts`: the
 * status line, the headers it needs (`Content-Length`, `Transfer-Encoding`, `Connection`,
 * `Keep-Alive`), and the body framed by its length, by chunks, or by the connection's close.
 * Informational `1xx` heads are skipped. Anything malformed is an error: the connection is then
 * dropped, never reused.
 */

/** A complete answer: its status and its body as text. */
export interface Http1Answer {
  readonly status: number;
  readonly text: string;
}

/** The longest head (or chunk-size line) accepted: a Bot API answer's head is a few hundred bytes. */
const maxHeadBytes = 64 * 1024;

/** Where a chunked body is: a size line, chunk data, the line break after it, or the trailers. */
type ChunkState = "size" | "data" | "dataEnd" | "trailers";

/** See the module comment. One reader per answer. */
export class AnswerReader {
  /** The head's bytes so far, while its blank line has not arrived. */
  #head: Buffer | undefined;
  #inBody = false;
  #status = 0;
  #chunked = false;
  #chunkState: ChunkState = "size";
  /** A chunked body's current line (size or trailer), while its line feed has not arrived. */
  #line = "";
  /** The last chunk and the trailers after it are read. */
  #chunksDone = false;
  /** Body bytes still expected: of the whole body, or of the current chunk; -1 = until the close. */
  #remaining = 0;
  readonly #body: Buffer[] = [];
  /** Whether the connection may carry another request after this answer. */
  reusable = true;
  /** How long the server keeps an idle connection (its `Keep-Alive: timeout=`), if it says. */
  keepAliveMs: number | undefined;

  /** Whether any byte of the answer has arrived. */
  get started(): boolean {
    return this.#inBody || this.#head !== undefined;
  }

  /**
   * Reads `data`. Answers the answer once complete, with `extra` bytes that followed it (a server
   * must send none: nothing else was asked), or undefined while more is needed. Throws on a
   * malformed answer.
   */
  read(data: Buffer): { answer: Http1Answer; extra: number } | undefined {
    let at = 0;
    while (at < data.length) {
      if (!this.#inBody) {
        at = this.#readHead(data, at);
        if (at < 0) return undefined;
        if (!this.#inBody) continue; // a 1xx head: the real one follows
        if (!this.#chunked && this.#remaining === 0) return { answer: this.#answer(), extra: data.length - at };
      } else if (this.#chunked) {
        at = this.#readChunked(data, at);
        if (this.#chunksDone) return { answer: this.#answer(), extra: data.length - at };
      } else if (this.#remaining < 0) {
        this.#body.push(data.subarray(at));
        return undefined;
      } else {
        const take = Math.min(this.#remaining, data.length - at);
        this.#body.push(data.subarray(at, at + take));
        this.#remaining -= take;
        at += take;
        if (this.#remaining === 0) return { answer: this.#answer(), extra: data.length - at };
      }
    }
    return undefined;
  }

  /** The connection closed: an answer framed by the close is complete; any other is cut off (undefined). */
  closed(): Http1Answer | undefined {
    return this.#inBody && !this.#chunked && this.#remaining < 0 ? this.#answer() : undefined;
  }

  /** Reads head bytes from `at`: where the body starts, or -1 when the head is not complete yet. */
  #readHead(data: Buffer, at: number): number {
    const before = this.#head?.length ?? 0;
    const joined = this.#head ? Buffer.concat([this.#head, data.subarray(at)]) : data.subarray(at);
    // The blank line may straddle the two pieces: search from just before the new bytes. Bare
    // line feeds are accepted too (RFC 9112 lets a recipient), rather than waiting for a CRLF
    // that never comes until the inactivity timeout.
    const from = Math.max(0, before - 3);
    const crlf = joined.indexOf("\r\n\r\n", from, "latin1");
    const lf = joined.indexOf("\n\n", from, "latin1");
    const [end, blank] = lf >= 0 && (crlf < 0 || lf < crlf) ? [lf, 2] : [crlf, 4];
    if (end < 0) {
      if (joined.length > maxHeadBytes) throw new Error("answer head too large");
      this.#head = Buffer.from(joined);
      return -1;
    }
    this.#head = undefined;
    this.#parseHead(joined.toString("latin1", 0, end));
    return at + end + blank - before;
  }

  #parseHead(head: string): void {
    const lines = head.split(/\r?\n/);
    const match = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (!match) throw new Error(`not an HTTP/1.x answer: ${JSON.stringify(lines[0].slice(0, 40))}`);
    const status = Number(match[2]);
    if (status < 200) return; // informational: skipped
    let keepAlive = match[1] === "1";
    let close = false;
    let length: number | undefined;
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(":");
      if (colon <= 0) continue;
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      if (name === "content-length") {
        if (!/^\d+$/.test(value) || (length !== undefined && Number(value) !== length)) throw new Error(`bad content-length: ${value}`);
        length = Number(value);
      } else if (name === "transfer-encoding") {
        // Only chunked framing is understood; a compressed body was never asked for.
        if (value.toLowerCase() !== "chunked") throw new Error(`unsupported transfer-encoding: ${value}`);
        this.#chunked = true;
      } else if (name === "connection") {
        const tokens = value.toLowerCase().split(",").map((t) => t.trim());
        if (tokens.includes("close")) close = true;
        else if (tokens.includes("keep-alive")) keepAlive = true;
      } else if (name === "keep-alive") {
        const timeout = /(?:^|[,\s])timeout=(\d+)/i.exec(value);
        if (timeout) this.keepAliveMs = Number(timeout[1]) * 1000;
      }
    }
    this.#status = status;
    this.#inBody = true;
    if (status === 204 || status === 304) {
      this.#chunked = false;
      this.#remaining = 0;
    } else if (this.#chunked) {
      this.#remaining = 0;
      // Both framings given: read as chunked (RFC 9112 §6.3), but the connection is not trusted again.
      if (length !== undefined) close = true;
    } else if (length !== undefined) {
      this.#remaining = length;
    } else {
      // Framed by the close: the connection cannot be reused.
      this.#remaining = -1;
      keepAlive = false;
    }
    this.reusable = keepAlive && !close;
  }

  /** Reads chunked body bytes from `at`; answers where it stopped. Done when the trailers' blank line is read. */
  #readChunked(data: Buffer, at: number): number {
    while (at < data.length) {
      if (this.#chunkState === "data") {
        const take = Math.min(this.#remaining, data.length - at);
        this.#body.push(data.subarray(at, at + take));
        this.#remaining -= take;
        at += take;
        if (this.#remaining === 0) this.#chunkState = "dataEnd";
        continue;
      }
      const lf = data.indexOf(10, at);
      const stop = lf < 0 ? data.length : lf + 1;
      this.#line += data.toString("latin1", at, stop);
      at = stop;
      if (this.#line.length > maxHeadBytes) throw new Error("chunked answer: line too long");
      if (lf < 0) continue;
      const line = this.#line.replace(/\r?\n$/, "");
      if (this.#chunkState === "trailers") {
        if (line === "") {
          this.#chunksDone = true; // the blank line after the trailers
          return at;
        }
      } else if (this.#chunkState === "dataEnd") {
        if (line !== "") throw new Error("chunked answer: no line break after a chunk");
        this.#chunkState = "size";
      } else {
        const size = line.split(";")[0].trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(size)) throw new Error(`chunked answer: bad chunk size ${JSON.stringify(size.slice(0, 20))}`);
        this.#remaining = Number.parseInt(size, 16);
        this.#chunkState = this.#remaining === 0 ? "trailers" : "data";
      }
      this.#line = "";
    }
    return at;
  }

  #answer(): Http1Answer {
    const body = this.#body.length === 1 ? this.#body[0] : Buffer.concat(this.#body);
    return { status: this.#status, text: body.toString("utf8") };
  }
}
