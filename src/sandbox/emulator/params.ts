/**
 * Bot API parameter decoding. Telegram accepts a query string, JSON, form-urlencoded and
 * multipart bodies, with structured values (reply_markup, entities …) JSON-encoded in the
 * non-JSON encodings; handlers read them through {@link Params} so they need not care.
 */
import { readMultipart } from "../../util/multipart.ts";
import { badRequest, missingParam } from "./errors.ts";

/** Raw parameter values: strings (query/form), JSON values, or uploaded files (Blob). */
export type RawParams = Record<string, unknown>;

/** Merges the query string and the body (any Telegram-supported encoding) into one object. */
export async function parseParams(contentType: string | undefined, body: Uint8Array, query: URLSearchParams): Promise<RawParams> {
  const out: RawParams = {};
  for (const [k, v] of query) out[k] = v;
  if (body.length === 0) return out;
  const ct = (contentType ?? "").toLowerCase();
  if (ct.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw badRequest("Bad Request: can't parse JSON object");
    }
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) Object.assign(out, parsed);
    return out;
  }
  if (ct.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(new TextDecoder().decode(body))) out[k] = v;
    return out;
  }
  if (ct.startsWith("multipart/form-data")) {
    // Read as leniently as Telegram does (Node 20's own formData() refuses what grammY sends).
    for (const { head, bytes } of readMultipart(contentType ?? "", body)) {
      if (head.name === undefined) continue;
      out[head.name] = head.filename !== undefined
        ? new File([bytes as BlobPart], head.filename, head.contentType ? { type: head.contentType } : {})
        : new TextDecoder().decode(bytes);
    }
    return out;
  }
  return out;
}

/** True for an uploaded file part. */
export function isUpload(v: unknown): v is Blob {
  return typeof Blob !== "undefined" && v instanceof Blob;
}

/** Typed access to a method's parameters with Telegram's coercions. */
export class Params {
  readonly raw: RawParams;

  constructor(raw: RawParams) {
    this.raw = raw;
  }

  /** True when the parameter is present and not empty. */
  has(name: string): boolean {
    const v = this.raw[name];
    return v !== undefined && v !== null && v !== "";
  }

  /** A string parameter (numbers are stringified). */
  str(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return undefined;
  }

  /** A required string parameter. */
  reqStr(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === "") throw missingParam(name);
    return v;
  }

  /** An integer parameter. */
  int(name: string): number | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isFinite(n)) throw badRequest(`Bad Request: invalid ${name} specified`);
    return Math.trunc(n);
  }

  /** A required integer parameter. */
  reqInt(name: string): number {
    const v = this.int(name);
    if (v === undefined) throw missingParam(name);
    return v;
  }

  /** A boolean parameter ("true"/"1" in the string encodings). */
  bool(name: string): boolean {
    const v = this.raw[name];
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    if (typeof v === "string") return v === "true" || v === "1";
    return false;
  }

  /** A structured parameter: taken as is from JSON bodies, JSON-decoded from strings. */
  json<T>(name: string): T | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") return v as T;
    try {
      return JSON.parse(v) as T;
    } catch {
      throw badRequest(`Bad Request: can't parse ${name} JSON object`);
    }
  }

  /** chat_id-like parameter: a number, or an "@username" string. */
  chatId(name = "chat_id"): number | string {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") throw missingParam(name);
    if (typeof v === "number") return v;
    const s = String(v);
    if (/^-?\d+$/.test(s)) return Number(s);
    return s;
  }
}
