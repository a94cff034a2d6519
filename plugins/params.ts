/**
 * The Hotline parameters (`bots[].params`) of the built-in plugins: each plugin declares the ones
 * it owns in its own folder, and this list only puts them together, in the order of Hotline's
 * documentation. The config reader, the `Params` type and `switchboard schema` are built from it.
 */
import { params as autoclose } from "./autoclose/params.ts";
import { params as comments } from "./comments/params.ts";
import { params as customCommands } from "./custom-commands/params.ts";
import { params as hideInfo } from "./hide-info/params.ts";
import { params as iconColor } from "./icon-color/params.ts";
import { params as infoCard } from "./info-card/params.ts";
import { params as intercept } from "./intercept/params.ts";
import { params as keywordGate } from "./keyword-gate/params.ts";
import { params as leaveClosed } from "./leave-closed/params.ts";
import { params as moderation } from "./moderation/params.ts";
import { params as monitor } from "./monitor/params.ts";
import { params as silentMode } from "./silent-mode/params.ts";
import { params as webhooks } from "./webhooks/options.ts";
import { params as welcome } from "./welcome/params.ts";

/** Every built-in parameter by its (lowercase) name: the fields of one `effect/Schema` struct. */
export const builtinParams = {
  ...welcome,
  ...autoclose,
  ...infoCard,
  ...silentMode,
  ...moderation,
  ...hideInfo,
  ...comments,
  ...keywordGate,
  ...leaveClosed,
  ...monitor,
  ...intercept,
  ...iconColor,
  ...webhooks,
  ...customCommands,
};
