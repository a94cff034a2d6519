/**
 * Example deployer plugin: outside office hours, a user who opens (or reopens) a dialog gets an
 * automatic reply saying when operators are back. Load it from YAML:
 *
 * ```yaml
 * plugins:
 *   - path: ./examples/office-hours/plugin.ts
 *     options: { open: "09:00", close: "18:00", days: [1, 2, 3, 4, 5], utc_offset: 1 }
 * ```
 *
 * Deployers import from the public API only (`switchboard` when installed from npm).
 */
import { definePlugin, type OptionProblem } from "../../src/mod.ts";

/** The plugin's options after validation. */
export interface OfficeHours {
  /** Minutes after midnight, local time. */
  open: number;
  close: number;
  /** ISO weekdays (1 = Monday … 7 = Sunday) with office hours. */
  days: number[];
  /** Hours to add to UTC for local time (no DST handling: keep the example small). */
  utcOffset: number;
  text: string;
}

const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/;

function parseOptions(raw: Record<string, unknown>): { ok: true; options: OfficeHours } | { ok: false; problems: OptionProblem[] } {
  const problems: OptionProblem[] = [];
  const time = (key: string, fallback: string) => {
    const value = raw[key] ?? fallback;
    const m = typeof value === "string" ? clock.exec(value) : null;
    if (!m) problems.push({ option: key, message: `expected a time like "09:00", got ${JSON.stringify(value)}` });
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  };
  const open = time("open", "09:00");
  const close = time("close", "18:00");
  const days = (raw.days ?? [1, 2, 3, 4, 5]) as unknown;
  if (!Array.isArray(days) || !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) {
    problems.push({ option: "days", message: "expected a list of weekdays 1-7 (1 = Monday)" });
  }
  const utcOffset = raw.utc_offset ?? 0;
  if (typeof utcOffset !== "number" || Math.abs(utcOffset) > 14) problems.push({ option: "utc_offset", message: "expected hours between -14 and 14" });
  const text = raw.text ?? "Thanks for writing! Our operators are away now and will answer during office hours.";
  if (typeof text !== "string" || text.trim() === "") problems.push({ option: "text", message: "expected the reply text" });
  for (const key of Object.keys(raw)) {
    if (!["open", "close", "days", "utc_offset", "text"].includes(key)) problems.push({ option: key, message: "unknown option" });
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, options: { open, close, days: days as number[], utcOffset: utcOffset as number, text: text as string } };
}

/** True when `now` (ms since the epoch) falls inside office hours. */
export function isOpen(hours: OfficeHours, now: number): boolean {
  const local = new Date(now + hours.utcOffset * 3600_000);
  const weekday = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  return hours.days.includes(weekday) && minutes >= hours.open && minutes < hours.close;
}

/** The office-hours plugin. */
export default definePlugin<OfficeHours>({
  name: "office-hours",
  parseOptions,
  create: (hours) => ({
    onTransition(ctx) {
      // Once per opening: when a user message opens or reopens the dialog.
      const opened = ctx.event.type === "user.message" && ctx.to.state === "topic-open" && ctx.from?.state !== "topic-open";
      if (!opened || isOpen(hours, ctx.now)) return;
      return {
        intents: [
          { type: "sendToUser", text: hours.text },
          { type: "sendToTopic", text: "🕘 Auto-reply sent: outside office hours." },
        ],
      };
    },
  }),
});
