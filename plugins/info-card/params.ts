/** The parameters of the info card: when it is posted, and who may ask for it when it is hidden. */
import { ChatIds, Flag, param } from "../../src/mod.ts";

/** The parameters this plugin owns. */
export const params = {
  auto_info: param(Flag, {
    default: false,
    description: "Post the user's info card (/info) in the topic when it is created.",
  }),
  extensions_allowed: param(ChatIds, {
    default: [],
    description:
      "User ids of the operators allowed restricted commands (today: /info under hide_info: [command]); empty = every operator. A list, one id, or \"1, 2\".",
    examples: [[123456789, 987654321]],
  }),
};
