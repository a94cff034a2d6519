/** The analytics page's query (bot and period) and its link, read and refused with clear messages. */
import { describe, expect, it } from "vitest";
import { hostname } from "node:os";
import { analyticsPageUrl } from "../../src/admin/analytics/link.ts";
import { readReportQuery } from "../../src/admin/analytics/query.ts";

const now = Date.UTC(2026, 11, 1, 15, 30);
const day = 86_400_000;
const read = (query: string) => readReportQuery(new URLSearchParams(query), ["acme", "beta"], now);

describe("the analytics page's query", () => {
  it("reads the named periods as /stats has them, for one bot or all", () => {
    expect(read("")).toEqual({ bot: "all", botIds: ["acme", "beta"], name: "7d", label: "last 7 days", period: { from: now - 7 * day, to: now + 1 } });
    expect(read("bot=beta&period=today")).toMatchObject({ bot: "beta", botIds: ["beta"], period: { from: Date.UTC(2026, 11, 1), to: now + 1 } });
    expect(read("bot=all&period=30d")).toMatchObject({ botIds: ["acme", "beta"], period: { from: now - 30 * day } });
  });

  it("reads a custom period as whole UTC days, both included", () => {
    expect(read("from=2026-11-01&to=2026-11-30")).toMatchObject({ name: "custom", label: "2026-11-01 – 2026-11-30 (UTC)", period: { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) } });
    expect(read("period=custom&from=2026-11-05&to=2026-11-05")).toMatchObject({ period: { from: Date.UTC(2026, 10, 5), to: Date.UTC(2026, 10, 6) } });
  });

  it("says what is wrong", () => {
    expect(read("bot=nope")).toBe('bot: no bot "nope" in the config (acme, beta, or all)');
    expect(read("period=toString")).toBe('period: expected today, 7d, 30d or custom (with from and to), got "toString"');
    expect(read("from=2026-02-30&to=2026-03-01")).toBe('from: expected a day as YYYY-MM-DD, got "2026-02-30"');
    expect(read("from=2026-03-01")).toBe('to: expected a day as YYYY-MM-DD, got ""');
    expect(read("from=2026-03-02&to=2026-03-01")).toBe("to (2026-03-01) is before from (2026-03-02)");
    expect(read("from=2020-01-01&to=2026-01-01")).toMatch(/^from … to spans 2193 days; at most 400$/);
  });
});

describe("the analytics page's link", () => {
  const admin = { listen: { host: "127.0.0.1", port: 0 }, readyOutboxAgeSeconds: 300 };
  it("is the public address when set, else the listen address with the bound port", () => {
    expect(analyticsPageUrl(admin, 41234)).toBe("http://127.0.0.1:41234/analytics");
    expect(analyticsPageUrl({ ...admin, listen: { host: "::1", port: 8089 } }, 8089)).toBe("http://[::1]:8089/analytics");
    // A wildcard address is no address to open: the host name stands in.
    expect(analyticsPageUrl({ ...admin, listen: { host: "0.0.0.0", port: 8089 } }, 8089)).toBe(`http://${hostname()}:8089/analytics`);
    expect(analyticsPageUrl({ ...admin, publicUrl: "https://ops.example.com/sb" }, 8089)).toBe("https://ops.example.com/sb/analytics");
  });
});
