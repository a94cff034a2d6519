/**
 * The Bot API transport's connections (`json-transport.ts`, on Node and on Deno): JSON POSTs over
 * kept-alive HTTP/1.1 connections on plain `node:net` / `node:tls` sockets, one write per
 * request, the answer read by `http1-answer.ts`.
 *
 * Why not node:http: a relayed message is one Bot API call, and under load node:http's client
 * (`ClientRequest` with its option parsing, header objects and socket listeners, the incoming
 * message stream, the agent's bookkeeping) cost about a fifth of a relayed message's CPU, plus
 * ~12 KB of short-lived objects per call that the garbage collector copies while calls are in
 * flight. This pool relays the same burst with ~20 % less CPU (bench/README.md "Session 8").
 * undici's dispatcher, tried in session 7, measured within noise of node:http in the relay and
 * added 8 MB of memory (its WebAssembly parser). What this does is only what the Bot API's JSON
 * calls need: no redirects, no uploads (multipart goes through `upload.ts` and node:http), no
 * pipelining. On Deno it replaced `fetch`, also with ~20 % less CPU per relayed message.
 *
 * Like node:http's agent: connections are kept open between calls and reused newest first; idle
 * ones do not keep the process alive and close when the server's `Keep-Alive: timeout` is near;
 * at most `maxConnections` are open, and calls beyond wait in arrival order. A call that fails
 * after its request was written is not sent again (it may have reached Telegram: the caller
 * decides, see delivery's in-doubt rule).
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { AnswerReader, type Http1Answer } from "./http1-answer.ts";
import { deadlineError } from "./client-request.ts";

/** How a call ends: with an error, or with the answer. Called once, unless the call was abandoned. */
export type Http1Done = (error: Error | undefined, answer?: Http1Answer) => void;

/** Where a pool's connections go, and its limits. */
export interface Http1PoolOptions {
  /** `http:` or `https:` URL of the server (its path is not used). */
  readonly origin: URL;
  /** Connections open at most (busy or idle); calls beyond wait in arrival order. */
  readonly maxConnections: number;
  /** A call fails when its connection is silent this long before the answer is complete. */
  readonly inactivityTimeoutMs: number;
  /** For `https:`: the certificates to trust instead of the system's (a private CA; tests). */
  readonly ca?: string | Buffer;
}

/** An idle connection is closed this long before the server's own keep-alive limit would close it. */
const keepAliveMarginMs = 1_000;

/** One POST, from the caller's request to its answer (or abandonment). */
class Call {
  /** The bytes to write: the head and the body in one piece (a Latin-1 string is its own bytes). */
  readonly request: string | Buffer;
  #done: Http1Done | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  /** The connection it is on, once it has one. */
  connection: Connection | undefined;

  constructor(request: string | Buffer, done: Http1Done) {
    this.request = request;
    this.#done = done;
  }

  /** Whether it still waits for its end (not answered, failed or abandoned). */
  get open(): boolean {
    return this.#done !== undefined;
  }

  /** Fails the call after `ms` wherever it is (waiting for a connection, or in flight). */
  limit(ms: number): void {
    this.#deadline = setTimeout(() => this.#cut(deadlineError(ms)), ms);
  }

  /** Ends the call: answers its caller (unless abandoned) and stops its timer. */
  end(error: Error | undefined, answer?: Http1Answer): void {
    const done = this.#done;
    this.#done = undefined;
    this.connection = undefined;
    if (this.#deadline !== undefined) clearTimeout(this.#deadline);
    done?.(error, answer);
  }

  /** Abandons the call: nobody is answered, and its connection (mid-answer) is closed. */
  abandon(): void {
    this.#done = undefined;
    this.#cut(undefined);
  }

  /** Ends the call before its answer: the connection it is on (mid-answer) is closed, never reused. */
  #cut(error: Error | undefined): void {
    const connection = this.connection;
    this.end(error);
    connection?.drop();
  }
}

/** One kept-alive connection, carrying at most one call at a time. */
class Connection {
  readonly #socket: Socket;
  readonly #pool: Http1Pool;
  #call: Call | undefined;
  #reader = new AnswerReader();
  /** How long it may stay idle: from the server's last `Keep-Alive` hint, 0 = no limit. */
  #idleLimitMs = 0;

