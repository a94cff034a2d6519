/**
 * The plugin's options:
 *
 * ```yaml
 * plugins:
 *   - name: broadcasts
 *     options:
 *       allow_paid_broadcast: true     # Telegram's paid broadcasts: up to 1,000 messages/s (Stars)
 *       time_zone: Europe/Berlin       # what "at YYYY-MM-DD HH:MM" means (default UTC)
 * ```
 */
import * as Schema from "effect/Schema";
import { describeValue, Flag, lenient, param, refuse } from "../../src/mod.ts";
import { isTimeZone } from "./parse.ts";

/** An IANA time zone this runtime knows. */
const TimeZone = lenient(Schema.String, {
  input: { type: "string", minLength: 1 },
  decode: (written) =>
    typeof written === "string" && isTimeZone(written) ? written : refuse(`expected a time zone like UTC or Europe/Berlin, got ${describeValue(written)}`),
});

/** The broadcasts plugin's options. */
export const broadcastOptions = Schema.Struct({
  allow_paid_broadcast: param(Flag, {
    default: false,
    description:
      "Use Telegram's paid broadcasts (allow_paid_broadcast, charged in Stars): the budget rises from Telegram's 30 messages/s (shared with relaying) to 950/s, and the flag is passed with every send that takes it.",
  }),
  time_zone: param(TimeZone, {
    default: "UTC",
    description: "The time zone of /send … at YYYY-MM-DD HH:MM (an IANA name such as Europe/Berlin).",
  }),
});

/**
 * Messages a broadcast may send in any second: Telegram's 30, the whole of the bot's window
 * (relaying keeps its priority inside it: the sender yields to it and it takes the next free
 * slot), or 950 of the paid 1,000.
 */
export const budgetOf = (paid: boolean): number => (paid ? 950 : 30);
