/**
 * A supergroup's id as `t.me/c/<id>/<topic>` links write it: the Bot API's `-100…` id without
 * its `-100` (a chat id without the prefix just loses its sign). The topic links operators open
 * and Hotline's `topic_action` (which takes the group in this form) both use it.
 */

/** The link form of the Bot API group id `groupId`, as digits. */
export function linkGroupId(groupId: number): string {
  const id = String(groupId);
  return id.startsWith("-100") ? id.slice(4) : id.replace(/^-/, "");
}
