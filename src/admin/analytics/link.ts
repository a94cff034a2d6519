/**
 * The analytics page's address for links posted in Telegram (`/stats`): `admin.public_url` when
 * set (a reverse proxy's address), else the listen address with the bound port. Never with the
 * token — the page asks for it, or uses the one kept from a previous visit (login.ts).
 */
import type { AdminConfig } from "../../config/mod.ts";

/** `http://127.0.0.1:8089/analytics`, or `<public_url>/analytics`. */
export function analyticsPageUrl(admin: AdminConfig, boundPort: number): string {
  const host = admin.listen.host.includes(":") ? `[${admin.listen.host}]` : admin.listen.host;
  return `${admin.publicUrl ?? `http://${host}:${boundPort}`}/analytics`;
}
