/**
 * A template's content as intents carry it: a snapshot taken when the send was queued, so a
 * template deleted or changed afterwards never breaks (or alters) a send already in the outbox.
 */

/** Messages to copy with `copyMessages` (any content type, formatting and buttons survive). */
export interface CopiedTemplate {
  readonly kind: "copy";
  readonly fromChatId: number;
  /** In order; an album's items or a chain of consecutive messages. */
  readonly messageIds: readonly number[];
}

/** A media kind a declared template may carry. */
export type TemplateMediaKind = "photo" | "video" | "document" | "animation" | "audio";

/** One inline URL button. */
export interface TemplateButton {
  readonly text: string;
  readonly url: string;
}

/** A template declared in the configuration: text (or a caption), optional media and URL buttons. */
export interface DeclaredTemplate {
  readonly kind: "message";
  readonly text?: string;
  readonly parseMode?: "HTML" | "MarkdownV2" | "Markdown";
  readonly media?: { readonly type: TemplateMediaKind; readonly fileId: string };
  /** Rows of buttons. */
  readonly buttons?: readonly (readonly TemplateButton[])[];
}

/** What a template sends. */
export type TemplateContent = CopiedTemplate | DeclaredTemplate;
