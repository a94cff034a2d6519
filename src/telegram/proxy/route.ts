/**
 * What a request to the proxy asks for, read from its target the way Telegram's Bot API server
 * reads it: `/bot<token>/<method>` (a method call) or `/file/bot<token>/<path>` (a download).
 * Anything else is Telegram's 404. The target is taken apart by hand, never resolved as a URL:
 * `//bot…` is a path here, not a host.
 */

/** A request the proxy serves. */
export type ProxyRoute =
  | { readonly kind: "method"; readonly token: string; readonly method: string; readonly search: string }
  | { readonly kind: "file"; readonly token: string; readonly path: string; readonly search: string };

/** The route of a request target (path and query), or undefined for Telegram's "Not Found". */
export function routeOf(target: string): ProxyRoute | undefined {
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const search = q < 0 ? "" : target.slice(q);
  const call = /^\/bot([^/]+)\/([A-Za-z0-9_]+)$/.exec(path);
  if (call) {
    const token = decoded(call[1]);
    return token === undefined ? undefined : { kind: "method", token, method: call[2], search };
  }
  const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
  if (file) {
    const token = decoded(file[1]);
    // Dot segments would climb out of the file tree once the URL to Telegram is resolved.
    const segments = file[2].split("/").map(decoded);
    if (token === undefined || segments.some((s) => s === undefined || s === "" || s === "." || s === "..")) return undefined;
    return { kind: "file", token, path: file[2], search };
  }
  return undefined;
}

function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