  constructor(pool: Http1Pool, socket: Socket) {
    this.#pool = pool;
    this.#socket = socket;
    socket.setNoDelay(true);
    // As node:http's agent does: a connection dropped silently on the way (NAT, a firewall) is
    // found out by TCP instead of by the next call's inactivity timeout.
    socket.setKeepAlive(true, 1_000);
    socket.on("data", (data: Buffer) => this.#onData(data));
    socket.on("error", (error) => this.#gone(error));
    socket.on("end", () => this.#onEnd());
    socket.on("close", () => this.#gone(new Error("socket hang up")));
    socket.on("timeout", () => this.#gone(new Error(`no response activity for ${pool.options.inactivityTimeoutMs / 1000} s`)));
  }

  /** Whether it can carry a call now. */
  get usable(): boolean {
    return this.#call === undefined && !this.#socket.destroyed && this.#socket.writable && !this.#socket.readableEnded;
  }

  /** Sends `call` on this idle connection. */
  carry(call: Call): void {
    this.#call = call;
    call.connection = this;
    this.#reader = new AnswerReader();
    this.#socket.ref();
    this.#socket.setTimeout(this.#pool.options.inactivityTimeoutMs);
    if (typeof call.request === "string") this.#socket.write(call.request, "latin1");
    else this.#socket.write(call.request);
  }

  /** Closes it whatever it is doing; a call on it is not answered (its owner has ended it). */
  drop(): void {
    this.#call = undefined;
    this.#socket.destroy();
  }

  /** Back in the pool between calls: it no longer keeps the process alive. */
  rest(): void {
    this.#socket.unref();
    this.#socket.setTimeout(this.#idleLimitMs);
  }

  #onData(data: Buffer): void {
    const call = this.#call;
    if (!call) return void this.#socket.destroy(); // an answer nobody asked for: a confused server
    let read: ReturnType<AnswerReader["read"]>;
    try {
      read = this.#reader.read(data);
    } catch (error) {
      return this.#gone(error as Error);
    }
    if (!read) return;
    this.#call = undefined;
    const hint = this.#reader.keepAliveMs;
    if (hint !== undefined) this.#idleLimitMs = hint - keepAliveMarginMs;
    // A server that keeps connections a second or less would close this one as it is reused.
    if (this.#reader.reusable && read.extra === 0 && (hint === undefined || hint > keepAliveMarginMs)) this.#pool.release(this);
    else this.#socket.destroy();
    call.end(undefined, read.answer);
  }

  /** The server ended its side: an answer framed by the close is complete; a call cut off fails. */
  #onEnd(): void {
    const answer = this.#call && this.#reader.closed();
    if (answer) this.#gone(undefined, answer);
    else this.#gone(new Error(this.#reader.started ? "connection closed in the middle of the answer" : "socket hang up"));
  }

  /**
   * The connection is done for (failed, timed out, closed, or ended by the server): it leaves the
   * pool, and a call on it ends with `error`, or with `answer` when the close completed one.
   */
  #gone(error: Error | undefined, answer?: Http1Answer): void {
    const call = this.#call;
    this.#call = undefined;
    this.#socket.destroy();
    this.#pool.forget(this);
    call?.end(error, answer);
  }
}

/** See the module comment: kept-alive connections to one server. */
export class Http1Pool {
  readonly options: Http1PoolOptions;
  /** The request line's and headers' fixed part after the path. */
  readonly #headers: string;
  readonly #open = new Set<Connection>();
  /** Idle connections, the most recently used last (reused first: it is the least likely to have been closed). */
  readonly #idle: Connection[] = [];
  /** Calls waiting for a connection, oldest first. */
  readonly #waiting: Call[] = [];
  /** The last TLS session the server gave, resumed by the next connection (a shorter handshake). */
  #tlsSession: Buffer | undefined;

  constructor(options: Http1PoolOptions) {
    this.options = options;
    const { host, protocol } = options.origin; // `host` has the port only when it is not the default one
    if (protocol !== "http:" && protocol !== "https:") throw new Error(`not an http(s) URL: ${options.origin.href}`);
    this.#headers = ` HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\nconnection: keep-alive\r\ncontent-length: `;
  }

  /**
   * POSTs `json` to `path` (absolute, already escaped); `done` is called once with the answer or
   * the error. `deadlineMs` limits the whole call. Answers a function that abandons the call:
   * `done` is then not called, and a connection it was on is closed.
   */
  post(path: string, json: string, done: Http1Done, deadlineMs?: number): () => void {
    if (/[^\x21-\x7e]/.test(path)) {
      done(new Error(`request path contains unescaped characters: ${JSON.stringify(path.slice(0, 60))}`));
      return () => {};
    }
    // One write for the head and the body: as one string when the JSON is ASCII (the common
    // case; non-ASCII text is usually escaped by then), else as bytes.
    const bytes = Buffer.byteLength(json, "utf8");
    const head = `POST ${path}${this.#headers}${bytes}\r\n\r\n`;
    const call = new Call(bytes === json.length ? head + json : Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(json, "utf8")]), done);
    if (deadlineMs !== undefined) call.limit(deadlineMs);
    const idle = this.#takeIdle();
    if (idle) idle.carry(call);
    else if (this.#open.size < this.options.maxConnections) this.#connect().carry(call);
    else this.#waiting.push(call);
    return () => call.abandon();
  }

  /** `connection` finished a call and stays open: the oldest waiting call gets it, else it rests. */
  release(connection: Connection): void {
    const next = this.#nextWaiting();
    if (next) connection.carry(next);
    else {
      connection.rest();
      this.#idle.push(connection);
    }
  }

  /** `connection` closed: it leaves the pool, and a waiting call may open another. */
  forget(connection: Connection): void {
    if (!this.#open.delete(connection)) return;
    const i = this.#idle.indexOf(connection);
    if (i >= 0) this.#idle.splice(i, 1);
    if (this.#open.size >= this.options.maxConnections) return;
    const next = this.#nextWaiting();
    if (next) this.#connect().carry(next);
  }

  #nextWaiting(): Call | undefined {
    for (;;) {
      const call = this.#waiting.shift();
      if (!call || call.open) return call; // skips calls abandoned or timed out while waiting
    }
  }

  #takeIdle(): Connection | undefined {
    for (;;) {
      const connection = this.#idle.pop();
      if (!connection || connection.usable) return connection;
    }
  }

  #connect(): Connection {
    const { hostname, port, protocol } = this.options.origin;
    const host = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
    let socket: Socket;
    if (protocol === "https:") {
      const tls = tlsConnect({ host, port: Number(port || 443), servername: isIP(host) ? undefined : host, ALPNProtocols: ["http/1.1"], ca: this.options.ca, session: this.#tlsSession });
      tls.on("session", (session: Buffer) => (this.#tlsSession = session));
      socket = tls;
    } else socket = netConnect({ host, port: Number(port || 80) });
    const connection = new Connection(this, socket);
    this.#open.add(connection);
    return connection;
  }
}
