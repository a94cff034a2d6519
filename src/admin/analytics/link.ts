/**
 * The analytics page's address for links posted in Telegram (`/stats`): `admin.public_url` when
 * set (a reverse proxy's address), else the listen address with the bound port. Never with the
 * token — the page asks for it, or uses the one kept from a previous visit (login.ts).
 */
import { hostname } from "node:os";
import type { AdminConfig } from "../../config/mod.ts";

/**
 * `http://127.0.0.1:8089/analytics`, or `<public_url>/analytics`. A wildcard listen address
 * (`0.0.0.0`, `::`) is no address to open: the machine's host name stands in for it.
 */
export function analyticsPageUrl(admin: AdminConfig, boundPort: number): string {
  const listen = admin.listen.host === "0.0.0.0" || admin.listen.host === "::" ? hostname() : admin.listen.host;
  const host = listen.includes(":") ? `[${listen}]` : listen;
  return `${admin.publicUrl ?? `http://${host}:${boundPort}`}/analytics`;
}
