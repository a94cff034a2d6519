/**
 * `hide-info`: with `name` (or `title`), operators see a stable alias instead of the user's name
 * in topic titles and cards; a monitored group's or channel's title is hidden under `title` only.
 * Nothing names the user: private messages are always copied, never forwarded, so no forward
 * header leaks it; a monitored group's messages are forwarded (to show who wrote them) except
 * under `name` (see `hideGroupSenders` in the machine). `link` and `command` are read by
 * `info-card`.
 */
import { definePlugin } from "../../src/mod.ts";
import { hiddenNameOf } from "./shown.ts";

/** The built-in hide-info plugin. */
export default definePlugin({
  name: "hide-info",
  create: (_options, { bot }) => ({
    nameOf: (user) => hiddenNameOf(bot.id, bot.params.hide_info, user),
  }),
});
