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
import { Schema } from "effect";
import { asInteger, asNumber, definePlugin, describeValue, lenient, oneOrMany, param, refuse } from "../../src/mod.ts";

/** The plugin's options after validation. */
export interface OfficeHours {
  /** Minutes after midnight, local time. */
  open: number;
  close: number;
  /** ISO weekdays (1 = Monday … 7 = Sunday) with office hours. */
  days: readonly number[];
  /** Hours to add to UTC for local time (no DST handling: keep the example small). */
  utcOffset: number;
  text: string;
}

const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "09:00" → minutes after midnight. */
const Time = lenient(Schema.Number, {
  input: { type: "string", pattern: clock.source },
  decode: (written) => {
    const m = typeof written === "string" ? clock.exec(written) : null;
    return m ? Number(m[1]) * 60 + Number(m[2]) : refuse(`expected a time like "09:00", got ${describeValue(written)}`);
  },
  encode: (minutes) => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`,
});

/** An ISO weekday. */
const Weekday = lenient(Schema.Number, {
  input: { type: "integer", minimum: 1, maximum: 7 },
  decode: (written) => {
    const n = asInteger(written);
    return n !== undefined && n >= 1 && n <= 7 ? n : refuse(`expected a weekday 1-7 (1 = Monday), got ${describeValue(written)}`);
  },
});

/** Hours between -14 and 14. */
const Offset = lenient(Schema.Number, {
  input: { type: "number", minimum: -14, maximum: 14 },
  decode: (written) => {
    const n = asNumber(written);
    return n !== undefined && Math.abs(n) <= 14 ? n : refuse(`expected hours between -14 and 14, got ${describeValue(written)}`);
  },
});

/** The reply: any non-empty text. */
const Text = lenient(Schema.String, {
  input: { type: "string", minLength: 1 },
  decode: (written) => (typeof written === "string" && written.trim() !== "" ? written : refuse(`expected the reply text, got ${describeValue(written)}`)),
});

/** The options as written, with defaults and doc text (`switchboard schema` shows them). */
const options = Schema.Struct({
  open: param(Time, { default: 9 * 60, description: "When operators start, local time.", examples: ["09:00"] }),
  close: param(Time, { default: 18 * 60, description: "When operators leave, local time.", examples: ["18:00"] }),
  days: param(oneOrMany(Weekday), { default: [1, 2, 3, 4, 5], description: "ISO weekdays with office hours (1 = Monday … 7 = Sunday)." }),
  utc_offset: param(Offset, { default: 0, description: "Hours to add to UTC for local time." }),
  text: param(Text, {
    default: "Thanks for writing! Our operators are away now and will answer during office hours.",
    description: "What a user gets when they write outside office hours.",
  }),
}).pipe(
  Schema.transform(
    Schema.Struct({ open: Schema.Number, close: Schema.Number, days: Schema.Array(Schema.Number), utcOffset: Schema.Number, text: Schema.String }),
    {
      strict: true,
      decode: ({ utc_offset, ...rest }) => ({ ...rest, utcOffset: utc_offset }),
      encode: ({ utcOffset, ...rest }) => ({ ...rest, utc_offset: utcOffset }),
    },
  ),
);

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
  options,
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
