/**
 * File registry: every media item the emulator has seen gets a file_id, like on Telegram, so a
 * file id taken from one message can be sent again and unknown ids are rejected as Telegram does.
 */

/** Media kinds that carry a file. */
export type FileKind =
  | "photo"
  | "video"
  | "voice"
  | "audio"
  | "document"
  | "sticker"
  | "animation"
  | "video_note";

/** All media kinds, in the order a message is scanned for them. */
export const FILE_KINDS: readonly FileKind[] = [
  "photo",
  "video",
  "voice",
  "audio",
  "document",
  "sticker",
  "animation",
  "video_note",
];

/** A registered file. */
export interface StoredFile {
  fileId: string;
  uniqueId: string;
  kind: FileKind;
  fileName?: string;
  mimeType?: string;
  size: number;
  /** Uploaded bytes, kept so getFile downloads return what was sent. */
  data?: Blob;
  /** Path under /file/bot<token>/, assigned by getFile. */
  path?: string;
}

// Real file ids start with a kind-specific prefix; mimicking it keeps logs familiar.
const PREFIX: Record<FileKind, string> = {
  photo: "AgACAgIAAxkBAA",
  video: "BAACAgIAAxkBAA",
  voice: "AwACAgIAAxkBAA",
  audio: "CQACAgIAAxkBAA",
  document: "BQACAgIAAxkBAA",
  sticker: "CAACAgIAAxkBAA",
  animation: "CgACAgIAAxkBAA",
  video_note: "DQACAgIAAxkBAA",
};

const MIME: Partial<Record<FileKind, string>> = {
  video: "video/mp4",
  voice: "audio/ogg",
  audio: "audio/mpeg",
  document: "application/octet-stream",
  animation: "video/mp4",
};

/** Keeps every file id ever issued or seen. */
export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly paths = new Map<string, StoredFile>();
  private counter = 0;

  /** Issues a fresh file of the given kind. */
  create(kind: FileKind, o: { fileName?: string; mimeType?: string; size?: number; data?: Blob } = {}): StoredFile {
    const n = ++this.counter;
    const tag = n.toString(36).padStart(6, "0");
    const file: StoredFile = {
      fileId: `${PREFIX[kind]}${tag}${randomTail(24)}`,
      uniqueId: `AQAD${tag}${randomTail(6)}`,
      kind,
      size: o.size ?? 1000 + n * 17,
    };
    const mime = o.mimeType ?? MIME[kind];
    if (mime) file.mimeType = mime;
    if (o.fileName) file.fileName = o.fileName;
    else if (kind === "document") file.fileName = `file${n}.bin`;
    if (o.data) file.data = o.data;
    this.files.set(file.fileId, file);
    return file;
  }

  /** Registers an id supplied by a test (control API) so later sends of it succeed. */
  adopt(kind: FileKind, fileId: string): StoredFile {
    const known = this.files.get(fileId);
    if (known) return known;
    const file: StoredFile = { fileId, uniqueId: `AQAD${randomTail(10)}`, kind, size: 1000 };
    const mime = MIME[kind];
    if (mime) file.mimeType = mime;
    if (kind === "document") file.fileName = "file.bin";
    this.files.set(fileId, file);
    return file;
  }

  /** Gives the file a download path (getFile) and returns it. */
  pathOf(file: StoredFile): string {
    if (!file.path) {
      const ext = file.fileName?.match(/\.[A-Za-z0-9]+$/)?.[0] ?? (file.kind === "photo" ? ".jpg" : "");
      const dir = file.kind === "photo" ? "photos" : `${file.kind}s`;
      file.path = `${dir}/file_${this.paths.size}${ext}`;
      this.paths.set(file.path, file);
    }
    return file.path;
  }

  /** The file behind a download path. */
  byPath(path: string): StoredFile | undefined {
    return this.paths.get(path);
  }

  /** Looks up an id; undefined when Telegram would say "wrong file identifier". */
  get(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }
}

function randomTail(len: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let s = "";
  for (let i = 0; i < len; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

/**
 * The message field(s) for a file, shaped like the Bot API objects (PhotoSize[], Video, …).
 * Animations also carry a `document` field, as Telegram sends them.
 */
export function mediaFields(file: StoredFile): Record<string, unknown> {
  const base = { file_id: file.fileId, file_unique_id: file.uniqueId, file_size: file.size };
  const withMime = file.mimeType ? { ...base, mime_type: file.mimeType } : base;
  switch (file.kind) {
    case "photo":
      // Telegram sends several sizes; the last is the largest. Both share the file for simplicity.
      return {
        photo: [
          { ...base, file_size: Math.floor(file.size / 4), width: 90, height: 90 },
          { ...base, width: 800, height: 800 },
        ],
      };
    case "video":
      return { video: { ...withMime, width: 640, height: 360, duration: 5 } };
    case "voice":
      return { voice: { ...withMime, duration: 3 } };
    case "audio":
      return { audio: { ...withMime, duration: 120, ...(file.fileName ? { file_name: file.fileName } : {}) } };
    case "document":
      return { document: { ...withMime, ...(file.fileName ? { file_name: file.fileName } : {}) } };
    case "sticker":
      return {
        sticker: { ...base, type: "regular", width: 512, height: 512, is_animated: false, is_video: false, emoji: "🙂" },
      };
    case "animation": {
      const anim = { ...withMime, width: 320, height: 240, duration: 2, file_name: file.fileName ?? "animation.mp4" };
      return { animation: anim, document: { ...withMime, file_name: anim.file_name } };
    }
    case "video_note":
      return { video_note: { ...base, length: 240, duration: 4 } };
  }
}

/** The file id a message's media field carries, if any. */
export function fileIdOf(kind: FileKind, value: unknown): string | undefined {
  if (kind === "photo" && Array.isArray(value)) {
    const last = value[value.length - 1] as { file_id?: string } | undefined;
    return last?.file_id;
  }
  if (value && typeof value === "object") return (value as { file_id?: string }).file_id;
  return undefined;
}
