/**
 * The runtime pieces mtcute gets from us (no @mtcute/node): crypto on node:crypto plus
 * mtcute's WebAssembly AES-IGE, and a TCP transport. Checked against known values and a
 * loopback socket, on Node and on Deno.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { loadMtcute } from "../../src/telegram/mtproto/mtcute.ts";
import { createCrypto, tcpTransport } from "../../src/telegram/mtproto/runtime.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("MTProto runtime", () => {
  it("provides the crypto mtcute needs", async () => {
    const crypto = createCrypto(await loadMtcute());
    await crypto.initialize?.();
    expect(hex(crypto.sha1(new TextEncoder().encode("abc")))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(hex(crypto.sha256(new Uint8Array()))).toBe(createHash("sha256").digest("hex"));
    // The factorisation from the MTProto documentation's key-exchange example.
    const [p, q] = await crypto.factorizePQ(new Uint8Array([0x17, 0xed, 0x48, 0x94, 0x1a, 0x08, 0xf9, 0x81]));
    expect([hex(p), hex(q)]).toEqual(["494c553b", "53911073"]);
    const key = crypto.randomBytes(32);
    const iv = crypto.randomBytes(32);
    const plain = crypto.randomBytes(64);
    const sealed = crypto.createAesIge(key, iv).encrypt(plain);
    expect(hex(sealed)).not.toBe(hex(plain));
    expect(hex(crypto.createAesIge(key, iv).decrypt(sealed))).toBe(hex(plain));
    const ctrKey = crypto.randomBytes(32);
    const ctrIv = crypto.randomBytes(16);
    const once = crypto.createAesCtr(ctrKey, ctrIv, true).process(plain);
    expect(hex(crypto.createAesCtr(ctrKey, ctrIv, false).process(once))).toBe(hex(plain));
    const text = new TextEncoder().encode("x".repeat(5000));
    expect(hex(crypto.gunzip(crypto.gzip(text, 5000)!))).toBe(hex(text));
    expect(crypto.gzip(crypto.randomBytes(5000), 100)).toBeNull(); // not worth compressing
  });

  it("connects over TCP", async () => {
    const server = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const connection = await tcpTransport(await loadMtcute()).connect({ id: 2, ipAddress: "127.0.0.1", port } as never);
    await connection.write(new Uint8Array([1, 2, 3]));
    const buf = new Uint8Array(3);
    const n = await connection.read(buf);
    expect([...buf.subarray(0, n)]).toEqual([1, 2, 3].slice(0, n));
    connection.close();
    await new Promise((r) => server.close(r));
  });
});
