/**
 * The admin token check: `Authorization: Bearer TOKEN`, `X-API-KEY: TOKEN` (Hotline's Topics API
 * header) or `?token=TOKEN`, compared in constant
 * time (both sides hashed to 32 bytes first, so neither the content nor the length leaks
 * through timing).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest";

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/** The token a request carries, if any. */
export function presentedToken(request: HttpServerRequest.HttpServerRequest): string | undefined {
  const header = request.headers["authorization"];
  const bearer = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (bearer !== undefined) return bearer;
  const apiKey = request.headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey !== "") return apiKey;
  const query = request.url.indexOf("?");
  return query < 0 ? undefined : new URLSearchParams(request.url.slice(query + 1)).get("token") ?? undefined;
}

/** Whether `request` carries `token`. */
export function authorized(request: HttpServerRequest.HttpServerRequest, token: string): boolean {
  const presented = presentedToken(request);
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}
