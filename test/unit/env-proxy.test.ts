/**
 * Which Bot API servers the environment sends through a proxy (env-proxy.ts): on Deno those
 * calls keep `fetch`, which honours the proxy, instead of the transport's own sockets.
 */
import { describe, expect, it } from "vitest";
import { proxyFor } from "../../src/platform/env-proxy.ts";

const telegram = new URL("https://api.telegram.org");
const local = new URL("http://127.0.0.1:8081/base");

describe("proxyFor", () => {
  it("names none without proxy variables", () => {
    expect(proxyFor(telegram, {})).toBeUndefined();
    expect(proxyFor(local, { HTTPS_PROXY: "http://proxy:3128" })).toBeUndefined(); // https only
  });

  it("takes the scheme's variable, in either case, else ALL_PROXY", () => {
    expect(proxyFor(telegram, { HTTPS_PROXY: "http://a:3128" })).toBe("http://a:3128");
    expect(proxyFor(telegram, { https_proxy: "http://b:3128" })).toBe("http://b:3128");
    expect(proxyFor(local, { HTTP_PROXY: "http://c:3128", HTTPS_PROXY: "http://d:3128" })).toBe("http://c:3128");
    expect(proxyFor(telegram, { ALL_PROXY: "socks5://e:1080" })).toBe("socks5://e:1080");
    expect(proxyFor(telegram, { HTTPS_PROXY: "" })).toBeUndefined();
  });

  it("leaves out the hosts of NO_PROXY: names with their subdomains, host:port, and *", () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: "http://p:1", HTTP_PROXY: "http://p:1", NO_PROXY: noProxy });
    expect(proxyFor(telegram, env("telegram.org"))).toBeUndefined();
    expect(proxyFor(telegram, env(".telegram.org"))).toBeUndefined();
    expect(proxyFor(telegram, env("*.telegram.org"))).toBeUndefined();
    expect(proxyFor(telegram, env("example.com, api.telegram.org"))).toBeUndefined();
    expect(proxyFor(telegram, env("gram.org"))).toBe("http://p:1"); // not a subdomain of it
    expect(proxyFor(local, env("127.0.0.1:8081"))).toBeUndefined();
    expect(proxyFor(local, env("127.0.0.1:9999"))).toBe("http://p:1");
    expect(proxyFor(telegram, env("*"))).toBeUndefined();
    expect(proxyFor(new URL("http://[::1]:8081"), env("[::1]"))).toBeUndefined();
    expect(proxyFor(telegram, { HTTPS_PROXY: "http://p:1", no_proxy: "api.telegram.org" })).toBeUndefined();
  });
});
