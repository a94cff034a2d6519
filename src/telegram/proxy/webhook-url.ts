/**
 * A webhook URL read the way the Bot API server reads one (tdlib's `parse_url`), so the proxy
 * accepts and refuses what Telegram accepts and refuses: `[http(s)://][user:pass@]host[:port][/path]`,
 * https when no scheme is given, any other scheme refused, a host of RFC 3986 characters (or
 * UTF-8), a port of 1-65535. Unlike api.telegram.org, and like a Bot API server in `--local`
 * mode, plain http and any port are accepted: the parallel system usually listens next to
 * Switchboard (see the README's parallel-connection section).
 */

/** Where to post, and the Basic credentials the URL carried (sent as `Authorization`, as Telegram does). */
export interface WebhookTarget {
  /** The URL to post to, without credentials. */
  readonly url: string;
  /** `Basic …` for a URL with `user:pass@`. */
  readonly authorization?: string;
}

/** The characters RFC 3986 and RFC 7230 allow in a host name, besides letters and digits. */
const hostSymbols = new Set([..."._-!$,~*'();&+="]);

function validHost(host: string): boolean {
  if (host.startsWith("[") && host.endsWith("]")) return /^\[[0-9a-f:.]+\]$/.test(host) && host.includes(":");
  for (let i = 0; i < host.length; i++) {
    const c = host[i]!;
    if (/[a-z0-9]/.test(c) || hostSymbols.has(c) || c.charCodeAt(0) >= 128) continue;
    if (c === "%" && /^[0-9a-f]{2}$/.test(host.slice(i + 1, i + 3))) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

const base64 = (text: string) => btoa(Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join(""));

/** Reads a webhook URL; undefined when Telegram would answer "invalid webhook URL specified". */
export function parseWebhookUrl(raw: string): WebhookTarget | undefined {
  let rest = raw;
  let scheme = "https";
  const head = /^([^:/?#@[\]]*):\/\//.exec(raw);
  if (head) {
    scheme = head[1]!.toLowerCase();
    if (scheme !== "http" && scheme !== "https") return undefined;
    rest = raw.slice(head[0].length);
  }
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const path = (authorityEnd < 0 ? "" : rest.slice(authorityEnd)).trimEnd();

  // The port is what follows the last ':' that comes after any ']' and '@'.
  let hostPart = authority;
  let port = "";
  const colon = authority.lastIndexOf(":");
  if (colon > 0 && colon > authority.lastIndexOf("]") && colon > authority.lastIndexOf("@")) {
    hostPart = authority.slice(0, colon);
    const digits = authority.slice(colon + 1);
    const n = /^\d{1,10}$/.test(digits) ? Number(digits) : NaN;
    if (!(n >= 1 && n <= 65535)) return undefined;
    port = `:${n}`;
  }
  const at = hostPart.lastIndexOf("@");
  const userinfo = at < 0 ? "" : hostPart.slice(0, at);
  const host = hostPart.slice(at + 1).toLowerCase();
  if (host === "" || host === "." || !validHost(host)) return undefined;

  // Control characters and spaces in the path are sent percent-encoded.
  const query = (path.startsWith("/") ? path : `/${path}`).replace(/[\u0000-\u0020]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  const url = `${scheme}://${host}${port}${query}`;
  if (!URL.canParse(url)) return undefined;
  return userinfo === "" ? { url } : { url, authorization: `Basic ${base64(userinfo)}` };
}
