/**
 * What mtcute needs from the runtime — crypto, a TCP transport and a "platform" — built from
 * `node:` modules only, so the same code runs on Node and Deno. `@mtcute/node` is not used: it
 * pulls in better-sqlite3 (a native addon Deno cannot load) and installs exit hooks that would
 * fight our own graceful shutdown.
 */
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomFillSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import type { ICorePlatform, TelegramTransport } from "@mtcute/core";
import type { ICryptoProvider } from "@mtcute/core/utils.js";
import type { Logger } from "../../util/log.ts";
import type { Mtcute } from "./mtcute.ts";

/**
 * A crypto provider for mtcute on Node or Deno: node:crypto for hashes and AES-CTR, mtcute's
 * WebAssembly for AES-IGE (node:crypto has none). The class is made here because its base class
 * comes with the lazily loaded mtcute.
 */
export function createCrypto(m: Mtcute): ICryptoProvider {
  const { getWasmUrl, ige256Decrypt, ige256Encrypt, initSync } = m.wasm;
  class NodeModulesCrypto extends m.utils.BaseCryptoProvider implements ICryptoProvider {
    async initialize(): Promise<void> {
      initSync(await readFile(getWasmUrl()));
    }
    createAesCtr(key: Uint8Array, iv: Uint8Array) {
      const cipher = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
      return { process: (data: Uint8Array) => new Uint8Array(cipher.update(data)) };
    }
    createAesIge(key: Uint8Array, iv: Uint8Array) {
      return { encrypt: (data: Uint8Array) => ige256Encrypt(data, key, iv), decrypt: (data: Uint8Array) => ige256Decrypt(data, key, iv) };
    }
    pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number, keylen = 64, algo = "sha512") {
      return new Uint8Array(pbkdf2Sync(password, salt, iterations, keylen, algo));
    }
    sha1(data: Uint8Array) {
      return new Uint8Array(createHash("sha1").update(data).digest());
    }
    sha256(data: Uint8Array) {
      return new Uint8Array(createHash("sha256").update(data).digest());
    }
    hmacSha256(data: Uint8Array, key: Uint8Array) {
      return new Uint8Array(createHmac("sha256", key).update(data).digest());
    }
    gzip(data: Uint8Array, maxSize: number) {
      try {
        return new Uint8Array(gzipSync(data, { maxOutputLength: maxSize }));
      } catch (e) {
        // Larger than worth compressing: mtcute sends it plain.
        if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return null;
        throw e;
      }
    }
    gunzip(data: Uint8Array) {
      return new Uint8Array(gunzipSync(data));
    }
    randomFill(buf: Uint8Array) {
      randomFillSync(buf);
    }
  }
  return new NodeModulesCrypto();
}

/** Plain TCP to Telegram's data centres with the intermediate packet codec. */
export function tcpTransport(m: Mtcute): TelegramTransport {
  return {
    async connect(dc) {
      const connection = await m.fuman.connectTcp({ address: dc.ipAddress, port: dc.port });
      connection.setNoDelay(true);
      connection.setKeepAlive(true);
      return connection;
    },
    packetCodec: () => new m.core.IntermediatePacketCodec(),
  };
}

// mtcute's numeric levels: 1 error, 2 warn, 3 info, 4 debug, 5 verbose.
const ERROR = 1;
const WARN = 2;

/** How long the same mtcute message stays quiet after it was logged (reconnect loops repeat it every second). */
const REPEAT_QUIET_MS = 60_000;

/**
 * Routes mtcute's log to ours (warnings and errors only, first line only) and leaves process
 * exit to us. A message repeated within a minute is counted, not printed again.
 */
export function createPlatform(log: Logger, clock: () => number = Date.now): ICorePlatform {
  const lastSeen = new Map<string, { at: number; repeats: number }>();
  return {
    beforeExit: () => () => {},
    getDefaultLogLevel: () => WARN,
    getDeviceModel: () => "Switchboard",
    log(_color, level, tag, fmt, args) {
      if (level > WARN) return;
      // Drop mtcute's "[USER n/a] [DC 2] [MAIN] [UID 0]" prefix so repeats compare equal.
      const text = formatMtcute(fmt, args).split("\n")[0].replace(/^(\[[^\]]*\]\s*)+/, "");
      const key = `${tag}:${text}`;
      const now = clock();
      const seen = lastSeen.get(key);
      if (seen && now - seen.at < REPEAT_QUIET_MS) {
        seen.repeats++;
        return;
      }
      lastSeen.set(key, { at: now, repeats: 0 });
      const fields = seen?.repeats ? { repeated: seen.repeats } : undefined;
      if (level <= ERROR) log.error(`mtcute ${tag}: ${text}`, fields);
      else log.warn(`mtcute ${tag}: ${text}`, fields);
    },
  };
}

/** mtcute's printf-like placeholders (%s, %d, %j, %J, %e, %h, %b, %l) rendered plainly. */
function formatMtcute(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%[sdjJehbl]/g, () => {
    const value = args[i++];
    if (typeof value === "string" || typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
    if (value instanceof Error) return value.message;
    try {
      return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v)) ?? String(value);
    } catch {
      return String(value);
    }
  });
}
