/**
 * The plugin's options: templates declared in the configuration, by name —
 *
 * ```yaml
 * plugins:
 *   - name: templates
 *     options:
 *       templates:
 *         prices:
 *           text: "<b>Prices</b> start at 10 €."
 *           parse_mode: HTML
 *           photo: AgACAgIAAxkBAAIB…          # or video / document / animation / audio: a file id
 *           buttons: [[{ text: "Shop", url: "https://example.com/shop" }]]
 * ```
 */
import * as Schema from "effect/Schema";
import type { DeclaredTemplate, TemplateMediaKind } from "../../src/mod.ts";
import { describeValue, isMapping, lenient, param, refuse, type Refusal } from "../../src/mod.ts";
import { checkName } from "./names.ts";

const MEDIA: readonly TemplateMediaKind[] = ["photo", "video", "document", "animation", "audio"];
const PARSE_MODES = ["HTML", "MarkdownV2", "Markdown"] as const;
const KEYS = new Set(["text", "parse_mode", "buttons", ...MEDIA]);
const URL_PATTERN = /^(https?|tg):\/\/\S+$/;

/** A declared template with the name it was declared under. */
export interface NamedTemplate {
  readonly name: string;
  readonly content: DeclaredTemplate;
}

/** Decodes one template; refusals are relative to the template's key. */
function declared(name: string, raw: unknown, refusals: Refusal[]): DeclaredTemplate | undefined {
  const at = (...path: (string | number)[]) => [name, ...path];
  if (!isMapping(raw)) {
    refusals.push({ at: at(), actual: raw, message: `expected a mapping with text, parse_mode, a media file id and buttons, got ${describeValue(raw)}` });
    return undefined;
  }
  const before = refusals.length;
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) refusals.push({ at: at(key), actual: key, message: `unknown key (a template has ${[...KEYS].join(", ")})` });
  const text = raw.text;
  if (text !== undefined && (typeof text !== "string" || text === "")) refusals.push({ at: at("text"), actual: text, message: `expected text, got ${describeValue(text)}` });
  const mode = raw.parse_mode;
  if (mode !== undefined && !(PARSE_MODES as readonly unknown[]).includes(mode)) refusals.push({ at: at("parse_mode"), actual: mode, message: `expected HTML, MarkdownV2 or Markdown, got ${describeValue(mode)}` });
  const media = MEDIA.filter((m) => raw[m] !== undefined);
  if (media.length > 1) refusals.push({ at: at(media[1]), actual: raw[media[1]], message: `one media per template (${media.join(" and ")} given)` });
  for (const m of media) if (typeof raw[m] !== "string" || raw[m] === "") refusals.push({ at: at(m), actual: raw[m], message: `expected a Telegram file id, got ${describeValue(raw[m])}` });
  if (text === undefined && media.length === 0) refusals.push({ at: at(), actual: raw, message: "a template needs text or a media file id" });
  const buttons = raw.buttons === undefined ? undefined : Array.isArray(raw.buttons) && raw.buttons.every((r) => !Array.isArray(r)) ? [raw.buttons] : raw.buttons;
  if (buttons !== undefined) {
    if (!Array.isArray(buttons)) refusals.push({ at: at("buttons"), actual: buttons, message: `expected rows of { text, url }, got ${describeValue(buttons)}` });
    else {
      buttons.forEach((row: unknown, i: number) =>
        (row as unknown[]).forEach((b, j) => {
          if (!isMapping(b) || typeof b.text !== "string" || b.text === "" || typeof b.url !== "string" || !URL_PATTERN.test(b.url)) {
            refusals.push({ at: at("buttons", i, j), actual: b, message: `expected { text, url } with an http(s) or tg:// URL, got ${describeValue(b)}` });
          }
        })
      );
    }
  }
  if (refusals.length > before) return undefined;
  return {
    kind: "message",
    ...(typeof text === "string" ? { text } : {}),
    ...(mode !== undefined ? { parseMode: mode as DeclaredTemplate["parseMode"] } : {}),
    ...(media.length === 1 ? { media: { type: media[0], fileId: raw[media[0]] as string } } : {}),
    ...(buttons ? { buttons: (buttons as { text: string; url: string }[][]).map((row) => row.map((b) => ({ text: b.text, url: b.url }))) } : {}),
  };
}

/** `templates:` — a mapping of name to template. */
const Declared = lenient(Schema.Array(Schema.Unknown as Schema.Schema<NamedTemplate>), {
  input: { type: "object", propertyNames: { pattern: "^[A-Za-z][A-Za-z0-9_-]*$" }, additionalProperties: { type: "object" } },
  decode: (written) => {
    if (!isMapping(written)) return refuse(`expected a mapping of name: template, got ${describeValue(written)}`);
    const refusals: Refusal[] = [];
    const out: NamedTemplate[] = [];
    const seen = new Set<string>();
    for (const [name, raw] of Object.entries(written)) {
      const checked = checkName(name, "template");
      if ("error" in checked) refusals.push({ at: [name], actual: name, message: checked.error });
      else if (seen.has(checked.key)) refusals.push({ at: [name], actual: name, message: `declared twice (names are case-insensitive)` });
      seen.add(name.toLowerCase());
      const content = declared(name, raw, refusals);
      if (content && !("error" in checked)) out.push({ name, content });
    }
    return refusals.length > 0 ? refuse(...refusals) : out;
  },
  encode: () => ({}),
});

/** The templates plugin's options. */
export const templateOptions = Schema.Struct({
  templates: param(Declared, {
    default: [],
    description: "Templates declared here, by name: text (with parse_mode), an optional media file id (photo, video, document, animation or audio) and URL buttons as rows of { text, url }. Operators send them with /send NAME; they cannot be changed from Telegram.",
    examples: [{ prices: { text: "<b>Prices</b> start at 10 €.", parse_mode: "HTML", buttons: [[{ text: "Shop", url: "https://example.com/shop" }]] } }],
  }),
});
