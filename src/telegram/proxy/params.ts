/**
 * Reading Bot API parameters the way Telegram accepts them: JSON body, form (urlencoded or
 * multipart) and query string. The proxy reads only the few calls it answers itself; everything
 * else is forwarded byte for byte.
 */

import { readMultipart } from "../../util/multipart.ts";

/** Parameters as sent; form values arrive as strings, JSON values as they are. */
export type RawParams = Record<string, unknown>;

/** Parses a request's parameters; never throws (a broken body yields what the query has). */
export async function readParams(url: URL, contentType: string | undefined, body: Uint8Array): Promise<RawParams> {
  const params: RawParams = Object.fromEntries(url.searchParams);
  if (body.byteLength === 0) return params;
  const type = (contentType ?? "").toLowerCase();
  try {
    if (type.includes("application/json")) return { ...params, ...(JSON.parse(new TextDecoder().decode(body)) as RawParams) };
    if (type.includes("application/x-www-form-urlencoded")) return { ...params, ...Object.fromEntries(new URLSearchParams(new TextDecoder().decode(body))) };
    if (type.includes("multipart/form-data")) {
      for (const { head, bytes } of readMultipart(contentType!, body)) {
        if (head.name !== undefined && head.filename === undefined) params[head.name] = new TextDecoder().decode(bytes);
      }
    }
  } catch {
    // Telegram would answer 400 for a broken body; the proxy's own methods treat it as empty.
  }
  return params;
}

/** An integer parameter (form values are strings). */
export function intParam(params: RawParams, name: string): number | undefined {
  const value = params[name];
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
}

/** A list parameter, given as a JSON array or a JSON-encoded string of one. */
export function listParam(params: RawParams, name: string): string[] | undefined {
  const value = params[name];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string") {
    try {
      const parsed = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
