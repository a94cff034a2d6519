/** Calls the sandbox's JSON actions (`src/sandbox/web/actions.ts` lists them). */

/** An action the server refused; `problems` is set for a rejected config. */
export class ActionError extends Error {
  /** @param {string} message @param {string[]} [problems] */
  constructor(message, problems = []) {
    super(message);
    this.problems = problems;
  }
}

/**
 * POSTs `body` to `/api/{path}` and resolves with the result.
 * @param {string} path @param {Record<string, unknown>} [body]
 */
export async function post(path, body = {}) {
  const res = await fetch(`/api/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = await res.json();
  if (!answer.ok) throw new ActionError(answer.error, answer.problems);
  return answer.result;
}
