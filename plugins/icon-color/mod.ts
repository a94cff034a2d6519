/**
 * `icon-color`: the colour of new topics' icons. The config already rejects anything but
 * Telegram's six values (`bots[i].params.icon_color`), so this plugin only passes it on.
 */
import { definePlugin } from "../../src/mod.ts";

/** The built-in icon-color plugin. */
export default definePlugin({
  name: "icon-color",
  create: () => ({
    topicIconColor: (bot) => bot.params.icon_color ?? undefined,
  }),
});
