/**
 * The syntax of `/send` in General, as Hotline documents it:
 *
 *   /send TEMPLATE to all | label NAME [NAME…] | list ID,ID,… | file | test
 *         [at YYYY-MM-DD HH:MM] [except label NAME [NAME…]]
 *   /send TEMPLATE test
 *   /send go ID | status | pause ID | resume ID | cancel ID | help
 *
 * Parsing is pure: wrong input gets one line saying what is wrong.
 */
import { checkName } from "../templates/names.ts";

/** Who a broadcast goes to, as asked. */
export type Target =
  | { kind: "all" }
  | { kind: "label"; labels: readonly string[] }
  | { kind: "list"; ids: readonly number[] }
  | { kind: "file" }
  | { kind: "test" };

/** A parsed `/send TEMPLATE …`. */
export interface SendRequest {
  readonly template: string;
  readonly target: Target;
  /** Label keys whose users are left out. */
  readonly except: readonly string[];
  /** `at`: the wall-clock time written, still in the deployment's time zone. */
  readonly at?: { year: number; month: number; day: number; hour: number; minute: number };
}

/** A parsed `/send` in General. */
export type SendCommand =
  | { kind: "help" }
  | { kind: "status" }
  | { kind: "control"; verb: "go" | "pause" | "resume" | "cancel"; id: number }
  | { kind: "send"; request: SendRequest }
  | { kind: "error"; message: string };

/** Words that are subcommands, never template names. */
export const subcommands = new Set(["go", "status", "pause", "resume", "cancel", "help"]);

const fail = (message: string): SendCommand => ({ kind: "error", message });

/** What is wrong with one item of a list. */
interface Wrong {
  readonly error: string;
}

/**
 * The items of a list in `words` from `start` up to the next word in `stops` (items are separated
 * by commas or spaces), each read by `read`; with the index after the list, or the first wrong item.
 */
function itemsUntil<T>(words: readonly string[], start: number, stops: ReadonlySet<string>, read: (part: string) => T | Wrong): { items: T[]; next: number } | Wrong {
  const items: T[] = [];
  let i = start;
  while (i < words.length && !stops.has(words[i].toLowerCase())) {
    for (const part of words[i].split(",").filter(Boolean)) {
      const item = read(part);
      if (typeof item === "object" && item !== null && "error" in item) return item;
      items.push(item as T);
    }
    i += 1;
  }
  return { items, next: i };
}

const labelKey = (part: string): string | Wrong => {
  const checked = checkName(part, "label");
  return "error" in checked ? { error: checked.error } : checked.key;
};

const userId = (part: string): number | Wrong =>
  /^\d{1,15}$/.test(part) ? Number(part) : { error: `A user id is a positive number; "${part.slice(0, 30)}" is not.` };

/** Parses what follows `/send`. */
export function parseSend(args: string): SendCommand {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.toLowerCase();
  if (first === undefined || first === "help") return { kind: "help" };
  if (first === "status") return words.length === 1 ? { kind: "status" } : fail("Usage: /send status.");
  if (first === "go" || first === "pause" || first === "resume" || first === "cancel") {
    const id = words[1]?.replace(/^#/, "");
    if (words.length !== 2 || !id || !/^\d+$/.test(id)) return fail(`Usage: /send ${first} ID (the broadcast's number, see /send status).`);
    return { kind: "control", verb: first, id: Number(id) };
  }
  const name = checkName(words[0], "template");
  if ("error" in name) return fail(name.error);
  const rest = words.slice(1).map((w) => w);
  if (rest.length === 0) return fail(`Say who gets it: /send ${name.name} to all | label NAME | list ID,ID | file, or /send ${name.name} test.`);
  let i = 0;
  const lower = (k: number) => rest[k]?.toLowerCase();
  if (lower(0) === "to") i = 1;
  else if (lower(0) !== "test") return fail(`Expected "to" after the template name: /send ${name.name} to all | label NAME | list ID,ID | file | test.`);
  const kind = lower(i);
  let target: Target;
  const stops = new Set(["at", "except"]);
  if (kind === "all" || kind === "file" || kind === "test") {
    target = { kind };
    i += 1;
  } else if (kind === "label") {
    const labels = itemsUntil(rest, i + 1, stops, labelKey);
    if ("error" in labels) return fail(labels.error);
    if (labels.items.length === 0) return fail("Give at least one label: /send TEMPLATE to label NAME [NAME…].");
    target = { kind: "label", labels: [...new Set(labels.items)] };
    i = labels.next;
  } else if (kind === "list") {
    const ids = itemsUntil(rest, i + 1, stops, userId);
    if ("error" in ids) return fail(ids.error);
    if (ids.items.length === 0) return fail("Give at least one user id: /send TEMPLATE to list ID,ID,….");
    target = { kind: "list", ids: [...new Set(ids.items)] };
    i = ids.next;
  } else {
    return fail(`Unknown recipients "${rest[i] ?? ""}": use all, label NAME, list ID,ID, file or test.`);
  }
  let at: SendRequest["at"];
  let except: string[] = [];
  while (i < rest.length) {
    const word = lower(i);
    if (word === "at") {
      if (at) return fail('"at" is given twice.');
      const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(rest[i + 1] ?? "");
      const time = /^(\d{1,2}):(\d{2})$/.exec(rest[i + 2] ?? "");
      if (!date || !time) return fail("Usage: at YYYY-MM-DD HH:MM, e.g. at 2026-12-24 09:00.");
      const parsed = { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]), hour: Number(time[1]), minute: Number(time[2]) };
      const check = new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day, parsed.hour, parsed.minute));
      if (check.getUTCMonth() !== parsed.month - 1 || check.getUTCDate() !== parsed.day || parsed.hour > 23 || parsed.minute > 59) {
        return fail(`"${rest[i + 1]} ${rest[i + 2]}" is not a valid date and time.`);
      }
      at = parsed;
      i += 3;
    } else if (word === "except") {
      if (lower(i + 1) !== "label") return fail("Usage: except label NAME [NAME…].");
      const labels = itemsUntil(rest, i + 2, stops, labelKey);
      if ("error" in labels) return fail(labels.error);
      if (labels.next === i + 2) return fail("Give at least one label after except label.");
      except.push(...labels.items);
      i = labels.next;
    } else {
      return fail(`Unexpected "${rest[i].slice(0, 30)}": after the recipients only at YYYY-MM-DD HH:MM and except label NAME may follow.`);
    }
  }
  except = [...new Set(except)];
  return { kind: "send", request: { template: name.key, target, except, ...(at ? { at } : {}) } };
}

/**
 * The instant a wall-clock time has in `timeZone` (an IANA name): the UTC guess corrected by
 * the zone's offset at that instant, checked once more for a DST change in between.
 */
export function zonedTime(at: NonNullable<SendRequest["at"]>, timeZone: string): number {
  const guess = Date.UTC(at.year, at.month - 1, at.day, at.hour, at.minute);
  const first = guess - offsetOf(guess, timeZone);
  return guess - offsetOf(first, timeZone);
}

/** The zone's offset from UTC at `instant`, in ms. */
function offsetOf(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
    .formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** True when `timeZone` is a zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}
