/**
 * The HTTP/1.x answer reader of the Node Bot API transport: every framing it accepts, read whole
 * and cut at every byte (a TCP read may end anywhere), and everything malformed refused.
 */
import { describe, expect, it } from "vitest";
import { AnswerReader } from "../../src/platform/http1-answer.ts";

/** Feeds `raw` to a fresh reader in pieces cut at `cuts`; answers the reader and what it returned last. */
function readIn(raw: Buffer, cuts: number[]) {
  const reader = new AnswerReader();
  let result: ReturnType<AnswerReader["read"]>;
  let from = 0;
  for (const cut of [...cuts, raw.length]) {
    if (cut <= from) continue;
    expect(result).toBeUndefined(); // nothing answered before the last piece
    result = reader.read(raw.subarray(from, cut));
    from = cut;
  }
  return { reader, result };
}

/** Checks that `raw` reads to `status` and `text` however it is cut (whole, and in two and three pieces at every place). */
function readsEverywhere(raw: string | Buffer, status: number, text: string, extra = 0) {
  const bytes = typeof raw === "string" ? Buffer.from(raw, "utf8") : raw;
  const cutsList: number[][] = [[]];
  for (let i = 1; i < bytes.length; i++) cutsList.push([i]);
  for (let i = 1; i < bytes.length; i += 7) for (let j = i + 1; j < bytes.length; j += 5) cutsList.push([i, j]);
  for (const cuts of cutsList) {
    const { result } = readIn(bytes, cuts);
    expect(result, `cut at ${cuts.join(",")}`).toEqual({ answer: { status, text }, extra });
  }
}

describe("AnswerReader", () => {
  it("reads a Content-Length answer cut anywhere", () => {
    const body = '{"ok":true,"result":{"message_id":7}}';
    readsEverywhere(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 200, body);
  });

  it("reads a chunked answer with chunk extensions and trailers cut anywhere", () => {
    readsEverywhere("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\n{\"ok\"\r\nA\r\n:true,\"res\r\n0b\r\nult\":[1,2]}\r\n0\r\nX-Trailer: 1\r\n\r\n", 200, '{"ok":true,"result":[1,2]}');
  });

  it("decodes UTF-8 whose bytes are cut between reads", () => {
    const body = JSON.stringify({ ok: true, result: "привет 👋 é" });
    readsEverywhere(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`), Buffer.from(body)]), 200, body);
  });

  it("skips informational 1xx heads", () => {
    readsEverywhere("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nContent-Length: 2\r\n\r\n{}", 429, "{}");
  });

  it("reads answers without a body: 204, and Content-Length 0", () => {
    readsEverywhere("HTTP/1.1 204 No Content\r\n\r\n", 204, "");
    readsEverywhere("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "");
  });

  it("says how many bytes followed the answer (a server must send none)", () => {
    const { result } = readIn(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1"), []);
    expect(result).toEqual({ answer: { status: 200, text: "{}" }, extra: 8 });
  });

  it("reads an answer framed by the close, and never reuses its connection", () => {
    const { reader, result } = readIn(Buffer.from("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<html>bad"), [20, 60]);
    expect(result).toBeUndefined();
    expect(reader.closed()).toEqual({ status: 502, text: "<html>bad" });
    expect(reader.reusable).toBe(false);
  });

  it("an answer cut off by the close is not complete", () => {
    const { reader, result } = readIn(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"ok\""), []);
    expect(result).toBeUndefined();
    expect(reader.started).toBe(true);
    expect(reader.closed()).toBeUndefined();
    const chunked = readIn(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ok\"\r\n"), []);
    expect(chunked.reader.closed()).toBeUndefined();
    expect(new AnswerReader().started).toBe(false);
  });

  it("knows when the connection may be reused, and the server's keep-alive limit", () => {
    const reusable = (head: string) => {
      const { reader } = readIn(Buffer.from(`${head}\r\nContent-Length: 0\r\n\r\n`), []);
      return reader.reusable;
    };
    expect(reusable("HTTP/1.1 200 OK")).toBe(true);
    expect(reusable("HTTP/1.1 200 OK\r\nConnection: close")).toBe(false);
    expect(reusable("HTTP/1.1 200 OK\r\nconnection: Upgrade, Close")).toBe(false);
    expect(reusable("HTTP/1.0 200 OK")).toBe(false);
    expect(reusable("HTTP/1.0 200 OK\r\nConnection: keep-alive")).toBe(true);
    const { reader } = readIn(Buffer.from("HTTP/1.1 200 OK\r\nKeep-Alive: max=100, timeout=5\r\nContent-Length: 0\r\n\r\n"), []);
    expect(reader.keepAliveMs).toBe(5000);
  });

  it("accepts a head whose lines end in bare line feeds", () => {
    readsEverywhere("HTTP/1.1 200 OK\nContent-Length: 2\n\n{}", 200, "{}");
  });

  it("does not trust a connection again after an answer with both framings, or once any Connection header says close", () => {
    const { reader, result } = readIn(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"), []);
    expect(result).toEqual({ answer: { status: 200, text: "{}" }, extra: 0 });
    expect(reader.reusable).toBe(false);
    const twice = readIn(Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), []);
    expect(twice.reader.reusable).toBe(false);
  });

  it("refuses malformed answers", () => {
    const fails = (raw: string) => () => new AnswerReader().read(Buffer.from(raw));
    expect(fails("SSH-2.0-OpenSSH\r\n\r\n")).toThrow(/not an HTTP\/1.x answer/);
    expect(fails("HTTP/2 200\r\n\r\n")).toThrow(/not an HTTP\/1.x answer/);
    expect(fails("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")).toThrow(/bad content-length/);
    expect(fails("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n")).toThrow(/bad content-length/);
    expect(fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")).toThrow(/unsupported transfer-encoding/);
    expect(fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).toThrow(/bad chunk size/);
    expect(fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX\r\n")).toThrow(/no line break after a chunk/);
    expect(fails(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70_000)}`)).toThrow(/head too large/);
  });
});
