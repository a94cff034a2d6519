/**
 * What operators read about a broadcast: the progress message (sent / failed / blocked /
 * remaining, rate, ETA), the closing summary and the CSV report (user id, alias or name, status,
 * message id, time).
 */
import type { Broadcast, Counts, Recipient } from "./store.ts";

/** Recipients the broadcast is done with, and those it is not. */
export function tally(c: Counts) {
  const n = (s: keyof Counts["byStatus"]) => c.byStatus[s] ?? 0;
  const failed = n("failed") + n("not_found") + n("deactivated");
  return { sent: n("delivered"), failed, blocked: n("blocked"), remaining: n("pending") + n("sending") + n("cancelled"), total: c.total, inDoubt: c.inDoubt };
}

const seconds = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
};

/** The progress message's text. `now` and the broadcast's start give the rate and the ETA. */
export function progressText(b: Broadcast, c: Counts, now: number): string {
  const t = tally(c);
  const done = t.sent + t.failed + t.blocked;
  const elapsed = b.startedAt === null ? 0 : Math.max(1, now - b.startedAt);
  const rate = elapsed > 0 ? (done / elapsed) * 1000 : 0;
  const state = b.status === "running" ? "sending" : b.status;
  const lines = [
    `📣 Broadcast #${b.id} (${b.template}): ${state}`,
    `sent ${t.sent} · failed ${t.failed} · blocked ${t.blocked} · remaining ${t.remaining} of ${t.total}`,
  ];
  if (b.status === "running" || b.status === "paused") {
    lines.push(`rate ${rate.toFixed(1)}/s${rate > 0 && t.remaining > 0 ? ` · ETA ${seconds((t.remaining / rate) * 1000)}` : ""}`);
  }
  if (b.status === "paused") lines.push(`/send resume ${b.id} goes on; /send cancel ${b.id} stops it.`);
  else if (b.status === "running") lines.push(`/send pause ${b.id} · /send cancel ${b.id}`);
  return lines.join("\n");
}

/** The closing summary in General. */
export function summaryText(b: Broadcast, c: Counts, now: number): string {
  const t = tally(c);
  const n = (s: keyof Counts["byStatus"]) => c.byStatus[s] ?? 0;
  const took = b.startedAt === null ? 0 : now - b.startedAt;
  return [
    `📣 Broadcast #${b.id} (${b.template}) ${b.status === "cancelled" ? "cancelled" : "finished"} in ${seconds(took)}.`,
    `Delivered ${t.sent} of ${t.total}; blocked ${t.blocked}; deactivated ${n("deactivated")}; not found ${n("not_found")}; failed ${n("failed")}${t.remaining > 0 ? `; not sent ${t.remaining}` : ""}.`,
    ...(t.inDoubt > 0 ? [`In doubt ${t.inDoubt}: sent again after a restart while their first send's answer was lost (they may have it twice).`] : []),
    ...(b.rateLimited > 0 ? [`Telegram asked to slow down ${b.rateLimited} times.`] : []),
  ].join("\n");
}

/** How a recipient's status reads in the report (of a cancelled broadcast: its rest is `cancelled`). */
export function statusWord(r: Recipient, cancelled = false): string {
  switch (r.status) {
    case "delivered":
      return "delivered";
    case "blocked":
      return "blocked";
    case "deactivated":
      return "deactivated";
    case "not_found":
      return "not found";
    case "failed":
      return `failed: ${r.reason ?? "unknown"}`;
    case "cancelled":
      return "cancelled";
    default:
      return cancelled ? "cancelled" : "not sent";
  }
}

const cell = (value: string | number | null): string => {
  const text = value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** The CSV report: a header, then one line per recipient in order. */
export function reportCsv(rows: readonly Recipient[], nameOf: (chatId: number) => string, cancelled = false): string {
  const lines = ["user_id,name,status,message_id,time,in_doubt"];
  for (const r of rows) {
    lines.push([r.chatId, nameOf(r.chatId), statusWord(r, cancelled), r.messageId, r.at === null ? null : new Date(r.at).toISOString(), r.inDoubt ? "yes" : ""].map(cell).join(","));
  }
  return `${lines.join("\n")}\n`;
}
