/**
 * The templates of one bot: those declared in the configuration and those saved from Telegram,
 * looked up by name. Other plugins (labels' `sends`, broadcasts later) find a bot's book with
 * {@link templateBookOf}: the templates plugin registers it when it is created.
 */
import type { Kysely } from "kysely";
import type { TemplateContent } from "../../src/mod.ts";
import type { NamedTemplate } from "./options.ts";
import { findSaved, listSaved } from "./store.ts";

/** A template found by name. */
export interface FoundTemplate {
  readonly name: string;
  readonly content: TemplateContent;
  readonly origin: "declared" | "saved";
  /** Messages it sends. */
  readonly size: number;
}

/** See the module comment. */
export class TemplateBook {
  readonly #declared: Map<string, NamedTemplate>;
  readonly #db: Kysely<any> | undefined;
  readonly #botId: string;

  constructor(botId: string, declared: readonly NamedTemplate[], db: Kysely<any> | undefined) {
    this.#botId = botId;
    this.#db = db;
    this.#declared = new Map(declared.map((t) => [t.name.toLowerCase(), t]));
  }

  /** True when `key` is declared in the configuration (it cannot be saved over or deleted). */
  isDeclared(key: string): boolean {
    return this.#declared.has(key);
  }

  /** The template called `key` (lowercase): a declared one first. */
  async find(key: string): Promise<FoundTemplate | undefined> {
    const declared = this.#declared.get(key);
    if (declared) return { name: declared.name, content: declared.content, origin: "declared", size: 1 };
    const saved = this.#db ? await findSaved(this.#db, this.#botId, key) : undefined;
    if (!saved) return undefined;
    return { name: saved.name, content: { kind: "copy", fromChatId: saved.sourceChatId, messageIds: saved.messageIds }, origin: "saved", size: saved.messageIds.length };
  }

  /** Every template, declared ones first, each group by name. */
  async list(): Promise<FoundTemplate[]> {
    const declared = [...this.#declared.values()].sort((a, b) => a.name.localeCompare(b.name))
      .map((t): FoundTemplate => ({ name: t.name, content: t.content, origin: "declared", size: 1 }));
    const saved = this.#db ? await listSaved(this.#db, this.#botId) : [];
    return [
      ...declared,
      ...saved.filter((s) => !this.#declared.has(s.name.toLowerCase()))
        .map((s): FoundTemplate => ({ name: s.name, content: { kind: "copy", fromChatId: s.sourceChatId, messageIds: s.messageIds }, origin: "saved", size: s.messageIds.length })),
    ];
  }
}

const books = new Map<string, TemplateBook>();

/** Registers a bot's book (the templates plugin does, when it is created for the bot). */
export function registerTemplateBook(botId: string, book: TemplateBook): void {
  books.set(botId, book);
}

/** The book of the bot `botId`, if the templates plugin is loaded for it. */
export const templateBookOf = (botId: string): TemplateBook | undefined => books.get(botId);
