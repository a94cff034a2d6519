/**
 * Whether the environment sends requests to a URL through a proxy, as Deno's `fetch` decides it
 * (`HTTPS_PROXY` / `HTTP_PROXY`, or `ALL_PROXY`, in either case, minus the hosts of `NO_PROXY`).
 * The Bot API transport's own sockets cannot go through a proxy; on Deno, where `fetch` honours
 * these variables, a deployment that sets one keeps `fetch` for its Bot API calls (deno.ts).
 */

/** The proxy the environment names for `url`, or undefined. */
export function proxyFor(url: URL, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const read = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const proxy = (url.protocol === "https:" ? read("HTTPS_PROXY") : read("HTTP_PROXY")) ?? read("ALL_PROXY");
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const hostPort = `${host}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
  for (const raw of (read("NO_PROXY") ?? "").split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return undefined;
    // `host:port` matches that port only; a bare name (or `.name`, `*.name`) matches it and its subdomains.
    const withPort = /^([^:\[\]]+|\[[^\]]+\]):(\d+)$/.exec(entry);
    if (withPort) {
      if (hostPort === `${withPort[1].replace(/^\[|\]$/g, "")}:${withPort[2]}`) return undefined;
      continue;
    }
    const name = entry.replace(/^\*?\./, "").replace(/^\[|\]$/g, "");
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return proxy;
}
